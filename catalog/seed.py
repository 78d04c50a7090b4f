"""Curated seed data: manufacturers with aliases, acquisitions and MPN prefix families
(catalog/data/manufacturers.json) and the CHPL HS-code tiers (catalog/data/chpl-hs-codes.csv).

`load_seed` is idempotent (upserts by alias key / code) and takes an app registry so the data migration
can run it against historical models; `manage.py seed_catalog` runs it against the current ones.
"""

import csv
import datetime
import json
from pathlib import Path

from django.utils.text import slugify

from catalog.normalize import name_key, norm

DATA_DIR = Path(__file__).resolve().parent / "data"
ROLE_FIELDS = {
    "manufacturer": "is_manufacturer",
    "authorized_distributor": "is_authorized_distributor",
    "independent_distributor": "is_independent_distributor",
    "importer": "is_importer",
    "freight_forwarder": "is_freight_forwarder",
    "end_user": "is_end_user",
}


def _models(apps):
    if apps is None:
        from django.apps import apps as current

        apps = current
    get = apps.get_model
    return (
        get("catalog", "Organisation"),
        get("catalog", "OrganisationAlias"),
        get("catalog", "Ownership"),
        get("catalog", "PrefixFamily"),
        get("catalog", "HsCode"),
    )


def load_hs_codes(apps=None) -> int:
    *_, HsCode = _models(apps)
    with open(DATA_DIR / "chpl-hs-codes.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        HsCode.objects.update_or_create(
            code=row["hs6"].strip(),
            defaults={"tier": row["tier"].strip(), "description": row["description"].strip()},
        )
    return len(rows)


def load_manufacturers(apps=None) -> dict[str, int]:
    Organisation, Alias, Ownership, PrefixFamily, _ = _models(apps)
    entries = json.loads((DATA_DIR / "manufacturers.json").read_text(encoding="utf-8"))
    by_name = {}
    for entry in entries:
        key = name_key(entry["name"])
        alias = Alias.objects.filter(key=key).select_related("organisation").first()
        roles = {ROLE_FIELDS[r]: True for r in entry.get("roles", ["manufacturer"])}
        fields = {
            "country": entry.get("country") or "",
            "website": entry.get("website") or "",
            "mpn_family": entry.get("mpn_family") or "",
            **roles,
        }
        if alias:
            org = alias.organisation
            for field, value in fields.items():
                setattr(org, field, value)
            org.name = entry["name"]
            org.save()
        else:
            slug = slugify(entry["name"])[:200]
            org = Organisation.objects.create(name=entry["name"], slug=slug, **fields)
        by_name[entry["name"]] = org
        for spelling in [entry["name"], *entry.get("aliases", [])]:
            alias_key = name_key(spelling)
            if alias_key and not Alias.objects.filter(key=alias_key).exists():
                Alias.objects.create(organisation=org, name=spelling, key=alias_key)
        for prefix in entry.get("prefixes", []):
            PrefixFamily.objects.get_or_create(
                prefix_norm=norm(prefix), manufacturer=org, defaults={"prefix": prefix}
            )
    ownerships = 0
    for entry in entries:
        if not entry.get("owner"):
            continue
        start = entry.get("acquired")
        Ownership.objects.get_or_create(
            brand=by_name[entry["name"]],
            owner=by_name[entry["owner"]],
            defaults={"start": datetime.date.fromisoformat(start) if start else None},
        )
        ownerships += 1
    _refresh_owners(Organisation, Ownership)
    return {"organisations": len(by_name), "ownerships": ownerships}


def _refresh_owners(Organisation, Ownership):
    """Historical-model twin of catalog.services.refresh_owners (migrations cannot use services)."""
    today = datetime.date.today()
    direct = {}
    for o in Ownership.objects.order_by("start"):
        if (o.start is None or o.start <= today) and (o.end is None or o.end > today):
            direct[o.brand_id] = o.owner_id
    for org in Organisation.objects.all():
        seen, current, result = {org.id}, direct.get(org.id), None
        while current is not None and current not in seen:
            result = current
            seen.add(current)
            current = direct.get(current)
        if org.owner_id != result:
            org.owner_id = result
            org.save(update_fields=["owner"])


def load_seed(apps=None) -> dict[str, int]:
    summary = load_manufacturers(apps)
    summary["hs_codes"] = load_hs_codes(apps)
    return summary
