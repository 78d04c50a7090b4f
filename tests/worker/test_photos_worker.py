"""Photo processing survives a killed worker and a lost queue (real Redis, real Celery workers).

40 photos are uploaded through the API (each commit publishes its task); a worker starts, is
killed with SIGKILL while processing, the broker loses every queued message, a new worker starts
and the sweep runs. Every photo must end `ready` with its derivatives, processed exactly once as
far as the audit trail is concerned (a task redelivered after its photo was done changes nothing).
"""

import time

import pytest
from rest_framework.test import APIClient

from forensics.models import AuditRecord, Photo, PhotoState
from forensics.tasks import sweep_stale_photos
from tests.factories import RecoveryFactory
from tests.forensics.evidence_support import encode, pattern, upload, upload_file
from tests.notifications_support import Worker

from .conftest import lose_broker_queue

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PHOTOS = 40
STALE_SECONDS = 3


def wait_for(condition, timeout, what, every=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    pytest.fail(f"Timed out after {timeout} s waiting for {what}")


def ready() -> int:
    return Photo.objects.filter(state=PhotoState.READY).count()


def test_photos_are_all_processed_after_a_kill_and_a_lost_queue(
    real_broker, users, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PHOTO_STALE_SECONDS = STALE_SECONDS
    env = {"MEDIA_ROOT": settings.MEDIA_ROOT, "PHOTO_STALE_SECONDS": STALE_SECONDS}
    recovery = RecoveryFactory()
    client = APIClient()
    client.force_authenticate(users["analyst"])
    for index in range(PHOTOS):
        content = encode(pattern(index, (1600, 1200)), "JPEG", quality=92)
        response = upload(client, recovery, upload_file(f"{index}.jpg", content, "image/jpeg"))
        assert response.status_code == 201
    assert Photo.objects.filter(state=PhotoState.PENDING).count() == PHOTOS

    first = Worker(real_broker, tmp_path / "worker.log", concurrency=2, **env).start()
    try:
        wait_for(lambda: ready() >= 3, 120, "the first worker to process a few photos")
    finally:
        first.kill()
    assert ready() < PHOTOS, "the worker finished everything before it could be killed"
    lose_broker_queue()

    second = Worker(real_broker, tmp_path / "worker.log", concurrency=2, **env).start()
    try:
        time.sleep(STALE_SECONDS + 1)

        def swept_and_done():
            if ready() == PHOTOS:
                return True
            sweep_stale_photos.delay()
            return False

        wait_for(swept_and_done, 240, "every photo processed after the sweep", every=STALE_SECONDS)
    finally:
        second.stop()

    photos = list(Photo.objects.all())
    assert all(p.thumbnail and p.display and len(p.phash_rotations) == 4 for p in photos)
    assert not any(p.state == PhotoState.FAILED for p in photos)
    processed = AuditRecord.objects.filter(action="process", content_type__model="photo")
    assert sorted(int(pk) for pk in processed.values_list("object_id", flat=True)) == sorted(
        p.pk for p in photos
    )
