"""Recoveries and their chain of custody.

A recovery is born with its first custody event, in the same transaction, so no recovery ever
exists without a custody log; events are only ever appended. Every write leaves an audit record.
"""

import uuid
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from forensics.audit import record_change, snapshot
from forensics.models import CustodyAction, CustodyEvent, Recovery, Sharing
from forensics.services.notifications import notify_recovery_shared


def _actor_fields(actor) -> dict:
    if actor is not None and getattr(actor, "is_authenticated", False):
        return {"actor": actor, "actor_name": actor.get_username()[:150]}
    return {"actor": None, "actor_name": "system"}


def new_reference() -> str:
    """A case reference for a recovery created without one: REC-<year>-<8 hex>."""
    return f"REC-{timezone.now():%Y}-{uuid.uuid4().hex[:8].upper()}"


def add_custody_event(
    recovery: Recovery,
    actor,
    action: str,
    at=None,
    location: str = "",
    note: str = "",
) -> CustodyEvent:
    """Append one event to the recovery's custody log (audited)."""
    if action not in CustodyAction.values:
        raise ValidationError({"action": f"Unknown custody action “{action}”."})
    now = timezone.now()
    at = at or now
    if at > now + timedelta(minutes=5):
        raise ValidationError({"at": "A custody event cannot be in the future."})
    with transaction.atomic():
        event = CustodyEvent.objects.create(
            recovery=recovery,
            at=at,
            action=action,
            location=location[:200],
            note=note,
            **_actor_fields(actor),
        )
        record_change(actor, event, "create", None, snapshot(event))
    return event


def create_recovery(
    data: dict,
    actor,
    first_action: str = CustodyAction.RECEIVED,
    first_note: str = "Recovery recorded in the catalog.",
) -> Recovery:
    """Create a recovery and its first custody event (the recording itself), atomically.

    Imports pass `first_action=CustodyAction.IMPORTED`.
    """
    with transaction.atomic():
        recovery = Recovery(**data)
        if not recovery.reference:
            recovery.reference = new_reference()
        if recovery.created_by_id is None and getattr(actor, "is_authenticated", False):
            recovery.created_by = actor
        recovery.full_clean()
        recovery.save()
        record_change(actor, recovery, "create", None, snapshot(recovery))
        add_custody_event(
            recovery,
            actor,
            first_action,
            location=recovery.location or recovery.oblast,
            note=first_note,
        )
    return recovery


def update_recovery(recovery: Recovery, data: dict, actor) -> Recovery:
    """Change a recovery (the API and the pages both come here), audited.

    When its sharing leaves TLP:RED, the manufacturers of its confirmed findings, who were not told
    while it was RED, are notified in this same transaction (the outbox rows commit with the
    change; a notification already written is never written twice). The row lock makes two
    concurrent widenings see RED only once on PostgreSQL.
    """
    with transaction.atomic():
        before = snapshot(Recovery.objects.select_for_update().get(pk=recovery.pk))
        for name, value in data.items():
            setattr(recovery, name, value)
        recovery.full_clean()
        recovery.save()
        record_change(actor, recovery, "update", before, snapshot(recovery))
        if before["sharing"] == Sharing.RED and recovery.sharing != Sharing.RED:
            notify_recovery_shared(recovery)
    return recovery


def delete_recovery(recovery: Recovery, actor) -> None:
    """Remove a recovery recorded in error. Only one without photos or findings: evidence is
    never deleted this way. Its custody log goes with it, kept whole in the audit record."""
    if recovery.photos.exists() or recovery.findings.exists():
        raise ValidationError(
            "This recovery has photos or findings; it cannot be deleted. "
            "Restrict its sharing level instead."
        )
    with transaction.atomic():
        before = snapshot(recovery)
        before["custody"] = [snapshot(event) for event in recovery.custody.order_by("at", "pk")]
        record_change(actor, recovery, "delete", before, None)
        # Rows of the custody log are never deleted one by one (CustodyEvent.delete refuses);
        # a bulk delete removes the whole log together with its recovery.
        CustodyEvent.objects.filter(recovery=recovery).delete()
        recovery.delete()
