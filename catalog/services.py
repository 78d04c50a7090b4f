"""Catalog domain logic: manufacturer name resolution, ownership, part keys and writes."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils.text import slugify

from catalog import screening
from catalog.normalize import base, fold, name_key, norm, split_brand_owner
from forensics.audit import record_change, snapshot

from .models import (
    HsCode,
    MarkingCode,
    Organisation,
    OrganisationAlias,
    Ownership,
    Part,
    SupplyLink,
)

DERIVED_PART_FIELDS = ["mpn_norm", "mpn_base", "mpn_fold", "chpl_tier"]


def _saved_state(instance: models.Model) -> dict | None:
    """The stored row before a write (None for a new instance), for the audit record."""
    if instance.pk is None:
        return None
    return snapshot(type(instance)._base_manager.filter(pk=instance.pk).first())


def _validated_save(instance: models.Model, actor, exclude=()) -> dict | None:
    """Validate (model `clean` holds the cross-row rules), save and audit; returns the old state.

    `exclude` names derived fields whose own unique checks would repeat `clean`'s clearer message.
    Callers hold the transaction.
    """
    before = _saved_state(instance)
    instance.full_clean(exclude=list(exclude))
    instance.save()
    record_change(actor, instance, "update" if before else "create", before, snapshot(instance))
    return before


def _audited_delete(instance: models.Model, actor) -> None:
    record_change(actor, instance, "delete", snapshot(instance), None)
    instance.delete()


def part_keys(mpn: str, family: str | None) -> tuple[str, str, str]:
    """The lookup forms of an MPN: normalised, base (packaging suffix dropped) and OCR-folded."""
    mpn_norm = norm(mpn)
    mpn_base = base(mpn, family or None) or mpn_norm
    return mpn_norm, mpn_base, fold(mpn_base)


def chpl_tiers() -> dict[str, str]:
    return dict(HsCode.objects.values_list("code", "tier"))


def fill_part_keys(part: Part, tiers: dict[str, str] | None = None) -> Part:
    family = part.manufacturer.mpn_family if part.manufacturer_id else ""
    part.mpn_norm, part.mpn_base, part.mpn_fold = part_keys(part.mpn, family)
    if tiers is None:
        tier = HsCode.objects.filter(code=part.hs_code).values_list("tier", flat=True).first()
    else:
        tier = tiers.get(part.hs_code)
    part.chpl_tier = tier or ""
    return part


def save_part(part: Part, actor=None) -> Part:
    """Create or update one part with its derived keys, atomically and audited.

    `Part.clean` fills the keys and rejects a second part with the same normalised MPN.
    """
    with transaction.atomic():
        fill_part_keys(part)
        _validated_save(part, actor, exclude=DERIVED_PART_FIELDS)
    return part


def apply_chpl_tier(code: str) -> int:
    """Re-derive the CHPL tier of the parts with this HS code after the list changed."""
    tier = HsCode.objects.filter(code=code).values_list("tier", flat=True).first() or ""
    return Part.objects.filter(hs_code=code).exclude(chpl_tier=tier).update(chpl_tier=tier)


def refresh_part_keys(org: Organisation, batch_size: int = 2000) -> int:
    """Recompute the lookup keys of an organisation's parts (after its suffix family changed)."""
    changed: list[Part] = []
    count = 0
    parts = Part.objects.filter(manufacturer=org).only(
        "id", "mpn", "mpn_norm", "mpn_base", "mpn_fold"
    )
    for part in parts.iterator(chunk_size=batch_size):
        keys = part_keys(part.mpn, org.mpn_family)
        if keys != (part.mpn_norm, part.mpn_base, part.mpn_fold):
            part.mpn_norm, part.mpn_base, part.mpn_fold = keys
            changed.append(part)
        if len(changed) >= batch_size:
            count += len(changed)
            Part.objects.bulk_update(changed, ["mpn_norm", "mpn_base", "mpn_fold"])
            changed = []
    if changed:
        count += len(changed)
        Part.objects.bulk_update(changed, ["mpn_norm", "mpn_base", "mpn_fold"])
    return count


def _candidate_names(name: str) -> list[str]:
    brand, others = split_brand_owner(name)
    names = [name]
    if brand and brand != name:
        names.append(brand)
    names.extend(others)
    return names


def _candidate_keys(name: str) -> list[str]:
    keys: list[str] = []
    for candidate in _candidate_names(name):
        key = name_key(candidate)
        if key and key not in keys:
            keys.append(key)
    return keys


