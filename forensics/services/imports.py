"""Finding imports: the GUR "War & Sanctions" layout and an analyst's plain spreadsheet.

Both are all or nothing per file: every row is checked, rejects are reported with their line numbers,
and one rejected row means nothing is written. Both are idempotent: a row already imported is
recognised by its `external_id` and left alone when nothing changed, so a re-run reports
"0 created, 0 updated".

GUR rows are published data, so they are shared GREEN, and they are confirmed on the publisher's
authority (the source URL is kept): the resolver is taught each marking with its manufacturer. Plain
rows are an analyst's own reading: they go in `unresolved` and the resolver task proposes.
See docs/findings.md for the columns and every rule.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from catalog.models import Organisation, Part
from catalog.normalize import norm
from catalog.services import alias_index, resolve_manufacturer_in
from forensics.audit import record_change, snapshot
from forensics.models import (
    CustodyAction,
    CustodyEvent,
    Finding,
    FindingStatus,
    Recovery,
    Sharing,
    WeaponKind,
)

from . import findings as finding_services
from .weapons import WeaponSystemMatcher, ensure_weapon_system

GUR_COLUMNS = {"component_id", "name_marking", "category", "manufacturer", "found_in_drones"}
GUR_OPTIONAL = {"source_url", "notes", "function"}
GUR_SOURCE = (
    "HUR/GUR War & Sanctions portal, via the Awesome Drone Warfare OSINT dataset (CC BY 4.0)"
)
GUR_PORTAL = "https://war-sanctions.gur.gov.ua/en"
GUR_WEAPON_NOTE = "Linked weapon as published by GUR:"
UNSPECIFIED = "(unspecified)"
NOT_IDENTIFIED = {"not identified", "unknown", "n/a", ""}

PLAIN_COLUMNS = (
    "recovery_reference",
    "weapon_system",
    "marking",
    "category",
    "board",
    "position",
    "quantity",
    "manufacturer",
    "mpn",
    "notes",
)
PLAIN_REQUIRED = {"recovery_reference", "marking"}
MAX_LENGTHS = {"board": 120, "position": 40, "category": 120, "marking": 2000, "mpn": 120}


class FindingImportError(Exception):
    """The file was refused; nothing was written. `report.rejects` lists (line, reason)."""

    def __init__(self, message: str, report: ImportReport | None = None):
        super().__init__(message)
        self.report = report


class _DryRun(Exception):
    pass


@dataclass
class ImportReport:
    fmt: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    recoveries_created: int = 0
    weapon_systems_created: int = 0
    taught: int = 0
    to_resolve: int = 0
    not_identified: int = 0
    unknown_mpns: int = 0
    unknown_manufacturers: Counter = field(default_factory=Counter)
    rejects: list[tuple[int, str]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.recoveries_created)

    def summary(self) -> str:
        head = "Dry run, nothing written: " if self.dry_run else ""
        text = (
            f"{head}{self.rows:,} rows: {self.created:,} created, {self.updated:,} updated, "
            f"{self.unchanged:,} unchanged; {self.recoveries_created} recoveries and "
            f"{self.weapon_systems_created} weapon systems created; resolver taught "
            f"{self.taught} markings; {self.to_resolve} queued for the resolver"
        )
        if self.not_identified:
            text += f"; {self.not_identified} rows without an identified manufacturer"
        if self.unknown_manufacturers:
            names = sum(self.unknown_manufacturers.values())
            text += (
                f"; {names} rows name {len(self.unknown_manufacturers)} manufacturers the "
                "catalog does not know"
            )
        if self.unknown_mpns:
            text += f"; {self.unknown_mpns} MPNs not in the catalog"
        if not self.changed and not self.dry_run and self.rows:
            text += ". Nothing changed."
        return text


# --- reading ----------------------------------------------------------------------------------


def read_csv(path: str | Path, required: set[str], allowed: set[str]) -> list[tuple[int, dict]]:
    """(first line number, row) for every record; a malformed file raises FindingImportError."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in reader.fieldnames or []]
            if not header:
                raise FindingImportError(f"{path}: the file is empty (no header row).")
            missing = sorted(required - set(header))
            if missing:
                raise FindingImportError(f"{path}: missing columns: {', '.join(missing)}.")
            unknown = sorted(set(header) - allowed)
            if unknown:
                raise FindingImportError(
                    f"{path}: unknown columns: {', '.join(unknown)} "
                    f"(expected some of: {', '.join(sorted(allowed))})."
                )
            reader.fieldnames = header
            rows = []
            start = reader.line_num + 1
            for row in reader:
                rows.append((start, row))
                start = reader.line_num + 1
            return rows
    except FileNotFoundError:
        raise FindingImportError(f"{path}: no such file.")
    except UnicodeDecodeError as exc:
        raise FindingImportError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}).")
    except csv.Error as exc:
        raise FindingImportError(f"{path}: not a valid CSV file ({exc}).")


