"""The Django admin changes a recovery through `update_recovery`: widening its sharing out of TLP:RED
there notifies the confirmed findings held back, once, with the admin's audit record unchanged."""

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory
from django.urls import reverse

from forensics.models import (
    AuditRecord,
    ComplianceContact,
    Notification,
    NotificationKind,
    Recovery,
    Sharing,
)
from forensics.services import findings as finding_services

from . import findings_support as support

pytestmark = pytest.mark.django_db


@pytest.fixture
def red(users, maker_a, fake_resolver):
    """A RED recovery with one finding an analyst confirmed (maker A, no owner, one compliance
    contact): not notified while RED."""
    ComplianceContact.objects.create(organisation=maker_a, name="Compliance", email="c@a.example")
    recovery = support.recovery(Sharing.RED)
    finding = support.finding(recovery, "LM258DR 2231")
    finding_services.confirm_finding(
        finding.pk, users["analyst"], part=support.part_of(maker_a, "LM258DR")
    )
    assert not Notification.objects.exists()
    return {"recovery": recovery, "finding": finding}


def change_url(recovery):
    return reverse("admin:forensics_recovery_change", args=[recovery.pk])


def form_data(admin_browser, recovery, **changes):
    """The admin change form as the page fills it (with its custody inline), then `changes`."""
    page = admin_browser.get(change_url(recovery))
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        data[name] = "" if value is None else value
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(
            {
                f"{formset.prefix}-TOTAL_FORMS": len(formset.initial_forms),
                f"{formset.prefix}-INITIAL_FORMS": len(formset.initial_forms),
                f"{formset.prefix}-MIN_NUM_FORMS": 0,
                f"{formset.prefix}-MAX_NUM_FORMS": 1000,
            }
        )
        for index, event in enumerate(formset.initial_forms):
            data[f"{formset.prefix}-{index}-id"] = event.instance.pk
            data[f"{formset.prefix}-{index}-recovery"] = recovery.pk
    data.update(changes)
    return data


def recovery_audit(recovery):
    return AuditRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(Recovery), object_id=str(recovery.pk)
    ).order_by("id")


def test_widening_sharing_in_the_admin_notifies_once(
    admin_browser, site_admin, red, maker_a, django_capture_on_commit_callbacks
):
    recovery = red["recovery"]
    audited = recovery_audit(recovery).count()

    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_browser.post(
            change_url(recovery), form_data(admin_browser, recovery, sharing="amber")
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    recovery.refresh_from_db()
    assert recovery.sharing == Sharing.AMBER
    notification = Notification.objects.get()
    assert (notification.kind, notification.organisation, notification.finding) == (
        NotificationKind.FINDING_CONFIRMED,
        maker_a,
        red["finding"],
    )
    assert notification.payload["finding"]["sharing"] == "TLP:AMBER"
    assert notification.deliveries.exists()
    assert callbacks  # the deliveries are enqueued once the change commits

    records = list(recovery_audit(recovery)[audited:])
    assert len(records) == 1  # one record, as the admin wrote before
    assert (records[0].action, records[0].actor) == ("update", site_admin)
    assert (records[0].before["sharing"], records[0].after["sharing"]) == ("red", "amber")

    for changes in ({"sharing": "amber"}, {"sharing": "green", "notes": "seen again"}):
        response = admin_browser.post(
            change_url(recovery), form_data(admin_browser, recovery, **changes)
        )
        assert response.status_code == 302
    assert Notification.objects.count() == 1  # saving again: none more
    recovery.refresh_from_db()
    assert (recovery.sharing, recovery.notes) == (Sharing.GREEN, "seen again")


def test_an_admin_save_that_keeps_red_notifies_nobody(admin_browser, red):
    recovery = red["recovery"]
    response = admin_browser.post(
        change_url(recovery), form_data(admin_browser, recovery, notes="still RED")
    )
    assert response.status_code == 302
    recovery.refresh_from_db()
    assert recovery.notes == "still RED"
    assert not Notification.objects.exists()


def test_adding_a_recovery_in_the_admin_still_records_its_custody(admin_browser, site_admin, red):
    recovery = red["recovery"]
    data = form_data(admin_browser, recovery, reference="REC-ADMIN-1", sharing="red")
    data = {key: value for key, value in data.items() if not key.startswith("custody-")}
    data.update({"custody-TOTAL_FORMS": 0, "custody-INITIAL_FORMS": 0})
    response = admin_browser.post(reverse("admin:forensics_recovery_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    added = Recovery.objects.get(reference="REC-ADMIN-1")
    assert added.created_by == site_admin
    assert added.custody.get().action == "received"
    assert list(recovery_audit(added).values_list("action", flat=True)) == ["create"]


def test_the_admin_has_no_bulk_path_around_the_service(site_admin):
    """Sharing changes only through the change form (or `list_editable`, which Django saves with
    `save_model` too): no action writes recoveries in bulk."""
    request = RequestFactory().get("/admin/forensics/recovery/")
    request.user = site_admin
    recovery_admin = admin.site._registry[Recovery]
    assert not recovery_admin.get_actions(request)
    assert "sharing" not in recovery_admin.list_editable
