"""Notifications: who is told of a confirmed finding, and the durable delivery of what they are told.

The flow, and why each step is shaped so nothing is lost or sent twice:
1. `notify_finding_confirmed(finding)` runs inside the confirming transaction (a confirm hook): it
   writes the Notification (the outbox row, unique per organisation, finding and kind, so two
   analysts confirming at once still make one) and one Delivery per channel. Only ids leave the
   transaction: the delivery tasks are enqueued by `transaction.on_commit`.
2. `deliver_batch(ids)` (a task carries up to NOTIFICATION_TASK_BATCH ids) claims deliveries with a
   conditional UPDATE (pending and due, or a "delivering" claim older than
   NOTIFICATION_CLAIM_TIMEOUT_SECONDS), logs each attempt before sending, sends concurrently, and
   records each outcome only if its claim still stands. A delivered delivery is never claimed again.
3. Failures are retried with exponential backoff and jitter until `expires_at` (24 hours by default),
   then marked failed with the last error. The retry time lives in the row (`next_attempt_at`);
   a Celery countdown is only a shortcut.
4. `sweep()` (Celery beat, every minute) re-enqueues due deliveries whose task is overdue and
   claims that went stale, so a killed worker or a restarted broker delays delivery, never loses it.
5. Digest deliveries wait for `send_digests()` (daily), which sends one e-mail per organisation and
   marks every listed delivery delivered.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import random
import threading
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from catalog.models import Organisation
from forensics.audit import record_change, snapshot
from forensics.models import (
    AttemptOutcome,
    ComplianceContact,
    Delivery,
    DeliveryAttempt,
    DeliveryChannel,
    DeliveryState,
    Finding,
    FindingStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationState,
    Recovery,
    Sharing,
    WebhookEndpoint,
)

from . import webhooks
from .webhooks import PostResult

logger = logging.getLogger("forensics.notifications")

SENT_BY_TASK = (DeliveryChannel.EMAIL, DeliveryChannel.WEBHOOK)
MAX_COUNTDOWN_SECONDS = 300
"""Retries due sooner than this also get a Celery countdown; later ones wait for the sweep (a long
countdown would sit unacknowledged in the worker past the broker's visibility timeout)."""


def _seconds(name: str) -> datetime.timedelta:
    return datetime.timedelta(seconds=getattr(settings, name))


# --- who is told, and what ----------------------------------------------------------------------


def has_channels(organisation_id: int) -> bool:
    return (
        WebhookEndpoint.objects.filter(organisation_id=organisation_id, active=True).exists()
        or ComplianceContact.objects.filter(organisation_id=organisation_id).exists()
    )


def finding_recipients(finding: Finding) -> list[Organisation]:
    """The brand the finding was confirmed against, and its current owner when the owner has
    contacts or endpoints of its own."""
    maker_id = finding.manufacturer_id
    if maker_id is None and finding.part_id is not None:
        maker_id = finding.part.manufacturer_id
    if maker_id is None:
        return []
    brand = Organisation.objects.select_related("owner").get(pk=maker_id)
    recipients = [brand]
    owner = brand.owner
    if owner is not None and owner.pk != brand.pk and has_channels(owner.pk):
        recipients.append(owner)
    return recipients


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def finding_event_data(finding: Finding, recovery: Recovery, maker=None) -> dict:
    """What a manufacturer is told about a finding. TLP:AMBER gives the month of recovery only;
    the recovering unit, source and location are never included."""
    part = finding.part
    maker = maker or finding.manufacturer or (part.manufacturer if part else None)
    weapon = recovery.weapon_system
    data = {
        "id": finding.pk,
        "marking": finding.marking,
        "category": finding.category,
        "quantity": finding.quantity,
        "part": {"id": part.pk, "mpn": part.mpn, "description": part.description} if part else None,
        "manufacturer": {"id": maker.pk, "name": maker.name} if maker else None,
        "date_code": finding.date_code,
        "manufactured_from": _iso(finding.manufactured_from),
        "manufactured_to": _iso(finding.manufactured_to),
        "after_export_controls": finding.after_export_controls,
        "lot_code": finding.lot_code,
        "confirmed_at": _iso(finding.confirmed_at),
        "weapon_system": {"id": weapon.pk, "name": weapon.name, "kind": weapon.kind},
        "sharing": f"TLP:{recovery.sharing.upper()}",
        "recovery_month": recovery.recovered_on.strftime("%Y-%m")
        if recovery.recovered_on
        else None,
    }
    if recovery.sharing != Sharing.AMBER:
        data["recovery_date"] = _iso(recovery.recovered_on)
    return data


def _links(finding_id: int | None) -> dict:
    site = settings.SITE_URL.rstrip("/")
    links = {"notifications": f"{site}/api/v1/notifications/"}
    if finding_id is not None:
        links["finding"] = f"{site}/api/v1/findings/{finding_id}/"
    return links


def notify_finding_confirmed(finding: Finding) -> list[Notification]:
    """Write the notifications for a confirmed finding; call inside the confirming transaction.

    Returns the notifications this call created (none when they already existed, when the
    recovery is TLP:RED, or when the finding names no manufacturer).
    """
    if finding.status != FindingStatus.CONFIRMED:
        return []
    recovery = Recovery.objects.select_related("weapon_system").get(pk=finding.recovery_id)
    if recovery.sharing == Sharing.RED:
        logger.info("Finding %s is TLP:RED: manufacturers are not notified", finding.pk)
        return []
    recipients = finding_recipients(finding)
    if not recipients:
        return []
    data = finding_event_data(finding, recovery, maker=recipients[0])
    part = data["part"]["mpn"] if data["part"] else finding.marking[:60]
    subject = f"Your component {part} was found in a recovered {recovery.weapon_system.name}"
    created = []
    for organisation in recipients:
        notification = create_notification(
            organisation,
            NotificationKind.FINDING_CONFIRMED,
            idempotency_key=f"finding_confirmed:{organisation.pk}:{finding.pk}",
            subject=subject,
            data={"finding": data},
            finding=finding,
        )
        if notification is not None:
            created.append(notification)
    return created


def notify_recovery_shared(recovery: Recovery) -> list[Notification]:
    """Notify the confirmed findings of a recovery whose sharing has just left TLP:RED."""
    created = []
    with transaction.atomic():
        for finding in Finding.objects.filter(
            recovery=recovery, status=FindingStatus.CONFIRMED
        ).select_related("part"):
            created.extend(notify_finding_confirmed(finding))
    return created


def create_notification(
    organisation: Organisation,
    kind: str,
    *,
    idempotency_key: str,
    subject: str,
    data: dict,
    finding: Finding | None = None,
    endpoint: WebhookEndpoint | None = None,
) -> Notification | None:
    """Write one notification and its deliveries; their tasks are enqueued when the transaction
    commits. Returns None if a notification with this key (or for this finding) already exists.

    `data` is merged into the event; `subject` heads the e-mail. With `endpoint`, only that webhook
    endpoint receives it (the "send test event" action).
    """
    now = timezone.now()
    payload = {
        "id": idempotency_key,
        "type": kind,
        "created_at": now.isoformat(),
        "subject": subject,
        "organisation": {"id": organisation.pk, "name": organisation.name},
        "links": _links(finding.pk if finding else None),
        **data,
    }
    with transaction.atomic():
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    organisation=organisation,
                    finding=finding,
                    kind=kind,
                    payload=payload,
                    idempotency_key=idempotency_key,
                    next_attempt_at=now,
                )
        except IntegrityError:
            logger.info("Notification %s exists already; not written twice", idempotency_key)
            return None
        deliveries = _plan_deliveries(notification, endpoint, now)
        Delivery.objects.bulk_create(deliveries)
        if not deliveries:
            notification.state = NotificationState.NO_CHANNEL
            notification.next_attempt_at = None
            notification.save(update_fields=["state", "next_attempt_at"])
        enqueue_on_commit(d.pk for d in deliveries if d.channel in SENT_BY_TASK)
    return notification


