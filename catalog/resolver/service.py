"""The resolver service: free marking text -> ranked part/manufacturer candidates, status, date code.

``resolve(text)`` and ``resolve_many(texts)`` are the one interface the API, the CLI, the findings
service and the benchmarks use; ``learn(...)`` records a confirmed finding's marking. A batch is
resolved in rounds, each one SQL statement for the whole batch (see :mod:`catalog.resolver.lookup`):

1. exact keys: parts by normalised/base/folded MPN, marking codes, learned markings, prefix
   families and manufacturer names, all at once (on PostgreSQL with the prefix ranges of
   round 2 for the likeliest keys, read ahead);
2. for texts without a strong hit: catalog MPNs that start with the marking (cut short), and the
   named brand's prefixes glued to the following token (``MAXIM 2769E`` -> ``MAX2769E``);
3. for texts still without a good match: fuzzy search on the OCR fold key.

So a batch costs one to four statements per chunk of :data:`CHUNK` texts, whatever the catalog
size. Scoring is :mod:`catalog.resolver.scoring`; the rules are in docs/resolver.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import KnownMarking, Organisation, Part
from catalog.normalize import fold
from catalog.resolver import datecodes
from catalog.resolver.candidates import (
    FirstRoundIndex,
    TextWork,
    apply_first_round,
    apply_fuzzy_round,
    apply_prefix_round,
    brand_joins,
    first_round_keys,
    fuzzy_keys,
    fuzzy_probes,
    needs_prefix_round,
    needs_trigram,
    prefix_probes,
    prepare,
    range_keys,
)
from catalog.resolver.lookup import FirstRound, Lookup, Org
from catalog.resolver.result import UNKNOWN, DateCode, Resolution
from catalog.resolver.scoring import AMBIGUOUS_AT, score
from catalog.resolver.tokenize import DATE_CANDIDATE_MIN_CONFIDENCE, Tokenized, tokenize
from forensics.audit import record_change, record_changes, snapshot

CHUNK = 250
"""Texts resolved together; a batch of 1,000 is four chunks of a few statements each."""

MIN_FUZZY_SIMILARITY = 0.7
"""Folded MPNs less similar than this (normalised Levenshtein) are not fuzzy candidates."""

TEXT_KEY_LENGTH = KnownMarking._meta.get_field("text_key").max_length

LEARN_KEYS = 3
LEARN_MIN_WEIGHT = 0.5
"""Without a confirmed part, the likeliest part-number keys (at most this many, at least this
plausible to the tokenizer) are learned besides the whole marking."""


def resolve(text: str, *, reference: date | None = None, using: str = "default") -> Resolution:
    """Resolve one marking text; see :func:`resolve_many`."""
    return resolve_many([text], reference=reference, using=using)[0]


def resolve_many(
    texts: Sequence[str], *, reference: date | None = None, using: str = "default"
) -> list[Resolution]:
    """Resolve marking texts in batches, in the order given.

    ``reference`` is the latest possible manufacture date (default today): date codes are not
    read into the future. Never raises on text content; a non-string item is a ``TypeError``.
    """
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"resolve_many() needs strings, not {type(text).__name__}")
    results: list[Resolution] = []
    for start in range(0, len(texts), CHUNK):
        results.extend(_resolve_chunk(texts[start : start + CHUNK], reference, using))
    return results


def _resolve_chunk(texts: Sequence[str], reference: date | None, using: str) -> list[Resolution]:
    works = [prepare(index, text, reference) for index, text in enumerate(texts)]
    live = [work for work in works if work.tokenized is not None]
    lookup = Lookup(using)

    # On PostgreSQL the prefix ranges of the likeliest keys ride along with the first round:
    # a marking cut short then costs no second round trip. (SQLite has no round trip to save
    # and a limit on compound selects, so it asks only for the texts that need them.)
    early = {work.index: range_keys(work) for work in live} if lookup.postgres else {}
    early_probes = [probe for keys in early.values() for probe in prefix_probes(keys)]
    keys = first_round_keys(live)
    first = FirstRound([], [], [], [], [], [], {})
    if any(keys.values()) or early_probes:
        first = lookup.first_round(**keys, ranges=early_probes)
    index = FirstRoundIndex.build(first)
    for work in live:
        apply_first_round(work, index, lookup.orgs)

    joins, probes = {}, []
    for work in live:
        if not needs_prefix_round(work):
            continue
        joins[work.index] = brand_joins(work, index)
        wanted = list(joins[work.index])
        if work.index not in early:
            wanted = range_keys(work) + wanted
        probes.extend(prefix_probes(wanted))
    found = dict(first.ranges)
    if probes:
        for key, rows in lookup.prefix_round(probes).items():
            found.setdefault(key, []).extend(rows)
    for work in live:
        if work.index in joins:
            apply_prefix_round(work, found, joins[work.index])

    wanted = {work.index: fuzzy_keys(work) for work in live}
    wanted = {i: keys for i, keys in wanted.items() if keys}
    if wanted:
        all_keys = [key for keys in wanted.values() for key in keys]
        found = lookup.fold_prefix_round(fuzzy_probes(all_keys))
        for work in live:
            if work.index in wanted:
                apply_fuzzy_round(work, wanted[work.index], found, MIN_FUZZY_SIMILARITY)
        if lookup.postgres:
            far = {index: needs_trigram(works[index], keys) for index, keys in wanted.items()}
            far = {index: keys for index, keys in far.items() if keys}
            if far:
                folded = [fold(key.text) for keys in far.values() for key in keys]
                found = lookup.trigram_round(folded)
                for index, keys in far.items():
                    apply_fuzzy_round(works[index], keys, found, MIN_FUZZY_SIMILARITY)

    return [_answer(work, lookup.orgs, reference) for work in works]


def _answer(work: TextWork, orgs: dict[int, Org], reference: date | None) -> Resolution:
    tokenized = work.tokenized
    if tokenized is None:
        return Resolution(work.text, UNKNOWN, [], None, None, [], [], [], [], error=work.error)
    status, candidates, consumed = score(work.evidence, orgs)
    maker = None
    if candidates and candidates[0].score >= AMBIGUOUS_AT:
        maker = orgs.get(candidates[0].manufacturer_id)
    date_code = _date_code(tokenized, set(consumed), maker, reference)
    lot = _lot(tokenized, set(consumed), date_code)
    return Resolution(
        part_number=_part_number(work, candidates),
        text=work.text,
        status=status,
        candidates=candidates,
        date_code=date_code,
        lot_code=lot,
        words=list(tokenized.words),
        tokens=[
            {"raw": t.raw, "norm": t.norm, "line": t.line, "index": t.index}
            for t in tokenized.tokens
        ],
        part_candidates=list(tokenized.part_candidates),
        warnings=list(tokenized.warnings),
    )


def _part_number(work: TextWork, candidates) -> str | None:
    """What the resolver reads as the part number: the best candidate's key (a single token
    rather than a join when no catalog part confirms the join); else a named brand's prefix
    glued to a token (``MAXIM 2769E`` -> ``MAX2769E``); else the tokenizer's likeliest
    part-number candidate."""
    tokenized = work.tokenized
    if candidates and candidates[0].key and candidates[0].key != work.whole:
        key = candidates[0].key
        if candidates[0].part_id is None:
            # No catalog part confirms a suffix join (LMX2324 + TMX, XRS453 + BEY21): the token
            # that is a part number by itself is the reading. A prefix join (KSZ + 9031RNXIA)
            # stays: its first token is no part number alone.
            shorter = [
                k.text
                for k in work.keys.values()
                if k.kind == "token"
                and k.text != key
                and key.startswith(k.text)
                and _HAS_LETTER.search(k.text)
                and _DIGIT.search(k.text)
            ]
            if shorter:
                return max(shorter, key=len)
        return key
    joins = [key.text for key in work.keys.values() if key.kind == "brand"]
    if joins:
        return joins[0]
    if candidates and candidates[0].key:
        return candidates[0].key
    return tokenized.part_candidates[0] if tokenized.part_candidates else None


def _hint(maker: Org | None) -> str | None:
    """The name the date-code rules know this maker by (brand first, then family, then owner)."""
    if maker is None:
        return None
    for hint in (maker.name, maker.family, maker.owner_name):
        if hint and datecodes.manufacturer_family(hint):
            return hint
    return maker.name


_DIGIT = re.compile(r"\d")
_HAS_LETTER = re.compile(r"[A-Z]")


def _date_code(
    tokenized: Tokenized, consumed: set[int], maker: Org | None, reference: date | None
) -> DateCode | None:
    """The most confident date-code reading among the tokens that are not the part number,
    decoded again with the manufacturer's hint (which enables maker-only formats)."""
    hint = _hint(maker)
    plain = set(tokenized.date_code_candidates)
    chosen = None
    for token in tokenized.tokens:
        if token.index in consumed:
            continue
        code = f"#{token.norm}" if token.raw.startswith("#") else token.norm
        if code not in plain and (hint is None or not _DIGIT.search(code)):
            continue  # without a maker's own formats, the tokenizer's reading stands
        readings = datecodes.decode(code, manufacturer_hint=hint, reference=reference)
        if not readings or readings[0].confidence < DATE_CANDIDATE_MIN_CONFIDENCE:
            continue
        rank = (readings[0].confidence, token.index)
        if chosen is None or rank > chosen[0]:
            chosen = (rank, token, readings)
    if chosen is None:
        return None
    _, token, readings = chosen
    pick = datecodes.best(readings)
    earliest, latest = datecodes.envelope(readings)
    return DateCode(
        token=token.raw,
        rule=pick.rule,
        start=pick.start,
        end=pick.end,
        after_export_controls=pick.after_export_controls,
        possibly_after=pick.possibly_after,
        confidence=pick.confidence,
        explanation=pick.explanation,
        earliest=earliest,
        latest=latest,
        readings=[
            {
                "rule": r.rule,
                "start": r.start.isoformat(),
                "end": r.end.isoformat(),
                "confidence": r.confidence,
                "after_export_controls": r.after_export_controls,
                "possibly_after": r.possibly_after,
            }
            for r in readings
        ],
    )


