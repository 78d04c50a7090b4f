"""Celery tasks: thin wrappers that load by id and call a service (see forensics/services/)."""

import logging

from celery import shared_task

from forensics.services import findings as finding_services

logger = logging.getLogger("forensics.tasks")


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
