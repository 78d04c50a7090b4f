"""Catalog tasks: thin wrappers over catalog.screening, passed ids only."""

from celery import shared_task

from catalog import screening


@shared_task(name="screening.screen_organisations", acks_late=True, ignore_result=True)
def screen_organisations_task(organisation_ids: list[int]) -> dict:
    """Screen these organisations against the watch lists (idempotent: hits are recomputed)."""
    return screening.screen_organisations(organisation_ids)


@shared_task(name="screening.sweep", acks_late=True, ignore_result=True)
def sweep_screening() -> dict:
    """Periodic: screen organisations asked for but not screened, or never screened."""
    return screening.sweep()