def _lot(tokenized: Tokenized, consumed: set[int], date_code: DateCode | None) -> str | None:
    used = {tokenized.tokens[i].norm for i in consumed if i < len(tokenized.tokens)}
    if date_code is not None:
        used.add(date_code.token.lstrip("#").upper())
    for lot in tokenized.lot_candidates:
        if lot not in used:
            return lot
    return None


# --------------------------------------------------------------------------- learning


def _part_keys(tokenized: Tokenized, part: dict | None) -> list[str]:
    """The marking's part-number keys: the candidate that best matches the confirmed part; or,
    with no part (or nothing alike), the tokenizer's likeliest part numbers, because without
    the part nobody knows which token it was (``MAXIM 2769E TIT13``: 2769E, not TIT13)."""
    candidates = tokenized.candidates
    if not candidates:
        return []
    if part is not None:
        best, best_score = None, 0.0
        for candidate in candidates:
            text = candidate.text
            if text in (part["mpn_norm"], part["mpn_base"]):
                value = 3.0
            elif fold(text) == part["mpn_fold"]:
                value = 2.0
            elif len(text) >= 4 and part["mpn_norm"].startswith(text):
                value = 1.0 + len(text) / len(part["mpn_norm"])
            elif len(text) >= 4 and text in part["mpn_norm"]:
                value = 0.9 + 0.1 * len(text) / len(part["mpn_norm"])
            else:
                value = 0.0
            if value > best_score:
                best, best_score = text, value
        if best is not None:
            return [best]
    likely = sorted(candidates, key=lambda c: -c.weight)
    return [c.text for c in likely if c.weight >= LEARN_MIN_WEIGHT][:LEARN_KEYS]


