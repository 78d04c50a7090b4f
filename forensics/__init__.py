"""The project package and the forensics domain app (weapons, recoveries, evidence, findings, traces)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
