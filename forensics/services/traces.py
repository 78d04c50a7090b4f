"""Trace requests: from confirmed findings to the organisation that first bought their lot.

Life cycle (one table, `TRANSITIONS`; every change is a conditional UPDATE, audited):

    draft ──send──▶ sent ──acknowledge──▶ acknowledged
                     │  ╲                      │
                     │   ╲──deadline passed──▶ overdue ◀─┘
                     ▼                          │
          answer / decline (from sent, acknowledged or overdue) ──▶ answered | declined
    any state but closed ──close──▶ closed

A move not in the table is a 400; a request that changed under our feet (two answers at once) is a
409. Sending writes the recipient's notification (through `_notify`, the one call into the
notifications engine) in the same transaction; the beat task `process_due` sends the day-14 and
day-21 reminders (once each: a unique row per reminder) and marks requests overdue at day 28.

An answer naming the first buyer creates the supply link(s) seller = recipient → buyer = distributor
for the findings' part(s) and lot(s) in the same transaction, and the analyst can then send a
follow-up request to that distributor: chains of any length are built one answer at a time.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog import screening
from catalog import services as catalog_services
from catalog.models import (
    Confidence,
    EvidenceKind,
    Organisation,
    OrganisationAlias,
    SupplyLink,
)
from catalog.normalize import name_key
from forensics.audit import record_change, snapshot
from forensics.models import (
    AnswerKind,
    Finding,
    FindingComment,
    FindingPhoto,
    FindingStatus,
    NotificationKind,
    NotTraceableReason,
    Sharing,
    TraceAnswer,
    TraceReminder,
    TraceRequest,
    TraceState,
)
from forensics.roles import ADMIN, ANALYST, has_role, is_manufacturer, organisation_of

logger = logging.getLogger("forensics.traces")

S = TraceState
OPEN_STATES = (S.SENT, S.ACKNOWLEDGED, S.OVERDUE)

TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "send": (frozenset({S.DRAFT}), S.SENT),
    "acknowledge": (frozenset({S.SENT}), S.ACKNOWLEDGED),
    "answer": (frozenset(OPEN_STATES), S.ANSWERED),
    "decline": (frozenset(OPEN_STATES), S.DECLINED),
    "mark_overdue": (frozenset({S.SENT, S.ACKNOWLEDGED}), S.OVERDUE),
    "close": (frozenset(set(S.values) - {S.CLOSED}), S.CLOSED),
}
"""action → (states it may start from, state it leads to)."""

ANALYST_ACTIONS = {"send", "close"}
RECIPIENT_ACTIONS = {"acknowledge"}
EITHER_ACTIONS = {"answer", "decline"}
"""Who moves a request: analysts (and admins), the recipient organisation's users, or either (an
analyst records an answer received by e-mail). `mark_overdue` is the beat task's alone."""

MAX_FINDINGS = 200
DEFAULT_QUESTION = (
    "Please tell us to whom you first sold this lot (the buyer's name and country, the date, the "
    "quantity and the invoice reference), or why it cannot be traced."
)


def deadline_days() -> int:
    return int(getattr(settings, "TRACE_DEADLINE_DAYS", 28))


def reminder_days() -> tuple[int, ...]:
    return tuple(getattr(settings, "TRACE_REMINDER_DAYS", (14, 21)))


class TraceConflict(Exception):
    """The request changed while this action was being applied: the API answers 409."""


# --- notifications adapter ------------------------------------------------------------------------


def _notify(organisation: Organisation, kind: str, *, key: str, subject: str, data: dict):
    """The one call into forensics.services.notifications (outbox row in this transaction)."""
    from forensics.services.notifications import create_notification

    return create_notification(organisation, kind, idempotency_key=key, subject=subject, data=data)


# --- who may act ----------------------------------------------------------------------------------


def is_recipient(user, trace_request: TraceRequest) -> bool:
    """The user speaks for the recipient organisation (or for the group that owns it)."""
    if not is_manufacturer(user):
        return False
    org = organisation_of(user)
    if org is None:
        return False
    recipient = trace_request.organisation
    return org.pk == recipient.pk or recipient.owner_id == org.pk