def _plan_deliveries(notification, endpoint, now) -> list[Delivery]:
    """One delivery per active webhook endpoint, one e-mail for the contacts who want each
    notification, one digest line for those who want a daily digest."""

    def delivery(channel, endpoint=None):
        return Delivery(
            notification=notification,
            channel=channel,
            endpoint=endpoint,
            next_attempt_at=now,
            enqueued_at=now if channel in SENT_BY_TASK else None,
            expires_at=now + _seconds("NOTIFICATION_RETRY_WINDOW_SECONDS"),
        )

    if endpoint is not None:
        return [delivery(DeliveryChannel.WEBHOOK, endpoint)]
    org_id = notification.organisation_id
    planned = [
        delivery(DeliveryChannel.WEBHOOK, e)
        for e in WebhookEndpoint.objects.filter(organisation_id=org_id, active=True)
    ]
    wants_digest = set(
        ComplianceContact.objects.filter(organisation_id=org_id).values_list(
            "receives_digest", flat=True
        )
    )
    if wants_digest and _digest_only(org_id):
        wants_digest = {True}
    if False in wants_digest:
        planned.append(delivery(DeliveryChannel.EMAIL))
    if True in wants_digest:
        planned.append(delivery(DeliveryChannel.DIGEST))
    return planned


def _digest_only(organisation_id: int) -> bool:
    return NotificationPreference.objects.filter(
        organisation_id=organisation_id, digest_only=True
    ).exists()


