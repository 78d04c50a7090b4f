"""Who sees and does what: every role against every evidence endpoint, per sharing level.

Analysts and admins: everything. Curators and researchers: GREEN and CLEAR, without EXIF or
originals. Manufacturers: only AMBER-or-wider recoveries holding a confirmed finding matched to
their organisation (or a brand it owns), and only the photos of those findings, redacted. No role:
nothing. Manufacturer A never sees B's rows.
"""

import os
from dataclasses import dataclass

import pytest

from forensics.models import Finding, FindingPhoto, FindingStatus, Photo, Recovery
from forensics.services import evidence
from tests.factories import OrganisationFactory, PhotoFactory, RecoveryFactory, image_bytes

from .evidence_support import upload, upload_file

pytestmark = pytest.mark.django_db

ROLES = ["analyst", "admin", "curator", "researcher", "manufacturer_a", "manufacturer_b", "norole"]
RESTRICTED_RECOVERY_FIELDS = {"recovering_unit", "source", "latitude", "longitude", "location"}


@dataclass
class World:
    recoveries: dict
    photos: dict


def processed_photo(recovery, seed):
    photo = PhotoFactory(recovery=recovery, content=image_bytes(color=(seed, 90, 30)))
    evidence.process_photo(photo.pk)
    photo.refresh_from_db()
    return photo


def matched(recovery, maker, photo=None, status=FindingStatus.CONFIRMED):
    finding = Finding.objects.create(
        recovery=recovery, marking="MAX3490", manufacturer=maker, status=status
    )
    if photo is not None:
        FindingPhoto.objects.create(finding=finding, photo=photo)
    return finding


@pytest.fixture
def world(users, maker_a, maker_b, media):
    brand_of_a = OrganisationFactory(name="Brand Owned By A", slug="brand-a", owner=maker_a)
    recoveries = {
        "red_a": RecoveryFactory(sharing="red"),
        "amber_a": RecoveryFactory(sharing="amber"),
        "amber_brand": RecoveryFactory(sharing="amber"),
        "amber_b": RecoveryFactory(sharing="amber"),
        "green": RecoveryFactory(sharing="green"),
        "clear": RecoveryFactory(sharing="clear"),
    }
    photos = {
        name: processed_photo(r, index * 20) for index, (name, r) in enumerate(recoveries.items())
    }
    photos["amber_a_unlinked"] = processed_photo(recoveries["amber_a"], 250)
    matched(recoveries["red_a"], maker_a, photos["red_a"])
    matched(recoveries["amber_a"], maker_a, photos["amber_a"])
    matched(recoveries["amber_brand"], brand_of_a, photos["amber_brand"])
    matched(recoveries["amber_b"], maker_b, photos["amber_b"])
    return World(recoveries, photos)


ALL = {"red_a", "amber_a", "amber_brand", "amber_b", "green", "clear"}
VISIBLE = {
    "analyst": ALL,
    "admin": ALL,
    "curator": {"green", "clear"},
    "researcher": {"green", "clear"},
    "manufacturer_a": {"amber_a", "amber_brand"},
    "manufacturer_b": {"amber_b"},
    "norole": set(),
}
VISIBLE_PHOTOS = {
    **VISIBLE,
    "analyst": ALL | {"amber_a_unlinked"},
    "admin": ALL | {"amber_a_unlinked"},
}


def names_of(mapping, ids):
    return {name for name, obj in mapping.items() if obj.pk in ids}


@pytest.mark.parametrize("role", ROLES)
def test_recovery_list_and_detail_follow_sharing_and_matches(client_for, world, role):
    client = client_for(role)
    response = client.get("/api/v1/recoveries/", {"page_size": 100})
    if role == "norole":
        assert response.status_code == 403
        return
    ids = {row["id"] for row in response.json()["results"]}
    assert names_of(world.recoveries, ids) == VISIBLE[role]
    for name, recovery in world.recoveries.items():
        expected = 200 if name in VISIBLE[role] else 404
        assert client.get(f"/api/v1/recoveries/{recovery.pk}/").status_code == expected, name


