"""Who sees which findings, and what each role may do with them: the visibility and method matrix."""

import json

import pytest

from forensics.models import Finding, FindingStatus, Sharing
from forensics.services import findings as services

from . import findings_support as support

pytestmark = pytest.mark.django_db

URL = "/api/v1/findings/"
ROLES = ["analyst", "admin", "curator", "researcher", "manufacturer_a", "manufacturer_b", "norole"]


@pytest.fixture
def matrix(users, maker_a, maker_b):
    """One finding per (sharing level, maker): maker A, a brand maker A owns, maker B, nobody."""
    brand = support.brand_of(maker_a)
    makers = {"a": maker_a, "brand": brand, "b": maker_b, "none": None}
    rows = {}
    for sharing in Sharing.values:
        rec = support.recovery(sharing)
        for key, maker in makers.items():
            rows[(sharing, key)] = support.finding(
                rec, f"M-{sharing}-{key}", manufacturer=maker, status=FindingStatus.CONFIRMED
            )
    return rows


def expected_keys(role):
    wide = [Sharing.AMBER, Sharing.GREEN, Sharing.CLEAR]
    if role in ("analyst", "admin"):
        return {(s, k) for s in Sharing.values for k in ("a", "brand", "b", "none")}
    if role == "manufacturer_a":
        return {(s, k) for s in wide for k in ("a", "brand")}
    if role == "manufacturer_b":
        return {(s, "b") for s in wide}
    if role in ("curator", "researcher"):
        return {(s, k) for s in (Sharing.GREEN, Sharing.CLEAR) for k in ("a", "brand", "b", "none")}
    return set()


@pytest.mark.parametrize("role", ROLES)
def test_visibility_matrix(client_for, matrix, role):
    response = client_for(role).get(URL, {"page_size": 100})
    if role == "norole":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    seen = {row["id"] for row in response.json()["results"]}
    assert seen == {matrix[key].pk for key in expected_keys(role)}
    assert response.json()["count"] == len(seen)


@pytest.mark.parametrize("role", ROLES)
def test_detail_follows_the_same_visibility(client_for, matrix, role):
    client = client_for(role)
    visible = expected_keys(role)
    for key, finding in matrix.items():
        status = client.get(f"{URL}{finding.pk}/").status_code
        if role == "norole":
            assert status == 403
        else:
            assert status == (200 if key in visible else 404), (role, key)


def test_manufacturer_a_never_sees_maker_b_anywhere(client_for, matrix, maker_b):
    client = client_for("manufacturer_a")
    listing = client.get(URL, {"page_size": 100, "manufacturer": maker_b.pk}).json()
    assert listing["count"] == 0
    export = b"".join(client.get(f"{URL}export.csv").streaming_content).decode()
    assert "Maker B" not in export
    assert ",M-amber-b," not in export
    stats = client.get("/api/v1/statistics/").json()
    assert "Maker B" not in json.dumps(stats)


RESTRICTED_KEYS = {"analyst", "confirmed_by", "notes", "source_url", "candidates", "external_id"}


def test_manufacturers_get_the_redacted_view(client_for, users, matrix, maker_a):
    finding = matrix[(Sharing.AMBER, "a")]
    Finding.objects.filter(pk=finding.pk).update(
        analyst=users["analyst"],
        confirmed_by=users["analyst"],
        notes="Taken from the EOD team at Izium",
        source_url="https://example.org/internal-report",
        candidates=[{"manufacturer": "Maker B Devices", "manufacturer_id": 0}],
    )
    support.photo(finding.recovery)
    body = client_for("manufacturer_a").get(f"{URL}{finding.pk}/").json()
    assert not RESTRICTED_KEYS & set(body)
    assert set(body["recovery"]) == {
        "id", "reference", "weapon_system", "recovered_on", "oblast", "sharing"
    }  # fmt: skip
    text = json.dumps(body)
    for secret in ("93rd Brigade", "Field team", "Izium", "internal-report", "Maker B", "48.5"):
        assert secret not in text

    full = client_for("analyst").get(f"{URL}{finding.pk}/").json()
    assert set(full) >= RESTRICTED_KEYS
    assert full["analyst"] == "analyst"


def _payload(matrix):
    rec = matrix[(Sharing.AMBER, "a")].recovery
    return {"recovery": rec.pk, "marking": "LM358"}


WRITE_EXPECTED = {
    "analyst": (201, 200, 403, 400),
    "admin": (201, 200, 204, 400),
    "curator": (403, 403, 403, 403),
    "researcher": (403, 403, 403, 403),
    "manufacturer_a": (403, 403, 403, 403),
    "manufacturer_b": (403, 403, 403, 403),
    "norole": (403, 403, 403, 403),
}