# --- enqueueing -------------------------------------------------------------------------------


def _eager() -> bool:
    from forensics.celery import app

    return bool(app.conf.task_always_eager)


def _chunks(ids: list[int], size: int):
    for offset in range(0, len(ids), size):
        yield ids[offset : offset + size]


def enqueue(delivery_ids: Iterable[int], countdown: float | None = None) -> int:
    """Send delivery tasks, NOTIFICATION_TASK_BATCH ids per task. A broker that refuses is logged,
    not raised: the rows are the outbox, and the sweep sends them again. Returns how many ids
    were handed to the broker."""
    from forensics.tasks_notifications import deliver_notifications

    sent = 0
    for chunk in _chunks(list(delivery_ids), settings.NOTIFICATION_TASK_BATCH):
        try:
            deliver_notifications.apply_async((chunk,), countdown=countdown)
        except Exception:
            logger.exception("Broker refused deliveries %s; the sweep will re-send them", chunk)
            break
        sent += len(chunk)
    return sent


_pending = threading.local()


def enqueue_on_commit(delivery_ids: Iterable[int]) -> None:
    """Enqueue these deliveries once the current transaction commits, coalesced with the others
    written in the same transaction (so a transaction that notifies many findings sends tasks of
    NOTIFICATION_TASK_BATCH ids, not one task per delivery).

    Each call registers its own callback, and the first one to run sends the whole batch, so the
    batch still goes out if a savepoint rolled back the call that started it. The batch is keyed by
    the connection's list of commit hooks, which Django replaces on every commit and rollback.
    """
    ids = list(delivery_ids)
    if not ids:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        enqueue(ids)
        return
    hooks = connection.run_on_commit
    if getattr(_pending, "hooks", None) is not hooks:
        _pending.hooks, _pending.ids = hooks, []
    batch = _pending.ids
    batch.extend(ids)
    transaction.on_commit(lambda: _flush(batch))


def _flush(batch: list[int]) -> None:
    ids = list(dict.fromkeys(batch))
    batch.clear()
    if ids:
        enqueue(ids)


# --- delivering -------------------------------------------------------------------------------


def retry_delay(attempts: int) -> float:
    """Exponential backoff with jitter: half the ceiling plus a random part of the other half."""
    base = settings.NOTIFICATION_RETRY_BASE_SECONDS
    ceiling = min(settings.NOTIFICATION_RETRY_MAX_DELAY_SECONDS, base * 2 ** max(attempts - 1, 0))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _claimable(now) -> Q:
    stale = now - _seconds("NOTIFICATION_CLAIM_TIMEOUT_SECONDS")
    return Q(state=DeliveryState.PENDING, next_attempt_at__lte=now) | Q(
        state=DeliveryState.DELIVERING, claimed_at__lt=stale
    )


