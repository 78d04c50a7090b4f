"""Findings: writes, resolution by the resolver, and the analyst's verdicts.

Every write here is atomic and audited. The resolver runs in a Celery task enqueued when the transaction
that saved a marking commits; the finding row is its own outbox (status `unresolved` with `resolved_at`
missing or older than `marking_changed_at`), so a task lost with a broker is re-enqueued by the sweep.

A resolver answer is only ever *proposed*. Confirming is an analyst's act: it teaches the resolver the
marking (`catalog.resolver.learn`) in the same transaction, and then runs the `CONFIRM_HOOKS`. Every
way out of `confirmed` (reject, unidentifiable, a new marking, deletion) takes that lesson back
(`catalog.resolver.unlearn`) in the same transaction as that write, so a wrong confirmation stops steering the
resolver once an analyst undoes it.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import Organisation, Part
from forensics.audit import record_change, snapshot
from forensics.models import Finding, FindingPhoto, FindingStatus, Photo
from forensics.roles import ADMIN, ANALYST, has_role

logger = logging.getLogger("forensics.findings")

CONFIDENT = "confident"
AMBIGUOUS = "ambiguous"
UNKNOWN = "unknown"
MAX_STORED_CANDIDATES = 10
MAX_RESOLVE_ATTEMPTS = 8
"""The sweep stops re-enqueueing a marking the resolver failed on this many times (logged)."""

CLOSED_STATUSES = (FindingStatus.CONFIRMED, FindingStatus.REJECTED, FindingStatus.UNIDENTIFIABLE)

CONFIRM_HOOKS: list[Callable[[Finding], None]] = []
"""Called with the finding inside the confirming transaction, after the audit record and `learn`.

Issue 5 (notifications) registers its outbox writer here with `on_finding_confirmed`, so the
notification row commits or rolls back together with the confirmation.
"""

WRITABLE_FIELDS = (
    "recovery",
    "board",
    "module",
    "position",
    "marking",
    "category",
    "quantity",
    "source_url",
    "notes",
)


class AlreadyConfirmed(Exception):
    """A second confirmation of the same finding: the API answers 409."""

    def __init__(self, finding: Finding):
        super().__init__(f"Finding {finding.pk} is already confirmed.")
        self.finding = finding


def on_finding_confirmed(callback: Callable[[Finding], None]) -> Callable[[Finding], None]:
    """Register `callback(finding)` to run inside every confirmation's transaction."""
    if callback not in CONFIRM_HOOKS:
        CONFIRM_HOOKS.append(callback)
    return callback


def finding_snapshot(finding: Finding) -> dict:
    """The finding's fields plus its photo links, for the audit trail."""
    data = snapshot(finding)
    data["photos"] = [
        [link.photo_id, link.crop_x, link.crop_y, link.crop_width, link.crop_height]
        for link in FindingPhoto.objects.filter(finding=finding).order_by("photo_id")
    ]
    return data


