"""Screening supply-chain parties against watch lists (the US Consolidated Screening List).

Names are compared as `screening_key`s: `catalog.normalize.name_key` (legal forms, accents,
punctuation, Cyrillic transliteration) minus words that say what a company does rather than who it is
("Trading", "Import and Export", "International"...), so `ООО Радиант` and `Radiant LLC` meet as
`radiant`, and `TNK Trading International S.A.` as `tnk`.

Only entries that share a blocking key (the first four letters of a word) with a party are scored,
which keeps 10,000 parties × 10,000 entries to a few hundred thousand comparisons (bench.screening).

Who is screened: every organisation that sells or buys in a supply link, and every organisation with
a role other than manufacturer. Screening is asked for through the `OrganisationScreening` outbox
(`request_screening`, called by the services that create organisations, aliases and links) and
done by a task after commit; the periodic sweep screens whatever was asked for and not done, and any
party that no service asked for. A list import re-screens everybody in the same transaction.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from rapidfuzz import fuzz

from catalog.normalize import name_key
from forensics.audit import record_change, snapshot

from .models import (
    Organisation,
    OrganisationAlias,
    OrganisationScreening,
    ScreeningDismissal,
    ScreeningEntry,
    ScreeningHit,
    ScreeningKey,
    ScreeningList,
    SupplyLink,
)

logger = logging.getLogger("catalog.screening")

# --- names --------------------------------------------------------------------------------------

# "Sinobright Import and Export Company; and any successor, sub-unit, or subsidiary thereof"
_LIST_TAIL = re.compile(r"[;,]?\s*and any successor\b.*$", re.IGNORECASE | re.DOTALL)
# Words that describe the trade, not the party; dropped unless nothing else is left.
STOP_WORDS = frozenset((
    "trading", "trade", "traders", "import", "imports", "export", "exports", "impex", "and", "the",
    "of", "international", "intl", "group", "holding", "holdings", "company", "co", "corp",
    "enterprise", "enterprises", "firm",
))  # fmt: skip
# Words too common to make two names the same party when they are all the names share.
GENERIC_WORDS = frozenset((
    "bank", "electronic", "electronics", "elektronik", "technology", "technologies", "tech",
    "techno", "industries", "industrial", "industry", "systems", "system", "services", "service",
    "solutions", "components", "component", "engineering", "global", "research", "institute",
    "development", "supply", "supplies", "logistics", "scientific", "production", "plant",
    "factory", "center", "centre", "design", "instruments", "devices", "world", "china", "russia",
    "hong", "kong", "shenzhen", "moscow", "new", "science", "sciences",
))  # fmt: skip
BLOCK_LENGTH = 4
NUMBERED_CAP = 80.0
_NUMBER = re.compile(r"\d+")
MAX_BLOCK_SHARE = 0.05
"""A block holding more than this share of the listed spellings (`shen` for Shenzhen...) is only
used when a name has no rarer block."""


# Spellings that transliteration makes differ (`Eltekh`/`Eltech`, `Meks`/`Mex`): folded alike
# on both sides before comparing.
_FOLDS = (("sch", "sh"), ("ks", "x"), ("kh", "h"), ("ch", "h"), ("ph", "f"), ("w", "v"), ("y", "i"))
_CYRILLIC = re.compile(r"[\u0400-\u052f]")


def _fold(word: str) -> str:
    for old, new in _FOLDS:
        word = word.replace(old, new)
    return word


def screening_key(name: str) -> str:
    """The comparable form of a party's name: `name_key` without the screening stop words, each
    word folded for transliteration variants."""
    key = name_key(_LIST_TAIL.sub("", name or "").strip() or name or "")
    words = key.split()
    kept = [word for word in words if word not in STOP_WORDS]
    return " ".join(_fold(word) for word in (kept or words))


def screening_keys(name: str) -> list[str]:
    """The keys a name is compared under: its `screening_key`, and for a name mixing Latin and
    Cyrillic words (`OOO онторкор`) the key of its Cyrillic words alone, since `name_key` reads
    an all-look-alike Cyrillic word next to Latin ones as Latin (`ohtopkop`)."""
    keys = [screening_key(name)]
    words = (name or "").split()
    cyrillic = [word for word in words if _CYRILLIC.search(word)]
    if cyrillic and len(cyrillic) < len(words):
        alternative = screening_key(" ".join(cyrillic))
        if alternative and alternative not in keys:
            keys.append(alternative)
    return [key for key in keys if key]


def blocks_of(key: str) -> set[str]:
    """The blocking keys of a screening key: the first letters of each word of three or more."""
    words = [word for word in key.split() if len(word) >= 3]
    if not words:
        compact = key.replace(" ", "")
        return {compact[:BLOCK_LENGTH]} if compact else set()
    return {word[:BLOCK_LENGTH] for word in words}


_GENERIC_FOLDED = frozenset(_fold(word) for word in GENERIC_WORDS)


def _distinctive(words: set[str]) -> int:
    """Letters in the words that say who a party is (not `bank`, `electronics`, `moscow`...)."""
    return sum(len(w) for w in words if w not in _GENERIC_FOLDED and len(w) >= 3)


def _core(key: str) -> str:
    """The key without its generic words (unless nothing else is left), so that `Industrial`
    on both sides does not make `Belselon` and `Belselnik` alike."""
    return " ".join(w for w in key.split() if w not in _GENERIC_FOLDED) or key


def similarity(a: str, b: str) -> float:
    """0..100: how alike two screening keys are.

    The better of the word-order-blind ratio and the space-blind ratio of the names without their
    generic words. A name contained in the other (`hebei semiconductor` in `hebei semiconductor
    research institute`) scores like rapidfuzz's WRatio (token set ratio × 0.95), but only when
    the words they share are distinctive and make at least half of each name's distinctive
    letters: sharing only `bank` does not make `SME Bank` a match for every bank, nor does `Atlas`
    make `Atlas Sanatgaran`. Two names carrying different numbers, none in common (`CETC 13` and
    `14th Institute`, `Plant 1` and `Plant 2`), are different parties.
    """
    if a == b:
        return 100.0
    words_a, words_b = set(a.split()), set(b.split())
    core_a, core_b = _core(a), _core(b)
    best = max(
        fuzz.token_sort_ratio(core_a, core_b),
        fuzz.ratio(core_a.replace(" ", ""), core_b.replace(" ", "")),
    )
    shared = _distinctive(words_a & words_b)
    if shared >= 5 and 2 * shared >= max(_distinctive(words_a), _distinctive(words_b)):
        best = max(best, fuzz.token_set_ratio(a, b) * 0.95)
    numbers_a, numbers_b = set(_NUMBER.findall(a)), set(_NUMBER.findall(b))
    if numbers_a and numbers_b and not numbers_a & numbers_b:
        best = min(best, NUMBERED_CAP)
    return round(best, 1)


def threshold() -> float:
    return float(getattr(settings, "SCREENING_THRESHOLD", 88))


# --- who is screened ------------------------------------------------------------------------------

NON_MANUFACTURER_ROLES = (
    "is_authorized_distributor",
    "is_independent_distributor",
    "is_importer",
    "is_freight_forwarder",
    "is_end_user",
)


def in_scope_q() -> Q:
    """Organisations in a supply chain: a seller or buyer of a link, or a non-manufacturer role."""
    q = Q(Exists(SupplyLink.objects.filter(seller=OuterRef("pk")))) | Q(
        Exists(SupplyLink.objects.filter(buyer=OuterRef("pk")))
    )
    for role in NON_MANUFACTURER_ROLES:
        q |= Q(**{role: True})
    return q


def screened_organisations():
    return Organisation.objects.filter(in_scope_q())


# --- matching -------------------------------------------------------------------------------------


@dataclass
class Candidate:
    entry_id: int
    list_id: int
    uid: str
    name: str
    key: str


@dataclass
class EntryIndex:
    """Listed spellings by blocking key, loaded once for screening many organisations."""

    by_block: dict[str, list[Candidate]] = field(default_factory=lambda: defaultdict(list))
    total: int = 0

    @classmethod
    def load(cls, blocks: Iterable[str] | None = None) -> EntryIndex:
        rows = ScreeningKey.objects.all()
        if blocks is not None:
            rows = rows.filter(block__in=list(blocks))
        index = cls()
        seen: dict[tuple[int, str], Candidate] = {}
        values = rows.values_list(
            "entry_id", "entry__screening_list_id", "entry__uid", "name", "key", "block"
        )
        for entry_id, list_id, uid, name, key, block in values.iterator(chunk_size=5000):
            candidate = seen.get((entry_id, key))
            if candidate is None:
                candidate = seen[(entry_id, key)] = Candidate(entry_id, list_id, uid, name, key)
            index.by_block[block].append(candidate)
        index.total = len(seen)
        return index

    def candidates(self, blocks: set[str]) -> list[Candidate]:
        """The spellings sharing a block with `blocks`, over-full blocks used only as a last
        resort (a name made of common words only)."""
        limit = max(50, int(self.total * MAX_BLOCK_SHARE))
        chosen = [b for b in blocks if len(self.by_block.get(b, ())) <= limit]
        if not chosen and blocks:
            chosen = [min(blocks, key=lambda b: len(self.by_block.get(b, ())))]
        found: dict[int, Candidate] = {}
        for block in chosen:
            for candidate in self.by_block.get(block, ()):
                found[id(candidate)] = candidate
        return list(found.values())


@dataclass
class Match:
    entry_id: int
    list_id: int
    uid: str
    score: float
    organisation_name: str
    entry_name: str


def match_names(names: Iterable[str], index: EntryIndex, cutoff: float) -> dict[int, Match]:
    """The best match per listed entry for an organisation's spellings, at or above `cutoff`."""
    best: dict[int, Match] = {}
    for name in names:
        for key in screening_keys(name):
            for candidate in index.candidates(blocks_of(key)):
                score = similarity(key, candidate.key)
                if score < cutoff:
                    continue
                current = best.get(candidate.entry_id)
                if current is None or score > current.score:
                    best[candidate.entry_id] = Match(
                        candidate.entry_id,
                        candidate.list_id,
                        candidate.uid,
                        score,
                        name[:300],
                        candidate.name[:1000],
                    )
    return best