def _abandon_open_attempts(delivery_filter: Q, now) -> None:
    """Attempts still open when their delivery is claimed again were cut short."""
    DeliveryAttempt.objects.filter(delivery_filter, outcome=AttemptOutcome.IN_PROGRESS).update(
        outcome=AttemptOutcome.ABANDONED,
        finished_at=now,
        error="Abandoned: the worker was lost or timed out before recording an outcome.",
    )


def claim_batch(delivery_ids: Iterable[int]) -> tuple[str, dict[int, DeliveryAttempt]]:
    """Take every listed email/webhook delivery that is due and not held by a live claim, with
    one conditional UPDATE under one fresh token; log an attempt for each in the same transaction.

    Returns the token and {delivery id: its new attempt}, each attempt's `delivery` loaded with
    its notification and endpoint; delivered, failed, not yet due and live-claimed deliveries are
    left out, so two workers never hold the same delivery.
    """
    ids = sorted(set(delivery_ids))
    now = timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        claimed = (
            Delivery.objects.filter(pk__in=ids, channel__in=SENT_BY_TASK)
            .filter(_claimable(now))
            .update(
                state=DeliveryState.DELIVERING,
                claim_token=token,
                claimed_at=now,
                attempts=F("attempts") + 1,
            )
        )
        if not claimed:
            return token, {}
        mine = (
            Delivery.objects.filter(pk__in=ids, claim_token=token)
            .select_related("notification", "notification__organisation", "endpoint")
            .order_by("pk")
        )
        attempts = DeliveryAttempt.objects.bulk_create(
            DeliveryAttempt(delivery=delivery, at=now, claim_token=token) for delivery in mine
        )
    return token, {attempt.delivery_id: attempt for attempt in attempts}


def claim(delivery_id: int) -> tuple[str, DeliveryAttempt] | None:
    """`claim_batch` for one delivery: (token, attempt), or None when it cannot be taken."""
    token, attempts = claim_batch([delivery_id])
    return (token, attempts[delivery_id]) if attempts else None


def deliver(delivery_id: int) -> str:
    """Deliver one delivery if it can be claimed: "skipped", or the delivery's new state."""
    return deliver_batch([delivery_id]).get(delivery_id, "skipped")


def deliver_batch(delivery_ids: Iterable[int]) -> dict[int, str]:
    """Claim, send and record a batch of deliveries. Idempotent: what cannot be claimed (done,
    failed, not due, held by another worker) is skipped. Returns {delivery id: new state}.

    The database work is two transactions for the whole batch (claim, then outcomes) and the
    requests run concurrently, so one slow receiver does not hold up the others behind it.
    """
    token, attempts = claim_batch(delivery_ids)
    if not attempts:
        return {}
    deliveries = [attempts[pk].delivery for pk in sorted(attempts)]
    reclaimed = [d.pk for d in deliveries if d.attempts > 1]
    if reclaimed:
        _abandon_open_attempts(Q(delivery_id__in=reclaimed) & ~Q(claim_token=token), timezone.now())
    jobs = {d.pk: _prepare(d) for d in deliveries}
    results = _run(jobs)
    states, retries = _finish_batch(deliveries, attempts, token, results)
    for delivery_id, countdown in retries:
        enqueue([delivery_id], countdown=countdown)
    return states


def _prepare(delivery: Delivery):
    """Everything that needs the database, done here; returns a PostResult or a function that
    only does the I/O (run on a thread) and returns one."""
    if delivery.channel == DeliveryChannel.WEBHOOK:
        return _webhook_job(delivery)
    return _email_job(delivery)


_executor: tuple[int, ThreadPoolExecutor] | None = None


def _pool() -> ThreadPoolExecutor:
    """One sending pool per process (created after a prefork worker forks)."""
    global _executor
    if _executor is None or _executor[0] != os.getpid():
        threads = settings.NOTIFICATION_SEND_THREADS
        _executor = (os.getpid(), ThreadPoolExecutor(threads, thread_name_prefix="notify-send"))
    return _executor[1]


