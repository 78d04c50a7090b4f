"""Catalog CSV uploads imported in the background (the API and the imports page).

An upload is stored under VAR_DIR/imports/uploads and its `CatalogImportJob` written in one step;
the import task is enqueued when that commits. With a broker the request answers at once (the job
`queued`) and a worker imports; without one (in-process mode) the task runs on commit, inside the
request, and the answer already holds the summary. Either way nothing depends on a worker being
up: `sweep_import_jobs` (periodic) enqueues again every job left queued, or running for longer
than CATALOG_IMPORT_STALE_SECONDS (a dead worker). The import is one transaction and an upsert,
so a job run twice changes nothing the second time.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from datetime import timedelta
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.importer import import_catalog_file
from catalog.models import CatalogImportJob, ImportJobState

logger = logging.getLogger("catalog.import_jobs")

UPLOADS = Path("imports") / "uploads"
"""Where uploads wait for their import, relative to VAR_DIR (not served)."""

QUEUED_GRACE = timedelta(minutes=2)
"""A queued job older than this has lost its message (broker down when it was sent)."""


class RetryImport(Exception):
    """The import crashed (not a refused file); a later attempt may succeed."""


def _upload_path(job: CatalogImportJob) -> Path:
    return Path(settings.VAR_DIR) / job.upload


def queue_import(upload, actor, *, strict: bool = False) -> CatalogImportJob:
    """Store `upload` (a Django UploadedFile) and write its job; the import runs once this commits.

    Returns the job as it stands after the commit: finished already in in-process mode, `queued`
    when a worker will take it. A failure before the commit leaves neither file nor job.
    """
    relative = UPLOADS / f"{uuid.uuid4().hex}.csv"
    target = Path(settings.VAR_DIR) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(target, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        with transaction.atomic():
            job = CatalogImportJob.objects.create(
                file_name=Path(upload.name or "upload.csv").name[:255],
                upload=str(relative),
                size_bytes=upload.size,
                strict=strict,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            transaction.on_commit(partial(enqueue_import, job.pk))
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    job.refresh_from_db()
    return job


def enqueue_import(job_id: int) -> None:
    """Send the import task; if the broker refuses, the job stays queued for the sweep."""
    from catalog.tasks import run_import_job

    try:
        run_import_job.delay(job_id)
    except Exception:  # the curator's upload is committed; the sweep sends it again
        logger.exception("Could not enqueue catalog import job %s; the sweep will retry", job_id)


def _claim(job_id: int) -> bool:
    """Take the job (conditional UPDATE: one worker at a time); a job `running` for longer than
    CATALOG_IMPORT_STALE_SECONDS lost its worker and may be taken over."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.CATALOG_IMPORT_STALE_SECONDS)
    claimed = (
        CatalogImportJob.objects.filter(pk=job_id)
        .filter(
            Q(state=ImportJobState.QUEUED) | Q(state=ImportJobState.RUNNING, started_at__lt=stale)
        )
        .update(state=ImportJobState.RUNNING, started_at=now, attempts=F("attempts") + 1)
    )
    return claimed == 1


def run_import(job_id: int) -> str:
    """Import one job's file and store the outcome (idempotent: a job already finished, or taken
    by a live worker, is left alone). Returns a one-line outcome; raises RetryImport when the
    import crashed and attempts remain (the job goes back to `queued`)."""
    if not _claim(job_id):
        return f"catalog import {job_id}: not queued (finished, or another worker has it)"
    job = CatalogImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.attempts > settings.CATALOG_IMPORT_MAX_ATTEMPTS:  # its worker died every time
        CatalogImportJob.objects.filter(pk=job_id).update(
            state=ImportJobState.FAILED,
            error=f"Gave up after {job.attempts - 1} attempts whose worker died mid-import.",
            finished_at=timezone.now(),
        )
        _remove_upload(job)
        return f"catalog import {job_id}: given up"
    try:
        summary = import_catalog_file(
            _upload_path(job),
            actor=job.created_by,
            strict=job.strict,
            source_name=job.file_name,
        )
    except Exception as exc:
        final = job.attempts >= settings.CATALOG_IMPORT_MAX_ATTEMPTS
        logger.exception("catalog import %s: attempt %d crashed", job_id, job.attempts)
        CatalogImportJob.objects.filter(pk=job_id).update(
            state=ImportJobState.FAILED if final else ImportJobState.QUEUED,
            error="".join(traceback.format_exception_only(exc)).strip()[:2000],
            finished_at=timezone.now() if final else None,
        )
        if final:
            _remove_upload(job)
            return f"catalog import {job_id}: failed after {job.attempts} attempts"
        raise RetryImport(str(exc)) from exc
    data = summary.as_dict()
    reject_path = data.pop("reject_path", None)
    data.pop("phases", None)
    CatalogImportJob.objects.filter(pk=job_id).update(
        state=ImportJobState.DONE if summary.ok else ImportJobState.REFUSED,
        summary=data,
        reject_name=Path(reject_path).name if reject_path else "",
        error="" if summary.ok else summary.refused,
        finished_at=timezone.now(),
    )
    _remove_upload(job)
    outcome = "imported" if summary.ok else f"refused ({summary.refused})"
    logger.info("catalog import %s (%s): %s", job_id, job.file_name, outcome)
    return f"catalog import {job_id}: {outcome}"


def _remove_upload(job: CatalogImportJob) -> None:
    """The upload is deleted once its job finished: the summary keeps its SHA-256 and counts."""
    _upload_path(job).unlink(missing_ok=True)


def sweep_import_jobs(limit: int = 100) -> list[int]:
    """Enqueue again the jobs left behind: queued longer than QUEUED_GRACE (the message was lost)
    or running longer than CATALOG_IMPORT_STALE_SECONDS (the worker died). Returns their ids."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.CATALOG_IMPORT_STALE_SECONDS)
    ids = list(
        CatalogImportJob.objects.filter(
            Q(state=ImportJobState.QUEUED, created_at__lt=now - QUEUED_GRACE)
            | Q(state=ImportJobState.RUNNING, started_at__lt=stale)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for job_id in ids:
        enqueue_import(job_id)
    if ids:
        logger.info("Sweep enqueued %d catalog import job(s) again", len(ids))
    return ids
