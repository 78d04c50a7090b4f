"""Catalog tasks: thin wrappers over catalog.screening and catalog.import_jobs, passed ids only."""

import logging

from celery import shared_task

from catalog import import_jobs, screening

logger = logging.getLogger("catalog.tasks")


@shared_task(name="screening.screen_organisations", acks_late=True, ignore_result=True)
def screen_organisations_task(organisation_ids: list[int]) -> dict:
    """Screen these organisations against the watch lists (idempotent: hits are recomputed)."""
    return screening.screen_organisations(organisation_ids)


@shared_task(name="screening.sweep", acks_late=True, ignore_result=True)
def sweep_screening() -> dict:
    """Periodic: screen organisations asked for but not screened, or never screened."""
    return screening.sweep()


@shared_task(name="catalog.run_import_job", bind=True, acks_late=True, max_retries=None)
def run_import_job(self, job_id: int) -> str:
    """Import one uploaded catalog file (idempotent: the service claims the job and counts its
    attempts, and marks it failed after CATALOG_IMPORT_MAX_ATTEMPTS)."""
    logger.info("run_import_job(%s): delivery %d", job_id, self.request.retries + 1)
    try:
        return import_jobs.run_import(job_id)
    except import_jobs.RetryImport as exc:
        if self.request.is_eager:  # in-process: nobody would deliver a delayed retry
            while True:
                try:
                    return import_jobs.run_import(job_id)
                except import_jobs.RetryImport:
                    continue
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 3600)) from exc


@shared_task(name="catalog.sweep_import_jobs", ignore_result=True)
def sweep_import_jobs() -> int:
    """Periodic: enqueue again catalog imports left queued or running (lost message, dead worker)."""
    return len(import_jobs.sweep_import_jobs())