def _names_of(org_ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    for pk, name in Organisation.objects.filter(pk__in=org_ids).values_list("pk", "name"):
        names[pk].append(name)
    aliases = OrganisationAlias.objects.filter(organisation_id__in=org_ids)
    for org_id, name in aliases.values_list("organisation_id", "name"):
        if name not in names[org_id]:
            names[org_id].append(name)
    return names


# --- screening ------------------------------------------------------------------------------------

BATCH = 500


def screen_organisations(org_ids: Iterable[int], index: EntryIndex | None = None) -> dict:
    """Recompute the hits of these organisations (those out of scope lose theirs).

    Hits keep their id while they last and are only written when they change; a dismissed
    entry's hit is stored as a false positive. Returns {"screened": n, "hits": n}.
    """
    org_ids = sorted(set(org_ids))
    started = timezone.now()
    totals = {"screened": 0, "hits": 0}
    for start in range(0, len(org_ids), BATCH):
        chunk = org_ids[start : start + BATCH]
        with transaction.atomic():
            done = _screen_chunk(chunk, index, started)
        totals["screened"] += done["screened"]
        totals["hits"] += done["hits"]
    return totals


def _screen_chunk(org_ids: list[int], index: EntryIndex | None, started) -> dict:
    in_scope = set(screened_organisations().filter(pk__in=org_ids).values_list("pk", flat=True))
    names = _names_of(sorted(in_scope))
    if index is None:
        blocks = {
            block
            for spellings in names.values()
            for name in spellings
            for key in screening_keys(name)
            for block in blocks_of(key)
        }
        index = EntryIndex.load(blocks) if blocks else EntryIndex()
    cutoff = threshold()
    matches = {org_id: match_names(names.get(org_id, ()), index, cutoff) for org_id in in_scope}
    dismissed = set(
        ScreeningDismissal.objects.filter(organisation_id__in=org_ids).values_list(
            "organisation_id", "screening_list_id", "entry_uid"
        )
    )
    existing = {
        (hit.organisation_id, hit.entry_id): hit
        for hit in ScreeningHit.objects.filter(organisation_id__in=org_ids)
    }
    now = timezone.now()
    create, update, keep = [], [], set()
    for org_id, found in matches.items():
        for match in found.values():
            false_positive = (org_id, match.list_id, match.uid) in dismissed
            hit = existing.get((org_id, match.entry_id))
            keep.add((org_id, match.entry_id))
            if hit is None:
                create.append(
                    ScreeningHit(
                        organisation_id=org_id,
                        entry_id=match.entry_id,
                        screening_list_id=match.list_id,
                        score=match.score,
                        organisation_name=match.organisation_name,
                        entry_name=match.entry_name,
                        false_positive=false_positive,
                        screened_at=now,
                    )
                )
            elif (hit.score, hit.organisation_name, hit.entry_name, hit.false_positive) != (
                match.score,
                match.organisation_name,
                match.entry_name,
                false_positive,
            ):
                hit.score = match.score
                hit.organisation_name = match.organisation_name
                hit.entry_name = match.entry_name
                hit.false_positive = false_positive
                hit.screened_at = now
                update.append(hit)
    gone = [hit.pk for pair, hit in existing.items() if pair not in keep]
    if gone:
        ScreeningHit.objects.filter(pk__in=gone).delete()
    ScreeningHit.objects.bulk_create(create, batch_size=1000)
    ScreeningHit.objects.bulk_update(
        update,
        ["score", "organisation_name", "entry_name", "false_positive", "screened_at"],
        batch_size=1000,
    )
    OrganisationScreening.objects.filter(
        organisation_id__in=org_ids, requested_at__lte=started
    ).update(screened_at=now)
    known = set(
        OrganisationScreening.objects.filter(organisation_id__in=org_ids).values_list(
            "organisation_id", flat=True
        )
    )
    OrganisationScreening.objects.bulk_create(
        OrganisationScreening(organisation_id=pk, requested_at=started, screened_at=now)
        for pk in in_scope - known
    )
    return {"screened": len(in_scope), "hits": sum(len(found) for found in matches.values())}


def rescreen_all() -> dict:
    """Screen every organisation in scope against every list (after an import); drop the hits of
    organisations no longer in scope. Runs inside the caller's transaction when there is one."""
    index = EntryIndex.load()
    org_ids = list(screened_organisations().values_list("pk", flat=True))
    stale = ScreeningHit.objects.exclude(organisation_id__in=screened_organisations().values("pk"))
    stale.delete()
    return screen_organisations(org_ids, index=index)


def request_screening(org_ids: Iterable[int]) -> None:
    """Ask for these organisations to be screened after the current transaction commits.

    Writes the outbox rows now (so a lost task is redone by the sweep) and enqueues the task on
    commit. Organisations out of scope are screened too: that clears hits they no longer warrant.
    """
    ids = sorted({pk for pk in org_ids if pk is not None})
    if not ids:
        return
    now = timezone.now()
    with transaction.atomic():
        OrganisationScreening.objects.filter(organisation_id__in=ids).update(
            requested_at=now, screened_at=None
        )
        known = set(
            OrganisationScreening.objects.filter(organisation_id__in=ids).values_list(
                "organisation_id", flat=True
            )
        )
        OrganisationScreening.objects.bulk_create(
            [
                OrganisationScreening(organisation_id=pk, requested_at=now)
                for pk in ids
                if pk not in known
            ],
            ignore_conflicts=True,
        )
    transaction.on_commit(lambda: _enqueue(ids))


def _enqueue(org_ids: list[int]) -> None:
    from catalog.tasks import screen_organisations_task

    try:
        screen_organisations_task.delay(org_ids)
    except Exception:
        logger.exception("Broker refused screening of %s; the sweep will screen them", org_ids)


def sweep(limit: int = 2000, older_than_seconds: float = 60.0) -> dict:
    """Screen what was asked for and not done (a lost task), and parties nobody asked for (an
    organisation created by a path that did not call `request_screening`)."""
    before = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    pending = list(
        OrganisationScreening.objects.filter(screened_at__isnull=True, requested_at__lt=before)
        .order_by("requested_at")
        .values_list("organisation_id", flat=True)[:limit]
    )
    unscreened = list(
        screened_organisations()
        .filter(screening__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    result = screen_organisations(pending + unscreened) if pending or unscreened else {}
    return {"pending": len(pending), "unscreened": len(unscreened), **result}


def hit_counts(org_ids: Iterable[int]) -> dict[int, int]:
    """Organisation id → hits not marked false positive."""
    counts: dict[int, int] = defaultdict(int)
    rows = ScreeningHit.objects.active().filter(organisation_id__in=list(org_ids))
    for org_id in rows.values_list("organisation_id", flat=True):
        counts[org_id] += 1
    return dict(counts)


# --- verdicts -------------------------------------------------------------------------------------


def mark_false_positive(hit: ScreeningHit, actor, reason: str = "") -> ScreeningHit:
    """Record that the organisation is not this listed party; holds across re-imports and
    re-screening (keyed by the entry's `_id` in its list)."""
    with transaction.atomic():
        before = snapshot(hit)
        uid = hit.entry.uid
        dismissal, created = ScreeningDismissal.objects.get_or_create(
            organisation_id=hit.organisation_id,
            screening_list_id=hit.screening_list_id,
            entry_uid=uid,
            defaults={"reason": reason, "marked_by": actor, "marked_at": timezone.now()},
        )
        if created:
            record_change(actor, dismissal, "create", None, snapshot(dismissal))
        ScreeningHit.objects.filter(
            organisation_id=hit.organisation_id,
            screening_list_id=hit.screening_list_id,
            entry__uid=uid,
        ).update(false_positive=True)
        hit.refresh_from_db()
        record_change(actor, hit, "false_positive", before, snapshot(hit))
    return hit


def clear_false_positive(hit: ScreeningHit, actor) -> ScreeningHit:
    """Withdraw a false-positive verdict: the hit counts again."""
    with transaction.atomic():
        before = snapshot(hit)
        for dismissal in ScreeningDismissal.objects.filter(
            organisation_id=hit.organisation_id,
            screening_list_id=hit.screening_list_id,
            entry_uid=hit.entry.uid,
        ):
            record_change(actor, dismissal, "delete", snapshot(dismissal), None)
            dismissal.delete()
        ScreeningHit.objects.filter(pk=hit.pk).update(false_positive=False)
        hit.refresh_from_db()
        record_change(actor, hit, "clear_false_positive", before, snapshot(hit))
    return hit


# --- importing the Consolidated Screening List ----------------------------------------------------

REQUIRED_COLUMNS = ("_id", "source", "name")
CSL_COLUMNS = (
    "_id", "source", "entity_number", "type", "programs", "name", "title", "addresses",
    "federal_register_notice", "start_date", "end_date", "standard_order", "license_requirement",
    "license_policy", "call_sign", "vessel_type", "gross_tonnage", "gross_registered_tonnage",
    "vessel_flag", "vessel_owner", "remarks", "source_list_url", "alt_names", "citizenships",
    "dates_of_birth", "nationalities", "places_of_birth", "source_information_url", "ids",
)  # fmt: skip
_CODE = re.compile(r"\(([A-Z0-9][A-Za-z0-9 /&-]{0,18})\)")


class ScreeningImportError(Exception):
    """A file that cannot be imported; nothing was changed."""


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def _date(value: str, line: int, column: str) -> datetime.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        raise ScreeningImportError(
            f"Line {line}: {column} {value!r} is not a date (expected YYYY-MM-DD)."
        )


def _list_code(source: str) -> str:
    match = _CODE.search(source)
    return match.group(1) if match else ""


def _uid(row: dict) -> str:
    uid = (row.get("_id") or "").strip()
    if uid:
        return uid[:120]
    digest = hashlib.sha1(f"{row['source']}|{row['name']}|{row.get('addresses', '')}".encode())
    return f"sha1:{digest.hexdigest()}"


@dataclass
class ParsedFile:
    entries: dict[str, list[ScreeningEntry]]
    sha256: str


def parse_csl(data: bytes) -> ParsedFile:
    """Read a CSL CSV file into unsaved entries per source; raise ScreeningImportError with the
    line at fault for anything that is not the CSL layout."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScreeningImportError(
            f"The file is not UTF-8 text ({exc.reason} at byte {exc.start})."
        )
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ScreeningImportError(
            f"Not a Consolidated Screening List file: missing column(s) {', '.join(missing)} "
            f"(found {', '.join(columns[:8]) or 'no header'})."
        )
    entries: dict[str, list[ScreeningEntry]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    try:
        for number, raw in enumerate(reader, start=2):
            if None in raw:
                raise ScreeningImportError(
                    f"Line {number}: more fields than the header has columns."
                )
            row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
            if not any(row.values()):
                continue
            if not row.get("source") or not row.get("name"):
                raise ScreeningImportError(f"Line {number}: `source` and `name` are required.")
            uid = _uid(row)
            if (row["source"], uid) in seen:
                raise ScreeningImportError(
                    f"Line {number}: entry {uid} appears twice in {row['source']}."
                )
            seen.add((row["source"], uid))
            entries[row["source"]].append(
                ScreeningEntry(
                    uid=uid,
                    entity_number=row.get("entity_number", "")[:40],
                    entry_type=row.get("type", "")[:40],
                    name=row["name"][:1000],
                    alt_names=_split(row.get("alt_names", "")),
                    addresses=_split(row.get("addresses", "")),
                    programs=_split(row.get("programs", "")),
                    start_date=_date(row.get("start_date", ""), number, "start_date"),
                    end_date=_date(row.get("end_date", ""), number, "end_date"),
                    federal_register_notice=row.get("federal_register_notice", "")[:500],
                    license_requirement=row.get("license_requirement", ""),
                    license_policy=row.get("license_policy", ""),
                    remarks=row.get("remarks", ""),
                    source_list_url=row.get("source_list_url", "")[:500],
                    source_information_url=row.get("source_information_url", "")[:500],
                    raw=row,
                )
            )
    except csv.Error as exc:
        raise ScreeningImportError(f"Line {reader.line_num}: unreadable CSV ({exc}).")
    if not entries:
        raise ScreeningImportError("The file holds no entries.")
    return ParsedFile(dict(entries), hashlib.sha256(data).hexdigest())


def _keys_for(entry: ScreeningEntry) -> list[ScreeningKey]:
    rows, seen = [], set()
    for name in [entry.name, *entry.alt_names]:
        for key in screening_keys(name):
            for block in sorted(blocks_of(key)):
                if (key, block) not in seen:
                    seen.add((key, block))
                    rows.append(
                        ScreeningKey(entry=entry, name=name[:1000], key=key[:1000], block=block)
                    )
    return rows


@dataclass
class ImportResult:
    lists: list[dict]
    screened: int
    hits: int


def import_csl(
    data: bytes,
    *,
    file_name: str,
    file_date: datetime.date,
    actor=None,
    allow_older: bool = False,
) -> ImportResult:
    """Replace each list found in the file by its new version and re-screen, in one transaction.

    A list whose stored version is newer than `file_date` is refused (unless `allow_older`):
    importing last year's file by mistake must not silently drop this year's designations.
    """
    parsed = parse_csl(data)
    now = timezone.now()
    summary = []
    with transaction.atomic():
        for source in sorted(parsed.entries):
            entries = parsed.entries[source]
            current = ScreeningList.objects.select_for_update().filter(source=source).first()
            if current and current.file_date > file_date and not allow_older:
                raise ScreeningImportError(
                    f"{source}: the stored version is dated {current.file_date}, newer than this "
                    f"file ({file_date}); use --allow-older to replace it."
                )
            before = snapshot(current)
            screening_list = current or ScreeningList(source=source)
            screening_list.code = _list_code(source)
            screening_list.file_name = file_name[:300]
            screening_list.file_sha256 = parsed.sha256
            screening_list.file_date = file_date
            screening_list.imported_at = now
            screening_list.imported_by = (
                actor if getattr(actor, "is_authenticated", False) else None
            )
            screening_list.entry_count = len(entries)
            screening_list.save()
            removed = ScreeningEntry.objects.filter(screening_list=screening_list).delete()[1]
            for entry in entries:
                entry.screening_list = screening_list
            ScreeningEntry.objects.bulk_create(entries, batch_size=1000)
            ScreeningKey.objects.bulk_create(
                (key for entry in entries for key in _keys_for(entry)), batch_size=2000
            )
            record_change(
                actor,
                screening_list,
                "import" if current else "create",
                before,
                snapshot(screening_list),
            )
            summary.append(
                {
                    "source": source,
                    "code": screening_list.code,
                    "entries": len(entries),
                    "replaced": removed.get("catalog.ScreeningEntry", 0),
                }
            )
        screened = rescreen_all()
    return ImportResult(summary, screened["screened"], screened["hits"])


def import_csl_file(path: Path | str, *, file_date=None, actor=None, allow_older=False):
    """`import_csl` for a file on disk; its date defaults to the file's modification date."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScreeningImportError(f"Cannot read {path}: {exc.strerror or exc}.")
    if file_date is None:
        file_date = datetime.date.fromtimestamp(path.stat().st_mtime)
    return import_csl(
        data, file_name=path.name, file_date=file_date, actor=actor, allow_older=allow_older
    )
