"""Catalog domain logic: manufacturer name resolution, ownership, part keys and writes."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify

from catalog.normalize import base, fold, name_key, norm, split_brand_owner
from forensics.audit import record_change, snapshot

from .models import HsCode, Organisation, OrganisationAlias, Ownership, Part


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
    """Create or update one part with its derived keys, atomically and audited."""
    with transaction.atomic():
        before = None
        if part.pk:
            before = snapshot(Part.objects.filter(pk=part.pk).first())
        fill_part_keys(part)
        part.full_clean(validate_unique=True)
        part.save()
        record_change(actor, part, "update" if before else "create", before, snapshot(part))
    return part


def _candidate_names(name: str) -> list[str]:
    brand, others = split_brand_owner(name)
    names = [name]
    if brand and brand != name:
        names.append(brand)
    names.extend(others)
    return names


def resolve_manufacturer(name: str) -> Organisation | None:
    """Any alias, brand or owner spelling → the organisation; None when unknown (never a guess).

    `Brand (Owner)` resolves to the brand when the brand is known, else to the owner.
    """
    if not name or not name.strip():
        return None
    keys = [k for k in (name_key(n) for n in _candidate_names(name)) if k]
    if not keys:
        return None
    aliases = dict(
        OrganisationAlias.objects.filter(key__in=keys).values_list("key", "organisation_id")
    )
    for key in keys:
        if key in aliases:
            return Organisation.objects.get(pk=aliases[key])
    return None


def alias_index() -> dict[str, int]:
    """Alias key → organisation id, for bulk work that must not query per row."""
    return dict(OrganisationAlias.objects.values_list("key", "organisation_id"))


def resolve_manufacturer_in(index: dict[str, int], name: str) -> int | None:
    for candidate in _candidate_names(name):
        org_id = index.get(name_key(candidate))
        if org_id is not None:
            return org_id
    return None


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
    return org


def ultimate_owner(org_id: int, direct: dict[int, int]) -> int | None:
    seen = {org_id}
    current = direct.get(org_id)
    result = None
    while current is not None and current not in seen:
        result = current
        seen.add(current)
        current = direct.get(current)
    return result


def refresh_owners(today: datetime.date | None = None) -> int:
    """Recompute every organisation's current ultimate owner from the ownership history.

    Owners are derived data (kept for fast filtering by owner); this is the one place that writes them.
    """
    today = today or datetime.date.today()
    current = (
        Ownership.objects.filter(Q(start__isnull=True) | Q(start__lte=today))
        .filter(Q(end__isnull=True) | Q(end__gt=today))
        .order_by("start")
        .values_list("brand_id", "owner_id")
    )
    direct = dict(current)
    changed = 0
    with transaction.atomic():
        for org in Organisation.objects.only("id", "owner_id"):
            owner_id = ultimate_owner(org.id, direct)
            if owner_id != org.owner_id:
                Organisation.objects.filter(pk=org.pk).update(owner_id=owner_id)
                changed += 1
    return changed