def findings_for(user, params=None, *, defaults: dict | None = None):
    """Findings `user` may see (all of them for `user=None`: the CLI), filtered like the list API.

    Raises ValidationError with the FilterSet's messages for bad filter values.
    """
    from forensics.filters import FindingFilterSet

    queryset = Finding.objects.all() if user is None else Finding.objects.visible_to(user)
    data = dict(defaults or {})
    if params is not None:
        data.update({key: params.get(key) for key in params})
    filterset = FindingFilterSet(data=data, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError({k: [str(m) for m in v] for k, v in filterset.errors.items()})
    return filterset.qs


def _require_analyst(actor) -> None:
    if not has_role(actor, ANALYST, ADMIN):
        raise PermissionDenied("Only analysts can do this.")


# --- writes -----------------------------------------------------------------------------------


def _check_crop(link: dict, photo: Photo) -> None:
    box = [link.get(k) for k in ("crop_x", "crop_y", "crop_width", "crop_height")]
    if all(v is None for v in box):
        return
    if any(v is None for v in box):
        raise ValidationError(
            {"photos": "A crop box needs crop_x, crop_y, crop_width and crop_height."}
        )
    x, y, w, h = box
    if w <= 0 or h <= 0:
        raise ValidationError({"photos": "A crop box has a positive width and height."})
    if photo.width and photo.height and (x + w > photo.width or y + h > photo.height):
        raise ValidationError(
            {
                "photos": f"The crop box lies outside photo {photo.pk} ({photo.width}×{photo.height})."
            }
        )


def set_photos(finding: Finding, links: Iterable[dict]) -> None:
    """Replace the finding's photos. Each link: {"photo": Photo|id, "crop_x": ..., ...}.

    A photo must belong to the finding's recovery: evidence never crosses recoveries.
    """
    links = list(links)
    ids = [
        link["photo"].pk if isinstance(link["photo"], Photo) else link["photo"] for link in links
    ]
    if len(set(ids)) != len(ids):
        raise ValidationError({"photos": "A photo is listed twice."})
    photos = Photo.objects.in_bulk(ids)
    rows = []
    for link, photo_id in zip(links, ids, strict=True):
        photo = photos.get(photo_id)
        if photo is None:
            raise ValidationError({"photos": f"Photo {photo_id} does not exist."})
        if photo.recovery_id != finding.recovery_id:
            raise ValidationError(
                {"photos": f"Photo {photo_id} belongs to another recovery than this finding."}
            )
        _check_crop(link, photo)
        rows.append(
            FindingPhoto(
                finding=finding,
                photo_id=photo_id,
                crop_x=link.get("crop_x"),
                crop_y=link.get("crop_y"),
                crop_width=link.get("crop_width"),
                crop_height=link.get("crop_height"),
            )
        )
    FindingPhoto.objects.filter(finding=finding).delete()
    FindingPhoto.objects.bulk_create(rows)


def reset_resolution(finding: Finding) -> None:
    """A new marking invalidates everything derived from the old one, confirmation included."""
    finding.status = FindingStatus.UNRESOLVED
    finding.part = None
    finding.manufacturer = None
    finding.candidates = []
    finding.resolution = ""
    finding.confidence = None
    finding.date_code = ""
    finding.date_code_rule = ""
    finding.manufactured_from = None
    finding.manufactured_to = None
    finding.after_export_controls = False
    finding.possibly_after_export_controls = False
    finding.lot_code = ""
    finding.confirmed_by = None
    finding.confirmed_at = None
    finding.resolved_at = None
    finding.resolve_attempts = 0
    finding.marking_changed_at = timezone.now()


def create_finding(actor, *, photos: Iterable[dict] | None = None, **fields) -> Finding:
    """Record a finding; its marking is resolved by a task once this transaction commits."""
    _require_analyst(actor)
    unknown = set(fields) - set(WRITABLE_FIELDS)
    if unknown:
        raise ValidationError({"detail": f"Not writable: {', '.join(sorted(unknown))}."})
    with transaction.atomic():
        finding = Finding(**fields)
        finding.analyst = actor
        reset_resolution(finding)
        finding.save()
        if photos:
            set_photos(finding, photos)
        record_change(actor, finding, "create", None, finding_snapshot(finding))
        enqueue_resolution(finding.pk)
    return finding


def update_finding(
    actor, finding: Finding, *, photos: Iterable[dict] | None = None, **fields
) -> Finding:
    """Change a finding. A changed marking resets its resolution (and any confirmation)."""
    _require_analyst(actor)
    unknown = set(fields) - set(WRITABLE_FIELDS)
    if unknown:
        raise ValidationError({"detail": f"Not writable: {', '.join(sorted(unknown))}."})
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        before = finding_snapshot(finding)
        marking_changed = "marking" in fields and fields["marking"] != finding.marking
        if marking_changed:
            unteach_if_confirmed(finding)
        for name, value in fields.items():
            setattr(finding, name, value)
        if marking_changed:
            reset_resolution(finding)
        finding.save()
        if photos is not None:
            set_photos(finding, photos)
        elif "recovery" in fields and before["recovery_id"] != finding.recovery_id:
            foreign = FindingPhoto.objects.filter(finding=finding).exclude(
                photo__recovery_id=finding.recovery_id
            )
            if foreign.exists():
                raise ValidationError(
                    {"recovery": "The finding's photos belong to its current recovery; "
                     "send `photos` from the new recovery with the change."}
                )  # fmt: skip
        after = finding_snapshot(finding)
        if after != {**before, "updated_at": after["updated_at"]}:
            record_change(actor, finding, "update", before, after)
        if marking_changed:
            enqueue_resolution(finding.pk)
    return finding


def delete_finding(actor, finding: Finding) -> None:
    if not has_role(actor, ADMIN):
        raise PermissionDenied("Only admins delete findings.")
    with transaction.atomic():
        finding = Finding.objects.select_for_update().filter(pk=finding.pk).first() or finding
        record_change(actor, finding, "delete", finding_snapshot(finding), None)
        unteach_if_confirmed(finding)
        finding.delete()


# --- resolution -------------------------------------------------------------------------------


def enqueue_resolution(finding_id: int) -> None:
    """Ask for `resolve_finding` once the current transaction commits.

    If the broker refuses, the row stays in the outbox and the sweep enqueues it later.
    """

    def send():
        from forensics.tasks import resolve_finding as resolve_finding_task

        try:
            resolve_finding_task.delay(finding_id)
        except Exception:  # the broker's failure must not undo the analyst's committed write
            logger.exception(
                "Could not enqueue resolve_finding(%s); the sweep will retry", finding_id
            )

    transaction.on_commit(send)


def pending_resolution():
    """The outbox: unresolved findings whose current marking has not been resolved yet."""
    return Finding.objects.filter(status=FindingStatus.UNRESOLVED).filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__lt=F("marking_changed_at"))
    )


