"""A TLP:RED recovery's confirmed findings are not notified; widening its sharing (through the API or
the edit page, both `update_recovery`) notifies them once, in the same transaction."""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from forensics.models import ComplianceContact, Notification, NotificationKind, Sharing
from forensics.services import findings as finding_services
from forensics.services import recoveries

from . import findings_support as support

pytestmark = pytest.mark.django_db

URL = "/api/v1/recoveries/"


@pytest.fixture
def red(users, maker_a, maker_b, fake_resolver):
    """A RED recovery with two findings confirmed by an analyst: one of brand B (owned by A, which
    has a contact of its own, so both are told) and one of A; and a proposal, never told."""
    maker_b.owner = maker_a
    maker_b.save()
    ComplianceContact.objects.create(organisation=maker_a, name="Owner", email="o@a.example")
    recovery = support.recovery(Sharing.RED)
    of_b = support.finding(recovery, "LM258N 2231")
    of_a = support.finding(recovery, "LM258DR 2231")
    finding_services.confirm_finding(
        of_b.pk, users["analyst"], part=support.part_of(maker_b, "LM258N")
    )
    finding_services.confirm_finding(
        of_a.pk, users["analyst"], part=support.part_of(maker_a, "LM258DR")
    )
    support.finding(recovery, "LM358 2231", manufacturer=maker_a, status="proposed")
    recovery.refresh_from_db()  # coordinates as the database keeps them (decimals)
    return {"recovery": recovery, "of_a": of_a, "of_b": of_b}


def told():
    return sorted(
        Notification.objects.filter(kind=NotificationKind.FINDING_CONFIRMED).values_list(
            "organisation_id", "finding_id"
        )
    )


def test_confirmed_findings_of_a_red_recovery_are_not_notified(red, maker_a, maker_b):
    assert not Notification.objects.exists()


def test_widening_to_amber_notifies_each_organisation_once(
    red, client_for, maker_a, maker_b, django_capture_on_commit_callbacks
):
    analyst = client_for("analyst")
    url = f"{URL}{red['recovery'].pk}/"
    response = analyst.patch(url, {"notes": "still RED"}, format="json")
    assert response.status_code == 200
    assert not Notification.objects.exists()

    with django_capture_on_commit_callbacks() as callbacks:
        response = analyst.patch(url, {"sharing": "amber"}, format="json")
    assert response.status_code == 200, response.json()
    assert callbacks  # the deliveries are enqueued once the change commits
    expected = sorted(
        [
            (maker_b.pk, red["of_b"].pk),
            (maker_a.pk, red["of_b"].pk),
            (maker_a.pk, red["of_a"].pk),
        ]
    )
    assert told() == expected
    payload = Notification.objects.filter(finding=red["of_a"]).get().payload
    assert payload["finding"]["sharing"] == "TLP:AMBER"

    for sharing in ("green", "red", "clear"):  # wider again, back to RED and out: none more
        assert analyst.patch(url, {"sharing": sharing}, format="json").status_code == 200
    assert told() == expected


def test_the_edit_page_notifies_too(red, users, maker_a, maker_b):
    recovery = red["recovery"]
    client = Client()
    client.force_login(users["analyst"])
    response = client.post(
        reverse("forensics:recovery-edit", args=[recovery.pk]),
        {"reference": recovery.reference, "weapon_system": recovery.weapon_system_id,
         "sharing": "green", "location_precision": "unknown"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Notification.objects.count() == 3


def test_notifications_roll_back_with_a_failed_update(red, users):
    with pytest.raises(RuntimeError), transaction.atomic():
        recoveries.update_recovery(red["recovery"], {"sharing": Sharing.AMBER}, users["analyst"])
        raise RuntimeError("the request failed after the service")
    assert not Notification.objects.exists()