def _check_actor(action: str, actor, trace_request: TraceRequest) -> None:
    analyst = has_role(actor, ANALYST, ADMIN)
    if action in ANALYST_ACTIONS and not analyst:
        raise PermissionDenied("Only analysts can do this.")
    if action in RECIPIENT_ACTIONS and not is_recipient(actor, trace_request):
        raise PermissionDenied("Only the recipient organisation can do this.")
    if action in EITHER_ACTIONS and not (analyst or is_recipient(actor, trace_request)):
        raise PermissionDenied("Only the recipient organisation or an analyst can do this.")


def _check_state(action: str, state: str) -> str:
    allowed, target = TRANSITIONS[action]
    if state not in allowed:
        starts = ", ".join(sorted(allowed))
        raise ValidationError(
            {
                "state": f"Cannot {action.replace('_', ' ')} a trace request that is {state} "
                f"(only from: {starts})."
            }
        )
    return target


def _lock(trace_request: TraceRequest) -> TraceRequest:
    """Lock the row for this transaction and reload the instance in place (so the caller's object
    shows the outcome); a state changed since it was read is a conflict."""
    read_as = trace_request.state
    list(TraceRequest.objects.select_for_update().filter(pk=trace_request.pk).values("pk"))
    trace_request.refresh_from_db()
    if trace_request.state != read_as:
        raise TraceConflict(
            f"Trace request {trace_request.pk} is now {trace_request.state} (it was {read_as}); "
            "reload it and try again."
        )
    return trace_request


def _move(trace_request: TraceRequest, action: str, actor, **fields) -> TraceRequest:
    """Apply one transition with a conditional UPDATE and audit it. Call inside a transaction."""
    target = _check_state(action, trace_request.state)
    before = snapshot(trace_request)
    now = timezone.now()
    moved = TraceRequest.objects.filter(pk=trace_request.pk, state=trace_request.state).update(
        state=target, updated_at=now, **fields
    )
    if not moved:
        raise TraceConflict(f"Trace request {trace_request.pk} changed meanwhile; reload it.")
    trace_request.refresh_from_db()
    record_change(actor, trace_request, action, before, snapshot(trace_request))
    return trace_request


# --- creating -------------------------------------------------------------------------------------


def _maker_id(finding: Finding) -> int | None:
    if finding.manufacturer_id is not None:
        return finding.manufacturer_id
    return finding.part.manufacturer_id if finding.part_id else None


def _check_findings(findings: list[Finding]) -> tuple[int, int]:
    """Confirmed findings of one manufacturer in one recovery → (maker id, recovery id)."""
    if not findings:
        raise ValidationError({"findings": "Name at least one confirmed finding."})
    if len(findings) > MAX_FINDINGS:
        raise ValidationError({"findings": f"At most {MAX_FINDINGS} findings per request."})
    unconfirmed = [f.pk for f in findings if f.status != FindingStatus.CONFIRMED]
    if unconfirmed:
        raise ValidationError(
            {"findings": f"Only confirmed findings can be traced; not confirmed: {unconfirmed}."}
        )
    recoveries = {f.recovery_id for f in findings}
    if len(recoveries) > 1:
        raise ValidationError({"findings": "The findings must come from one recovery."})
    makers = {_maker_id(f) for f in findings}
    if None in makers:
        raise ValidationError({"findings": "Every finding must be matched to a manufacturer."})
    if len(makers) > 1:
        raise ValidationError({"findings": "The findings must be of one manufacturer."})
    return makers.pop(), recoveries.pop()


def _check_photos(photo_ids: Iterable[int] | None, findings: list[Finding]) -> list[int]:
    available = sorted(
        set(FindingPhoto.objects.filter(finding__in=findings).values_list("photo_id", flat=True))
    )
    if photo_ids is None:
        return available
    wanted = sorted(set(photo_ids))
    stray = [pk for pk in wanted if pk not in available]
    if stray:
        raise ValidationError({"photo_ids": f"Photo(s) {stray} do not show any of these findings."})
    return wanted