def _pick(keys: list[str], org_of: dict[str, int], owner_of: dict[int, int | None]) -> int | None:
    """The organisation a spelling names, from its candidate keys (whole name first).

    A known whole spelling wins. Otherwise, when the pieces name a brand and its owner
    (`Xilinx Inc. (AMD)`, `AMD/XILINX`, `ADI/MAXIM`), the brand is the more precise answer;
    else the first piece that is known.
    """
    found = [org_of[key] for key in keys if key in org_of]
    if not found:
        return None
    if keys[0] in org_of:
        return org_of[keys[0]]
    for org_id in found:
        if owner_of.get(org_id) in found:
            return org_id
    return found[0]


def resolve_manufacturer(name: str) -> Organisation | None:
    """Any alias, brand or owner spelling → the organisation; None when unknown (never a guess).

    `Brand (Owner)` resolves to the brand when the brand is known, else to the owner.
    """
    if not name or not name.strip():
        return None
    keys = _candidate_keys(name)
    if not keys:
        return None
    rows = OrganisationAlias.objects.filter(key__in=keys).values_list(
        "key", "organisation_id", "organisation__owner_id"
    )
    org_of = {key: org_id for key, org_id, _ in rows}
    owner_of = {org_id: owner_id for _, org_id, owner_id in rows}
    org_id = _pick(keys, org_of, owner_of)
    return None if org_id is None else Organisation.objects.get(pk=org_id)


def alias_index() -> dict[str, int]:
    """Alias key → organisation id, for bulk work that must not query per row."""
    return dict(OrganisationAlias.objects.values_list("key", "organisation_id"))


def owner_index() -> dict[int, int]:
    """Organisation id → current owner id, for `resolve_manufacturer_in`."""
    return dict(Organisation.objects.filter(owner__isnull=False).values_list("id", "owner_id"))


def resolve_manufacturer_in(
    index: dict[str, int], name: str, owners: dict[int, int] | None = None
) -> int | None:
    """`resolve_manufacturer` against preloaded indexes (`alias_index`, `owner_index`).

    Without `owners`, a brand/owner pair resolves to whichever piece comes first.
    """
    return _pick(_candidate_keys(name), index, owners or {})


def unique_slug(name: str) -> str:
    root = slugify(name)[:200] or "organisation"
    slug, n = root, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug = f"{root}-{n}"
        n += 1
    return slug


def add_alias(org: Organisation, alias: str) -> OrganisationAlias | None:
    """Attach an alias unless its key already names some organisation (first one wins)."""
    key = name_key(alias)
    if not key:
        return None
    obj, _ = OrganisationAlias.objects.get_or_create(
        key=key, defaults={"organisation": org, "name": alias.strip()[:300]}
    )
    return obj


def create_organisation(name: str, actor=None, **fields) -> Organisation:
    with transaction.atomic():
        org = Organisation.objects.create(name=name.strip()[:200], slug=unique_slug(name), **fields)
        add_alias(org, name)
        record_change(actor, org, "create", None, snapshot(org))
        screening.request_screening([org.pk])
    return org


def save_organisation(org: Organisation, actor=None) -> Organisation:
    """Create or update an organisation as a curator does: validated, its name kept as an alias.

    A changed part-number family re-keys the organisation's parts in the same transaction.
    """
    with transaction.atomic():
        if not org.slug:
            org.slug = unique_slug(org.name)
        before = _validated_save(org, actor)
        add_alias(org, org.name)
        if before is not None and before.get("mpn_family") != org.mpn_family:
            refresh_part_keys(org)
        screening.request_screening([org.pk])
    return org


def delete_organisation(org: Organisation, actor=None) -> None:
    """Delete an organisation that no part or supply link depends on; owners are re-derived."""
    part_count = Part.objects.filter(manufacturer=org).count()
    link_count = SupplyLink.objects.filter(Q(seller=org) | Q(buyer=org)).count()
    if part_count or link_count:
        raise ValidationError(
            f"{org.name} still has {part_count} part(s) and {link_count} supply link(s); "
            "reassign or delete them first."
        )
    with transaction.atomic():
        had_ownerships = Ownership.objects.filter(Q(brand=org) | Q(owner=org)).exists()
        _audited_delete(org, actor)
        if had_ownerships:
            refresh_owners(actor=actor)


def save_alias(alias: OrganisationAlias, actor=None) -> OrganisationAlias:
    """Add or rename an alias; `OrganisationAlias.clean` refuses a spelling another org holds."""
    with transaction.atomic():
        _validated_save(alias, actor, exclude=["key"])
        screening.request_screening([alias.organisation_id])
    return alias


def delete_alias(alias: OrganisationAlias, actor=None) -> None:
    """Remove an alias, but never the one that is the organisation's own name."""
    if alias.key == name_key(alias.organisation.name):
        raise ValidationError(
            "This alias is the organisation's own name; rename the organisation instead."
        )
    with transaction.atomic():
        _audited_delete(alias, actor)


