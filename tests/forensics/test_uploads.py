"""Photo upload: every accepted format, every refusal (with nothing stored), batch reports.

Decision on a PNG named `.jpg`: refused (`type_mismatch`, 415). The issue refuses files whose
content is not the image type they claim, and the name is the claim; an original kept byte for
byte must not carry a name that lies about its type (see docs/evidence.md).
"""

import hashlib

import pytest
from PIL import Image

from forensics.models import AuditRecord, Photo, PhotoState
from tests.factories import RecoveryFactory, image_bytes

from .evidence_support import (
    bomb_png,
    encode,
    pattern,
    stored_files,
    upload,
    upload_file,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def recovery(db):
    return RecoveryFactory()


def heic_bytes():
    try:
        return image_bytes(fmt="HEIF")
    except (OSError, KeyError, ValueError) as exc:  # a pillow-heif build without an encoder
        pytest.skip(f"pillow-heif cannot write HEIC here: {exc}")


ACCEPTED = [
    ("board.jpg", lambda: image_bytes(fmt="JPEG"), "image/jpeg", "image/jpeg"),
    ("board.JPEG", lambda: image_bytes(fmt="JPEG"), "image/jpeg", "image/jpeg"),
    ("board.png", lambda: image_bytes(fmt="PNG"), "image/png", "image/png"),
    ("board.webp", lambda: image_bytes(fmt="WEBP"), "image/webp", "image/webp"),
    ("board.tif", lambda: image_bytes(fmt="TIFF"), "image/tiff", "image/tiff"),
    ("board.tiff", lambda: image_bytes(fmt="TIFF", compression="tiff_lzw"), None, "image/tiff"),
    ("IMG_0001.HEIC", heic_bytes, "application/octet-stream", "image/heic"),
    ("IMG_0002.heic", heic_bytes, "image/heif", "image/heic"),
]


@pytest.mark.parametrize(
    ("name", "make", "sent_type", "stored_type"), ACCEPTED, ids=[row[0] for row in ACCEPTED]
)
def test_each_accepted_format_is_stored_byte_for_byte(
    client_for, recovery, media, name, make, sent_type, stored_type
):
    content = make()
    response = upload(client_for("analyst"), recovery, upload_file(name, content, sent_type))
    assert response.status_code == 201, response.json()
    result = response.json()["results"][0]
    assert result["status"] == "created"
    assert result["state"] == "pending"
    assert result["sha256"] == hashlib.sha256(content).hexdigest()
    assert result["size_bytes"] == len(content)
    photo = Photo.objects.get(pk=result["id"])
    assert photo.content_type == stored_type
    assert (photo.width, photo.height) == (64, 48)
    assert photo.original_name == name
    with photo.original.open("rb") as stored:
        assert stored.read() == content
    assert AuditRecord.objects.filter(action="upload", object_id=str(photo.pk)).count() == 1


def test_upload_answers_pending_and_processing_follows_the_commit(
    client_for, recovery, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(
            client_for("analyst"), recovery, upload_file("a.jpg", encode(pattern(1), "JPEG"))
        )
    photo_id = response.json()["results"][0]["id"]
    assert Photo.objects.get(pk=photo_id).state == PhotoState.PENDING
    assert len(callbacks) == 1
    callbacks[0]()
    assert Photo.objects.get(pk=photo_id).state == PhotoState.READY


def refusal(client, recovery, name, content, content_type=None):
    response = upload(client, recovery, upload_file(name, content, content_type))
    body = response.json()
    assert body["created"] == 0
    return response.status_code, body["results"][0]


def truncated_jpeg():
    content = encode(pattern(3, (640, 480)), "JPEG", quality=95)
    return content[: len(content) * 6 // 10]


def truncated_png():
    content = encode(pattern(4, (320, 240)), "PNG")
    return content[: len(content) // 2]


def corrupt_png():
    """Right signature and chunks, compressed pixel data scrambled."""
    content = bytearray(encode(pattern(2), "PNG"))
    start = content.find(b"IDAT") + 40
    for index in range(start, start + 30):
        content[index] ^= 0x55
    return bytes(content)


SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>"

REFUSALS = [
    # (file name, content maker, content type sent, code, HTTP status)
    ("bomb.png", bomb_png, "image/png", "decompression_bomb", 400),
    ("cut.jpg", truncated_jpeg, "image/jpeg", "truncated", 400),
    ("cut.png", truncated_png, "image/png", "truncated", 400),
    ("drawing.svg", lambda: SVG, "image/svg+xml", "svg", 415),
    ("drawing.png", lambda: SVG, "image/png", "svg", 415),
    ("photo.jpg", lambda: HTML, "image/jpeg", "html", 415),
    ("page.html", lambda: b"plain words", "text/html", "html", 415),
    ("png-inside.jpg", lambda: image_bytes(fmt="PNG"), "image/jpeg", "type_mismatch", 415),
    ("sent-as-png.jpg", lambda: image_bytes(fmt="JPEG"), "image/png", "type_mismatch", 415),
    ("anim.gif", lambda: image_bytes(fmt="GIF"), "image/gif", "unsupported_type", 415),
    ("gif-named.png", lambda: image_bytes(fmt="GIF"), "image/png", "unsupported_type", 415),
    ("noextension", lambda: image_bytes(fmt="JPEG"), "image/jpeg", "unsupported_type", 415),
    ("text.jpg", lambda: b"just some text, no image", "image/jpeg", "unsupported_type", 415),
    ("empty.jpg", lambda: b"", "image/jpeg", "empty", 400),
    ("garbage.jpg", lambda: b"\xff\xd8\xff\xe0" + b"\x13" * 300, "image/jpeg", "truncated", 400),
    ("corrupt.png", corrupt_png, "image/png", "unreadable", 400),
]


@pytest.mark.parametrize(
    ("name", "make", "content_type", "code", "http_status"),
    REFUSALS,
    ids=[f"{row[3]}-{row[0]}" for row in REFUSALS],
)
def test_each_refusal_has_a_reason_and_stores_nothing(
    client_for, recovery, media, name, make, content_type, code, http_status
):
    status_code, result = refusal(client_for("analyst"), recovery, name, make(), content_type)
    assert (status_code, result["status"], result["code"]) == (http_status, "refused", code)
    assert result["reason"]
    assert result["file"] == name
    assert Photo.objects.count() == 0
    assert stored_files(media) == []
    assert not AuditRecord.objects.filter(action="upload").exists()


def test_too_large_is_refused_by_the_byte_limit(client_for, recovery, media, settings):
    content = encode(pattern(5, (320, 240)), "JPEG")
    settings.MAX_UPLOAD_BYTES = len(content) - 1
    status_code, result = refusal(client_for("analyst"), recovery, "big.jpg", content)
    assert (status_code, result["code"]) == (413, "too_large")
    assert "limit" in result["reason"]
    assert stored_files(media) == []


def test_too_many_pixels_is_refused_by_the_pixel_limit(client_for, recovery, media, settings):
    settings.MAX_UPLOAD_PIXELS = 64 * 48 - 1
    status_code, result = refusal(client_for("analyst"), recovery, "px.png", image_bytes(fmt="PNG"))
    assert (status_code, result["code"]) == (413, "too_many_pixels")
    assert "megapixels" in result["reason"]
    assert stored_files(media) == []


def test_a_batch_reports_each_file_in_order(client_for, recovery, media):
    good_jpeg = encode(pattern(6), "JPEG")
    good_png = encode(pattern(7), "PNG")
    response = upload(
        client_for("analyst"),
        recovery,
        upload_file("one.jpg", good_jpeg, "image/jpeg"),
        upload_file("evil.svg", SVG, "image/svg+xml"),
        upload_file("two.png", good_png, "image/png"),
        upload_file("fake.jpg", HTML, "image/jpeg"),
        caption="Board 2, top side",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["created"], body["refused"]) == (2, 2)
    assert [(r["file"], r["status"]) for r in body["results"]] == [
        ("one.jpg", "created"),
        ("evil.svg", "refused"),
        ("two.png", "created"),
        ("fake.jpg", "refused"),
    ]
    assert [r.get("code") for r in body["results"]] == [None, "svg", None, "html"]
    photos = Photo.objects.order_by("pk")
    assert [p.original_name for p in photos] == ["one.jpg", "two.png"]
    assert {p.caption for p in photos} == {"Board 2, top side"}
    assert len(stored_files(media)) == 2


def test_a_batch_of_only_refusals_answers_4xx(client_for, recovery, media):
    response = upload(
        client_for("analyst"),
        recovery,
        upload_file("a.svg", SVG),
        upload_file("b.jpg", b""),
    )
    assert response.status_code == 400
    assert [r["code"] for r in response.json()["results"]] == ["svg", "empty"]


def test_same_refusals_share_their_status(client_for, recovery, media):
    response = upload(
        client_for("analyst"), recovery, upload_file("a.svg", SVG), upload_file("b.svg", SVG)
    )
    assert response.status_code == 415


def test_exact_copy_is_reported_at_upload(client_for, recovery, media):
    content = encode(pattern(8), "JPEG")
    client = client_for("analyst")
    first = upload(client, recovery, upload_file("a.jpg", content)).json()["results"][0]
    second = upload(client, recovery, upload_file("copy.jpg", content)).json()["results"][0]
    assert second["duplicate_of"] == [first["id"]]
    assert first["duplicate_of"] == []


def test_no_files_is_a_clear_400(client_for, recovery, media):
    response = client_for("analyst").post(
        f"/api/v1/recoveries/{recovery.pk}/photos/", {"caption": "x"}, format="multipart"
    )
    assert response.status_code == 400
    assert "files" in response.json()


def test_too_many_files_in_one_request(client_for, recovery, media, settings):
    settings.MAX_UPLOAD_FILES = 2
    files = [upload_file(f"{n}.jpg", image_bytes()) for n in range(3)]
    response = upload(client_for("analyst"), recovery, *files)
    assert response.status_code == 413
    assert response.json()["code"] == "too_many_files"
    assert Photo.objects.count() == 0


def test_single_file_field_name_is_accepted(client_for, recovery, media):
    response = client_for("analyst").post(
        f"/api/v1/recoveries/{recovery.pk}/photos/",
        {"file": upload_file("a.jpg", image_bytes(), "image/jpeg")},
        format="multipart",
    )
    assert response.status_code == 201


def test_a_failed_commit_leaves_no_file(client_for, recovery, media, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("forensics.services.evidence.record_change", broken)
    with pytest.raises(RuntimeError):
        upload(client_for("analyst"), recovery, upload_file("a.jpg", image_bytes()))
    assert stored_files(media) == []
    assert Photo.objects.count() == 0


def test_a_cmyk_jpeg_is_accepted(client_for, recovery, media):
    cmyk = encode(Image.new("CMYK", (64, 48), (0, 50, 100, 0)), "JPEG")
    response = upload(client_for("analyst"), recovery, upload_file("cmyk.jpg", cmyk))
    assert response.status_code == 201
    assert Photo.objects.get().content_type == "image/jpeg"
