"""Recoveries: create with the first custody event, update, filters, custody log, delete rules."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from forensics.models import AuditRecord, CustodyEvent, Recovery
from forensics.services import recoveries
from tests.factories import PhotoFactory, RecoveryFactory, WeaponSystemFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/recoveries/"


@pytest.fixture
def system(db):
    return WeaponSystemFactory(name="Test Drone", slug="test-drone")


def payload(system, **extra):
    data = {
        "weapon_system": system.pk,
        "serial_number": "Ы-954",
        "recovered_on": "2024-03-02",
        "oblast": "Kharkiv",
        "location": "Outskirts of Izium",
        "latitude": "49.21000",
        "longitude": "37.25000",
        "location_precision": "km",
        "recovering_unit": "Unit 1",
        "source": "Team report",
        "sharing": "amber",
    }
    data.update(extra)
    return data


def test_create_writes_the_recovery_its_first_custody_event_and_audit(client_for, system, users):
    response = client_for("analyst").post(URL, payload(system), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("REC-")
    assert body["weapon_system_name"] == "Test Drone"
    assert (body["photo_count"], body["finding_count"]) == (0, 0)
    assert body["created_by"] == "analyst"
    recovery = Recovery.objects.get(pk=body["id"])
    (event,) = CustodyEvent.objects.filter(recovery=recovery)
    assert (event.action, event.actor, event.location) == (
        "received",
        users["analyst"],
        "Outskirts of Izium",
    )
    created = AuditRecord.objects.filter(action="create")
    assert created.filter(content_type__model="recovery", object_id=str(recovery.pk)).count() == 1
    assert created.filter(content_type__model="custodyevent", object_id=str(event.pk)).exists()


def test_create_keeps_a_given_reference_and_refuses_a_duplicate(client_for, system):
    client = client_for("admin")
    assert client.post(URL, payload(system, reference="K-1"), format="json").status_code == 201
    again = client.post(URL, payload(system, reference="K-1"), format="json")
    assert again.status_code == 400 and "reference" in again.json()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"recovered_on": "2999-01-01"}, "recovered_on"),
        ({"latitude": None}, "latitude"),
        ({"latitude": "95.0"}, "latitude"),
        ({"longitude": "-181"}, "longitude"),
        ({"sharing": "purple"}, "sharing"),
        ({"weapon_system": 999999}, "weapon_system"),
    ],
)
def test_invalid_recoveries_are_400s_and_nothing_is_written(client_for, system, extra, field):
    response = client_for("analyst").post(URL, payload(system, **extra), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Recovery.objects.exists() and not CustodyEvent.objects.exists()


def test_update_is_audited_with_before_and_after(client_for):
    recovery = RecoveryFactory(sharing="red")
    response = client_for("analyst").patch(
        f"{URL}{recovery.pk}/", {"sharing": "green", "notes": "checked"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["sharing"] == "green"
    record = AuditRecord.objects.get(action="update", object_id=str(recovery.pk))
    assert (record.before["sharing"], record.after["sharing"]) == ("red", "green")


def test_filters(client_for):
    kh101 = WeaponSystemFactory(name="F1", slug="f1")
    other = WeaponSystemFactory(name="F2", slug="f2")
    a = RecoveryFactory(
        weapon_system=kh101, oblast="Kyiv", recovered_on=datetime.date(2023, 1, 5), sharing="red"
    )
    b = RecoveryFactory(
        weapon_system=kh101, oblast="Odesa", recovered_on=datetime.date(2024, 6, 1), sharing="green"
    )
    c = RecoveryFactory(
        weapon_system=other, oblast="kyiv", recovered_on=datetime.date(2024, 8, 1), sharing="amber"
    )
    client = client_for("analyst")

    def ids(query):
        response = client.get(URL, query)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids({"weapon_system": kh101.pk}) == {a.pk, b.pk}
    assert ids({"oblast": "KYIV"}) == {a.pk, c.pk}
    assert ids({"recovered_after": "2024-01-01"}) == {b.pk, c.pk}
    assert ids({"recovered_after": "2024-01-01", "recovered_before": "2024-07-01"}) == {b.pk}
    assert ids({"sharing": "green,amber"}) == {b.pk, c.pk}
    assert ids({"weapon_kind": "attack_uav"}) == {a.pk, b.pk, c.pk}
    assert ids({"q": a.serial_number}) == {a.pk}
    assert client.get(URL, {"sharing": "purple"}).status_code == 400
    assert client.get(URL, {"recovered_after": "not a date"}).status_code == 400


def test_custody_log_is_append_only(client_for, users):
    recovery = recoveries.create_recovery(
        {"weapon_system": WeaponSystemFactory(), "oblast": "Kyiv"}, users["analyst"]
    )
    client = client_for("analyst")
    url = f"{URL}{recovery.pk}/custody/"
    response = client.post(
        url,
        {"action": "transferred", "location": "Lab 2", "note": "Sealed bag 7"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["actor_name"] == "analyst"
    log = client.get(url).json()
    assert [row["action"] for row in log] == ["received", "transferred"]
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)(url, {}, format="json").status_code == 405
        event_url = f"{url}{log[0]['id']}/"
        assert getattr(client, method)(event_url, {}, format="json").status_code == 404
    event = CustodyEvent.objects.first()
    event.note = "rewritten"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    assert CustodyEvent.objects.filter(recovery=recovery).count() == 2


def test_custody_refuses_bad_actions_and_future_times(client_for):
    recovery = RecoveryFactory()
    url = f"{URL}{recovery.pk}/custody/"
    client = client_for("analyst")
    assert client.post(url, {"action": "teleported"}, format="json").status_code == 400
    future = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    response = client.post(url, {"action": "stored", "at": future}, format="json")
    assert response.status_code == 400 and "at" in response.json()
    assert not CustodyEvent.objects.exists()


def test_only_admins_delete_and_only_recoveries_without_evidence(client_for, users, media):
    recovery = recoveries.create_recovery(
        {"weapon_system": WeaponSystemFactory(), "oblast": "Kyiv"}, users["analyst"]
    )
    url = f"{URL}{recovery.pk}/"
    assert client_for("analyst").delete(url).status_code == 403
    with_photo = RecoveryFactory()
    PhotoFactory(recovery=with_photo)
    assert client_for("admin").delete(f"{URL}{with_photo.pk}/").status_code == 409
    assert Recovery.objects.filter(pk=with_photo.pk).exists()
    assert client_for("admin").delete(url).status_code == 204
    assert not Recovery.objects.filter(pk=recovery.pk).exists()
    assert not CustodyEvent.objects.filter(recovery_id=recovery.pk).exists()
    record = AuditRecord.objects.get(action="delete", object_id=str(recovery.pk))
    assert [event["action"] for event in record.before["custody"]] == ["received"]


def test_imports_record_their_own_first_custody_action(users):
    recovery = recoveries.create_recovery(
        {"weapon_system": WeaponSystemFactory(), "external_id": "gur:x"},
        None,
        first_action="imported",
        first_note="GUR portal",
    )
    event = recovery.custody.get()
    assert (event.action, event.actor_name, event.note) == ("imported", "system", "GUR portal")


@pytest.mark.parametrize("role", ["analyst", "manufacturer_a", "researcher"])
def test_list_query_count_does_not_grow_with_page_size(client_for, count_queries, role, media):
    for _ in range(12):
        recovery = RecoveryFactory(sharing="green")
        PhotoFactory(recovery=recovery)
    client = client_for(role)
    client.get(URL)
    counts = []
    for size in (5, 50):
        with count_queries() as ctx:
            assert client.get(URL, {"page_size": size}).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_custody_and_photo_lists_have_constant_queries(client_for, count_queries, users, media):
    recovery = recoveries.create_recovery(
        {"weapon_system": WeaponSystemFactory()}, users["analyst"]
    )
    client = client_for("analyst")
    client.get(f"{URL}{recovery.pk}/custody/")
    counts = []
    for n in (2, 12):
        while recovery.custody.count() < n:
            recoveries.add_custody_event(recovery, users["analyst"], "examined")
        while recovery.photos.count() < n:
            PhotoFactory(recovery=recovery)
        with count_queries() as custody:
            assert len(client.get(f"{URL}{recovery.pk}/custody/").json()) == n
        with count_queries() as photos:
            assert client.get(f"{URL}{recovery.pk}/photos/").json()["count"] == n
        counts.append((len(custody.captured_queries), len(photos.captured_queries)))
    assert counts[0] == counts[1]
