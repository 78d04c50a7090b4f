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

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

try:
    import psycopg
except ImportError:  # SQLite-only installs
    psycopg = None

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

MAX_RANGE_PROBES = 1000
"""Range probes per PostgreSQL statement (keeps the plan's cost estimate below JIT's)."""

TRIGRAM_THRESHOLD = 0.5
"""``pg_trgm.similarity_threshold`` for the fuzzy round: below it, a folded MPN is no candidate."""


TRIGRAM_LIMIT = 20

TRIGRAM_KEYS = 3
"""Keys per trigram statement: keeps the plan's cost estimate below JIT's threshold."""
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
    ranges: dict[str, list[PartRow]]
    """Prefix-range rows read ahead (PostgreSQL), by probe key."""


@dataclass(frozen=True, slots=True)
class RangeProbe:
    """Up to ``limit`` rows whose ``column`` lies in ``[low, high)``, reported under ``key``:
    the first ones in byte order, or the last ones when ``descending``."""

    key: str
    low: str
    high: str
    limit: int
    descending: bool = False


def _table(model) -> str:
    return model._meta.db_table


class Lookup:
    """Batched catalog reads on one database connection; collects the organisations it meets."""

    def __init__(self, using: str = "default"):
        self.connection = connections[using]
        self.postgres = self.connection.vendor == "postgresql"
        # Prepared statements on PostgreSQL (planned once per connection); set the setting to
        # False behind a transaction-pooling pgbouncer older than 1.21.
        self.prepare = getattr(settings, "RESOLVER_PREPARED_STATEMENTS", True)
        self.orgs: dict[int, Org] = {}

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
        """Run one statement. On PostgreSQL with server-side parameters and a prepared
        statement (the resolver has a handful of statement shapes, planned once per
        connection); logged like Django's own queries, so query counts include it."""
        if not self.postgres:
            with self.connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        self.connection.ensure_connection()
        started = time.monotonic()
        raw = self.connection.connection
        with self.connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
            cursor.execute(sql, params, prepare=self.prepare)
            rows = cursor.fetchall()
        if self.connection.queries_logged:
            self.connection.queries_log.append(
                {"sql": sql, "time": f"{time.monotonic() - started:.3f}"}
            )
        return rows

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
        ranges: Sequence[RangeProbe] = (),
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
        result = FirstRound([], [], [], [], [], [], {})
        probes = list(dict.fromkeys(ranges))
        chunks = list(_chunks(lists, MAX_PARAMS))
        per_chunk = -(-len(probes) // len(chunks)) if probes else 0
        for number, chunk in enumerate(chunks):
            mine = probes[number * per_chunk : (number + 1) * per_chunk]
            self._first_round_chunk(chunk, mine, result)
        return result

    def _first_round_chunk(
        self, keys: dict[str, list[str]], probes: Sequence[RangeProbe], result: FirstRound
    ) -> None:
        parts, codes, known = _table(Part), _table(MarkingCode), _table(KnownMarking)
        prefixes, aliases = _table(PrefixFamily), _table(OrganisationAlias)
        part_cols = "p.id, p.mpn, p.mpn_norm, p.mpn_base, p.mpn_fold"
        no_part = "NULL, NULL, NULL, NULL, NULL"
        branches: list[str] = []
        params: list = []

        def branch(src: str, key: str, count: str, part: str, org: str, rest: str) -> None:
            """One ``UNION ALL`` member; every member names its columns (SQLite needs it)."""
            columns = ("id", "mpn", "mpn_norm", "mpn_base", "mpn_fold")
            named = ", ".join(
                f"{value.strip()} AS {name}"
                for value, name in zip(part.split(","), columns, strict=True)
            )
            branches.append(
                f"SELECT '{src}' AS src, {key} AS k, {count} AS n, {named}, {org} AS org {rest}"
            )

        conditions = []
        if keys["part"]:
            conditions.append(self._in("p.mpn_norm", keys["part"], params))
            conditions.append(self._in("p.mpn_base", keys["part"], params))
        if keys["fold"]:
            conditions.append(self._in("p.mpn_fold", keys["fold"], params))
        if conditions:
            where = " OR ".join(conditions)
            branch(
                "p", "NULL", "0", part_cols, "p.manufacturer_id", f"FROM {parts} p WHERE {where}"
            )
        if keys["code"]:
            where = self._in("c.code_norm", keys["code"], params)
            rest = f"FROM {codes} c LEFT JOIN {parts} p ON p.id = c.part_id WHERE {where}"
            branch("c", "c.code_norm", "0", part_cols, "c.manufacturer_id", rest)
        if keys["known"]:
            where = self._in("k.text_key", keys["known"], params)
            rest = f"FROM {known} k LEFT JOIN {parts} p ON p.id = k.part_id WHERE {where}"
            branch("k", "k.text_key", "k.confirmations", part_cols, "k.manufacturer_id", rest)
        if keys["prefix"]:
            where = self._in("f.prefix_norm", keys["prefix"], params)
            rest = f"FROM {prefixes} f WHERE {where}"
            branch("f", "f.prefix_norm", "0", no_part, "f.manufacturer_id", rest)
        alias_conditions = []
        if keys["alias"]:
            alias_conditions.append(self._in("a.key", keys["alias"], params))
        for start in keys["start"]:
            alias_conditions.append("a.key LIKE %s")
            params.append(start.replace("%", "").replace("_", "") + " %")
        if alias_conditions:
            rest = f"FROM {aliases} a WHERE {' OR '.join(alias_conditions)}"
            branch("a", "a.key", "0", no_part, "a.organisation_id", rest)
        if keys["alias"]:
            where = self._in("a.key", keys["alias"], params)
            rest = (
                f"FROM {prefixes} f WHERE f.manufacturer_id IN "
                f"(SELECT a.organisation_id FROM {aliases} a WHERE {where})"
            )
            branch("b", "f.prefix_norm", "0", no_part, "f.manufacturer_id", rest)
        if probes:
            sql, range_params = self._range_sql("mpn_norm", probes, org_columns=False)
            branches.append(
                "SELECT 'r' AS src, q_i::text AS k, 0 AS n, id, mpn, mpn_norm, mpn_base, "
                f"mpn_fold, manufacturer_id AS org FROM ({sql}) r"
            )
            params.extend(range_params)
        if not branches:
            return
        sql = (
            f"SELECT u.src, u.k, u.n, u.id, u.mpn, u.mpn_norm, u.mpn_base, u.mpn_fold, u.org, "
            f"{self._org_columns()} FROM ({' UNION ALL '.join(branches)}) u "
            f"{self._org_join('u', 'org')}"
        )
        seen_parts = {row.id for row in result.parts}
        taken = [0] * len(probes)
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
            elif src == "r":
                probe = probes[int(key)]
                taken[int(key)] += 1
                if taken[int(key)] <= probe.limit:
                    result.ranges.setdefault(probe.key, []).append(part)
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
        size = MAX_RANGE_PROBES if self.postgres else MAX_BRANCHES
        for start in range(0, len(unique), size):
            chunk = unique[start : start + size]
            if self.postgres:
                rows = self._ranges_postgres(column, chunk)
            else:
                rows = self._ranges_sqlite(column, chunk)
            taken = [0] * len(chunk)
            for index, part_id, mpn, mpn_norm, mpn_base, mpn_fold, org, *org_cols in rows:
                probe = chunk[index]
                if taken[index] >= probe.limit:
                    continue
                taken[index] += 1
                self._remember(org, *org_cols)
                found.setdefault(probe.key, []).append(
                    PartRow(part_id, mpn, mpn_norm, mpn_base, mpn_fold, org)
                )
        return found

    def _range_sql(
        self, column: str, probes: Sequence[RangeProbe], org_columns: bool = True
    ) -> tuple[str, list]:
        """One LATERAL join over the probes (PostgreSQL). The LIMIT is a constant (the largest
        probe's; rows beyond a probe's own limit are dropped after): with a parameter there,
        the planner's estimate grows enough to switch on JIT compilation, which costs more
        than the query."""
        limit = max(probe.limit for probe in probes)
        part = "SELECT id, mpn, mpn_norm, mpn_base, mpn_fold, manufacturer_id"
        within = f"{column} ~>=~ q.lo AND {column} ~<~ q.hi"
        columns = f", {self._org_columns()}" if org_columns else ""
        join = f" {self._org_join('p', 'manufacturer_id')}" if org_columns else ""
        sql = (
            "SELECT q.i AS q_i, p.id, p.mpn, p.mpn_norm, p.mpn_base, p.mpn_fold, "
            f"p.manufacturer_id{columns} "
            "FROM unnest(%s::int[], %s::text[], %s::text[], %s::bool[]) AS q(i, lo, hi, back) "
            "CROSS JOIN LATERAL ("
            f"({part} FROM {_table(Part)} WHERE {within} AND NOT q.back "
            f"ORDER BY {column} USING ~<~ LIMIT {limit}) UNION ALL "
            f"({part} FROM {_table(Part)} WHERE {within} AND q.back "
            f"ORDER BY {column} USING ~>~ LIMIT {limit})) p{join}"
        )
        params = [
            list(range(len(probes))),
            [p.low for p in probes],
            [p.high for p in probes],
            [p.descending for p in probes],
        ]
        return sql, params

    def _ranges_postgres(self, column: str, probes: Sequence[RangeProbe]) -> list[tuple]:
        return self._fetch(*self._range_sql(column, probes))

    def _ranges_sqlite(self, column: str, probes: Sequence[RangeProbe]) -> list[tuple]:
        branches, params = [], []
        for index, probe in enumerate(probes):
            order = "DESC" if probe.descending else "ASC"
            branches.append(
                "SELECT * FROM (SELECT %s AS i, id, mpn, mpn_norm, mpn_base, mpn_fold, "
                f"manufacturer_id FROM {_table(Part)} WHERE {column} >= %s AND {column} < %s "
                f"ORDER BY {column} {order} LIMIT %s)"
            )
            params.extend([index, probe.low, probe.high, probe.limit])
        sql = (
            "SELECT u.i, u.id, u.mpn, u.mpn_norm, u.mpn_base, u.mpn_fold, u.manufacturer_id, "
            f"{self._org_columns()} FROM ({' UNION ALL '.join(branches)}) u "
            f"{self._org_join('u', 'manufacturer_id')}"
        )
        return self._fetch(sql, params)

    def trigram_round(self, keys: Sequence[str]) -> dict[str, list[PartRow]]:
        """PostgreSQL only: the folded MPNs most similar to each folded key (``pg_trgm``)."""
        if not self.postgres or not keys:
            return {}
        unique = list(dict.fromkeys(keys))
        sql = (
            "SELECT q.k, p.id, p.mpn, p.mpn_norm, p.mpn_base, p.mpn_fold, p.manufacturer_id, "
            f"{self._org_columns()} FROM unnest(%s::text[]) AS q(k) CROSS JOIN LATERAL ("
            "SELECT id, mpn, mpn_norm, mpn_base, mpn_fold, manufacturer_id "
            f"FROM {_table(Part)} WHERE mpn_fold %% q.k "
            f"ORDER BY similarity(mpn_fold, q.k) DESC, mpn_fold LIMIT {TRIGRAM_LIMIT}) p "
            f"{self._org_join('p', 'manufacturer_id')}"
        )
        # The similarity threshold of `%` is a setting: set for these statements only (the
        # session's value is put back; in a transaction that fails it rolls back with it).
        # Few keys per statement: the planner over-estimates what `%` matches, and past
        # JIT's cost threshold compiling the plan would cost more than running it.
        saved = self._fetch(
            "SELECT current_setting('pg_trgm.similarity_threshold'), "
            "set_config('pg_trgm.similarity_threshold', %s, false)",
            [str(TRIGRAM_THRESHOLD)],
        )[0][0]
        rows = []
        try:
            for start in range(0, len(unique), TRIGRAM_KEYS):
                rows.extend(self._fetch(sql, [unique[start : start + TRIGRAM_KEYS]]))
        finally:
            self._fetch("SELECT set_config('pg_trgm.similarity_threshold', %s, false)", [saved])
        found: dict[str, list[PartRow]] = {}
        for key, part_id, mpn, mpn_norm, mpn_base, mpn_fold, org, *org_cols in rows:
            self._remember(org, *org_cols)
            found.setdefault(key, []).append(
                PartRow(part_id, mpn, mpn_norm, mpn_base, mpn_fold, org)
            )
        return found


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
