"""The teardown demo step: photos through the evidence service, findings proposed by the resolver."""

import pytest

from forensics import demo
from forensics.demo_teardown import REFERENCE, load_teardown_demo
from forensics.models import Finding, FindingStatus, Photo, PhotoState, Recovery


@pytest.fixture
def demo_users(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    demo.create_demo_users()


def test_teardown_demo_records_photos_and_proposed_findings(
    demo_users, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = load_teardown_demo(tmp_path)

    recovery = Recovery.objects.get(reference=REFERENCE)
    photos = Photo.objects.filter(recovery=recovery)
    assert photos.count() == 3
    assert set(photos.values_list("state", flat=True)) == {PhotoState.READY}
    findings = Finding.objects.filter(recovery=recovery)
    assert findings.count() == 7
    assert all(f.finding_photos.get().crop_width for f in findings)
    proposed = findings.filter(status=FindingStatus.PROPOSED)
    # No parts are loaded here, so the Cyrillic МАХ3490 is proposed by its prefix family: Maxim.
    maxim = proposed.get(marking__startswith="МАХ3490")
    assert maxim.manufacturer.name == "Maxim Integrated"
    assert "3 photos and 7 findings" in message


def test_teardown_demo_is_idempotent(demo_users, tmp_path):
    load_teardown_demo(tmp_path)
    again = load_teardown_demo(tmp_path)
    assert "already present" in again
    assert Recovery.objects.filter(reference=REFERENCE).count() == 1