def save_marking_code(code: MarkingCode, actor=None) -> MarkingCode:
    with transaction.atomic():
        _validated_save(code, actor, exclude=["code_norm"])
    return code


def _overlaps(a_start, a_end, b_start, b_end) -> bool:
    """Half-open periods [start, end); a missing start or end is open-ended."""
    return (a_start is None or b_end is None or a_start < b_end) and (
        b_start is None or a_end is None or b_start < a_end
    )


def ownership_problems(ownership: Ownership) -> dict[str, str]:
    """What is wrong with an ownership, per field (empty when it may be saved).

    Refused: owning oneself, an end before the start, two owners of one brand in overlapping
    periods, and a cycle (the owner is itself owned by the brand, directly or through others,
    at some time in the same period).
    """
    brand_id, owner_id = ownership.brand_id, ownership.owner_id
    if brand_id is None or owner_id is None:
        return {}
    if brand_id == owner_id:
        return {"owner": "An organisation cannot own itself."}
    start, end = ownership.start, ownership.end
    if start and end and end < start:
        return {"end": "The end date is before the start date."}
    others = list(
        Ownership.objects.exclude(pk=ownership.pk)
        .select_related("brand", "owner")
        .order_by(F("start").asc(nulls_first=True), "pk")
    )
    for other in others:
        if other.brand_id == brand_id and _overlaps(start, end, other.start, other.end):
            return {
                "start": (
                    f"{other.brand.name} is owned by {other.owner.name} in an overlapping period "
                    f"({other.start or '…'} to {other.end or 'now'}); end that ownership first."
                )
            }
    owners_of: dict[int, list[int]] = defaultdict(list)
    names = {}
    for other in others:
        if _overlaps(start, end, other.start, other.end):
            owners_of[other.brand_id].append(other.owner_id)
            names[other.owner_id] = other.owner.name
    frontier, seen = [owner_id], {owner_id}
    while frontier:
        current = frontier.pop()
        for parent in owners_of.get(current, []):
            if parent == brand_id:
                return {
                    "owner": (
                        f"{ownership.owner.name} is itself owned by {ownership.brand.name} in that "
                        "period (directly or through another organisation): that would be a cycle."
                    )
                }
            if parent not in seen:
                seen.add(parent)
                frontier.append(parent)
    return {}


def save_ownership(ownership: Ownership, actor=None) -> Ownership:
    """Record or correct an acquisition; derived owners are recomputed in the same transaction."""
    with transaction.atomic():
        _validated_save(ownership, actor)
        refresh_owners(actor=actor)
    return ownership


def delete_ownership(ownership: Ownership, actor=None) -> None:
    with transaction.atomic():
        _audited_delete(ownership, actor)
        refresh_owners(actor=actor)


def ultimate_owner(org_id: int, direct: dict[int, int]) -> int | None:
    seen = {org_id}
    current = direct.get(org_id)
    result = None
    while current is not None and current not in seen:
        result = current
        seen.add(current)
        current = direct.get(current)
    return result


def refresh_owners(today: datetime.date | None = None, actor=None) -> int:
    """Recompute every organisation's current ultimate owner from the ownership history.

    Owners are derived data (kept for fast filtering by owner); this is the one place that writes
    them. Each organisation whose owner changes gets an audit record. Returns how many changed.
    """
    today = today or datetime.date.today()
    current = (
        Ownership.objects.filter(Q(start__isnull=True) | Q(start__lte=today))
        .filter(Q(end__isnull=True) | Q(end__gt=today))
        .order_by(F("start").asc(nulls_first=True), "pk")
        .values_list("brand_id", "owner_id")
    )
    direct = dict(current)
    with transaction.atomic():
        stored = dict(
            Organisation.objects.filter(Q(owner__isnull=False) | Q(pk__in=list(direct)))
            .select_for_update()
            .values_list("id", "owner_id")
        )
        wanted = {org_id: ultimate_owner(org_id, direct) for org_id in stored}
        changed = {org_id for org_id, owner_id in wanted.items() if owner_id != stored[org_id]}
        if not changed:
            return 0
        by_owner: dict[int | None, list[int]] = defaultdict(list)
        for org_id in changed:
            by_owner[wanted[org_id]].append(org_id)
        for owner_id, org_ids in by_owner.items():
            Organisation.objects.filter(pk__in=org_ids).update(owner_id=owner_id)
        for org in Organisation.objects.filter(pk__in=changed):
            record_change(
                actor,
                org,
                "update",
                {"owner_id": stored[org.pk]},
                {"owner_id": wanted[org.pk]},
            )
    return len(changed)
