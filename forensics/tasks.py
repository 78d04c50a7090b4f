"""Celery tasks: thin wrappers that load by id and call a service (see forensics/services/)."""

import logging

from celery import shared_task
from django.conf import settings

from forensics.services import evidence
from forensics.services import findings as finding_services

logger = logging.getLogger("forensics.tasks")


# --- photos -----------------------------------------------------------------------------------


@shared_task(bind=True, acks_late=True, max_retries=None)
def process_photo(self, photo_id: int) -> str:
    """Derivatives, EXIF, pHash and duplicates of one uploaded photo (idempotent: the service
    claims the photo, counts attempts and marks it failed after PHOTO_PROCESSING_MAX_ATTEMPTS)."""
    logger.info("process_photo(%s): delivery %d", photo_id, self.request.retries + 1)
    try:
        return evidence.process_photo(photo_id)
    except evidence.RetryProcessing as exc:
        if self.request.is_eager:
            # In-process (no broker): no one would deliver a delayed retry, so retry now; the
            # service's attempt count ends the loop.
            for _ in range(settings.PHOTO_PROCESSING_MAX_ATTEMPTS):
                try:
                    return evidence.process_photo(photo_id)
                except evidence.RetryProcessing:
                    continue
            return f"photo {photo_id}: still failing"
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 3600))


@shared_task
def sweep_stale_photos() -> int:
    """Periodic: re-enqueue photos left pending or processing (lost task, dead worker)."""
    return len(evidence.sweep_stale_photos())


# --- findings ---------------------------------------------------------------------------------


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def resolve_finding(self, finding_id: int) -> str:
    """Run the resolver on a finding's marking and propose the best candidate (idempotent)."""
    logger.info("resolve_finding(%s): delivery %d", finding_id, self.request.retries + 1)
    return finding_services.resolve_finding(finding_id)


@shared_task
def sweep_unresolved_findings() -> int:
    """Periodic: re-enqueue findings whose marking was never resolved (lost task, broker down)."""
    return finding_services.sweep_unresolved()


from forensics.tasks_traces import process_trace_requests_due  # noqa: E402,F401
