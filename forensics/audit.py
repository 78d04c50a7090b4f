"""The audit trail: one call, `record_change`, used by services, the base viewset and the admin.

Snapshots are JSON-safe dicts of a model's concrete fields, so a record stays readable after the model
changes shape or the row is deleted.
"""

import datetime
import decimal
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models.audit import AuditRecord


def _json_value(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or None
    if isinstance(value, (bytes, memoryview)):
        return None
    return value


def snapshot(instance: models.Model | None) -> dict | None:
    """The instance's concrete field values (foreign keys as ids), JSON-safe."""
    if instance is None:
        return None
    data = {}
    for field in instance._meta.concrete_fields:
        data[field.attname] = _json_value(getattr(instance, field.attname))
    return data


def _new_record(actor, instance: models.Model, action: str, before, after) -> AuditRecord:
    """An unsaved audit record; the actor's name is kept as text, so it outlives the user row."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditRecord(
        actor=actor if is_user else None,
        actor_name=(actor.get_username() if is_user else "system")[:150],
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=str(instance.pk),
        object_repr=str(instance)[:300],
        before=before,
        after=after,
    )


def record_change(
    actor, instance: models.Model, action: str, before=None, after=None
) -> AuditRecord:
    """Write one audit record. `before`/`after` are snapshots (or any JSON-safe dicts)."""
    record = _new_record(actor, instance, action, before, after)
    record.save()
    return record


def record_changes(actor, changes, batch_size: int = 1000) -> int:
    """`record_change` for many rows in bulk inserts: (instance, action, before, after) each, for a
    service that changes thousands of rows at once. Returns how many records were written."""
    records = [_new_record(actor, *change) for change in changes]
    AuditRecord.objects.bulk_create(records, batch_size=batch_size)
    return len(records)


def changed(before: dict | None, after: dict | None) -> bool:
    return before != after
