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

from collections import Counter

from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from catalog.models import Organisation
from forensics.models import FindingStatus, WeaponSystem

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


def _grouped(queryset) -> list[dict]:
    """(manufacturer, tier) groups with their export-control buckets: the one heavy query.

    Counts read `recovery_id` (never null) rather than `id`, so that the covering index
    `finding_stats_cover` answers without visiting the table.
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
    )


def finding_statistics(user, params=None) -> dict:
    """The statistics document for `user`; `params` take the finding list's filters."""
    status = _status_defaults(params)
    merged = {key: params.get(key) for key in params} if params is not None else {}
    merged.update(status)
    queryset = findings_for(user, merged)
    echo = _echo_filters(params, status["status"])
    groups = _grouped(queryset)

    per_maker: Counter = Counter()
    per_tier: Counter = Counter()
    buckets: Counter = Counter()
    for row in groups:
        per_maker[row["manufacturer_id"]] += row["count"]
        per_tier[row["part__chpl_tier"] or None] += row["count"]
        dated = row["after"] + row["possibly_after"] + row["before"]
        buckets.update(
            after=row["after"],
            possibly_after=row["possibly_after"],
            before=row["before"],
            unknown=row["count"] - dated,
        )
    total = sum(per_maker.values())
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