def sweep_unresolved(older_than: datetime.timedelta = datetime.timedelta(minutes=2), limit=1000):
    """Re-enqueue outbox rows left behind (lost task, broker down). Returns how many."""
    cutoff = timezone.now() - older_than
    ids = list(
        pending_resolution()
        .filter(marking_changed_at__lt=cutoff, resolve_attempts__lt=MAX_RESOLVE_ATTEMPTS)
        .order_by("marking_changed_at")
        .values_list("pk", flat=True)[:limit]
    )
    from forensics.tasks import resolve_finding as resolve_finding_task

    for finding_id in ids:
        resolve_finding_task.delay(finding_id)
    if ids:
        logger.info("Sweep re-enqueued %d unresolved findings", len(ids))
    return len(ids)


def _field(obj, name, default=None):
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _as_date(value) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def _json_candidates(resolution) -> list[dict]:
    if hasattr(resolution, "to_dict"):
        data = resolution.to_dict()
        raw = data.get("candidates") or []
    else:
        raw = _field(resolution, "candidates") or []
    out = []
    for candidate in raw[:MAX_STORED_CANDIDATES]:
        if isinstance(candidate, dict):
            out.append(candidate)
        elif hasattr(candidate, "to_dict"):
            out.append(candidate.to_dict())
        else:
            out.append(dict(vars(candidate)))
    return out


def _proposal(finding: Finding, status: str, candidates: list[dict]):
    """(part_id, manufacturer_id, score) to propose, or None.

    An analyst's own reading (a manufacturer, maybe a part, set by a plain import before resolution)
    is proposed as it is, with the score of the candidate that agrees with it if any; otherwise the
    resolver's best candidate when its answer is confident or ambiguous.
    """
    if finding.manufacturer_id:
        hint_part, hint_maker = finding.part_id, finding.manufacturer_id
        for c in candidates:
            same_part = hint_part and c.get("part_id") == hint_part
            same_maker = hint_maker in (c.get("manufacturer_id"), c.get("owner_id"))
            if same_part or (not hint_part and same_maker):
                return hint_part or c.get("part_id"), hint_maker, c.get("score")
        return hint_part, hint_maker, None
    if status in (CONFIDENT, AMBIGUOUS) and candidates:
        best = candidates[0]
        if best.get("manufacturer_id"):
            return best.get("part_id"), best["manufacturer_id"], best.get("score")
    return None


def _existing(part_id, manufacturer_id) -> tuple[int | None, int | None]:
    """Drop ids that vanished since the resolver saw them (a part deleted meanwhile)."""
    if part_id and not Part.objects.filter(pk=part_id, manufacturer_id=manufacturer_id).exists():
        part_id = None
    if manufacturer_id and not Organisation.objects.filter(pk=manufacturer_id).exists():
        return None, None
    return part_id, manufacturer_id