def _text(row: dict, name: str) -> str:
    value = row.get(name)
    return value.strip() if isinstance(value, str) else ""


def _check_shape(line: int, row: dict, report: ImportReport) -> bool:
    if None in row:
        report.rejects.append((line, "more fields than columns in the header"))
        return False
    return True


def _too_long(row: dict, names) -> str | None:
    for name in names:
        limit = MAX_LENGTHS.get(name)
        if limit and len(_text(row, name)) > limit:
            return f"{name} is longer than {limit} characters"
    return None


def _import(fmt: str, run, dry_run: bool) -> ImportReport:
    report = ImportReport(fmt=fmt, dry_run=dry_run)
    try:
        with transaction.atomic():
            run(report)
            if report.rejects:
                raise FindingImportError(
                    f"{len(report.rejects)} rows rejected; nothing was imported.", report
                )
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


# --- GUR --------------------------------------------------------------------------------------


def gur_reference(slug: str) -> str:
    """A recovery reference of at most 80 characters, unique per slug."""
    reference = f"GUR-{slug}"
    if len(reference) <= 80:
        return reference
    digest = hashlib.sha1(slug.encode()).hexdigest()[:8]
    return f"GUR-{slug[:66]}-{digest}"


def _published_weapon_name(row: dict) -> str:
    notes = _text(row, "notes")
    if notes.startswith(GUR_WEAPON_NOTE):
        return notes[len(GUR_WEAPON_NOTE) :].strip()
    return ""


class _GurRecoveries:
    """One recovery per weapon slug, GREEN, found by its external id `gur:<slug>`."""

    def __init__(self, actor, report: ImportReport):
        self.actor = actor
        self.report = report
        self.matcher = WeaponSystemMatcher()
        self.cache: dict[str, Recovery] = {}

    def weapon_system(self, slug: str, published: str):
        found = self.matcher.match(slug) or (published and self.matcher.match(published))
        if found:
            return found
        name = published or slug.replace("-", " ").strip().capitalize()
        system, created = ensure_weapon_system(name[:120], WeaponKind.OTHER, actor=self.actor)
        self.report.weapon_systems_created += int(created)
        self.matcher = WeaponSystemMatcher()
        return system

    def get(self, slug: str, published: str) -> Recovery:
        if slug in self.cache:
            return self.cache[slug]
        recovery = Recovery.objects.filter(external_id=f"gur:{slug}").first()
        if recovery is None:
            recovery = Recovery.objects.create(
                reference=gur_reference(slug),
                external_id=f"gur:{slug}",
                weapon_system=self.weapon_system(slug, published),
                sharing=Sharing.GREEN,
                source=GUR_SOURCE,
                source_url=GUR_PORTAL,
                notes=f"{GUR_WEAPON_NOTE} {published}" if published else "",
                created_by=self.actor,
            )
            record_change(self.actor, recovery, "import", None, snapshot(recovery))
            CustodyEvent.objects.create(
                recovery=recovery,
                at=timezone.now(),
                actor=self.actor,
                actor_name=self.actor.get_username() if self.actor else "import",
                action=CustodyAction.IMPORTED,
                note=f"Components published by {GUR_SOURCE}.",
            )
            self.report.recoveries_created += 1
        self.cache[slug] = recovery
        return recovery


