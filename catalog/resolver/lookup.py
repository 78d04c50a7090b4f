"""The resolver's database reads: a few set-based queries per batch of texts, whatever its size.

Each round is one SQL statement (per chunk of keys) that answers every text of the batch at once:

* :meth:`Lookup.first_round` - one ``UNION ALL``: parts by exact normalised, base and folded MPN,
  marking codes, learned markings, prefix families, organisation aliases (and the prefix
  families of the organisations those aliases name), each row joined with its manufacturer and
  the manufacturer's current owner.
* :meth:`Lookup.prefix_round` - catalog MPNs that start with a (truncated) marking, at most
  ``limit`` per key: a ``LATERAL`` join over the keys on PostgreSQL, a ``UNION ALL`` of bounded
  index range scans on SQLite.
* :meth:`Lookup.fuzzy_round` - misreadings: folded-key prefix ranges on both databases, plus a
  ``pg_trgm`` similarity search (GIN index on ``mpn_fold``) on PostgreSQL.

Prefix ranges are written as ``key <= x < key || '['`` (``[`` follows ``Z``, and normalised keys
hold only ``A-Z0-9``), with PostgreSQL's byte-wise ``~>=~``/``~<~`` operators so that the
``varchar_pattern_ops`` indexes serve them whatever the database collation; SQLite compares text
byte-wise by default, so its plain indexes serve the same ranges.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connections

from catalog.models import (
    KnownMarking,
    MarkingCode,
    Organisation,
    OrganisationAlias,
    Part,
    PrefixFamily,
)

RANGE_END = "["
"""Sorts after ``Z`` and every digit: ``key <= x < key + RANGE_END`` is "x starts with key"."""

DIGIT_END = ":"
"""Sorts right after ``9``: ``[key, key + DIGIT_END)`` holds the key and its digit continuations."""

MAX_PARAMS = 20_000
"""Bind parameters per statement; SQLite allows 32,766, PostgreSQL 65,535."""

MAX_BRANCHES = 200
"""Range sub-selects per SQLite statement (its compound-select limit is 500)."""

TRIGRAM_THRESHOLD = 0.4
"""``pg_trgm.similarity_threshold`` for the fuzzy round: below it, a folded MPN is no candidate."""

TRIGRAM_LIMIT = 20
"""Most similar MPNs fetched per key by the trigram search."""


@dataclass(frozen=True, slots=True)
class Org:
    id: int
    name: str
    country: str
    family: str
    owner_id: int
    """The current ultimate owner, or the organisation itself when it has none."""
    owner_name: str
    owner_country: str
    is_manufacturer: bool


@dataclass(frozen=True, slots=True)
class PartRow:
    id: int
    mpn: str
    norm: str
    base: str
    fold: str
    manufacturer_id: int


@dataclass(frozen=True, slots=True)
class Hit:
    """A row of the first round that is not a plain part: a code, learned marking, prefix, alias."""

    key: str
    org_id: int
    part: PartRow | None = None
    count: int = 0


@dataclass(slots=True)
class FirstRound:
    parts: list[PartRow]
    codes: list[Hit]
    known: list[Hit]
    prefixes: list[Hit]
    aliases: list[Hit]
    brand_prefixes: list[Hit]


@dataclass(frozen=True, slots=True)
class RangeProbe:
    """Up to ``limit`` rows whose ``column`` lies in ``[low, high)``, reported under ``key``."""

    key: str
    low: str
    high: str
    limit: int


def _table(model) -> str:
    return model._meta.db_table


class Lookup:
    """Batched catalog reads on one database connection; collects the organisations it meets."""

    def __init__(self, using: str = "default"):
        self.connection = connections[using]
        self.postgres = self.connection.vendor == "postgresql"
        self.orgs: dict[int, Org] = {}
        self.queries = 0

    # ------------------------------------------------------------------ helpers

    def _in(self, column: str, values: Sequence[str], params: list) -> str:
        """``column`` is one of ``values``: one array parameter on PostgreSQL, a list elsewhere."""
        if self.postgres:
            params.append(list(values))
            return f"{column} = ANY(%s)"
        params.extend(values)
        return f"{column} IN ({', '.join(['%s'] * len(values))})"

    def _org_columns(self) -> str:
        return "m.name, m.country, m.mpn_family, m.owner_id, o.name, o.country, m.is_manufacturer"

    def _org_join(self, alias: str, column: str) -> str:
        orgs = _table(Organisation)
        return f"JOIN {orgs} m ON m.id = {alias}.{column} LEFT JOIN {orgs} o ON o.id = m.owner_id"

    def _remember(
        self, org_id, name, country, family, owner_id, owner_name, owner_country, is_manufacturer
    ):
        if org_id not in self.orgs:
            self.orgs[org_id] = Org(
                id=org_id,
                name=name,
                country=country or "",
                family=family or "",
                owner_id=owner_id or org_id,
                owner_name=owner_name if owner_id else name,
                owner_country=(owner_country if owner_id else country) or "",
                is_manufacturer=bool(is_manufacturer),
            )

    def _fetch(self, sql: str, params: list) -> list[tuple]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            self.queries += 1
            return cursor.fetchall()

    # ------------------------------------------------------------------ first round

    def first_round(
        self,
        *,
        part_keys: Iterable[str],
        fold_keys: Iterable[str],
        code_keys: Iterable[str],
        known_keys: Iterable[str],
        prefix_keys: Iterable[str],
        alias_keys: Iterable[str],
        alias_starts: Iterable[str],
    ) -> FirstRound:
        """Every exact-key read of a batch, in as few statements as the parameter limit allows."""
        lists = {
            "part": sorted(set(part_keys)),
            "fold": sorted(set(fold_keys)),
            "code": sorted(set(code_keys)),
            "known": sorted(set(known_keys)),
            "prefix": sorted(set(prefix_keys)),
            "alias": sorted(set(alias_keys)),
            "start": sorted(set(alias_starts)),
        }
        result = FirstRound([], [], [], [], [], [])
        for chunk in _chunks(lists, MAX_PARAMS):
            self._first_round_chunk(chunk, result)
        return result

    def _first_round_chunk(self, keys: dict[str, list[str]], result: FirstRound) -> None:
        parts, codes, known = _table(Part), _table(MarkingCode), _table(KnownMarking)
        prefixes, aliases = _table(PrefixFamily), _table(OrganisationAlias)
        part_cols = "p.id, p.mpn, p.mpn_norm, p.mpn_base, p.mpn_fold"
        no_part = "NULL, NULL, NULL, NULL, NULL"
        branches: list[str] = []
        params: list = []

        conditions = []
        if keys["part"]:
            conditions.append(self._in("p.mpn_norm", keys["part"], params))
            conditions.append(self._in("p.mpn_base", keys["part"], params))
        if keys["fold"]:
            conditions.append(self._in("p.mpn_fold", keys["fold"], params))
        if conditions:
            branches.append(
                f"SELECT 'p' AS src, NULL AS k, 0 AS n, {part_cols}, p.manufacturer_id AS org "
                f"FROM {parts} p WHERE {' OR '.join(conditions)}"
            )
        if keys["code"]:
            where = self._in("c.code_norm", keys["code"], params)
            branches.append(
                f"SELECT 'c', c.code_norm, 0, {part_cols}, c.manufacturer_id "
                f"FROM {codes} c LEFT JOIN {parts} p ON p.id = c.part_id WHERE {where}"
            )
        if keys["known"]:
            where = self._in("k.text_key", keys["known"], params)
            branches.append(
                f"SELECT 'k', k.text_key, k.confirmations, {part_cols}, k.manufacturer_id "
                f"FROM {known} k LEFT JOIN {parts} p ON p.id = k.part_id WHERE {where}"
            )
        if keys["prefix"]:
            where = self._in("f.prefix_norm", keys["prefix"], params)
            branches.append(
                f"SELECT 'f', f.prefix_norm, 0, {no_part}, f.manufacturer_id "
                f"FROM {prefixes} f WHERE {where}"
            )
        alias_conditions = []
        if keys["alias"]:
            alias_conditions.append(self._in("a.key", keys["alias"], params))
        for start in keys["start"]:
            alias_conditions.append("a.key LIKE %s")
            params.append(start.replace("%", "").replace("_", "") + " %")
        if alias_conditions:
            branches.append(
                f"SELECT 'a', a.key, 0, {no_part}, a.organisation_id "
                f"FROM {aliases} a WHERE {' OR '.join(alias_conditions)}"
            )
        if keys["alias"]:
            where = self._in("a.key", keys["alias"], params)
            branches.append(
                f"SELECT 'b', f.prefix_norm, 0, {no_part}, f.manufacturer_id "
                f"FROM {prefixes} f WHERE f.manufacturer_id IN "
                f"(SELECT a.organisation_id FROM {aliases} a WHERE {where})"
            )
        if not branches:
            return
        sql = (
            f"SELECT u.src, u.k, u.n, u.id, u.mpn, u.mpn_norm, u.mpn_base, u.mpn_fold, u.org, "
            f"{self._org_columns()} FROM ({' UNION ALL '.join(branches)}) u "
            f"{self._org_join('u', 'org')}"
        )
        seen_parts = {row.id for row in result.parts}
        for (
            src,
            key,
            count,
            part_id,
            mpn,
            mpn_norm,
            mpn_base,
            mpn_fold,
            org,
            *org_cols,
        ) in self._fetch(sql, params):
            self._remember(org, *org_cols)
            part = None
            if part_id is not None:
                part = PartRow(part_id, mpn, mpn_norm, mpn_base, mpn_fold, org)
            if src == "p":
                if part_id not in seen_parts:
                    seen_parts.add(part_id)
                    result.parts.append(part)
            elif src == "c":
                result.codes.append(Hit(key, org, part))
            elif src == "k":
                result.known.append(Hit(key, org, part, count))
            elif src == "f":
                result.prefixes.append(Hit(key, org))
            elif src == "a":
                result.aliases.append(Hit(key, org))
            else:
                result.brand_prefixes.append(Hit(key, org))

    # ------------------------------------------------------------------ ranges and fuzzy

    def prefix_round(self, probes: Sequence[RangeProbe]) -> dict[str, list[PartRow]]:
        """Parts whose normalised MPN lies in each probe's range (a marking cut short)."""
        return self._ranges("mpn_norm", probes)

    def fold_prefix_round(self, probes: Sequence[RangeProbe]) -> dict[str, list[PartRow]]:
        """Parts whose folded MPN lies in each probe's range (misread and maybe cut short)."""
        return self._ranges("mpn_fold", probes)

    def _ranges(self, column: str, probes: Sequence[RangeProbe]) -> dict[str, list[PartRow]]:
        found: dict[str, list[PartRow]] = {}
        unique = list(dict.fromkeys(probes))
        size = len(unique) if self.postgres else MAX_BRANCHES
        for start in range(0, len(unique), max(size, 1)):
            chunk = unique[start : start + size]
            if self.postgres:
                rows = self._ranges_postgres(column, chunk)
            else:
                rows = self._ranges_sqlite(column, chunk)
            for key, part_id, mpn, mpn_norm, mpn_base, mpn_fold, org, *org_cols in rows:
                self._remember(org, *org_cols)
                found.setdefault(key, []).append(
                    PartRow(part_id, mpn, mpn_norm, mpn_base, mpn_fold, org)
                )
        return found

    def _ranges_postgres(self, column: str, probes: Sequence[RangeProbe]) -> list[tuple]:
        sql = (
            "SELECT q.k, p.id, p.mpn, p.mpn_norm, p.mpn_base, p.mpn_fold, p.manufacturer_id, "
            f"{self._org_columns()} "
            "FROM unnest(%s::text[], %s::text[], %s::text[], %s::int[]) AS q(k, lo, hi, lim) "
            "CROSS JOIN LATERAL ("
            "SELECT id, mpn, mpn_norm, mpn_base, mpn_fold, manufacturer_id "
            f"FROM {_table(Part)} WHERE {column} ~>=~ q.lo AND {column} ~<~ q.hi "
            f"ORDER BY {column} USING ~<~ LIMIT q.lim) p "
            f"{self._org_join('p', 'manufacturer_id')}"
        )
        params = [
            [p.key for p in probes],
            [p.low for p in probes],
            [p.high for p in probes],
            [p.limit for p in probes],
        ]
        return self._fetch(sql, params)

    def _ranges_sqlite(self, column: str, probes: Sequence[RangeProbe]) -> list[tuple]:
        branches, params = [], []
        for probe in probes:
            branches.append(
                "SELECT * FROM (SELECT %s AS k, id, mpn, mpn_norm, mpn_base, mpn_fold, "
                f"manufacturer_id FROM {_table(Part)} WHERE {column} >= %s AND {column} < %s "
                f"ORDER BY {column} LIMIT %s)"
            )
            params.extend([probe.key, probe.low, probe.high, probe.limit])
        sql = (
            "SELECT u.k, u.id, u.mpn, u.mpn_norm, u.mpn_base, u.mpn_fold, u.manufacturer_id, "
            f"{self._org_columns()} FROM ({' UNION ALL '.join(branches)}) u "
            f"{self._org_join('u', 'manufacturer_id')}"
        )
        return self._fetch(sql, params)

    def trigram_round(self, keys: Sequence[str]) -> dict[str, list[PartRow]]:
        """PostgreSQL only: the folded MPNs most similar to each folded key (``pg_trgm``)."""
        if not self.postgres or not keys:
            return {}
        unique = list(dict.fromkeys(keys))
        with self.connection.cursor() as cursor:
            cursor.execute("SET pg_trgm.similarity_threshold = %s", [TRIGRAM_THRESHOLD])
            self.queries += 1
        sql = (
            "SELECT q.k, p.id, p.mpn, p.mpn_norm, p.mpn_base, p.mpn_fold, p.manufacturer_id, "
            f"{self._org_columns()} FROM unnest(%s::text[]) AS q(k) CROSS JOIN LATERAL ("
            "SELECT id, mpn, mpn_norm, mpn_base, mpn_fold, manufacturer_id "
            f"FROM {_table(Part)} WHERE mpn_fold %% q.k "
            f"ORDER BY similarity(mpn_fold, q.k) DESC, mpn_fold LIMIT {TRIGRAM_LIMIT}) p "
            f"{self._org_join('p', 'manufacturer_id')}"
        )
        found: dict[str, list[PartRow]] = {}
        for key, part_id, mpn, mpn_norm, mpn_base, mpn_fold, org, *org_cols in self._fetch(
            sql, [unique]
        ):
            self._remember(org, *org_cols)
            found.setdefault(key, []).append(
                PartRow(part_id, mpn, mpn_norm, mpn_base, mpn_fold, org)
            )
        return found

    def organisations(self, ids: Iterable[int]) -> dict[int, Org]:
        """Organisations not met yet (a learned marking's maker), read in one query."""
        missing = sorted(set(ids) - set(self.orgs))
        if missing:
            params: list = []
            where = self._in("m.id", missing, params)
            orgs = _table(Organisation)
            sql = (
                f"SELECT m.id, {self._org_columns()} FROM {orgs} m "
                f"LEFT JOIN {orgs} o ON o.id = m.owner_id WHERE {where}"
            )
            for org_id, *org_cols in self._fetch(sql, params):
                self._remember(org_id, *org_cols)
        return self.orgs


def _chunks(lists: dict[str, list[str]], limit: int):
    """Split the key lists so that no statement binds more than ``limit`` values.

    Part keys are bound twice (normalised and base column), alias keys twice (aliases and
    the prefix families of the organisations they name).
    """
    weights = {"part": 2, "alias": 2}
    total = sum(len(values) * weights.get(name, 1) for name, values in lists.items())
    if total <= limit:
        yield lists
        return
    pieces = total // limit + 1
    for index in range(pieces):
        yield {
            name: values[index * len(values) // pieces : (index + 1) * len(values) // pieces]
            for name, values in lists.items()
        }