def resolution_fields(finding: Finding, resolution) -> dict:
    """The finding columns a resolver answer sets (candidates, proposal, date code, lot)."""
    status = _field(resolution, "status") or UNKNOWN
    candidates = _json_candidates(resolution)
    date_code = _field(resolution, "date_code")
    fields = {
        "candidates": candidates,
        "resolution": status[:12],
        "date_code": str(_field(date_code, "token") or "")[:40],
        "date_code_rule": str(_field(date_code, "rule") or "")[:40],
        "manufactured_from": _as_date(_field(date_code, "start")),
        "manufactured_to": _as_date(_field(date_code, "end")),
        "after_export_controls": bool(_field(date_code, "after_export_controls", False)),
        "possibly_after_export_controls": bool(_field(date_code, "possibly_after", False)),
        "lot_code": str(_field(resolution, "lot_code") or "")[:60],
    }
    proposal = _proposal(finding, status, candidates)
    part_id = manufacturer_id = score = None
    if proposal:
        part_id, manufacturer_id = _existing(proposal[0], proposal[1])
        score = proposal[2]
    if manufacturer_id:
        fields.update(
            status=FindingStatus.PROPOSED,
            part_id=part_id,
            manufacturer_id=manufacturer_id,
            confidence=float(score) if score is not None else None,
        )
    else:
        fields.update(status=FindingStatus.UNRESOLVED, part_id=None, manufacturer_id=None)
        fields["confidence"] = float(candidates[0]["score"]) if candidates else None
    return fields


def call_resolver(text: str):
    from catalog import resolver

    return resolver.resolve(text)


def call_learn(marking: str, part_id, manufacturer_id, finding_id) -> None:
    from catalog import resolver

    resolver.learn(marking, part_id, manufacturer_id, finding_id)


def call_unlearn(marking: str, part_id, manufacturer_id, finding_id) -> None:
    from catalog import resolver

    resolver.unlearn(marking, part_id, manufacturer_id, finding_id)


def relearn_from_confirmed(actor=None, *, dry_run: bool = False):
    """Rebuild the resolver's learned markings from the findings confirmed now, one lesson each
    (what confirming taught: marking, part, manufacturer); see `catalog.resolver.relearn`."""
    from catalog import resolver

    lessons = (
        Finding.objects.filter(status=FindingStatus.CONFIRMED, manufacturer__isnull=False)
        .exclude(marking="")
        .order_by("pk")
        .values_list("marking", "part_id", "manufacturer_id", "pk")
        .iterator(chunk_size=2000)
    )
    return resolver.relearn(lessons, actor, dry_run=dry_run)


def unteach_if_confirmed(finding: Finding) -> None:
    """Take back what `finding`'s confirmation taught the resolver; call with the finding as it
    was (status, marking, part, manufacturer) before it leaves `confirmed`, inside that write's
    transaction. A confirmation with no marking or no manufacturer taught nothing."""
    if (
        finding.status == FindingStatus.CONFIRMED
        and finding.manufacturer_id
        and finding.marking.strip()
    ):
        call_unlearn(finding.marking, finding.part_id, finding.manufacturer_id, finding.pk)


def resolve_finding(finding_id: int) -> str:
    """Resolve a finding's current marking and propose the best candidate. Idempotent.

    Returns what happened: "missing", "skipped" (closed, or this marking already resolved),
    "superseded" (the marking changed or an analyst decided meanwhile), "proposed" or "unresolved".
    """
    finding = Finding.objects.filter(pk=finding_id).first()
    if finding is None:
        logger.warning("resolve_finding(%s): no such finding", finding_id)
        return "missing"
    done = finding.resolved_at is not None and finding.resolved_at >= finding.marking_changed_at
    if finding.status != FindingStatus.UNRESOLVED or done:
        return "skipped"
    seen_change = finding.marking_changed_at
    Finding.objects.filter(pk=finding_id).update(resolve_attempts=F("resolve_attempts") + 1)
    logger.info("resolve_finding(%s): attempt %d", finding_id, finding.resolve_attempts + 1)
    if finding.marking.strip():
        fields = resolution_fields(finding, call_resolver(finding.marking))
    else:
        fields = {"resolution": UNKNOWN, "candidates": []}
    now = timezone.now()
    with transaction.atomic():
        before = finding_snapshot(finding)
        claimed = Finding.objects.filter(
            pk=finding_id, status=FindingStatus.UNRESOLVED, marking_changed_at=seen_change
        ).update(resolved_at=now, updated_at=now, **fields)
        if not claimed:
            logger.info("resolve_finding(%s): superseded, nothing written", finding_id)
            return "superseded"
        finding.refresh_from_db()
        record_change(None, finding, "resolve", before, finding_snapshot(finding))
    return finding.status