def _run(jobs: dict) -> dict[int, PostResult]:
    calls = {pk: job for pk, job in jobs.items() if callable(job)}
    results = {pk: job for pk, job in jobs.items() if not callable(job)}
    if len(calls) == 1:
        [(pk, job)] = calls.items()
        results[pk] = job()
    elif calls:
        futures = {pk: _pool().submit(job) for pk, job in calls.items()}
        results.update({pk: future.result() for pk, future in futures.items()})
    return results


def _webhook_job(delivery: Delivery):
    endpoint = delivery.endpoint
    if endpoint is None:
        return PostResult(False, None, "The webhook endpoint was deleted.", 0, permanent=True)
    if not endpoint.active:
        return PostResult(False, None, "The webhook endpoint is inactive.", 0, permanent=True)
    notification = delivery.notification
    args = (
        endpoint.url,
        endpoint.secret,
        event_body(notification.payload),
        notification.idempotency_key,
        notification.kind,
    )
    return lambda: webhooks.post_event(*args)


def event_body(payload: dict) -> bytes:
    """The exact bytes that are signed and sent: compact, key-sorted JSON."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _email_job(delivery: Delivery):
    notification = delivery.notification
    recipients = list(
        ComplianceContact.objects.filter(
            organisation_id=notification.organisation_id, receives_digest=False
        ).values_list("email", flat=True)
    )
    if recipients and _digest_only(notification.organisation_id):
        recipients = []
    if not recipients:
        return PostResult(
            False, None, "No contact takes immediate e-mail any more.", 0, permanent=True
        )
    payload = notification.payload
    template = f"notifications/email_{notification.kind}.txt"
    message = EmailMessage(
        subject=payload.get("subject", "Notification"),
        body=render_to_string([template, "notifications/email_generic.txt"], {"event": payload}),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers={"X-Idempotency-Key": notification.idempotency_key},
    )
    return lambda: _send_message(message)


def _send_message(message: EmailMessage) -> PostResult:
    started = time.monotonic()
    try:
        message.send()
    except Exception as exc:  # SMTP, network and backend errors alike are worth a retry
        elapsed = int((time.monotonic() - started) * 1000)
        return PostResult(False, None, f"{type(exc).__name__}: {exc}"[:1000], elapsed)
    return PostResult(True, None, "", int((time.monotonic() - started) * 1000))


def _outcome(delivery: Delivery, result: PostResult, now):
    """The delivery's next state and fields, and the countdown of a retry due soon (or None)."""
    fields = {"last_error": result.error}
    if result.ok:
        fields.update(delivered_at=now, next_attempt_at=None, last_error="")
        return DeliveryState.DELIVERED, fields, None
    delay = retry_delay(delivery.attempts)
    next_at = now + datetime.timedelta(seconds=delay)
    if result.permanent or delivery.expires_at is None or next_at > delivery.expires_at:
        fields["next_attempt_at"] = None
        return DeliveryState.FAILED, fields, None
    fields["next_attempt_at"] = next_at
    if delay <= MAX_COUNTDOWN_SECONDS and not _eager():
        fields["enqueued_at"] = next_at
        return DeliveryState.PENDING, fields, delay
    return DeliveryState.PENDING, fields, None


