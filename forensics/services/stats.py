"""Finding statistics: counts by manufacturer country, by manufacturer grouped by owner, by CHPL tier,
and how many parts were made after the export controls, over the findings the user may see.

One SQL aggregation does the heavy work: the visible, filtered findings grouped by (manufacturer,
CHPL tier) with conditional counts of the export-control buckets (`values().annotate()`). That is
a few hundred rows whatever the table's size; the per-country, per-owner and per-tier totals are
sums over them, and one small query names the manufacturers involved.

By default only confirmed findings count: a proposal is the resolver's guess, and statistics are
quoted outside. `status=confirmed,proposed` (any FindingStatus list) or `status=all` widens it.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from catalog.models import Organisation, Part
from forensics.models import AuditRecord, Finding, FindingStatus, Photo, Recovery, WeaponSystem
from forensics.roles import is_analyst, organisation_of, roles_of

from .findings import findings_for

DEFAULT_STATUS = FindingStatus.CONFIRMED
TIER_ORDER = ("1", "2", "3A", "3B", "4A", "4B")
BUCKETS = ("after", "possibly_after", "before", "unknown")


def _status_defaults(params) -> dict:
    raw = (params.get("status") if params is not None else None) or DEFAULT_STATUS
    if raw.strip().lower() == "all":
        return {"status": ""}
    return {"status": raw}


def _share(part: int, total: int) -> float | None:
    return round(part / total, 4) if total else None


def _echo_filters(params, status: str) -> dict:
    echo = {"status": [s for s in status.split(",") if s] or "all"}
    ws_id = params.get("weapon_system") if params is not None else None
    if ws_id:
        ws = WeaponSystem.objects.filter(pk=ws_id).values("id", "name").first()
        if ws is None:
            raise ValidationError({"weapon_system": f"No weapon system {ws_id}."})
        echo["weapon_system"] = ws
    return echo


def _grouped(queryset) -> list[tuple]:
    """(manufacturer, tier, count, after, possibly after, before) per (manufacturer, tier) group:
    the one heavy query.

    Counts read `recovery_id` (never null) rather than `id`, so that the covering index
    `finding_stats_cover` answers without visiting the table. Tuples, not dicts: a large data
    set has thousands of groups.
    """
    not_after = Q(after_export_controls=False)
    return list(
        queryset.order_by()
        .values("manufacturer_id", "part__chpl_tier")
        .annotate(
            count=Count("recovery"),
            after=Count("recovery", filter=Q(after_export_controls=True)),
            possibly_after=Count(
                "recovery", filter=not_after & Q(possibly_after_export_controls=True)
            ),
            before=Count(
                "recovery",
                filter=not_after
                & Q(possibly_after_export_controls=False, manufactured_to__isnull=False),
            ),
        )
        .values_list(
            "manufacturer_id", "part__chpl_tier", "count", "after", "possibly_after", "before"
        )
    )


def finding_statistics(user, params=None) -> dict:
    """The statistics document for `user`; `params` take the finding list's filters."""
    status = _status_defaults(params)
    merged = {key: params.get(key) for key in params} if params is not None else {}
    merged.update(status)
    queryset = findings_for(user, merged)
    echo = _echo_filters(params, status["status"])

    per_maker: dict = defaultdict(int)
    per_tier: dict = defaultdict(int)
    after = possibly_after = before = 0
    for maker_id, tier, count, n_after, n_possibly, n_before in _grouped(queryset):
        per_maker[maker_id] += count
        per_tier[tier or None] += count
        after += n_after
        possibly_after += n_possibly
        before += n_before
    total = sum(per_maker.values())
    buckets = {
        "after": after,
        "possibly_after": possibly_after,
        "before": before,
        "unknown": total - after - possibly_after - before,
    }
    orgs = {
        org["id"]: org
        for org in Organisation.objects.filter(pk__in=[pk for pk in per_maker if pk]).values(
            "id", "name", "country", "owner_id", "owner__name", "owner__country"
        )
    }

    countries: Counter = Counter()
    owners: dict[int, dict] = {}
    for maker_id, count in per_maker.items():
        org = orgs.get(maker_id)
        countries[(org["country"] or None) if org else None] += count
        if org is None:
            continue
        if org["owner_id"]:
            owner = {
                "id": org["owner_id"],
                "name": org["owner__name"],
                "country": org["owner__country"] or None,
            }
        else:
            owner = {"id": org["id"], "name": org["name"], "country": org["country"] or None}
        group = owners.setdefault(owner["id"], {"owner": owner, "count": 0, "manufacturers": []})
        group["count"] += count
        group["manufacturers"].append(
            {
                "id": org["id"],
                "name": org["name"],
                "country": org["country"] or None,
                "count": count,
            }
        )
    by_owner = sorted(owners.values(), key=lambda g: (-g["count"], g["owner"]["name"]))
    for group in by_owner:
        group["manufacturers"].sort(key=lambda m: (-m["count"], m["name"]))

    rank = {tier: i for i, tier in enumerate(TIER_ORDER)}
    return {
        "filters": echo,
        "total": total,
        "by_country": [
            {"country": country, "count": count}
            for country, count in sorted(
                countries.items(), key=lambda item: (-item[1], item[0] is None, item[0] or "")
            )
        ],
        "by_manufacturer": by_owner,
        "unidentified_manufacturer": per_maker.get(None, 0),
        "by_chpl_tier": [
            {"tier": tier, "count": count}
            for tier, count in sorted(
                per_tier.items(),
                key=lambda item: (item[0] is None, rank.get(item[0], 99), item[0] or ""),
            )
        ],
        "export_controls": {
            **{bucket: buckets[bucket] for bucket in BUCKETS},
            **{f"share_{bucket}": _share(buckets[bucket], total) for bucket in BUCKETS},
        },
    }


