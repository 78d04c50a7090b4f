"""Catalog uploads imported by a real worker after the broker lost their messages.

Three catalog files are uploaded through the API with a real broker: each answers 202 at once and
its commit publishes the import task. The broker then loses every queued message; a worker starts,
the sweep sends the jobs again, and every job must end `done`, its parts in the catalog and its
stored upload removed.
"""

import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from catalog import import_jobs
from catalog.models import CatalogImportJob, ImportJobState, Part
from tests.notifications_support import Worker

from .conftest import lose_broker_queue, queued_messages

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

FILES = 3


def test_uploads_are_imported_by_the_worker_after_a_lost_queue(
    real_broker, users, settings, tmp_path
):
    settings.VAR_DIR = tmp_path / "var"
    client = APIClient()
    client.force_authenticate(users["curator"])
    for index in range(FILES):
        content = f"mpn,manufacturer\nWRK{index}00A,Worker Test Maker {index}\n".encode()
        upload = SimpleUploadedFile(f"part-{index}.csv", content, content_type="text/csv")
        response = client.post("/api/v1/catalog/import/", {"file": upload}, format="multipart")
        assert response.status_code == 202, response.content
    assert queued_messages() == FILES  # published on commit, nothing ran in-process
    lose_broker_queue()
    CatalogImportJob.objects.update(created_at=timezone.now() - import_jobs.QUEUED_GRACE * 2)

    worker = Worker(real_broker, tmp_path / "worker.log", concurrency=2, VAR_DIR=settings.VAR_DIR)
    worker.start()
    try:
        assert sorted(import_jobs.sweep_import_jobs()) == sorted(
            CatalogImportJob.objects.values_list("pk", flat=True)
        )
        deadline = time.monotonic() + 120
        while CatalogImportJob.objects.exclude(state=ImportJobState.DONE).exists():
            if time.monotonic() > deadline:
                pytest.fail(f"the worker did not import every upload; see:\n{worker.log()}")
            time.sleep(0.2)
    finally:
        worker.stop()

    jobs = list(CatalogImportJob.objects.all())
    assert [job.summary["created"] for job in jobs] == [1] * FILES
    assert all(job.attempts == 1 for job in jobs)
    assert Part.objects.filter(mpn__startswith="WRK").count() == FILES
    assert not any((Path(settings.VAR_DIR) / job.upload).exists() for job in jobs)