def learning_keys(marking: str, part: dict | None = None) -> list[str]:
    """The ``KnownMarking.text_key`` values a confirmed marking is stored under: the whole
    marking (its tokens, normalised, descriptive words left out) and its part-number key(s)."""
    tokenized = tokenize(marking)
    keys = []
    whole = "".join(token.norm for token in tokenized.tokens)[:TEXT_KEY_LENGTH]
    if whole:
        keys.append(whole)
    for key in _part_keys(tokenized, part):
        if key[:TEXT_KEY_LENGTH] not in keys:
            keys.append(key[:TEXT_KEY_LENGTH])
    return keys


def learn(
    marking: str, part_id: int | None, manufacturer_id: int, finding_id: int | None = None
) -> list[KnownMarking]:
    """Remember that ``marking`` is ``part_id`` (or at least ``manufacturer_id``'s).

    Called when a finding is confirmed, inside its transaction. Upserts one ``KnownMarking`` per
    learning key (confirmations counted, last finding kept), each change audited, so the next
    identical or variant marking resolves first time with the reason "learned".
    """
    if not isinstance(marking, str) or not marking.strip():
        return []
    part_id, part = _learning_part(part_id)
    learned = []
    with transaction.atomic():
        for key in learning_keys(marking, part):
            learned.append(_upsert(key, manufacturer_id, part_id, finding_id))
    return learned


