"""Editing a finding with several photos: one row per linked photo with its crop box (changeable,
removable), a row to add another photo, and every row kept intact when only the text changes."""

import re

import pytest
from django.urls import reverse

from forensics.models import AuditRecord, FindingPhoto, Recovery
from tests.factories import PhotoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_photos(world, monkeypatch):
    monkeypatch.setattr("forensics.services.findings.enqueue_resolution", lambda pk: None)
    finding = world["finding_a"]  # already boxed on world["photo"] (4, 6, 20, 10)
    second = PhotoFactory(recovery=world["green"], width=100, height=80, original_name="side.jpg")
    FindingPhoto.objects.create(
        finding=finding, photo=second, crop_x=10, crop_y=20, crop_width=30, crop_height=40
    )
    third = PhotoFactory(recovery=world["green"], width=50, height=50, original_name="under.jpg")
    return {"finding": finding, "first": world["photo"], "second": second, "third": third}


def _links(finding):
    return [
        (link.photo_id, link.crop_x, link.crop_y, link.crop_width, link.crop_height)
        for link in FindingPhoto.objects.filter(finding=finding).order_by("id")
    ]


def _post(finding, rows, extra=None, **fields):
    """The edit form's POST: the finding's fields, its linked rows and the extra row."""
    data = {
        "marking": finding.marking,
        "quantity": 1,
        "links-TOTAL_FORMS": len(rows) + 1,
        "links-INITIAL_FORMS": len(rows),
        "links-MIN_NUM_FORMS": 0,
        "links-MAX_NUM_FORMS": 100,
        **fields,
    }
    names = ("photo", "crop_x", "crop_y", "crop_width", "crop_height")
    for index, row in enumerate([*rows, extra or {}]):
        for name in names:
            value = row.get(name)
            data[f"links-{index}-{name}"] = "" if value is None else value
        if row.get("remove"):
            data[f"links-{index}-remove"] = "on"
    return data


def _row(photo, box, **extra):
    x, y, w, h = box
    return {"photo": photo.pk, "crop_x": x, "crop_y": y, "crop_width": w, "crop_height": h, **extra}


def test_the_form_shows_every_photo_with_its_box(two_photos, page_client):
    finding, first, second = two_photos["finding"], two_photos["first"], two_photos["second"]
    url = reverse("forensics:finding-edit", args=[finding.pk])
    response = page_client("analyst").get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="photo"' not in body  # no single-photo select that would drop the others
    assert f'<input type="hidden" name="links-0-photo" value="{first.pk}"' in body
    assert f'<input type="hidden" name="links-1-photo" value="{second.pk}"' in body
    assert 'name="links-0-crop_x" value="4"' in body and 'name="links-1-crop_x" value="10"' in body
    assert 'name="links-1-crop_height" value="40"' in body
    assert body.count('name="links-0-remove"') == 1 and 'name="links-2-remove"' not in body
    extra = re.search(r'<select name="links-2-photo".*?</select>', body, re.S).group(0)
    assert "under.jpg" in extra  # another photo of the recovery can be added
    assert 'name="links-TOTAL_FORMS" value="3"' in body
    assert "side.jpg" in body and "the saved box" in body


def test_saving_the_text_keeps_every_photo_and_box(two_photos, page_client):
    finding, first, second = two_photos["finding"], two_photos["first"], two_photos["second"]
    before = _links(finding)
    rows = [_row(first, (4, 6, 20, 10)), _row(second, (10, 20, 30, 40))]
    url = reverse("forensics:finding-edit", args=[finding.pk])
    response = page_client("analyst").post(url, _post(finding, rows, notes="Looked again"))
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.notes == "Looked again"
    assert _links(finding) == before


def test_boxes_change_links_go_and_come_audited(two_photos, page_client):
    finding = two_photos["finding"]
    first, second, third = two_photos["first"], two_photos["second"], two_photos["third"]
    rows = [_row(first, (4, 6, 20, 10), remove=True), _row(second, (0, 0, 50, 50))]
    extra = _row(third, (1, 2, 3, 4))
    url = reverse("forensics:finding-edit", args=[finding.pk])
    response = page_client("analyst").post(url, _post(finding, rows, extra))
    assert response.status_code == 302
    assert _links(finding) == [(second.pk, 0, 0, 50, 50), (third.pk, 1, 2, 3, 4)]
    record = AuditRecord.objects.filter(object_id=str(finding.pk), action="update").latest("id")
    assert record.before["photos"] == [[first.pk, 4, 6, 20, 10], [second.pk, 10, 20, 30, 40]]
    assert record.after["photos"] == [[second.pk, 0, 0, 50, 50], [third.pk, 1, 2, 3, 4]]


def test_bad_rows_are_refused_beside_them_and_nothing_changes(two_photos, page_client):
    finding, first, second = two_photos["finding"], two_photos["first"], two_photos["second"]
    before = _links(finding)
    url = reverse("forensics:finding-edit", args=[finding.pk])
    client = page_client("analyst")
    half = client.post(
        url, _post(finding, [_row(first, (4, 6, 20, 10)), {"photo": second.pk, "crop_x": 3}])
    )
    assert half.status_code == 400
    assert re.search(r'id="id_links-1-crop_width_error"', half.content.decode())
    twice = client.post(
        url,
        _post(finding, [_row(first, (4, 6, 20, 10)), _row(second, (1, 1, 2, 2))],
              extra=_row(first, (0, 0, 1, 1))),
    )  # fmt: skip
    assert twice.status_code == 400 and "A photo is listed twice" in twice.content.decode()
    outside = client.post(
        url, _post(finding, [_row(first, (4, 6, 20, 10)), _row(second, (90, 70, 30, 30))])
    )
    assert outside.status_code == 400 and "outside photo" in outside.content.decode()
    foreign = PhotoFactory(recovery=Recovery.objects.exclude(pk=finding.recovery_id).first())
    other = client.post(
        url, _post(finding, [_row(first, (4, 6, 20, 10))], extra={"photo": foreign.pk})
    )
    assert other.status_code == 400 and 'id="id_links-1-photo_error"' in other.content.decode()
    assert _links(finding) == before


def test_a_finding_with_one_photo_keeps_the_single_photo_fields(world, page_client):
    body = (
        page_client("analyst")
        .get(reverse("forensics:finding-edit", args=[world["finding_a"].pk]))
        .content.decode()
    )
    assert 'name="photo"' in body and "links-TOTAL_FORMS" not in body


def test_a_finding_with_one_photo_can_be_shown_on_another(world, page_client, monkeypatch):
    monkeypatch.setattr("forensics.services.findings.enqueue_resolution", lambda pk: None)
    finding, first = world["finding_a"], world["photo"]
    second = PhotoFactory(recovery=world["green"], width=100, height=80, original_name="side.jpg")
    url = reverse("forensics:finding-edit", args=[finding.pk])
    client = page_client("analyst")
    assert 'href="?photos=rows"' in client.get(url).content.decode()

    body = client.get(url, {"photos": "rows"}).content.decode()
    assert 'name="photo"' not in body
    assert f'<input type="hidden" name="links-0-photo" value="{first.pk}"' in body
    assert 'name="links-TOTAL_FORMS" value="2"' in body and "side.jpg" in body

    rows = [_row(first, (4, 6, 20, 10))]
    response = client.post(url, _post(finding, rows, extra=_row(second, (1, 2, 30, 40))))
    assert response.status_code == 302
    assert _links(finding) == [(first.pk, 4, 6, 20, 10), (second.pk, 1, 2, 30, 40)]
