"""Catalog CSV imports uploaded through the API or the imports page, run in the background.

Imported into catalog.models; split out so the catalog's own models stay readable.
"""

from django.conf import settings
from django.db import models

from forensics.roles import ADMIN, CURATOR, has_role
from forensics.scoping import ScopedQuerySet

__all__ = ["FINISHED_IMPORT_STATES", "CatalogImportJob", "ImportJobState"]


class ImportJobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Imported"
    REFUSED = "refused", "Refused, nothing changed"
    FAILED = "failed", "Failed, nothing changed"


FINISHED_IMPORT_STATES = (ImportJobState.DONE, ImportJobState.REFUSED, ImportJobState.FAILED)


class CatalogImportJobQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Curators and admins, who may import, see every import; nobody else sees any."""
        return self if has_role(user, CURATOR, ADMIN) else self.none()


class CatalogImportJob(models.Model):
    """One uploaded catalog CSV and its import: the durable record of background work.

    Written with the stored upload in one transaction, its task enqueued on commit; a worker
    claims it (`running`, one more attempt), imports the file in one transaction and stores the
    summary (`done`, or `refused` when the file was refused, or `failed` after the last attempt).
    A job left `queued` or `running` (lost message, dead worker) is swept and run again: the
    import is all or nothing and an upsert, so running it twice is safe.
    """

    file_name = models.CharField(max_length=255)
    upload = models.CharField(
        max_length=500, help_text="The stored upload under VAR_DIR; removed once the job finished."
    )
    size_bytes = models.BigIntegerField()
    strict = models.BooleanField(default=False)
    state = models.CharField(
        max_length=16, choices=ImportJobState.choices, default=ImportJobState.QUEUED, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    summary = models.JSONField(null=True, blank=True)
    reject_name = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = CatalogImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self):
        return f"catalog import {self.pk}: {self.file_name} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_IMPORT_STATES
