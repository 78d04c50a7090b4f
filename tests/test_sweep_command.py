"""`manage.py sweep` runs every sweep once; in-process, what it sends again runs at once."""

import datetime
import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from catalog import import_jobs
from catalog.models import CatalogImportJob, ImportJobState
from forensics.celery import app
from forensics.management.commands.sweep import SWEEPS

pytestmark = pytest.mark.django_db


def test_every_scheduled_sweep_is_in_the_command():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    names = [name for _, name in SWEEPS]
    assert set(names) <= scheduled
    assert {name for name in scheduled if "sweep" in name} == set(names)


def test_a_catalog_import_left_behind_is_run(users, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "VAR_DIR", tmp_path)
    upload = SimpleUploadedFile("p.csv", b"mpn,manufacturer\nSWP100,Sweep Maker\n")
    job = import_jobs.queue_import(upload, users["curator"])  # its task never ran
    CatalogImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    out = io.StringIO()
    call_command("sweep", stdout=out)
    job.refresh_from_db()
    assert job.state == ImportJobState.DONE and job.summary["created"] == 1
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == [label for label, _ in SWEEPS]
    assert "catalog imports left behind: 1" in lines


def test_a_failing_sweep_is_reported_and_the_others_still_run(monkeypatch):
    def broken():
        raise RuntimeError("database gone")

    app.loader.import_default_modules()
    monkeypatch.setattr(app.tasks["screening.sweep"], "run", broken)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 sweep"):
        call_command("sweep", stdout=out, stderr=err)
    assert "organisations not screened: failed" in err.getvalue()
    assert len(out.getvalue().splitlines()) == len(SWEEPS) - 1