@pytest.mark.parametrize("role", ROLES)
def test_photo_list_detail_and_images_follow_visibility(client_for, world, role):
    client = client_for(role)
    response = client.get("/api/v1/photos/", {"page_size": 100})
    if role == "norole":
        assert response.status_code == 403
        return
    ids = {row["id"] for row in response.json()["results"]}
    assert names_of(world.photos, ids) == VISIBLE_PHOTOS[role]
    for name, photo in world.photos.items():
        visible = name in VISIBLE_PHOTOS[role]
        base = f"/api/v1/photos/{photo.pk}"
        for suffix in ("/", "/thumbnail/", "/display/"):
            assert client.get(base + suffix).status_code == (200 if visible else 404), (
                name,
                suffix,
            )
        original = client.get(f"{base}/original/").status_code
        assert original == (200 if role in ("analyst", "admin") else 403 if visible else 404)


@pytest.mark.parametrize("role", ROLES)
def test_recovery_photo_list_follows_visibility(client_for, world, role):
    client = client_for(role)
    recovery = world.recoveries["amber_a"]
    response = client.get(f"/api/v1/recoveries/{recovery.pk}/photos/")
    if role == "norole":
        assert response.status_code == 403
    elif "amber_a" not in VISIBLE[role]:
        assert response.status_code == 404
    else:
        ids = {row["id"] for row in response.json()["results"]}
        assert names_of(world.photos, ids) == VISIBLE_PHOTOS[role] & {"amber_a", "amber_a_unlinked"}


def test_manufacturer_reads_redacted_records_only(client_for, world):
    client = client_for("manufacturer_a")
    recovery = client.get(f"/api/v1/recoveries/{world.recoveries['amber_a'].pk}/").json()
    assert not RESTRICTED_RECOVERY_FIELDS & set(recovery)
    assert "notes" not in recovery and "created_by" not in recovery
    assert recovery["oblast"] == "Kyiv"
    assert recovery["finding_count"] == 1 and recovery["photo_count"] == 1
    rows = client.get("/api/v1/recoveries/").json()["results"]
    assert all(not RESTRICTED_RECOVERY_FIELDS & set(row) for row in rows)
    photo = client.get(f"/api/v1/photos/{world.photos['amber_a'].pk}/").json()
    assert set(photo) == {
        "id",
        "recovery",
        "width",
        "height",
        "state",
        "thumbnail_url",
        "display_url",
    }


def test_internal_roles_read_full_recoveries_but_no_exif_or_original(client_for, world):
    client = client_for("researcher")
    recovery = client.get(f"/api/v1/recoveries/{world.recoveries['green'].pk}/").json()
    assert set(recovery) >= RESTRICTED_RECOVERY_FIELDS
    photo = client.get(f"/api/v1/photos/{world.photos['green'].pk}/").json()
    assert not {"exif", "original_url", "duplicates"} & set(photo)
    assert photo["display_url"].endswith(f"/api/v1/photos/{world.photos['green'].pk}/display/")


def test_analysts_read_exif_and_original_address(client_for, world):
    photo = client_for("analyst").get(f"/api/v1/photos/{world.photos['red_a'].pk}/").json()
    assert {"exif", "original_url", "duplicates", "sha256"} <= set(photo)
    response = client_for("analyst").get(photo["original_url"])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    stored = Photo.objects.get(pk=photo["id"])
    with stored.original.open("rb") as handle:
        assert b"".join(response.streaming_content) == handle.read()


def test_images_answer_any_accept_header(client_for, world):
    url = f"/api/v1/photos/{world.photos['green'].pk}/thumbnail/"
    response = client_for("researcher").get(url, HTTP_ACCEPT="image/jpeg")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"].startswith("private")


def test_unprocessed_photo_has_no_images_yet(client_for, world):
    photo = PhotoFactory(recovery=world.recoveries["green"])
    response = client_for("analyst").get(f"/api/v1/photos/{photo.pk}/display/")
    assert response.status_code == 404 and "pending" in response.json()["detail"]


WRITERS = {"analyst", "admin"}