def _learning_part(part_id: int | None) -> tuple[int | None, dict | None]:
    """The part's normalised MPNs for :func:`learning_keys`; a vanished part means maker only."""
    if part_id is None:
        return None, None
    part = (
        Part.objects.filter(pk=part_id)
        .values("mpn_norm", "mpn_base", "mpn_fold", "manufacturer_id")
        .first()
    )
    return (part_id, part) if part is not None else (None, None)


def _upsert(key: str, manufacturer_id: int, part_id: int | None, finding_id) -> KnownMarking:
    rows = KnownMarking.objects.select_for_update().filter(
        text_key=key, manufacturer_id=manufacturer_id, part_id=part_id
    )
    row = rows.first()
    if row is None:
        try:
            with transaction.atomic():
                row = KnownMarking.objects.create(
                    text_key=key,
                    manufacturer_id=manufacturer_id,
                    part_id=part_id,
                    confirmations=1,
                    last_finding_id=finding_id,
                )
            record_change(None, row, "learn", None, snapshot(row))
            return row
        except IntegrityError:
            row = rows.get()
    before = snapshot(row)
    KnownMarking.objects.filter(pk=row.pk).update(
        confirmations=F("confirmations") + 1, last_finding_id=finding_id
    )
    row.refresh_from_db()
    record_change(None, row, "learn", before, snapshot(row))
    return row


def unlearn(
    marking: str, part_id: int | None, manufacturer_id: int, finding_id: int | None = None
) -> list[KnownMarking]:
    """Take back what :func:`learn` was taught by a finding that is no longer confirmed.

    Called (inside the caller's transaction) when a confirmed finding is rejected, marked
    unidentifiable, given another marking or deleted, with the marking, part and manufacturer it
    was confirmed with: the same learning keys lose one confirmation each, and a row left with
    none is deleted, so the marking stops resolving as "learned" unless another confirmed
    finding taught it too. Each change is audited (``action="unlearn"``). Keys with no row (the
    part's MPN was edited since) are skipped. Returns the rows that remain, decremented.
    """
    if not isinstance(marking, str) or not marking.strip():
        return []
    part_id, part = _learning_part(part_id)
    remaining = []
    with transaction.atomic():
        for key in learning_keys(marking, part):
            row = _decrement(key, manufacturer_id, part_id, finding_id)
            if row is not None:
                remaining.append(row)
    return remaining


def _decrement(key: str, manufacturer_id: int, part_id: int | None, finding_id):
    row = (
        KnownMarking.objects.select_for_update()
        .filter(text_key=key, manufacturer_id=manufacturer_id, part_id=part_id)
        .first()
    )
    if row is None:
        return None
    before = snapshot(row)
    if row.confirmations <= 1:
        record_change(None, row, "unlearn", before, None)
        row.delete()
        return None
    changes = {"confirmations": F("confirmations") - 1}
    if finding_id is not None and row.last_finding_id == finding_id:
        changes["last_finding_id"] = None  # the finding it named no longer vouches for it
    KnownMarking.objects.filter(pk=row.pk).update(**changes)
    row.refresh_from_db()
    record_change(None, row, "unlearn", before, snapshot(row))
    return row


BULK = 1000
"""Rows per bulk statement and ids per IN list in :func:`relearn` (SQLite's variable limit)."""

Lesson = tuple[str, int | None, int, int]
"""(marking, part id or None, manufacturer id, finding id): what one confirmed finding teaches."""


@dataclass
class RelearnReport:
    lessons: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