def _parse_gur_row(line: int, row: dict, seen: set[str], report: ImportReport) -> dict | None:
    def reject(reason: str):
        report.rejects.append((line, reason))
        return None

    if not _check_shape(line, row, report):
        return None
    component_id = _text(row, "component_id")
    if not component_id:
        return reject("component_id is empty")
    if len(component_id) > 120:
        return reject("component_id is longer than 120 characters")
    if component_id in seen:
        return reject(f"component_id {component_id} appears twice in the file")
    seen.add(component_id)
    try:
        slugs = json.loads(_text(row, "found_in_drones") or "null")
    except json.JSONDecodeError:
        return reject("found_in_drones is not a JSON list")
    if (
        not isinstance(slugs, list)
        or not slugs
        or not all(isinstance(s, str) and s.strip() for s in slugs)
    ):
        return reject("found_in_drones names no weapon (a JSON list of slugs is expected)")
    slugs = [s.strip() for s in slugs]
    if any(len(s) > 190 for s in slugs):
        return reject("a weapon slug in found_in_drones is longer than 190 characters")
    marking = _text(row, "name_marking")
    if marking == UNSPECIFIED:
        marking = ""
    if len(marking) > MAX_LENGTHS["marking"]:
        return reject(f"name_marking is longer than {MAX_LENGTHS['marking']} characters")
    source_url = _text(row, "source_url")
    if source_url:
        try:
            URLValidator(schemes=["http", "https"])(source_url)
        except ValidationError:
            return reject(f"source_url is not a web address: {source_url[:80]}")
        if len(source_url) > 500:
            return reject("source_url is longer than 500 characters")
    category = _text(row, "category")
    if category.lower() == "unknown":
        category = ""
    notes = []
    if _text(row, "function"):
        notes.append(f"Function: {_text(row, 'function')}")
    if len(slugs) > 1:
        notes.append(f"Also published as found in: {', '.join(slugs[1:])}")
    return {
        "line": line,
        "external_id": component_id,
        "slug": slugs[0],
        "published_weapon": _published_weapon_name(row),
        "marking": marking,
        "category": category[:120],
        "notes": "\n".join(notes),
        "source_url": source_url,
        "manufacturer": _text(row, "manufacturer"),
    }


def _family(org_id: int | None, owners: dict[int, int]) -> int | None:
    return owners.get(org_id, org_id) if org_id else None


ADOPTED_MATCHES = frozenset({"exact", "base", "suffix", "code", "learned"})
"""Resolver match kinds that identify a part (not a prefix, fold or fuzzy guess at one)."""
MIN_PART_SCORE = 0.5


def _derive_confirmed(finding: Finding, maker_id: int, owners: dict[int, int]) -> None:
    """Date code, lot and candidates from the resolver, and the part when the marking names it.

    The publisher names the manufacturer, not the part: a candidate part is adopted only when the
    marking identifies it (an exact, base, suffix, marking-code or learned match with most of the
    belief on that very part) and its maker is the published manufacturer or shares its current
    owner. A truncated or misread number (`STM32F`, `L6205`) gets no part rather than a guess,
    which the resolver would otherwise learn and repeat.
    """
    if not finding.marking:
        return
    resolution = finding_services.call_resolver(finding.marking)
    fields = finding_services.resolution_fields(Finding(), resolution)
    for name in (
        "candidates",
        "resolution",
        "date_code",
        "date_code_rule",
        "manufactured_from",
        "manufactured_to",
        "after_export_controls",
        "possibly_after_export_controls",
        "lot_code",
    ):
        setattr(finding, name, fields[name])
    finding.resolved_at = timezone.now()
    finding.part = None
    if fields["resolution"] not in (finding_services.CONFIDENT, finding_services.AMBIGUOUS):
        return
    family = _family(maker_id, owners)
    for candidate in fields["candidates"]:
        if not candidate.get("part_id") or candidate.get("match") not in ADOPTED_MATCHES:
            continue
        if candidate.get("part_score", candidate.get("score") or 0) < MIN_PART_SCORE:
            continue
        candidate_family = candidate.get("owner_id") or candidate.get("manufacturer_id")
        if candidate_family == family:
            finding.part_id = candidate["part_id"]
            finding.confidence = candidate.get("score")
            return


