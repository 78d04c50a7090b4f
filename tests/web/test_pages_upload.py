"""The recovery page's upload form without JavaScript: a plain multipart POST through the same
batch service as the photo API, per-file results on the recovery page, analysts only."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from forensics.models import AuditRecord, Photo
from tests.factories import image_bytes

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _files(*named):
    return [SimpleUploadedFile(name, content, content_type=kind) for name, content, kind in named]


def _upload_url(recovery):
    return reverse("forensics:recovery-upload", args=[recovery.pk])


def test_the_page_offers_a_plain_multipart_form_the_script_takes_over(world, page_client):
    body = page_client("analyst").get(
        reverse("forensics:recovery-detail", args=[world["green"].pk])
    )
    form = re.search(r'<form class="dropzone".*?</form>', body.content.decode(), re.S).group(0)
    assert 'method="post"' in form and 'enctype="multipart/form-data"' in form
    assert f'action="{_upload_url(world["green"])}"' in form
    assert 'type="file" id="photo-files" name="files" multiple' in form
    assert 'type="submit"' in form and "csrfmiddlewaretoken" in form
    assert "<noscript>" not in body.content.decode()


def test_good_and_bad_files_in_one_post(world, page_client):
    recovery = world["green"]
    before = set(Photo.objects.values_list("pk", flat=True))
    client = page_client("analyst")
    files = _files(
        ("board-top.png", image_bytes(fmt="PNG"), "image/png"),
        ("drawing.svg", SVG, "image/svg+xml"),
        ("cut-short.jpg", image_bytes()[:200], "image/jpeg"),
    )
    response = client.post(_upload_url(recovery), {"files": files, "caption": "Lid off"})
    assert response.status_code == 302
    assert response["Location"] == reverse("forensics:recovery-detail", args=[recovery.pk]) + (
        "#photos-h"
    )
    stored = Photo.objects.exclude(pk__in=before)
    photo = stored.get()  # the PNG only: nothing is kept of the refused files
    assert (photo.original_name, photo.recovery_id, photo.caption) == (
        "board-top.png",
        recovery.pk,
        "Lid off",
    )
    assert photo.uploaded_by.username == "analyst"
    assert AuditRecord.objects.filter(object_id=str(photo.pk), action="upload").exists()

    page = client.get(response["Location"]).content.decode()
    results = re.search(r'<ul class="upload-list".*?</ul>', page, re.S).group(0)
    kept = re.search(r'<li class="upload done">.*?</li>', results, re.S).group(0)
    assert "board-top.png" in kept and f"photo {photo.pk}</a>" in kept
    assert "waiting for processing" in kept
    refused = re.findall(r'<li class="upload refused">.*?</li>', results, re.S)
    assert len(refused) == 2
    assert "drawing.svg" in refused[0] and "refused: " in refused[0] and "SVG" in refused[0]
    assert "cut-short.jpg" in refused[1] and "refused: " in refused[1]
    # The results are shown once (post/redirect/get), not on every later visit.
    again = client.get(response["Location"]).content.decode()
    assert '<li class="upload' not in again and "drawing.svg" not in again


def test_a_second_copy_is_kept_with_a_duplicate_warning(world, page_client):
    client = page_client("analyst")
    content = image_bytes(color=(10, 120, 200))
    url = _upload_url(world["green"])
    client.post(url, {"files": _files(("first.jpg", content, "image/jpeg"))})
    first = Photo.objects.get(original_name="first.jpg")
    response = client.post(
        url, {"files": _files(("again.jpg", content, "image/jpeg"))}, follow=True
    )
    body = response.content.decode()
    assert re.search(
        rf"again\.jpg.*possible duplicate of <a [^>]*>photo {first.pk}</a>", body, re.S
    )


def test_everything_refused_stays_on_the_page_with_a_4xx(world, page_client):
    count = Photo.objects.count()
    response = page_client("analyst").post(
        _upload_url(world["green"]), {"files": _files(("drawing.svg", SVG, "image/svg+xml"))}
    )
    assert response.status_code == 415
    body = response.content.decode()
    assert re.search(r'<li class="upload refused">.*drawing\.svg.*refused: ', body, re.S)
    assert "Photos" in body and world["green"].reference in body
    assert Photo.objects.count() == count


def test_no_file_or_too_many_files_is_a_clear_error(world, page_client, settings):
    client = page_client("analyst")
    url = _upload_url(world["green"])
    empty = client.post(url, {"caption": "nothing"})
    assert empty.status_code == 400
    assert b"Choose one or more photos to upload." in empty.content
    settings.MAX_UPLOAD_FILES = 1
    two = _files(
        ("a.png", image_bytes(fmt="PNG"), "image/png"), ("b.png", image_bytes(), "image/png")
    )
    many = client.post(url, {"files": two})
    assert many.status_code == 413 and b"At most 1 files per upload" in many.content
    assert not Photo.objects.filter(original_name__in=["a.png", "b.png"]).exists()


@pytest.mark.parametrize("role", ["curator", "researcher", "manufacturer_a", "norole"])
def test_only_analysts_upload(world, page_client, role):
    count = Photo.objects.count()
    files = _files(("board.png", image_bytes(fmt="PNG"), "image/png"))
    response = page_client(role).post(_upload_url(world["green"]), {"files": files})
    assert response.status_code == 403
    assert Photo.objects.count() == count


def test_admins_upload_and_unknown_recoveries_are_404(world, page_client):
    files = _files(("board.png", image_bytes(fmt="PNG"), "image/png"))
    assert page_client("admin").post(_upload_url(world["red"]), {"files": files}).status_code == 302
    missing = reverse("forensics:recovery-upload", args=[987654])
    assert page_client("analyst").post(missing, {"files": files}).status_code == 404
    get = page_client("analyst").get(_upload_url(world["green"]))
    assert get.status_code == 302 and get["Location"].endswith("#photos-h")