def relearn(lessons: Iterable[Lesson], actor=None, *, dry_run: bool = False) -> RelearnReport:
    """Make ``KnownMarking`` exactly what ``lessons`` teach, one confirmation per lesson.

    :func:`learn` and :func:`unlearn` keep the rows in step one confirmation at a time; this
    rebuilds them from the lessons of every finding still confirmed, for a database that drifted
    (counts inflated by GUR re-imports before they learned once per row, rows left by findings
    that lost their confirmation before :func:`unlearn` existed). Rows nobody vouches for are
    deleted, missing ones created, wrong counts set; each change is audited (``relearn``). The
    table is locked against concurrent learning for the rebuild (PostgreSQL); ``dry_run`` reports
    the same figures and rolls everything back. Pass ``lessons`` lazily (a queryset iterator):
    they are read after the lock is taken, so no confirmation can slip between reading and writing.
    """
    report = RelearnReport()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # EXCLUSIVE, not SHARE ROW EXCLUSIVE: `learn` must wait before its SELECT ... FOR
            # UPDATE, or it holds row locks this rebuild needs (a deadlock); resolving still reads.
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {KnownMarking._meta.db_table} IN EXCLUSIVE MODE")
        wanted = _wanted_rows(lessons, report)
        audit, stale, corrected = [], [], []
        now = timezone.now()
        for row in KnownMarking.objects.select_related("part", "manufacturer").order_by("pk"):
            teachers = wanted.pop((row.text_key, row.manufacturer_id, row.part_id), None)
            if not teachers:
                audit.append((row, "relearn", snapshot(row), None))
                stale.append(row.pk)
            elif row.confirmations != len(teachers) or row.last_finding_id not in teachers:
                before = snapshot(row)
                row.confirmations = len(teachers)
                if row.last_finding_id not in teachers:
                    row.last_finding_id = max(teachers)
                row.updated_at = now
                audit.append((row, "relearn", before, snapshot(row)))
                corrected.append(row)
            else:
                report.unchanged += 1
        for start in range(0, len(stale), BULK):
            KnownMarking.objects.filter(pk__in=stale[start : start + BULK]).delete()
        KnownMarking.objects.bulk_update(
            corrected, ["confirmations", "last_finding_id", "updated_at"], batch_size=BULK
        )
        created = KnownMarking.objects.bulk_create(
            [
                KnownMarking(
                    text_key=key,
                    manufacturer_id=manufacturer_id,
                    part_id=part_id,
                    confirmations=len(teachers),
                    last_finding_id=max(teachers),
                )
                for (key, manufacturer_id, part_id), teachers in wanted.items()
            ],
            batch_size=BULK,
        )
        _attach_relations(created)
        audit += [(row, "relearn", None, snapshot(row)) for row in created]
        record_changes(actor, audit)
        report.deleted, report.updated, report.created = len(stale), len(corrected), len(created)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _attach_relations(rows: list[KnownMarking]) -> None:
    """The new rows' part and maker objects, loaded once, for their audit records' text."""
    makers = Organisation.objects.in_bulk({row.manufacturer_id for row in rows})
    part_ids = sorted({row.part_id for row in rows if row.part_id is not None})
    parts = {}
    for start in range(0, len(part_ids), BULK):
        parts.update(Part.objects.in_bulk(part_ids[start : start + BULK]))
    for row in rows:
        row.manufacturer = makers[row.manufacturer_id]
        row.part = parts.get(row.part_id)


def _wanted_rows(lessons: Iterable[Lesson], report: RelearnReport) -> dict:
    """(text key, maker, part) -> ids of the findings that teach it, one confirmation each,
    keyed as :func:`learn` would store each lesson (a part that no longer exists teaches its
    maker only)."""
    lessons = [lesson for lesson in lessons if isinstance(lesson[0], str) and lesson[0].strip()]
    report.lessons = len(lessons)
    part_ids = sorted({part_id for _, part_id, _, _ in lessons if part_id is not None})
    parts = {}
    for start in range(0, len(part_ids), BULK):
        for row in Part.objects.filter(pk__in=part_ids[start : start + BULK]).values(
            "id", "mpn_norm", "mpn_base", "mpn_fold", "manufacturer_id"
        ):
            parts[row["id"]] = row
    wanted: dict[tuple[str, int, int | None], set[int]] = {}
    for marking, part_id, manufacturer_id, finding_id in lessons:
        part = parts.get(part_id)
        for key in learning_keys(marking, part):
            identity = (key, manufacturer_id, part_id if part is not None else None)
            wanted.setdefault(identity, set()).add(finding_id)
    return wanted