def _gur_apply(parsed: dict, recovery: Recovery, maker_id, not_identified, owners, actor, report):
    """Create or update one finding from a GUR row; returns nothing, counts in `report`."""
    finding = Finding.objects.filter(external_id=parsed["external_id"]).first()
    published = {
        "recovery_id": recovery.pk,
        "marking": parsed["marking"],
        "category": parsed["category"],
        "notes": parsed["notes"],
        "source_url": parsed["source_url"],
    }
    if finding is None:
        finding = Finding(external_id=parsed["external_id"], **published)
        finding.marking_changed_at = timezone.now()
        _set_gur_status(finding, maker_id, not_identified, owners)
        finding.save()
        record_change(actor, finding, "import", None, snapshot(finding))
        report.created += 1
        _after_gur_write(finding, None, report)
        return
    before = snapshot(finding)
    taught = _lesson(finding)
    marking_changed = finding.marking != parsed["marking"]
    for name, value in published.items():
        setattr(finding, name, value)
    import_owned = finding.confirmed_by_id is None
    if marking_changed and import_owned:
        finding_services.reset_resolution(finding)
        _set_gur_status(finding, maker_id, not_identified, owners)
    elif (
        import_owned
        and finding.status == FindingStatus.CONFIRMED
        and maker_id
        and finding.manufacturer_id != maker_id
    ):
        finding.manufacturer_id = maker_id
        part = finding.part_id and Part.objects.filter(pk=finding.part_id).first()
        if part and _family(part.manufacturer_id, owners) != _family(maker_id, owners):
            finding.part = None
    after = snapshot(finding)
    if {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }:
        report.unchanged += 1
        return
    finding.save()
    record_change(actor, finding, "import-update", before, snapshot(finding))
    report.updated += 1
    _after_gur_write(finding, taught, report)


def _set_gur_status(finding: Finding, maker_id, not_identified: bool, owners) -> None:
    if maker_id:
        finding.status = FindingStatus.CONFIRMED
        finding.manufacturer_id = maker_id
        finding.confirmed_at = timezone.now()
        _derive_confirmed(finding, maker_id, owners)
    elif not_identified:
        finding.status = (
            FindingStatus.UNRESOLVED if finding.marking else FindingStatus.UNIDENTIFIABLE
        )
    else:
        finding.status = FindingStatus.CONFIRMED
        finding.confirmed_at = timezone.now()


def _lesson(finding: Finding) -> tuple[str, int | None, int] | None:
    """(marking, part, manufacturer) a confirmed finding has taught the resolver, or None: a
    confirmation without a marking or a manufacturer teaches nothing (as `unteach_if_confirmed`)."""
    if (
        finding.status == FindingStatus.CONFIRMED
        and finding.manufacturer_id
        and finding.marking.strip()
    ):
        return finding.marking, finding.part_id, finding.manufacturer_id
    return None


def _after_gur_write(finding: Finding, taught, report: ImportReport) -> None:
    """Keep the resolver's lessons in step with the row just written, in the import's transaction.

    `taught` is what the row had taught before this write (None for a new row). The resolver learns
    a row once, when it is first confirmed; a re-run that changes its marking, part or manufacturer
    takes the old lesson back and teaches the new one, and one that changes anything else (notes,
    category, source URL) teaches nothing, so `KnownMarking.confirmations` counts each finding once.
    """
    lesson = _lesson(finding)
    if lesson != taught:
        if taught is not None:
            finding_services.call_unlearn(*taught, finding.pk)
        if lesson is not None:
            finding_services.call_learn(*lesson, finding.pk)
            report.taught += 1
    if finding.status == FindingStatus.UNRESOLVED:
        finding_services.enqueue_resolution(finding.pk)
        report.to_resolve += 1