@pytest.mark.parametrize("role", ROLES)
def test_recovery_writes(client_for, world, role):
    client = client_for(role)
    recovery = world.recoveries["green"]
    created = client.post(
        "/api/v1/recoveries/",
        {"weapon_system": recovery.weapon_system_id, "sharing": "red"},
        format="json",
    )
    assert created.status_code == (201 if role in WRITERS else 403)
    patched = client.patch(f"/api/v1/recoveries/{recovery.pk}/", {"notes": "x"}, format="json")
    assert patched.status_code == (200 if role in WRITERS else 403)
    custody = client.post(
        f"/api/v1/recoveries/{recovery.pk}/custody/", {"action": "examined"}, format="json"
    )
    assert custody.status_code == (201 if role in WRITERS else 403)
    uploaded = upload(client, recovery, upload_file("x.jpg", image_bytes(), "image/jpeg"))
    assert uploaded.status_code == (201 if role in WRITERS else 403)
    blank = Recovery.objects.create(reference=f"blank-{role}", weapon_system=recovery.weapon_system)
    deleted = client.delete(f"/api/v1/recoveries/{blank.pk}/")
    assert deleted.status_code == (204 if role == "admin" else 403)


@pytest.mark.parametrize("role", ROLES)
def test_custody_reads_are_for_analysts(client_for, world, role):
    client = client_for(role)
    for name, recovery in world.recoveries.items():
        status = client.get(f"/api/v1/recoveries/{recovery.pk}/custody/").status_code
        if role == "norole":
            expected = 403
        elif name not in VISIBLE[role]:
            expected = 404
        else:
            expected = 200 if role in WRITERS else 403
        assert status == expected, name


@pytest.mark.parametrize("role", ROLES)
def test_photo_writes(client_for, world, role):
    client = client_for(role)
    photo = world.photos["green"]
    patched = client.patch(f"/api/v1/photos/{photo.pk}/", {"caption": "top"}, format="json")
    assert patched.status_code == (200 if role in WRITERS else 403)
    again = client.post(f"/api/v1/photos/{photo.pk}/reprocess/")
    assert again.status_code == (202 if role in WRITERS else 403)
    assert client.post("/api/v1/photos/", {}, format="json").status_code in (403, 405)
    spare = PhotoFactory(recovery=world.recoveries["green"])
    deleted = client.delete(f"/api/v1/photos/{spare.pk}/")
    assert deleted.status_code == (204 if role == "admin" else 403)


def test_photo_caption_is_the_only_writable_field_and_audited(client_for, world):
    photo = world.photos["green"]
    response = client_for("analyst").patch(
        f"/api/v1/photos/{photo.pk}/", {"caption": "PCB 1", "sha256": "0" * 64}, format="json"
    )
    assert response.status_code == 200
    photo.refresh_from_db()
    assert (photo.caption, photo.sha256 != "0" * 64) == ("PCB 1", True)


def test_a_photo_shown_by_a_finding_cannot_be_deleted(client_for, world):
    photo = world.photos["amber_a"]
    assert client_for("admin").delete(f"/api/v1/photos/{photo.pk}/").status_code == 409
    assert Photo.objects.filter(pk=photo.pk).exists()


def test_deleting_a_photo_removes_its_files(client_for, world, django_capture_on_commit_callbacks):
    photo = world.photos["clear"]
    paths = [photo.original.path, photo.thumbnail.path, photo.display.path]
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for("admin").delete(f"/api/v1/photos/{photo.pk}/").status_code == 204
    assert not any(os.path.exists(path) for path in paths)


def test_manufacturer_upload_to_an_invisible_recovery_is_404_not_403(client_for, world):
    recovery = world.recoveries["red_a"]
    response = upload(client_for("analyst"), recovery, upload_file("a.jpg", image_bytes()))
    assert response.status_code == 201
    hidden = client_for("manufacturer_b").get(f"/api/v1/recoveries/{recovery.pk}/photos/")
    assert hidden.status_code == 404


def test_photo_list_query_count_does_not_grow(client_for, world, count_queries):
    for _ in range(8):
        PhotoFactory(recovery=world.recoveries["green"])
    for role in ("analyst", "researcher", "manufacturer_a"):
        client = client_for(role)
        client.get("/api/v1/photos/")
        counts = []
        for size in (2, 50):
            with count_queries() as ctx:
                assert client.get("/api/v1/photos/", {"page_size": size}).status_code == 200
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1], role
