"""Photo processing: stripped upright derivatives, EXIF for analysts, pHash, duplicates, retries."""

import hashlib
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from forensics import tasks
from forensics.models import AuditRecord, Photo, PhotoDuplicate, PhotoState
from forensics.services import evidence
from tests.factories import PhotoFactory, RecoveryFactory

from .evidence_support import encode, halves, jpeg_with_exif, pattern, upload, upload_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def recovery(db):
    return RecoveryFactory()


@pytest.fixture
def uploaded(client_for, recovery, media, django_capture_on_commit_callbacks):
    """Upload files as the analyst and run the processing that follows the commit."""

    def send(*files):
        with django_capture_on_commit_callbacks(execute=True):
            response = upload(client_for("analyst"), recovery, *files)
        assert response.status_code == 201, response.json()
        return [Photo.objects.get(pk=r["id"]) for r in response.json()["results"] if "id" in r]

    return send


def read_image(file_field) -> Image.Image:
    with file_field.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def colour_at(image, xy):
    red, green, blue = image.convert("RGB").getpixel(xy)
    return "red" if red > 150 and blue < 100 else "blue" if blue > 150 and red < 100 else "?"


def test_processing_makes_upright_derivatives_without_any_metadata(uploaded):
    content = jpeg_with_exif(halves((400, 200)), orientation=6)
    (photo,) = uploaded(upload_file("phone.jpg", content, "image/jpeg"))
    photo.refresh_from_db()
    assert photo.state == PhotoState.READY, photo.error
    assert photo.attempts == 1
    for field, longest in (("display", 400), ("thumbnail", 320)):
        image = read_image(getattr(photo, field))
        assert image.format == "JPEG"
        # Orientation 6 (rotate 90° clockwise to view): the stored left half (red) is on top.
        assert image.width < image.height and max(image.size) == longest
        assert colour_at(image, (image.width // 2, 5)) == "red"
        assert colour_at(image, (image.width // 2, image.height - 5)) == "blue"
        assert not image.getexif()
        assert not {"exif", "xmp", "icc_profile", "comment"} & set(image.info)
        with getattr(photo, field).open("rb") as handle:
            raw = handle.read()
        assert b"Exif" not in raw and b"TestCam" not in raw


def test_original_is_untouched_and_its_exif_kept_for_analysts(uploaded):
    content = jpeg_with_exif(pattern(11, (300, 200)), orientation=6)
    (photo,) = uploaded(upload_file("phone.jpg", content, "image/jpeg"))
    photo.refresh_from_db()
    with photo.original.open("rb") as handle:
        stored = handle.read()
    assert stored == content
    assert hashlib.sha256(stored).hexdigest() == photo.sha256
    assert photo.exif["Make"] == "TestCam"
    assert photo.exif["Orientation"] == 6
    assert photo.exif["GPS"]["GPSLatitudeRef"] == "N"
    assert photo.exif["GPSDecimal"] == {"latitude": 50.4508333, "longitude": 30.5233333}


def test_large_jpeg_is_fitted_to_display_and_thumbnail_sizes(uploaded):
    (photo,) = uploaded(upload_file("big.jpg", encode(pattern(12, (2400, 1800)), "JPEG")))
    photo.refresh_from_db()
    assert read_image(photo.display).size == (1600, 1200)
    assert read_image(photo.thumbnail).size == (320, 240)
    assert (photo.width, photo.height) == (2400, 1800)


def test_png_with_transparency_and_16_bit_tiff_are_processed(uploaded):
    rgba = Image.new("RGBA", (80, 60), (0, 0, 0, 0))
    sixteen = Image.new("I;16", (80, 60), 40000)
    photos = uploaded(
        upload_file("alpha.png", encode(rgba, "PNG")),
        upload_file("deep.tif", encode(sixteen, "TIFF")),
    )
    for photo in photos:
        photo.refresh_from_db()
        assert photo.state == PhotoState.READY, photo.error
    assert read_image(photos[0].display).getpixel((5, 5))[0] > 240  # transparent -> white


def test_phash_of_four_rotations_and_indexed_bands(uploaded):
    (photo,) = uploaded(upload_file("p.png", encode(pattern(13), "PNG")))
    photo.refresh_from_db()
    assert len(photo.phash_rotations) == 4
    assert photo.phash == photo.phash_rotations[0]
    value = int(photo.phash, 16)
    bands = [photo.phash_band0, photo.phash_band1, photo.phash_band2, photo.phash_band3]
    assert bands == [evidence.band(value, index) for index in range(4)]
    assert len(set(photo.phash_rotations)) > 1


def test_same_picture_rotated_90_degrees_is_a_possible_duplicate(uploaded):
    picture = pattern(14)
    (first,) = uploaded(upload_file("a.jpg", encode(picture, "JPEG", quality=90)))
    (other,) = uploaded(upload_file("c.jpg", encode(pattern(99), "JPEG", quality=90)))
    rotated = picture.transpose(Image.Transpose.ROTATE_90)
    (second,) = uploaded(upload_file("b.png", encode(rotated, "PNG")))
    link = PhotoDuplicate.objects.get(photo=second)
    assert link.other_id == first.pk and not link.exact
    assert link.distance <= evidence.DUPLICATE_DISTANCE
    assert PhotoDuplicate.objects.filter(photo=first, other=second).exists()
    assert not PhotoDuplicate.objects.filter(photo=other).exists()


def test_same_file_twice_is_flagged_as_an_exact_duplicate(uploaded):
    content = encode(pattern(15), "JPEG")
    first, second = uploaded(upload_file("a.jpg", content), upload_file("a-again.jpg", content))
    link = PhotoDuplicate.objects.get(photo=second, other=first)
    assert (link.exact, link.distance) == (True, 0)


def test_duplicates_are_listed_on_the_photo_for_analysts(uploaded, client_for):
    content = encode(pattern(16), "JPEG")
    first, second = uploaded(upload_file("a.jpg", content), upload_file("b.jpg", content))
    body = client_for("analyst").get(f"/api/v1/photos/{second.pk}/").json()
    assert body["duplicates"] == [{"photo": first.pk, "distance": 0, "exact": True}]


def test_processing_again_changes_nothing(uploaded):
    content = encode(pattern(17), "JPEG")
    first, second = uploaded(upload_file("a.jpg", content), upload_file("b.jpg", content))
    Photo.objects.filter(pk=second.pk).update(state=PhotoState.PENDING)
    second.refresh_from_db()
    display_name = second.display.name
    assert "ready" in evidence.process_photo(second.pk)
    second.refresh_from_db()
    assert second.display.name == display_name
    assert PhotoDuplicate.objects.count() == 2
    assert "not claimed" in evidence.process_photo(second.pk)


def test_a_photo_claimed_by_a_live_worker_is_left_alone(media):
    photo = PhotoFactory(state=PhotoState.PROCESSING, state_changed_at=timezone.now())
    assert "not claimed" in evidence.process_photo(photo.pk)
    stale = timezone.now() - timedelta(hours=1)
    Photo.objects.filter(pk=photo.pk).update(state_changed_at=stale)
    assert "ready" in evidence.process_photo(photo.pk)


def test_failures_are_counted_retried_and_end_in_failed(media, settings, monkeypatch):
    settings.PHOTO_PROCESSING_MAX_ATTEMPTS = 3
    photo = PhotoFactory()
    calls = []

    def broken(fp):
        calls.append(1)
        raise OSError("disk hiccup")

    monkeypatch.setattr(evidence, "derive", broken)
    with pytest.raises(evidence.RetryProcessing):
        evidence.process_photo(photo.pk)
    photo.refresh_from_db()
    assert (photo.state, photo.attempts) == (PhotoState.PENDING, 1)
    assert "disk hiccup" in photo.error
    # The task (in-process here) retries until the attempts run out.
    tasks.process_photo.delay(photo.pk)
    photo.refresh_from_db()
    assert (photo.state, photo.attempts) == (PhotoState.FAILED, 3)
    assert len(calls) == 3
    assert AuditRecord.objects.filter(action="process_failed", object_id=str(photo.pk)).exists()


def test_reprocess_after_failure(media, client_for, django_capture_on_commit_callbacks):
    photo = PhotoFactory(state=PhotoState.FAILED, attempts=5, error="boom")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("analyst").post(f"/api/v1/photos/{photo.pk}/reprocess/")
    assert response.status_code == 202
    photo.refresh_from_db()
    assert (photo.state, photo.attempts, photo.error) == (PhotoState.READY, 1, "")
    assert AuditRecord.objects.filter(action="reprocess", object_id=str(photo.pk)).exists()


def test_a_changed_original_fails_at_once(media):
    photo = PhotoFactory()
    with open(photo.original.path, "ab") as handle:
        handle.write(b"tampered")
    assert "failed" in evidence.process_photo(photo.pk)
    photo.refresh_from_db()
    assert photo.state == PhotoState.FAILED
    assert "SHA-256" in photo.error
    assert photo.attempts == 1


def test_processing_result_is_audited(uploaded):
    (photo,) = uploaded(upload_file("a.jpg", encode(pattern(18), "JPEG")))
    record = AuditRecord.objects.get(action="process", object_id=str(photo.pk))
    assert record.before["state"] == "processing"
    assert record.after["state"] == "ready"
    assert record.actor_name == "system"


def test_sweep_requeues_photos_left_behind(media, settings):
    settings.PHOTO_STALE_SECONDS = 60
    old = timezone.now() - timedelta(minutes=5)
    lost = PhotoFactory(state_changed_at=old)
    dead_worker = PhotoFactory(state=PhotoState.PROCESSING, state_changed_at=old)
    fresh = PhotoFactory()
    done = PhotoFactory(state=PhotoState.READY, state_changed_at=old)
    assert tasks.sweep_stale_photos.delay().get() == 2
    states = dict(Photo.objects.values_list("pk", "state"))
    assert states[lost.pk] == states[dead_worker.pk] == PhotoState.READY
    assert states[fresh.pk] == PhotoState.PENDING
    assert states[done.pk] == PhotoState.READY


def test_sweep_is_scheduled(settings):
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "forensics.tasks.sweep_stale_photos" in tasks_scheduled


def bands_of(value):
    return {f"phash_band{index}": evidence.band(value, index) for index in range(4)}


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    base=st.integers(0, 2**64 - 1),
    flips=st.sets(st.integers(0, 63), min_size=0, max_size=7),
)
def test_band_search_finds_every_photo_within_distance_7(media, base, flips):
    """Pigeonhole: with ≤ 7 differing bits, some 16-bit band differs by ≤ 1 bit, and the search
    probes every band with all its one-bit neighbours."""
    Photo.objects.all().delete()
    stored = PhotoFactory(**bands_of(base))
    probe_value = base
    for bit in flips:
        probe_value ^= 1 << bit
    probe = PhotoFactory(sha256="0" * 64)
    matches = evidence.find_duplicates(probe, [probe_value])
    assert [(pk, distance) for pk, distance, _ in matches] == [(stored.pk, len(flips))]


def test_band_search_ignores_distant_photos(media):
    base = 0x0123456789ABCDEF
    PhotoFactory(**bands_of(base ^ 0xFFFF_0000_0000_0000 ^ 0x0F0F))
    probe = PhotoFactory(sha256="0" * 64)
    assert evidence.find_duplicates(probe, [base]) == []