def _load_findings(finding_ids: Iterable[int]) -> list[Finding]:
    ids = list(dict.fromkeys(finding_ids))
    found = Finding.objects.select_related("part").in_bulk(ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError({"findings": f"No such finding(s): {missing}."})
    return [found[pk] for pk in ids]


def create_trace_request(
    actor,
    finding_ids: Iterable[int],
    *,
    organisation: Organisation | None = None,
    question: str = "",
    photo_ids: Iterable[int] | None = None,
    send: bool = False,
) -> TraceRequest:
    """A draft request to the findings' manufacturer (or the group that owns it)."""
    if not has_role(actor, ANALYST, ADMIN):
        raise PermissionDenied("Only analysts can open trace requests.")
    findings = _load_findings(finding_ids)
    maker_id, recovery_id = _check_findings(findings)
    maker = Organisation.objects.get(pk=maker_id)
    if organisation is None:
        organisation = maker
    elif organisation.pk not in (maker.pk, maker.owner_id):
        raise ValidationError(
            {
                "organisation": (
                    f"A first trace request goes to the findings' manufacturer ({maker.name}"
                    f"{' or its owner ' + maker.owner.name if maker.owner_id else ''}); a "
                    "distributor is asked through a follow-up of an answered request."
                )
            }
        )
    photos = _check_photos(photo_ids, findings)
    with transaction.atomic():
        trace_request = TraceRequest.objects.create(
            organisation=organisation,
            manufacturer=maker,
            recovery_id=recovery_id,
            question=(question or "").strip() or DEFAULT_QUESTION,
            photo_ids=photos,
            created_by=actor,
        )
        trace_request.findings.set(findings)
        record_change(actor, trace_request, "create", None, request_snapshot(trace_request))
        if send:
            trace_request = send_trace_request(trace_request, actor)
    return trace_request


def request_snapshot(trace_request: TraceRequest) -> dict:
    data = snapshot(trace_request)
    data["findings"] = sorted(trace_request.findings.values_list("pk", flat=True))
    return data


def update_draft(
    trace_request: TraceRequest, actor, *, question=None, photo_ids=None
) -> TraceRequest:
    """Edit what a draft asks; a sent request is frozen."""
    _check_actor("send", actor, trace_request)
    with transaction.atomic():
        trace_request = _lock(trace_request)
        if trace_request.state != S.DRAFT:
            raise ValidationError({"state": "Only a draft can be edited; this one was sent."})
        before = request_snapshot(trace_request)
        if question is not None:
            trace_request.question = question.strip() or DEFAULT_QUESTION
        if photo_ids is not None:
            findings = list(trace_request.findings.all())
            trace_request.photo_ids = _check_photos(photo_ids, findings)
        trace_request.save(update_fields=["question", "photo_ids", "updated_at"])
        record_change(actor, trace_request, "update", before, request_snapshot(trace_request))
    return trace_request


# --- what is asked --------------------------------------------------------------------------------


def request_payload(trace_request: TraceRequest) -> dict:
    """What the recipient is told: markings, lot and date codes, photo ids, weapon system and the
    month of recovery. Never the day, the place, the recovering unit or the source."""
    recovery = trace_request.recovery
    findings = trace_request.findings.select_related("part").order_by("pk")
    return {
        "id": trace_request.pk,
        "question": trace_request.question,
        "manufacturer": {
            "id": trace_request.manufacturer_id,
            "name": trace_request.manufacturer.name,
        },
        "weapon_system": recovery.weapon_system.name,
        "recovery_month": recovery.recovered_on.strftime("%Y-%m")
        if recovery.recovered_on
        else None,
        "findings": [
            {
                "id": f.pk,
                "marking": f.marking,
                "part": f.part.mpn if f.part_id else None,
                "lot_code": f.lot_code,
                "date_code": f.date_code,
                "quantity": f.quantity,
            }
            for f in findings
        ],
        "photo_ids": list(trace_request.photo_ids),
    }


def _url(trace_request: TraceRequest) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/api/v1/trace-requests/{trace_request.pk}/"


# --- transitions ----------------------------------------------------------------------------------


def send_trace_request(trace_request: TraceRequest, actor) -> TraceRequest:
    """Freeze what is asked, start the 28-day clock and notify the recipient, in one transaction.

    Refused for a TLP:RED recovery: sending would share it outside the team.
    """
    _check_actor("send", actor, trace_request)
    with transaction.atomic():
        trace_request = _lock(trace_request)
        _check_state("send", trace_request.state)
        if trace_request.recovery.sharing == Sharing.RED:
            raise ValidationError(
                {"state": "The recovery is TLP:RED (internal only): share it at AMBER first."}
            )
        findings = list(trace_request.findings.all())
        _check_findings(findings)
        now = timezone.now()
        payload = request_payload(trace_request)
        deadline = now + datetime.timedelta(days=deadline_days())
        payload["deadline"] = deadline.isoformat()
        trace_request = _move(
            trace_request,
            "send",
            actor,
            request_data=payload,
            sent_at=now,
            deadline=deadline,
            sent_by=actor,
        )
        _notify(
            trace_request.organisation,
            NotificationKind.TRACE_REQUEST,
            key=f"trace_request:{trace_request.pk}",
            subject=f"Trace request {trace_request.pk}: who bought this lot?",
            data={
                "trace_request": payload,
                "message": (
                    f"{trace_request.question}\n\nPlease answer by {deadline:%Y-%m-%d}: "
                    f"{_url(trace_request)}"
                ),
            },
        )
    return trace_request


def acknowledge(trace_request: TraceRequest, actor) -> TraceRequest:
    _check_actor("acknowledge", actor, trace_request)
    with transaction.atomic():
        trace_request = _lock(trace_request)
        return _move(trace_request, "acknowledge", actor, acknowledged_at=timezone.now())


def decline(trace_request: TraceRequest, actor, reason: str) -> TraceRequest:
    _check_actor("decline", actor, trace_request)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the request is declined."})
    with transaction.atomic():
        trace_request = _lock(trace_request)
        return _move(
            trace_request,
            "decline",
            actor,
            declined_at=timezone.now(),
            decline_reason=reason.strip(),
        )


def close(trace_request: TraceRequest, actor, note: str = "") -> TraceRequest:
    _check_actor("close", actor, trace_request)
    with transaction.atomic():
        trace_request = _lock(trace_request)
        return _move(
            trace_request, "close", actor, closed_at=timezone.now(), close_note=(note or "").strip()
        )


# --- answers --------------------------------------------------------------------------------------

ROLE_FLAGS = {
    "authorized_distributor": "is_authorized_distributor",
    "independent_distributor": "is_independent_distributor",
    "importer": "is_importer",
    "freight_forwarder": "is_freight_forwarder",
    "end_user": "is_end_user",
}


@dataclass
class FirstSale:
    """The buyer is an existing organisation (`distributor`) or a new `name` + `country`."""

    sale_date: datetime.date
    distributor: Organisation | None = None
    name: str = ""
    country: str = ""
    role: str = ""
    quantity: int | None = None
    invoice_reference: str = ""
    note: str = ""


@dataclass
class NotTraceable:
    reason: str
    reason_text: str = ""
    note: str = ""


def _buyer(sale: FirstSale, seller: Organisation, actor) -> tuple[Organisation, bool]:
    """The organisation named as first buyer: an existing one (by id, or by a name one of its
    aliases spells), else a new one marked for a curator's review."""
    if sale.distributor is not None:
        buyer = sale.distributor
    else:
        key = name_key(sale.name or "")
        if not key:
            raise ValidationError({"distributor_name": "Name the buyer (letters or digits)."})
        alias = OrganisationAlias.objects.select_related("organisation").filter(key=key).first()
        buyer = alias.organisation if alias else None
    if buyer is not None:
        if buyer.pk == seller.pk:
            raise ValidationError({"distributor": "The buyer cannot be the seller itself."})
        return buyer, False
    role = sale.role or (
        "authorized_distributor" if seller.is_manufacturer else "independent_distributor"
    )
    if role not in ROLE_FLAGS:
        raise ValidationError({"distributor_role": f"Use one of {', '.join(ROLE_FLAGS)}."})
    country = (sale.country or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise ValidationError(
            {"distributor_country": "Give the buyer's country as an ISO-2 code, e.g. HK."}
        )
    buyer = catalog_services.create_organisation(
        sale.name.strip(),
        actor=actor,
        country=country,
        needs_review=True,
        notes=f"Named as first buyer in trace request answers (created {timezone.now():%Y-%m-%d}).",
        **{ROLE_FLAGS[role]: True},
    )
    return buyer, True


def _links_for(trace_request: TraceRequest, buyer: Organisation, sale: FirstSale, actor):
    """One confirmed supply link per distinct (part, lot) of the findings."""
    seller = trace_request.organisation
    kind = (
        EvidenceKind.MANUFACTURER_TRACE
        if seller.is_manufacturer
        else EvidenceKind.DISTRIBUTOR_RESPONSE
    )
    pairs = sorted(
        set(trace_request.findings.values_list("part_id", "lot_code")),
        key=lambda pair: (pair[0] or 0, pair[1]),
    )
    links = []
    for part_id, lot_code in pairs:
        link = SupplyLink.objects.create(
            seller=seller,
            buyer=buyer,
            part_id=part_id,
            lot_code=lot_code or "",
            start_date=sale.sale_date,
            evidence_kind=kind,
            confidence=Confidence.CONFIRMED,
            source_reference=f"trace-request:{trace_request.pk}",
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        record_change(actor, link, "create", None, snapshot(link))
        links.append(link)
    return links


def answer(trace_request: TraceRequest, actor, reply: FirstSale | NotTraceable) -> TraceAnswer:
    """Record the recipient's answer; a first sale creates the supply link(s) to the buyer in the
    same transaction, and has buyer and seller screened once it commits."""
    _check_actor("answer", actor, trace_request)
    if isinstance(reply, NotTraceable):
        if reply.reason not in NotTraceableReason.values:
            raise ValidationError({"reason": f"Use one of {', '.join(NotTraceableReason.values)}."})
        if reply.reason == NotTraceableReason.OTHER and not reply.reason_text.strip():
            raise ValidationError({"reason_text": "Say why, when the reason is `other`."})
    try:
        with transaction.atomic():
            trace_request = _lock(trace_request)
            _check_state("answer", trace_request.state)
            now = timezone.now()
            fields = {"trace_request": trace_request, "answered_by": actor, "answered_at": now}
            links = []
            if isinstance(reply, FirstSale):
                buyer, created = _buyer(reply, trace_request.organisation, actor)
                record = TraceAnswer.objects.create(
                    kind=AnswerKind.FIRST_SALE,
                    distributor=buyer,
                    distributor_created=created,
                    sale_date=reply.sale_date,
                    quantity=reply.quantity,
                    invoice_reference=reply.invoice_reference.strip(),
                    note=reply.note.strip(),
                    **fields,
                )
                links = _links_for(trace_request, buyer, reply, actor)
                record.supply_links.set(links)
                screening.request_screening([trace_request.organisation_id, buyer.pk])
            else:
                record = TraceAnswer.objects.create(
                    kind=AnswerKind.NOT_TRACEABLE,
                    reason=reply.reason,
                    reason_text=reply.reason_text.strip(),
                    note=reply.note.strip(),
                    **fields,
                )
            after = snapshot(record)
            after["supply_links"] = [link.pk for link in links]
            record_change(actor, record, "create", None, after)
            _move(trace_request, "answer", actor, answered_at=now)
    except IntegrityError:
        raise TraceConflict(f"Trace request {trace_request.pk} was answered meanwhile.")
    return record


def follow_up(
    trace_request: TraceRequest,
    actor,
    *,
    question: str = "",
    photo_ids: Iterable[int] | None = None,
    send: bool = False,
) -> TraceRequest:
    """The next request, to the buyer named in this request's answer, about the same findings."""
    if not has_role(actor, ANALYST, ADMIN):
        raise PermissionDenied("Only analysts can open trace requests.")
    with transaction.atomic():
        list(TraceRequest.objects.select_for_update().filter(pk=trace_request.pk).values("pk"))
        trace_request.refresh_from_db()
        record = TraceAnswer.objects.filter(trace_request=trace_request).first()
        if (
            trace_request.state not in (S.ANSWERED, S.CLOSED)
            or record is None
            or record.kind != AnswerKind.FIRST_SALE
        ):
            raise ValidationError(
                {"state": "A follow-up needs an answer that names the first buyer of the lot."}
            )
        findings = list(trace_request.findings.all())
        photos = _check_photos(
            photo_ids if photo_ids is not None else trace_request.photo_ids, findings
        )
        open_follow_up = (
            TraceRequest.objects.filter(parent=trace_request).exclude(state=S.CLOSED).first()
        )
        if open_follow_up is not None:
            raise TraceConflict(
                f"Trace request {open_follow_up.pk} already follows this one up; close it first."
            )
        child = TraceRequest.objects.create(
            organisation=record.distributor,
            manufacturer_id=trace_request.manufacturer_id,
            recovery_id=trace_request.recovery_id,
            parent=trace_request,
            question=(question or "").strip() or DEFAULT_QUESTION,
            photo_ids=photos,
            created_by=actor,
        )
        child.findings.set(findings)
        record_change(actor, child, "create", None, request_snapshot(child))
        if send:
            child = send_trace_request(child, actor)
    return child


# --- reminders and deadlines (beat) ---------------------------------------------------------------


def process_due(now: datetime.datetime | None = None) -> dict:
    """Send the reminders that are due and mark passed deadlines overdue. Idempotent: a reminder
    row is unique per request and day, and the notification key is too."""
    now = now or timezone.now()
    counts = {"reminders": 0, "skipped": 0, "overdue": 0}
    days = sorted(reminder_days())
    if days:
        waiting = TraceRequest.objects.filter(
            state__in=(S.SENT, S.ACKNOWLEDGED),
            sent_at__lte=now - datetime.timedelta(days=days[0]),
        ).select_related("organisation")
        for trace_request in waiting.iterator(chunk_size=500):
            sent, skipped = _remind(trace_request, days, now)
            counts["reminders"] += sent
            counts["skipped"] += skipped
    late = TraceRequest.objects.filter(state__in=(S.SENT, S.ACKNOWLEDGED), deadline__lte=now)
    for trace_request in late.iterator(chunk_size=500):
        try:
            with transaction.atomic():
                _move(trace_request, "mark_overdue", None, overdue_at=now)
            counts["overdue"] += 1
        except (TraceConflict, ValidationError):
            logger.info(
                "Trace request %s moved on before it could be marked overdue", trace_request.pk
            )
    return counts


def _remind(trace_request: TraceRequest, days: list[int], now) -> tuple[int, int]:
    elapsed = now - trace_request.sent_at
    due = [d for d in days if elapsed >= datetime.timedelta(days=d) and d < deadline_days()]
    done = set(trace_request.reminders.values_list("day", flat=True))
    missing = [d for d in due if d not in done]
    if not missing:
        return 0, 0
    latest = missing[-1]
    sent = skipped = 0
    for day in missing:
        try:
            with transaction.atomic():
                reminder = TraceReminder.objects.create(
                    trace_request=trace_request, day=day, sent_at=now, skipped=day != latest
                )
                if day != latest:
                    skipped += 1
                    continue
                reminder.notification = _notify(
                    trace_request.organisation,
                    NotificationKind.REMINDER,
                    key=f"trace_reminder:{trace_request.pk}:{day}",
                    subject=(
                        f"Reminder: trace request {trace_request.pk} is due on "
                        f"{trace_request.deadline:%Y-%m-%d}"
                    ),
                    data={
                        "trace_request": trace_request.request_data,
                        "reminder_day": day,
                        "message": (
                            f"We have not had your answer to trace request {trace_request.pk} "
                            f"yet; it is due on {trace_request.deadline:%Y-%m-%d}: "
                            f"{_url(trace_request)}"
                        ),
                    },
                )
                reminder.save(update_fields=["notification"])
                record_change(None, trace_request, f"reminder_day_{day}", None, {"day": day})
                sent += 1
        except IntegrityError:
            logger.info("Day-%s reminder of trace request %s exists already", day, trace_request.pk)
    return sent, skipped


# --- right of reply -------------------------------------------------------------------------------


def add_comment(actor, finding: Finding, text: str, organisation: Organisation | None = None):
    """A manufacturer's comment on how a finding describes its part, or an analyst's answer in
    that manufacturer's thread. The finding must be one the manufacturer was shown."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write the comment."})
    maker_id = _maker_id(finding)
    maker = Organisation.objects.filter(pk=maker_id).first() if maker_id else None
    threads = {maker.pk, maker.owner_id} - {None} if maker else set()
    if is_manufacturer(actor):
        org = organisation_of(actor)
        if org is None or org.pk not in threads:
            raise PermissionDenied("You can comment on findings matched to your organisation only.")
        if not Finding.objects.visible_to(actor).filter(pk=finding.pk).exists():
            raise PermissionDenied("This finding is not shared with your organisation.")
        organisation, from_manufacturer = org, True
    elif has_role(actor, ANALYST, ADMIN):
        if organisation is None or organisation.pk not in threads:
            raise ValidationError(
                {"organisation": "Name the manufacturer (or its owner) whose thread this answers."}
            )
        from_manufacturer = False
    else:
        raise PermissionDenied("Only the manufacturer and analysts can comment on findings.")
    with transaction.atomic():
        comment = FindingComment.objects.create(
            finding=finding,
            organisation=organisation,
            author=actor,
            author_name=actor.get_username()[:150],
            from_manufacturer=from_manufacturer,
            text=text,
        )
        record_change(actor, comment, "create", None, snapshot(comment))
    return comment
