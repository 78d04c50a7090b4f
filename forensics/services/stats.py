"""Finding statistics: counts by manufacturer country, by manufacturer grouped by owner, by CHPL tier,
and how many parts were made after the export controls. All SQL aggregation, over what the user sees.

By default only confirmed findings count: a proposal is the resolver's guess, and statistics are
quoted outside. `status=confirmed,proposed` (any FindingStatus list) or `status=all` widens it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from forensics.models import FindingStatus, WeaponSystem

from .findings import findings_for

DEFAULT_STATUS = FindingStatus.CONFIRMED
TIER_ORDER = ("1", "2", "3A", "3B", "4A", "4B")


def _status_defaults(params) -> dict:
    raw = (params.get("status") if params is not None else None) or DEFAULT_STATUS
    if raw.strip().lower() == "all":
        return {"status": ""}
    return {"status": raw}


def _share(part: int, total: int) -> float | None:
    return round(part / total, 4) if total else None


def finding_statistics(user, params=None) -> dict:
    """The statistics document for `user`; `params` take the finding list's filters."""
    status = _status_defaults(params)
    merged = {key: params.get(key) for key in params} if params is not None else {}
    merged.update(status)
    queryset = findings_for(user, merged).order_by()
    echo = _echo_filters(params, status["status"])

    dates = queryset.aggregate(
        total=Count("id"),
        after=Count("id", filter=Q(after_export_controls=True)),
        possibly_after=Count(
            "id", filter=Q(after_export_controls=False, possibly_after_export_controls=True)
        ),
        before=Count(
            "id",
            filter=Q(
                after_export_controls=False,
                possibly_after_export_controls=False,
                manufactured_to__isnull=False,
            ),
        ),
    )
    total = dates["total"]
    unknown = total - dates["after"] - dates["possibly_after"] - dates["before"]

    countries: dict[str | None, int] = {}
    for row in queryset.values("manufacturer__country").annotate(count=Count("id")):
        key = row["manufacturer__country"] or None  # no manufacturer, or one without a country
        countries[key] = countries.get(key, 0) + row["count"]
    by_country = [
        {"country": country, "count": count}
        for country, count in sorted(
            countries.items(), key=lambda item: (-item[1], item[0] is None, item[0] or "")
        )
    ]

    makers = queryset.values(
        "manufacturer_id",
        "manufacturer__name",
        "manufacturer__country",
        "manufacturer__owner_id",
        "manufacturer__owner__name",
        "manufacturer__owner__country",
    ).annotate(count=Count("id"))
    groups: dict[int, dict] = {}
    unidentified = 0
    for row in makers:
        if row["manufacturer_id"] is None:
            unidentified += row["count"]
            continue
        if row["manufacturer__owner_id"]:
            owner = (
                row["manufacturer__owner_id"],
                row["manufacturer__owner__name"],
                row["manufacturer__owner__country"],
            )
        else:
            owner = (
                row["manufacturer_id"],
                row["manufacturer__name"],
                row["manufacturer__country"],
            )
        group = groups.setdefault(
            owner[0],
            {
                "owner": {"id": owner[0], "name": owner[1], "country": owner[2] or None},
                "count": 0,
                "manufacturers": [],
            },
        )
        group["count"] += row["count"]
        group["manufacturers"].append(
            {
                "id": row["manufacturer_id"],
                "name": row["manufacturer__name"],
                "country": row["manufacturer__country"] or None,
                "count": row["count"],
            }
        )
    by_owner = sorted(groups.values(), key=lambda g: (-g["count"], g["owner"]["name"]))
    for group in by_owner:
        group["manufacturers"].sort(key=lambda m: (-m["count"], m["name"]))

    tiers = {
        row["part__chpl_tier"] or None: row["count"]
        for row in queryset.values("part__chpl_tier").annotate(count=Count("id"))
    }
    rank = {tier: i for i, tier in enumerate(TIER_ORDER)}
    by_tier = [
        {"tier": tier, "count": count}
        for tier, count in sorted(
            tiers.items(), key=lambda item: (item[0] is None, rank.get(item[0], 99), item[0] or "")
        )
    ]

    return {
        "filters": echo,
        "total": total,
        "by_country": by_country,
        "by_manufacturer": by_owner,
        "unidentified_manufacturer": unidentified,
        "by_chpl_tier": by_tier,
        "export_controls": {
            "after": dates["after"],
            "possibly_after": dates["possibly_after"],
            "before": dates["before"],
            "unknown": unknown,
            "share_after": _share(dates["after"], total),
            "share_possibly_after": _share(dates["possibly_after"], total),
            "share_before": _share(dates["before"], total),
            "share_unknown": _share(unknown, total),
        },
    }


def _echo_filters(params, status: str) -> dict:
    echo = {"status": [s for s in status.split(",") if s] or "all"}
    ws_id = params.get("weapon_system") if params is not None else None
    if ws_id:
        ws = WeaponSystem.objects.filter(pk=ws_id).values("id", "name").first()
        if ws is None:
            raise ValidationError({"weapon_system": f"No weapon system {ws_id}."})
        echo["weapon_system"] = ws
    return echo