@pytest.mark.parametrize("role", ROLES)
def test_write_matrix(client_for, matrix, role, fake_resolver):
    """(create, update, delete, confirm-without-proposal) per role; only analysts/admins write."""
    client = client_for(role)
    target = matrix[(Sharing.GREEN, "none")]
    Finding.objects.filter(pk=target.pk).update(status=FindingStatus.UNRESOLVED)
    create, update, delete, confirm = WRITE_EXPECTED[role]
    assert client.post(URL, _payload(matrix), format="json").status_code == create
    assert client.patch(f"{URL}{target.pk}/", {"board": "X"}, format="json").status_code == update
    assert client.post(f"{URL}{target.pk}/confirm/", {}, format="json").status_code == confirm
    assert client.post(f"{URL}{target.pk}/reject/", {}, format="json").status_code == (
        200 if role in ("analyst", "admin") else 403
    )
    assert client.delete(f"{URL}{target.pk}/").status_code == delete


def test_anonymous_gets_nothing(client, matrix):
    assert client.get(URL).status_code == 401
    assert client.get("/api/v1/statistics/").status_code == 401
    assert client.get(f"{URL}export.csv").status_code == 401


@pytest.mark.parametrize("role", ["analyst", "manufacturer_a", "researcher"])
def test_list_query_count_is_constant(client_for, users, maker_a, count_queries, role):
    rec = support.recovery(Sharing.GREEN)
    part = support.part_of(maker_a, "LM358DR")
    for i in range(60):
        f = support.finding(
            rec,
            f"LM358 {i}",
            manufacturer=maker_a,
            part=part,
            analyst=users["analyst"],
            status=FindingStatus.CONFIRMED,  # what a manufacturer sees
        )
        f.finding_photos.create(photo=support.photo(rec, f"p{i}.jpg"), crop_x=1, crop_y=1,
                                crop_width=5, crop_height=5)  # fmt: skip
    client = client_for(role)
    client.get(URL, {"page_size": 5})  # warm the role and organisation caches
    counts = []
    for size in (5, 50):
        with count_queries() as ctx:
            response = client.get(URL, {"page_size": size, "status": "confirmed"})
        assert response.status_code == 200
        assert len(response.json()["results"]) == size
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_manufacturer_does_not_see_a_proposed_finding_of_its_own_part_sees_it_once_confirmed(
    client_for, users, maker_a, fake_resolver
):
    """A proposal is the resolver's guess and may name the wrong company: a manufacturer sees a
    finding (and the photo and recovery it reaches through it) only once an analyst confirms it,
    the same way in the API, its exports and statistics, and the portal."""
    part = support.part_of(maker_a, "LM258DR")
    rec = support.recovery(Sharing.AMBER)
    photo = support.photo(rec)
    finding = support.finding(
        rec, "LM258DR 2231", part=part, manufacturer=maker_a, status=FindingStatus.PROPOSED
    )
    finding.photos.add(photo)
    client = client_for("manufacturer_a")
    client.force_login(users["manufacturer_a"])  # the portal pages read the session

    def seen() -> dict:
        export = b"".join(client.get(f"{URL}export.csv", {"status": ""}).streaming_content).decode()
        stats = client.get("/api/v1/statistics/", {"status": "all"}).json()
        return {
            "list": [r["id"] for r in client.get(URL, {"status": ""}).json()["results"]],
            "detail": client.get(f"{URL}{finding.pk}/").status_code,
            "photo": client.get(f"/api/v1/photos/{photo.pk}/").status_code,
            "recovery": client.get(f"/api/v1/recoveries/{rec.pk}/").status_code,
            "export": "LM258DR 2231" in export,
            "stats": stats["total"],
            "portal": client.get(f"/portal/findings/{finding.pk}/").status_code,
        }

    hidden = {
        "list": [],
        "detail": 404,
        "photo": 404,
        "recovery": 404,
        "export": False,
        "stats": 0,
        "portal": 404,
    }
    assert seen() == hidden

    services.confirm_finding(finding.pk, users["analyst"])
    assert seen() == {
        "list": [finding.pk],
        "detail": 200,
        "photo": 200,
        "recovery": 200,
        "export": True,
        "stats": 1,
        "portal": 200,
    }
    assert client_for("manufacturer_b").get(f"{URL}{finding.pk}/").status_code == 404

    services.reject_finding(finding.pk, users["analyst"], "Not Maker A's")
    assert seen() == hidden