# ------------------------------------------------------------------------------------ dashboard


def change_token() -> int:
    """The newest audit record's id (one index probe). Every write to evidence, findings and the
    catalog leaves an audit record in its transaction, so figures cached under this token stay
    current until the next write."""
    return AuditRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _cache_key(user, params: dict) -> str:
    """Per user (visibility follows the user's roles and organisation, both in the key too),
    per parameters and per change token."""
    organisation = organisation_of(user)
    scope = [
        str(user.pk),
        ",".join(sorted(roles_of(user))),
        str(organisation.pk if organisation else ""),
        json.dumps(params, sort_keys=True, default=str),
        str(change_token()),
    ]
    return "dashboard:" + hashlib.sha256("|".join(scope).encode()).hexdigest()


def dashboard_figures(user, params: dict) -> dict:
    """The dashboard's aggregates: the statistics document, findings per status and the counts,
    over what `user` may see. `params`: `status` and `weapon_system` as the statistics take them.

    These scan every visible finding and photo, so they are cached (Django's cache) for
    DASHBOARD_CACHE_SECONDS under a key that changes with every audited write; the TTL only bounds
    the rare case of a write committing after a later one was already seen (docs/pages.md).
    Raises ValidationError for a bad weapon system, like `finding_statistics`.
    """
    key = _cache_key(user, params)
    figures = cache.get(key)
    if figures is None:
        figures = _dashboard_figures(user, params)
        cache.set(key, figures, settings.DASHBOARD_CACHE_SECONDS)
    return figures


def _dashboard_figures(user, params: dict) -> dict:
    statistics = finding_statistics(user, params)
    findings = Finding.objects.visible_to(user)
    if params.get("weapon_system"):
        findings = findings.filter(recovery__weapon_system_id=params["weapon_system"])
    by_status = dict(  # COUNT(status): an index-only scan of the status index
        findings.order_by()
        .values_list("status")
        .annotate(n=Count("status"))
        .values_list("status", "n")
    )
    return {
        "statistics": statistics,
        "by_status": by_status,
        "counts": {
            "findings": sum(by_status.values()),
            "recoveries": Recovery.objects.visible_to(user).count(),
            # Evidence workload, for analysts; others reach photos through findings.
            "photos": Photo.objects.visible_to(user).count() if is_analyst(user) else None,
            "parts": Part.objects.visible_to(user).count(),
            "manufacturers": Organisation.objects.visible_to(user)
            .filter(is_manufacturer=True)
            .count(),
        },
    }