def _finish_batch(deliveries, attempts, token, results):
    """Record every attempt and move each delivery on, where this worker's claim still stands,
    in one transaction; then summarise the notifications.

    Every UPDATE is conditional on the claim (token and "delivering"), so a delivery taken over by
    another worker meanwhile is left alone and its attempt recorded as superseded.
    Returns ({delivery id: state or "superseded"}, [(delivery id, countdown) of soon retries]).
    """
    now = timezone.now()
    outcomes = {d.pk: _outcome(d, results[d.pk], now) for d in deliveries}
    delivered = [pk for pk, (state, _, _) in outcomes.items() if state == DeliveryState.DELIVERED]
    states, retries = {}, []
    with transaction.atomic():
        held = set()
        if delivered:
            fields = outcomes[delivered[0]][1]  # the same for every delivered one
            moved = Delivery.objects.filter(
                pk__in=delivered, claim_token=token, state=DeliveryState.DELIVERING
            ).update(state=DeliveryState.DELIVERED, **fields)
            if moved == len(delivered):
                held.update(delivered)
            else:  # some were taken over meanwhile: only those still under our token are ours
                held.update(
                    Delivery.objects.filter(
                        pk__in=delivered, claim_token=token, state=DeliveryState.DELIVERED
                    ).values_list("pk", flat=True)
                )
        for delivery in deliveries:
            state, fields, countdown = outcomes[delivery.pk]
            if state != DeliveryState.DELIVERED and (
                Delivery.objects.filter(
                    pk=delivery.pk, claim_token=token, state=DeliveryState.DELIVERING
                ).update(state=state, **fields)
            ):
                held.add(delivery.pk)
                if countdown is not None:
                    retries.append((delivery.pk, countdown))
                if state == DeliveryState.FAILED:
                    logger.warning(
                        "Delivery %s failed for good: %s", delivery.pk, fields["last_error"]
                    )
            result, attempt = results[delivery.pk], attempts[delivery.pk]
            if delivery.pk in held:
                attempt.outcome = AttemptOutcome.SUCCESS if result.ok else AttemptOutcome.ERROR
                states[delivery.pk] = state
            else:
                logger.warning("Delivery %s was taken over while this worker sent it", delivery.pk)
                attempt.outcome = AttemptOutcome.SUPERSEDED
                states[delivery.pk] = "superseded"
            attempt.finished_at, attempt.status_code = now, result.status_code
            attempt.error, attempt.duration_ms = result.error, result.duration_ms
        _save(
            [attempts[d.pk] for d in deliveries],
            ["finished_at", "outcome", "status_code", "error", "duration_ms"],
        )
        refresh_notifications(d.notification_id for d in deliveries if d.pk in held)
    return states, retries


def refresh_notification(notification_id: int) -> None:
    refresh_notifications([notification_id])


def refresh_notifications(notification_ids: Iterable[int]) -> None:
    """Summarise their deliveries on the notifications (state, attempts, next try, last error).

    The notification rows are locked first, in id order, so deliveries of one notification that
    finish at once (on different workers) serialise here and each summary sees them all.
    """
    ids = sorted(set(notification_ids))
    notifications = list(
        Notification.objects.select_for_update().filter(pk__in=ids).order_by("pk").only("pk")
    )
    rows: dict[int, list[dict]] = {pk: [] for pk in ids}
    for row in Delivery.objects.filter(notification_id__in=ids).values(
        "notification_id", "state", "attempts", "next_attempt_at", "last_error", "delivered_at"
    ):
        rows[row["notification_id"]].append(row)
    for notification in notifications:
        _summarise(notification, rows[notification.pk])
    _save(notifications, ["state", "attempts", "next_attempt_at", "last_error", "delivered_at"])


def _save(objects: list, fields: list[str]) -> None:
    """Write these fields of these rows: one plain UPDATE for one row (the common single-delivery
    task), `bulk_update` for several."""
    if len(objects) == 1:
        [obj] = objects
        type(obj).objects.filter(pk=obj.pk).update(**{f: getattr(obj, f) for f in fields})
    elif objects:
        type(objects[0]).objects.bulk_update(objects, fields)


def _summarise(notification: Notification, rows: list[dict]) -> None:
    states = {row["state"] for row in rows}
    notification.delivered_at = None
    if not rows:
        notification.state = NotificationState.NO_CHANNEL
    elif states == {DeliveryState.DELIVERED}:
        notification.state = NotificationState.DELIVERED
        notification.delivered_at = max(row["delivered_at"] for row in rows)
    elif DeliveryState.DELIVERING in states:
        notification.state = NotificationState.DELIVERING
    elif DeliveryState.PENDING in states:
        notification.state = NotificationState.PENDING
    else:
        notification.state = NotificationState.FAILED
    waiting = [r["next_attempt_at"] for r in rows if r["state"] == DeliveryState.PENDING]
    errors = [r["last_error"] for r in rows if r["state"] != DeliveryState.DELIVERED]
    notification.attempts = sum(row["attempts"] for row in rows)
    notification.next_attempt_at = min((w for w in waiting if w), default=None)
    notification.last_error = next((e for e in errors if e), "")


