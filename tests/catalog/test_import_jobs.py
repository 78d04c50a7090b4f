"""Catalog uploads as background jobs: answered at once with a broker, followed at
/api/v1/catalog/imports/, retried when the import crashes, swept when left behind."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from catalog import import_jobs
from catalog.models import CatalogImportJob, ImportJobState, Part
from catalog.tasks import run_import_job, sweep_import_jobs

from .curated import build_curated

URL = reverse("catalog-import")
JOBS = "/api/v1/catalog/imports/"
GOOD = b"mpn,manufacturer\nLM358DR,TI\n,TI\n"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def var_dir(tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


@pytest.fixture
def curated(db):
    return build_curated()


def upload(content: bytes = GOOD, name: str = "parts.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def stored(job: CatalogImportJob) -> Path:
    return Path(settings.VAR_DIR) / job.upload


def queued(users, content: bytes = GOOD) -> CatalogImportJob:
    """A job whose task has not run (as when a worker will take it)."""
    return import_jobs.queue_import(upload(content), users["curator"])


def test_with_a_worker_to_come_the_upload_answers_202(
    client_for, curated, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as sent:
        response = client_for("curator").post(URL, {"file": upload()}, format="multipart")
    assert response.status_code == 202, response.content
    job = response.json()
    assert (job["state"], job["summary"], job["attempts"]) == ("queued", None, 0)
    assert response["Location"] == job["url"]
    assert len(sent) == 1  # the task is sent only once the upload commits
    record = CatalogImportJob.objects.get(pk=job["id"])
    assert stored(record).read_bytes() == GOOD
    assert not Part.objects.filter(mpn="LM358DR").exists()

    assert run_import_job.delay(job["id"]) is not None  # what the worker runs
    done = client_for("curator").get(job["url"]).json()
    assert (done["state"], done["attempts"]) == ("done", 1)
    assert (done["summary"]["created"], done["summary"]["rejected"]) == (1, 1)
    assert done["summary"]["rejects"][0]["line"] == 3
    assert done["started_at"] and done["finished_at"]
    assert Part.objects.filter(mpn="LM358DR").exists()
    assert not stored(record).exists(), "the upload is removed once imported"


def test_a_job_runs_once(curated, users):
    job = queued(users)
    assert import_jobs.run_import(job.pk).endswith("imported")
    assert "not queued" in import_jobs.run_import(job.pk)
    job.refresh_from_db()
    assert (job.state, job.attempts) == (ImportJobState.DONE, 1)


def test_a_refused_file_is_kept_as_refused(curated, users):
    job = queued(users, b"mpn,maker\nA,B\n")
    import_jobs.run_import(job.pk)
    job.refresh_from_db()
    assert job.state == ImportJobState.REFUSED
    assert "unknown column(s) 'maker'" in job.error
    assert job.summary["refused"] == job.error
    assert not stored(job).exists()


def test_a_crashing_import_is_retried_then_failed(curated, users, monkeypatch, settings):
    settings.CATALOG_IMPORT_MAX_ATTEMPTS = 2
    job = queued(users)

    def crash(*args, **kwargs):
        raise OSError("disk on fire")

    monkeypatch.setattr(import_jobs, "import_catalog_file", crash)
    with pytest.raises(import_jobs.RetryImport):
        import_jobs.run_import(job.pk)
    job.refresh_from_db()
    assert (job.state, job.attempts) == (ImportJobState.QUEUED, 1)
    assert "disk on fire" in job.error and stored(job).exists()

    assert "failed after 2 attempts" in import_jobs.run_import(job.pk)
    job.refresh_from_db()
    assert (job.state, job.attempts) == (ImportJobState.FAILED, 2)
    assert job.finished_at is not None and not stored(job).exists()


def test_in_process_the_task_retries_at_once_until_the_last_attempt(
    curated, users, monkeypatch, settings
):
    settings.CATALOG_IMPORT_MAX_ATTEMPTS = 3
    job = queued(users)
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) < 3:
            raise OSError("database restarting")
        return real(*args, **kwargs)

    real = import_jobs.import_catalog_file
    monkeypatch.setattr(import_jobs, "import_catalog_file", flaky)
    assert run_import_job.delay(job.pk) is not None
    job.refresh_from_db()
    assert (job.state, job.attempts, len(calls)) == (ImportJobState.DONE, 3, 3)


def test_the_sweep_sends_again_what_was_left_behind(curated, users, settings, monkeypatch):
    sent = []
    monkeypatch.setattr(import_jobs, "enqueue_import", sent.append)
    lost = queued(users)
    fresh = queued(users)
    dead = queued(users)
    busy = queued(users)
    long_ago = timezone.now() - datetime.timedelta(hours=2)
    CatalogImportJob.objects.filter(pk=lost.pk).update(created_at=long_ago)
    CatalogImportJob.objects.filter(pk=dead.pk).update(
        state=ImportJobState.RUNNING, started_at=long_ago, created_at=long_ago
    )
    CatalogImportJob.objects.filter(pk=busy.pk).update(
        state=ImportJobState.RUNNING, started_at=timezone.now(), created_at=long_ago
    )
    sent.clear()

    assert sweep_import_jobs.delay() is not None
    assert sorted(sent) == sorted([lost.pk, dead.pk])
    assert fresh.pk not in sent and busy.pk not in sent

    assert import_jobs.run_import(dead.pk).endswith("imported")  # a dead worker's job taken over
    assert "not queued" in import_jobs.run_import(busy.pk)  # a live worker's job left alone


def test_a_job_whose_worker_always_dies_is_given_up(curated, users, settings):
    settings.CATALOG_IMPORT_MAX_ATTEMPTS = 2
    job = queued(users)
    CatalogImportJob.objects.filter(pk=job.pk).update(attempts=2)  # two deaths mid-import
    assert import_jobs.run_import(job.pk).endswith("given up")
    job.refresh_from_db()
    assert job.state == ImportJobState.FAILED and "Gave up after 2 attempts" in job.error


def test_a_broker_refusing_the_task_loses_nothing(curated, users, monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(run_import_job, "delay", refuse)
    import_jobs.enqueue_import(queued(users).pk)
    assert "the sweep will retry" in caplog.text
    assert CatalogImportJob.objects.get().state == ImportJobState.QUEUED


def test_nothing_is_stored_when_the_job_cannot_be_written(users, monkeypatch, var_dir):
    def broken(**fields):
        raise RuntimeError("database gone")

    monkeypatch.setattr(CatalogImportJob.objects, "create", broken)
    with pytest.raises(RuntimeError):
        import_jobs.queue_import(upload(), users["curator"])
    assert list((var_dir / "imports" / "uploads").iterdir()) == []


ROLES = [None, "norole", "analyst", "researcher", "manufacturer_a", "curator", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_who_may_follow_imports(client_for, users, role):
    job = queued(users)
    expected = {None: 401, "curator": 200, "admin": 200}.get(role, 403)
    client = client_for(role)
    assert client.get(JOBS).status_code == expected
    assert client.get(f"{JOBS}{job.pk}/").status_code == expected
    if expected == 200:
        assert client.post(JOBS, {}).status_code == 405


def test_the_list_is_brief_and_newest_first(client_for, curated, users, count_queries):
    first = queued(users)
    import_jobs.run_import(first.pk)
    second = queued(users)
    client = client_for("curator")
    rows = client.get(JOBS).json()["results"]
    assert [row["id"] for row in rows] == [second.pk, first.pk]
    assert "rejects" not in rows[1]["summary"] and rows[1]["summary"]["rejected"] == 1
    assert rows[0]["summary"] is None
    assert client.get(JOBS, {"state": "done"}).json()["count"] == 1

    with count_queries() as few:
        client.get(JOBS, {"page_size": 2})
    for _ in range(10):
        queued(users)
    with count_queries() as many:
        assert len(client.get(JOBS, {"page_size": 12}).json()["results"]) == 12
    assert len(few.captured_queries) == len(many.captured_queries)


def test_the_admin_shows_jobs_read_only(admin_browser, users):
    job = queued(users)
    changelist = reverse("admin:catalog_catalogimportjob_changelist")
    assert admin_browser.get(changelist, {"q": "parts", "state": "queued"}).status_code == 200
    change = admin_browser.get(reverse("admin:catalog_catalogimportjob_change", args=[job.pk]))
    assert change.status_code == 200 and b'name="file_name"' not in change.content
    assert admin_browser.get(reverse("admin:catalog_catalogimportjob_add")).status_code == 403
