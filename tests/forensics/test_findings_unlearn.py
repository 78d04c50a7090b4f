"""Every way out of `confirmed` takes the confirmation's lesson back from the resolver, once, with
the marking, part and manufacturer it was confirmed with, in the same transaction."""

import pytest
from django.db import transaction

from forensics.models import Finding, FindingStatus, Sharing
from forensics.services import findings as services

from . import findings_support as support

pytestmark = pytest.mark.django_db

MARKING = "LM258 274 ZD0XG3"


@pytest.fixture
def world(maker_a, maker_b):
    return {
        "recovery": support.recovery(Sharing.AMBER),
        "lm258": support.part_of(maker_a, "LM258DR"),
        "lm258_b": support.part_of(maker_b, "LM258N"),
    }


def confirmed(world, users, **confirm):
    finding = support.finding(world["recovery"], MARKING)
    services.confirm_finding(finding.pk, users["analyst"], part=world["lm258"], **confirm)
    return Finding.objects.get(pk=finding.pk)


@pytest.mark.parametrize("close", [services.reject_finding, services.mark_unidentifiable])
def test_closing_a_confirmed_finding_unlearns_what_it_taught(
    close, world, users, fake_resolver, maker_a
):
    finding = confirmed(world, users)
    assert fake_resolver.learned == [(MARKING, world["lm258"].pk, maker_a.pk, finding.pk)]

    close(finding.pk, users["analyst"], "Wrong package")
    assert fake_resolver.unlearned == fake_resolver.learned

    close(finding.pk, users["analyst"], "again")  # already closed: nothing more to take back
    assert len(fake_resolver.unlearned) == 1


def test_rejecting_a_proposal_unlearns_nothing(world, users, fake_resolver):
    fake_resolver.answer(MARKING, candidates=[support.candidate(world["lm258"])])
    finding = support.finding(world["recovery"], MARKING)
    assert services.resolve_finding(finding.pk) == FindingStatus.PROPOSED
    services.reject_finding(finding.pk, users["analyst"])
    services.mark_unidentifiable(finding.pk, users["analyst"])
    assert fake_resolver.unlearned == []


def test_a_new_marking_unlearns_the_old_one(world, users, fake_resolver, maker_a):
    finding = confirmed(world, users)
    services.update_finding(users["analyst"], finding, board="PSU")
    assert fake_resolver.unlearned == []  # still confirmed

    services.update_finding(users["analyst"], finding, marking="LM358 2231")
    assert fake_resolver.unlearned == [(MARKING, world["lm258"].pk, maker_a.pk, finding.pk)]
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.UNRESOLVED


def test_deleting_a_confirmed_finding_unlearns_it(world, users, fake_resolver, maker_a):
    finding = confirmed(world, users)
    services.delete_finding(users["admin"], finding)
    assert fake_resolver.unlearned == [(MARKING, world["lm258"].pk, maker_a.pk, finding.pk)]


def test_a_confirmation_without_a_marking_taught_nothing_to_take_back(world, users, fake_resolver):
    finding = support.finding(world["recovery"], "  ")
    services.confirm_finding(finding.pk, users["analyst"], part=world["lm258"])
    services.reject_finding(finding.pk, users["analyst"])
    assert fake_resolver.learned == fake_resolver.unlearned == []


def test_unlearning_rolls_back_with_a_failed_rejection(world, users, fake_resolver, monkeypatch):
    finding = confirmed(world, users)

    def broken(*args):
        raise RuntimeError("resolver store down")

    monkeypatch.setattr("catalog.resolver.unlearn", broken)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.reject_finding(finding.pk, users["analyst"])
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.CONFIRMED