# --- sweep, digest, actions -----------------------------------------------------------------------


def sweep(now: datetime.datetime | None = None) -> dict:
    """Re-enqueue what a lost task or a restarted broker left behind.

    Due deliveries whose last task was sent more than NOTIFICATION_REQUEUE_AFTER_SECONDS ago, and
    claims older than NOTIFICATION_CLAIM_TIMEOUT_SECONDS. A task that does arrive late finds the
    delivery claimed or done and does nothing, so a generous sweep costs a query, not a duplicate.
    """
    now = now or timezone.now()
    requeue_before = now - _seconds("NOTIFICATION_REQUEUE_AFTER_SECONDS")
    stale_before = now - _seconds("NOTIFICATION_CLAIM_TIMEOUT_SECONDS")
    batch = settings.NOTIFICATION_SWEEP_BATCH
    overdue_task = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=requeue_before)
    base = Delivery.objects.filter(channel__in=SENT_BY_TASK).filter(overdue_task)
    due = list(
        base.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    stale = list(
        base.filter(state=DeliveryState.DELIVERING, claimed_at__lt=stale_before)
        .order_by("claimed_at")
        .values_list("pk", flat=True)[:batch]
    )
    ids = due + stale
    if ids:
        Delivery.objects.filter(pk__in=ids).update(enqueued_at=now)
        enqueue(ids)
        logger.info("Sweep re-enqueued %d due and %d stale deliveries", len(due), len(stale))
    return {"due": len(due), "stale": len(stale)}


def send_digests() -> dict:
    """Send each organisation with waiting digest deliveries one e-mail listing them all."""
    now = timezone.now()
    organisation_ids = (
        Delivery.objects.filter(channel=DeliveryChannel.DIGEST)
        .filter(_claimable(now))
        .values_list("notification__organisation_id", flat=True)
        .distinct()
    )
    results = {"sent": 0, "failed": 0}
    for organisation_id in sorted(set(organisation_ids)):
        ok = send_digest(organisation_id)
        if ok is not None:
            results["sent" if ok else "failed"] += 1
    return results


def send_digest(organisation_id: int) -> bool | None:
    """One digest e-mail for one organisation. Returns None if there was nothing to send."""
    now = timezone.now()
    mine = Q(channel=DeliveryChannel.DIGEST, notification__organisation_id=organisation_id)
    ids = list(Delivery.objects.filter(mine).filter(_claimable(now)).values_list("pk", flat=True))
    with transaction.atomic():
        token, attempts = _claim_digest(ids, now)
        if not attempts:
            return None
        deliveries = list(
            Delivery.objects.filter(pk__in=list(attempts), claim_token=token)
            .select_related("notification")
            .order_by("notification__created_at", "pk")
        )
    result = _send_digest_email(organisation_id, deliveries)
    finished = timezone.now()
    claimed = Delivery.objects.filter(
        pk__in=list(attempts), claim_token=token, state=DeliveryState.DELIVERING
    )
    with transaction.atomic():
        if result.ok:
            claimed.update(state=DeliveryState.DELIVERED, delivered_at=finished, last_error="")
        else:
            exhausted = claimed
            if not result.permanent:
                exhausted = claimed.filter(attempts__gte=settings.NOTIFICATION_DIGEST_MAX_RUNS)
            exhausted.update(state=DeliveryState.FAILED, last_error=result.error)
            claimed.update(  # the rest (still "delivering"): tried again at the next run
                state=DeliveryState.PENDING, next_attempt_at=finished, last_error=result.error
            )
        DeliveryAttempt.objects.filter(pk__in=[a.pk for a in attempts.values()]).update(
            finished_at=finished,
            outcome=AttemptOutcome.SUCCESS if result.ok else AttemptOutcome.ERROR,
            error=result.error,
            duration_ms=result.duration_ms,
        )
        refresh_notifications(d.notification_id for d in deliveries)
    return result.ok


def _claim_digest(ids: list[int], now) -> tuple[str, dict[int, DeliveryAttempt]]:
    token = uuid.uuid4().hex
    claimed = (
        Delivery.objects.filter(pk__in=ids, channel=DeliveryChannel.DIGEST)
        .filter(_claimable(now))
        .update(
            state=DeliveryState.DELIVERING,
            claim_token=token,
            claimed_at=now,
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return token, {}
    mine = list(Delivery.objects.filter(pk__in=ids, claim_token=token).values_list("pk", flat=True))
    _abandon_open_attempts(Q(delivery_id__in=mine), now)
    attempts = DeliveryAttempt.objects.bulk_create(
        DeliveryAttempt(delivery_id=pk, at=now, claim_token=token) for pk in mine
    )
    return token, {attempt.delivery_id: attempt for attempt in attempts}


def _send_digest_email(organisation_id: int, deliveries: list[Delivery]) -> PostResult:
    contacts = ComplianceContact.objects.filter(organisation_id=organisation_id)
    if not _digest_only(organisation_id):
        contacts = contacts.filter(receives_digest=True)
    recipients = list(contacts.values_list("email", flat=True))
    if not recipients:
        return PostResult(False, None, "No contact takes the digest any more.", 0, permanent=True)
    organisation = Organisation.objects.get(pk=organisation_id)
    events = [d.notification.payload for d in deliveries]
    message = EmailMessage(
        subject=f"Daily digest: {len(events)} new notification(s) for {organisation.name}",
        body=render_to_string(
            "notifications/email_digest.txt", {"organisation": organisation, "events": events}
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
    return _send_message(message)


def retry_delivery(delivery: Delivery, actor) -> Delivery:
    """Give a failed delivery a fresh retry window (after the receiver was fixed)."""
    if delivery.state != DeliveryState.FAILED:
        raise ValidationError({"detail": "Only a failed delivery can be retried."})
    now = timezone.now()
    with transaction.atomic():
        before = snapshot(delivery)
        moved = Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.FAILED).update(
            state=DeliveryState.PENDING,
            next_attempt_at=now,
            enqueued_at=now if delivery.channel in SENT_BY_TASK else None,
            expires_at=now + _seconds("NOTIFICATION_RETRY_WINDOW_SECONDS"),
        )
        if not moved:
            raise ValidationError({"detail": "Only a failed delivery can be retried."})
        delivery.refresh_from_db()
        record_change(actor, delivery, "retry", before, snapshot(delivery))
        refresh_notification(delivery.notification_id)
        if delivery.channel in SENT_BY_TASK:
            enqueue_on_commit([delivery.pk])
    return delivery


# --- endpoints --------------------------------------------------------------------------------


def endpoint_snapshot(endpoint: WebhookEndpoint | None) -> dict | None:
    """The audit snapshot of an endpoint, its secret left out."""
    data = snapshot(endpoint)
    if data is not None:
        data["secret"] = "[redacted]"
    return data


def rotate_secret(endpoint: WebhookEndpoint, actor) -> str:
    """A new signing secret, effective for the next request; returned once to show once."""
    with transaction.atomic():
        before = endpoint_snapshot(endpoint)
        endpoint.secret = webhooks.generate_secret()
        endpoint.save(update_fields=["secret", "updated_at"])
        record_change(actor, endpoint, "rotate_secret", before, endpoint_snapshot(endpoint))
    return endpoint.secret


def send_test_event(endpoint: WebhookEndpoint, actor) -> Notification:
    """A test notification delivered to this endpoint only, through the same path as real ones."""
    if not endpoint.active:
        raise ValidationError({"detail": "The endpoint is inactive; activate it to test it."})
    with transaction.atomic():
        notification = create_notification(
            endpoint.organisation,
            NotificationKind.TEST,
            idempotency_key=f"test:{uuid.uuid4().hex}",
            subject="Test event",
            data={"message": "A test event: this endpoint receives signed notifications."},
            endpoint=endpoint,
        )
        record_change(actor, endpoint, "test_event", None, {"notification": notification.pk})
    return notification