# --- verdicts ---------------------------------------------------------------------------------


def _locked(finding_id: int) -> Finding:
    """The finding, row-locked until the transaction ends (PostgreSQL; SQLite serialises writers)."""
    return Finding.objects.select_for_update().get(pk=finding_id)


def confirm_finding(
    finding_id: int, actor, *, part: Part | None = None, manufacturer: Organisation | None = None
) -> Finding:
    """Confirm the proposal, or the given part/manufacturer instead; teach the resolver.

    Exactly one confirmation wins under concurrency: the row lock serialises confirmations on
    PostgreSQL, and the UPDATE is conditional on the row not being confirmed yet, which holds on
    SQLite too. The loser gets AlreadyConfirmed (the API's 409).
    """
    _require_analyst(actor)
    with transaction.atomic():
        finding = _locked(finding_id)
        if finding.status == FindingStatus.CONFIRMED:
            raise AlreadyConfirmed(finding)
        if part is not None:
            if manufacturer is not None and manufacturer.pk != part.manufacturer_id:
                raise ValidationError(
                    {"manufacturer": f"Part {part.mpn} is made by {part.manufacturer}."}
                )
            part_id, manufacturer_id = part.pk, part.manufacturer_id
        elif manufacturer is not None:
            keep = finding.part_id and finding.part.manufacturer_id == manufacturer.pk
            part_id, manufacturer_id = (finding.part_id if keep else None), manufacturer.pk
        else:
            part_id, manufacturer_id = finding.part_id, finding.manufacturer_id
        if manufacturer_id is None:
            raise ValidationError(
                {"detail": "Nothing to confirm: this finding has no proposal; send a part or a "
                 "manufacturer."}
            )  # fmt: skip
        before = finding_snapshot(finding)
        now = timezone.now()
        claimed = (
            Finding.objects.filter(pk=finding_id)
            .exclude(status=FindingStatus.CONFIRMED)
            .update(
                status=FindingStatus.CONFIRMED,
                part_id=part_id,
                manufacturer_id=manufacturer_id,
                confirmed_by=actor,
                confirmed_at=now,
                updated_at=now,
            )
        )
        if not claimed:
            raise AlreadyConfirmed(Finding.objects.get(pk=finding_id))
        finding.refresh_from_db()
        record_change(actor, finding, "confirm", before, finding_snapshot(finding))
        if finding.marking.strip():
            call_learn(finding.marking, part_id, manufacturer_id, finding.pk)
        for hook in CONFIRM_HOOKS:
            hook(finding)
    return finding


def _close(finding_id: int, actor, status: str, reason: str) -> Finding:
    _require_analyst(actor)
    with transaction.atomic():
        finding = _locked(finding_id)
        if finding.status == status:
            return finding
        before = finding_snapshot(finding)
        unteach_if_confirmed(finding)
        finding.status = status
        finding.part = None
        finding.manufacturer = None
        finding.confirmed_by = None
        finding.confirmed_at = None
        if reason:
            stamp = f"[{timezone.now():%Y-%m-%d}, {status}] {reason.strip()}"
            finding.notes = f"{finding.notes}\n{stamp}".strip()
        finding.save()
        record_change(actor, finding, status, before, finding_snapshot(finding))
    return finding


def reject_finding(finding_id: int, actor, reason: str = "") -> Finding:
    """The proposal (or earlier confirmation, then unlearned) is wrong; candidates stay."""
    return _close(finding_id, actor, FindingStatus.REJECTED, reason)


def mark_unidentifiable(finding_id: int, actor, reason: str = "") -> Finding:
    """Nobody can tell what this component is (unreadable, sanded, unknown maker)."""
    return _close(finding_id, actor, FindingStatus.UNIDENTIFIABLE, reason)
