"""Unlearning: a confirmation taken back (reject, unidentifiable, new marking) stops the marking
resolving as "learned", unless another confirmed finding taught it too."""

from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType

from catalog.models import KnownMarking
from catalog.resolver import learn, resolve, unlearn
from forensics.models import AuditRecord
from forensics.services import findings as finding_services
from tests.forensics import findings_support as support

from .resolver_support import build_catalog, org

pytestmark = pytest.mark.django_db

REF = date(2026, 6, 13)
MARKING = "Transceiver МАХ3490 2231"


@pytest.fixture
def parts(db):
    return build_catalog()


def learned(marking: str) -> bool:
    return any(c.match == "learned" for c in resolve(marking, reference=REF).candidates)


def confirmed_finding(users, part, marking=MARKING):
    finding = support.finding(support.recovery(), marking=marking)
    finding_services.confirm_finding(finding.pk, users["analyst"], part=part)
    return finding


def test_unlearn_decrements_then_deletes_each_key_audited(parts):
    part = parts["AD7450BRZ"]
    learn("AD7450BRZ 2245", part.pk, part.manufacturer_id, finding_id=1)
    learn("AD7450BRZ 2245", part.pk, part.manufacturer_id, finding_id=2)

    rows = unlearn("AD7450BRZ 2245", part.pk, part.manufacturer_id, finding_id=2)
    assert {row.text_key for row in rows} == {"AD7450BRZ2245", "AD7450BRZ"}
    assert all(row.confirmations == 1 for row in rows)
    assert all(row.last_finding_id is None for row in rows)  # finding 2 no longer vouches

    assert unlearn("AD7450BRZ 2245", part.pk, part.manufacturer_id, finding_id=1) == []
    assert KnownMarking.objects.count() == 0
    records = AuditRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(KnownMarking), action="unlearn"
    ).order_by("id")
    assert records.count() == 4
    assert [r.after for r in records][2:] == [None, None]  # the deletions
    assert records.last().before["confirmations"] == 1


def test_unlearn_keeps_the_last_finding_of_another_confirmation(parts):
    part = parts["AD7450BRZ"]
    learn("AD7450BRZ 2245", part.pk, part.manufacturer_id, finding_id=1)
    learn("AD7450BRZ 2245", part.pk, part.manufacturer_id, finding_id=2)
    rows = unlearn("AD7450BRZ 2245", part.pk, part.manufacturer_id, finding_id=1)
    assert all(row.last_finding_id == 2 for row in rows)


def test_unlearn_touches_only_the_same_part_and_maker(parts):
    holt = org("Holt Integrated Circuits")
    learn("Chip QZX 4417 HX", None, holt.pk, finding_id=7)
    part = parts["AD7450BRZ"]
    assert unlearn("Chip QZX 4417 HX", part.pk, part.manufacturer_id, finding_id=7) == []
    assert unlearn("Other text 99", None, holt.pk) == []
    assert unlearn("   ", None, holt.pk) == []
    assert KnownMarking.objects.filter(manufacturer=holt, confirmations=1).count() >= 1
    assert learned("Chip QZX 4417 HX")

    unlearn("Chip QZX 4417 HX", None, holt.pk, finding_id=7)
    assert not KnownMarking.objects.filter(manufacturer=holt).exists()
    assert not learned("Chip QZX 4417 HX")


def test_confirm_then_reject_no_longer_resolves_as_learned(parts, users):
    part = parts["MAX3490EESA+T"]
    assert not learned(MARKING)
    finding = confirmed_finding(users, part)
    assert resolve(MARKING, reference=REF).candidates[0].match == "learned"

    finding_services.reject_finding(finding.pk, users["analyst"], "Wrong part")
    assert not learned(MARKING)
    assert not KnownMarking.objects.exists()


def test_two_confirmations_one_rejected_still_learned_once(parts, users):
    part = parts["MAX3490EESA+T"]
    first = confirmed_finding(users, part)
    second = confirmed_finding(users, part)
    assert set(KnownMarking.objects.values_list("confirmations", flat=True)) == {2}

    finding_services.reject_finding(first.pk, users["analyst"])
    best = resolve(MARKING, reference=REF).candidates[0]
    assert best.match == "learned" and best.part_id == part.pk
    rows = KnownMarking.objects.all()
    assert rows and all(r.confirmations == 1 and r.last_finding_id == second.pk for r in rows)


@pytest.mark.parametrize("how", ["unidentifiable", "new marking"])
def test_other_ways_out_of_confirmed_unlearn_too(parts, users, how):
    finding = confirmed_finding(users, parts["MAX3490EESA+T"])
    if how == "unidentifiable":
        finding_services.mark_unidentifiable(finding.pk, users["analyst"])
    else:
        finding_services.update_finding(users["analyst"], finding, marking="Chip QZX 4417 HX")
    assert not learned(MARKING)
    assert not KnownMarking.objects.exists()