def import_gur(path: str | Path, actor=None, dry_run: bool = False) -> ImportReport:
    """Import the GUR layout (see module docstring). Raises FindingImportError on rejects."""
    rows = read_csv(path, GUR_COLUMNS, GUR_COLUMNS | GUR_OPTIONAL | _GUR_IGNORED)

    def run(report: ImportReport):
        seen: set[str] = set()
        parsed = []
        for line, row in rows:
            report.rows += 1
            item = _parse_gur_row(line, row, seen, report)
            if item:
                parsed.append(item)
        if report.rejects:
            return
        index = alias_index()
        owners = dict(
            Organisation.objects.filter(owner__isnull=False).values_list("id", "owner_id")
        )
        recoveries = _GurRecoveries(actor, report)
        makers: dict[str, int | None] = {}
        for item in parsed:
            name = item["manufacturer"]
            not_identified = name.strip().lower() in NOT_IDENTIFIED
            if name not in makers:
                makers[name] = None if not_identified else resolve_manufacturer_in(index, name)
            maker_id = makers[name]
            if not_identified:
                report.not_identified += 1
            elif maker_id is None:
                report.unknown_manufacturers[name] += 1
            recovery = recoveries.get(item["slug"], item["published_weapon"])
            _gur_apply(item, recovery, maker_id, not_identified, owners, actor, report)

    return _import("gur", run, dry_run)


_GUR_IGNORED = {
    "manufacturer_country",
    "oem_part_number",
    "production_date",
    "sanctions_status",
    "is_dual_use",
    "replaceable_with",
    "price_retail_usd",
    "evidence_image",
    "last_verified",
}
"""Columns of the layout this import reads no meaning from (the mirror's guesses, prices...)."""


# --- plain ------------------------------------------------------------------------------------


def plain_external_id(row_key: tuple[str, ...], occurrence: int) -> str:
    """A stable key for an analyst's row: the same row in a re-run maps to the same finding."""
    digest = hashlib.sha1("\x1f".join(row_key).encode()).hexdigest()[:32]
    return f"plain:{digest}:{occurrence}"


class _PlainContext:
    def __init__(self, actor, report: ImportReport):
        self.actor = actor
        self.report = report
        self.index = alias_index()
        self.owners = dict(
            Organisation.objects.filter(owner__isnull=False).values_list("id", "owner_id")
        )
        self.matcher = WeaponSystemMatcher()
        self.recoveries: dict[str, Recovery | None] = {}

    def recovery(self, reference: str, weapon_name: str) -> Recovery | str:
        """The recovery, or the reason the row is refused."""
        recovery = self.recoveries.get(reference)
        if recovery is None:
            recovery = Recovery.objects.filter(reference=reference).first()
        system = self.matcher.match(weapon_name) if weapon_name else None
        if weapon_name and system is None:
            return f"unknown weapon system “{weapon_name}” (add it, or one of its aliases, first)"
        if recovery is not None:
            if system is not None and system.pk != recovery.weapon_system_id:
                return (
                    f"recovery {reference} is a {recovery.weapon_system}, not a {system}"
                )  # fmt: skip
            self.recoveries[reference] = recovery
            return recovery
        if system is None:
            return f"recovery {reference} does not exist; name its weapon_system to create it"
        recovery = Recovery.objects.create(
            reference=reference, weapon_system=system, sharing=Sharing.RED, created_by=self.actor
        )
        record_change(self.actor, recovery, "import", None, snapshot(recovery))
        self.report.recoveries_created += 1
        self.recoveries[reference] = recovery
        return recovery

    def hint(self, maker_name: str, mpn: str) -> tuple[int | None, int | None] | str:
        """(part_id, manufacturer_id) the analyst wrote, or the reason the row is refused."""
        maker_id = None
        if maker_name:
            maker_id = resolve_manufacturer_in(self.index, maker_name)
            if maker_id is None:
                return f"unknown manufacturer “{maker_name}” (add it or its alias to the catalog)"
        if not mpn:
            return None, maker_id
        parts = list(
            Part.objects.filter(mpn_norm=norm(mpn)).values_list("id", "manufacturer_id")[:50]
        )
        if maker_id:
            family = _family(maker_id, self.owners)
            parts = [p for p in parts if _family(p[1], self.owners) == family]
        if len({p[1] for p in parts}) == 1:
            return parts[0][0], parts[0][1]
        self.report.unknown_mpns += 1
        return None, maker_id


def import_plain(path: str | Path, actor=None, dry_run: bool = False) -> ImportReport:
    """Import an analyst's spreadsheet (columns: PLAIN_COLUMNS). Rows go in unresolved."""
    rows = read_csv(path, PLAIN_REQUIRED, set(PLAIN_COLUMNS))

    def run(report: ImportReport):
        context = _PlainContext(actor, report)
        occurrences: Counter = Counter()
        for line, row in rows:
            report.rows += 1
            if not _check_shape(line, row, report):
                continue
            reason = _plain_row(line, row, context, occurrences)
            if reason:
                report.rejects.append((line, reason))

    return _import("plain", run, dry_run)


def _plain_row(line: int, row: dict, context: _PlainContext, occurrences: Counter) -> str | None:
    """Write one plain row; returns the reason it is refused, or None."""
    report = context.report
    reference = _text(row, "recovery_reference")
    if not reference:
        return "recovery_reference is empty"
    if len(reference) > 80:
        return "recovery_reference is longer than 80 characters"
    too_long = _too_long(row, ("board", "position", "category", "marking", "mpn"))
    if too_long:
        return too_long
    marking = _text(row, "marking") or _text(row, "mpn")
    if not marking:
        return "marking (or mpn) is empty"
    quantity_text = _text(row, "quantity") or "1"
    try:
        quantity = int(quantity_text)
    except ValueError:
        return f"quantity “{quantity_text}” is not a whole number"
    if quantity < 1:
        return "quantity is at least 1"
    recovery = context.recovery(reference, _text(row, "weapon_system"))
    if isinstance(recovery, str):
        return recovery
    hint = context.hint(_text(row, "manufacturer"), _text(row, "mpn"))
    if isinstance(hint, str):
        return hint
    key = (reference, _text(row, "board"), _text(row, "position"), marking, _text(row, "category"))
    occurrences[key] += 1
    external_id = plain_external_id(key, occurrences[key])
    values = {
        "recovery": recovery,
        "marking": marking,
        "category": _text(row, "category"),
        "board": _text(row, "board"),
        "position": _text(row, "position"),
        "quantity": quantity,
        "notes": _text(row, "notes"),
    }
    finding = Finding.objects.filter(external_id=external_id).first()
    if finding is not None:
        before = snapshot(finding)
        finding.quantity, finding.notes = quantity, values["notes"]
        if snapshot(finding) == before:
            report.unchanged += 1
            return None
        finding.save()
        record_change(context.actor, finding, "import-update", before, snapshot(finding))
        report.updated += 1
        return None
    finding = Finding(external_id=external_id, analyst=context.actor, **values)
    finding_services.reset_resolution(finding)
    finding.part_id, finding.manufacturer_id = hint
    finding.save()
    record_change(context.actor, finding, "import", None, snapshot(finding))
    finding_services.enqueue_resolution(finding.pk)
    report.created += 1
    report.to_resolve += 1
    return None


# --- entry points -----------------------------------------------------------------------------

IMPORTERS = {"gur": import_gur, "plain": import_plain}


def import_findings(fmt: str, path: str | Path, actor=None, dry_run: bool = False) -> ImportReport:
    try:
        importer = IMPORTERS[fmt]
    except KeyError:
        raise FindingImportError(f"Unknown format {fmt!r}: use one of {', '.join(IMPORTERS)}.")
    return importer(path, actor=actor, dry_run=dry_run)


def load_gur_demo(data_dir: Path) -> str:
    """Demo step: the 1,748 published GUR findings (idempotent)."""
    report = import_gur(Path(data_dir) / "gur-components-dev.csv")
    return f"GUR findings: {report.summary()}"
