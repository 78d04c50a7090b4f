"""Catalog CSV import: one streaming, set-based upsert shared by the command, the API upload and the demo.

How a file goes in (see docs/import.md):

1. The header is checked first: unknown, duplicate or missing columns refuse the whole file before the
   database is touched.
2. Lines are read as bytes with a length cap, so a 10 MB line is skipped without being held in memory,
   and decoded one by one, so a broken UTF-8 line is one reject rather than the end of the import.
3. Each good row is validated, its manufacturer (and distributor) resolved through the alias index
   (unknown names become organisations flagged for review), its keys derived, and it is appended to a
   TEMP staging table in batches (PostgreSQL COPY; executemany elsewhere).
4. Duplicates inside the file are found set-based in the staging table, so memory does not grow with
   the file; then parts and offers are upserted with one UPDATE ... FROM and one INSERT ... SELECT each.

Everything runs in one transaction: an import lands whole or not at all, `strict` is a rollback, and a
crashed import leaves nothing behind (re-running it is safe because it is an upsert). Imports are
serialised (advisory lock on PostgreSQL, the write lock on SQLite). The audit trail gets one record per
run, not one per row.
"""

from __future__ import annotations

import csv
import hashlib
import heapq
import itertools
import re
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from catalog import services
from catalog.models import (
    DistributorOffer,
    LifecycleStatus,
    Organisation,
    OrganisationAlias,
    Part,
)
from catalog.normalize import FAMILIES, name_key, split_brand_owner
from forensics.models import AuditRecord

REQUIRED_COLUMNS = ("mpn", "manufacturer")
OPTIONAL_COLUMNS = (
    "category",
    "family",
    "description",
    "hs_code",
    "eccn",
    "status",
    "datasheet",
    "distributor",
    "distributor_sku",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

MAX_LINE_BYTES = 1 << 20
DEFAULT_BATCH_SIZE = 10_000
BULK_MIN_ROWS = 50_000
MAX_REJECTS_KEPT = 1_000
MAX_NAMES_KEPT = 200
EXCERPT_CHARS = 200
_SKIP_CHUNK = 1 << 16
_LOCK_KEY = 0x636174_696D70  # "cat" "imp": one catalog import at a time on PostgreSQL.

_MPN_MAX = Part._meta.get_field("mpn_norm").max_length
_KEY_MAX = OrganisationAlias._meta.get_field("key").max_length
# Longest accepted value per column (the model's field lengths).
MAX_LENGTHS = {
    "mpn": Part._meta.get_field("mpn").max_length,
    "manufacturer": Organisation._meta.get_field("name").max_length,
    "category": Part._meta.get_field("category").max_length,
    "family": Part._meta.get_field("family").max_length,
    "description": Part._meta.get_field("description").max_length,
    "datasheet": Part._meta.get_field("datasheet").max_length,
    "distributor": Organisation._meta.get_field("name").max_length,
    "distributor_sku": DistributorOffer._meta.get_field("sku").max_length,
}

_STATUS_WORDS = {
    "active": LifecycleStatus.ACTIVE,
    "in production": LifecycleStatus.ACTIVE,
    "production": LifecycleStatus.ACTIVE,
    "not for new designs": LifecycleStatus.NRND,
    "not recommended for new designs": LifecycleStatus.NRND,
    "nrnd": LifecycleStatus.NRND,
    "last time buy": LifecycleStatus.LAST_TIME_BUY,
    "ltb": LifecycleStatus.LAST_TIME_BUY,
    "obsolete": LifecycleStatus.OBSOLETE,
    "discontinued": LifecycleStatus.DISCONTINUED,
    "discontinued at digi key": LifecycleStatus.DISCONTINUED,
    "unknown": LifecycleStatus.UNKNOWN,
}
for _value, _label in LifecycleStatus.choices:
    _STATUS_WORDS.setdefault(_value.replace("_", " "), _value)
    _STATUS_WORDS.setdefault(_label.lower(), _value)
# Distributors' stock remarks after the lifecycle word: "Obsolete NonStock", "Active Non-Stock".
_STATUS_REMARK = re.compile(r"\s+non\s*stock$")
_STATUS_SEPARATORS = re.compile(r"[\s_\-]+")

_HS_SEPARATORS = re.compile(r"[\s.]")
_ECCN = re.compile(r"(?:EAR99|[0-9][A-E][0-9]{3}(?:\.[A-Z0-9]+)*)", re.IGNORECASE)
# http(s), optional user info, a dotted host (underscores allowed: real datasheet hosts use them),
# optional port, then anything but whitespace.
_URL = re.compile(
    r"(?i:https?)://(?:[^\s/?#@]+@)?[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)+\.?(?::[0-9]{1,5})?"
    r"(?:[/?#]\S*)?"
)
_NOT_A_NAME = {"unknown", "not identified", "unidentified", "n a", "na", "none", "various"}

# Franchised distributors: an unknown distributor with one of these names is created as authorized.
_FRANCHISED = {
    name_key(name)
    for name in (
        "Digi-Key",
        "DigiKey",
        "Digi-Key Electronics",
        "Mouser",
        "Mouser Electronics",
        "Arrow",
        "Arrow Electronics",
        "Avnet",
        "Farnell",
        "element14",
        "Newark",
        "RS Components",
        "TTI",
        "Future Electronics",
        "Rochester Electronics",
        "Verical",
        "Rutronik",
        "WPG",
    )
}


@dataclass(frozen=True)
class Reject:
    line: int
    reason: str
    excerpt: str = ""


@dataclass
class ImportSummary:
    """What one import did. `refused` is set (and nothing changed) when the file was not imported."""

    file: str
    strict: bool = False
    sha256: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    offers_created: int = 0
    offers_updated: int = 0
    offers_unchanged: int = 0
    organisations_created: int = 0
    organisation_names: list[str] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    reject_path: str | None = None
    refused: str | None = None
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.refused is None

    @property
    def rejects_truncated(self) -> bool:
        return self.rejected > len(self.rejects)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["rejects_truncated"] = self.rejects_truncated
        return data

    def line(self) -> str:
        """One line for logs and the demo loader."""
        if self.refused:
            return f"{self.file}: refused, nothing changed: {self.refused}"
        text = (
            f"{self.file}: {self.rows:,} rows: {self.created:,} created, {self.updated:,} updated, "
            f"{self.unchanged:,} unchanged, {self.rejected:,} rejected; offers {self.offers_created:,} "
            f"created, {self.offers_updated:,} updated, {self.offers_unchanged:,} unchanged"
        )
        if self.organisations_created:
            text += f"; {self.organisations_created:,} new organisations to review"
        return text


class _Refused(Exception):
    """The file as a whole is not imported (bad header, strict mode with rejects...)."""


# --------------------------------------------------------------------------- reading


class _Lines:
    """Physical lines of a binary file: (number, text) or (number, None) with `self.error` set.

    Lines are read with a byte cap, so an over-long line is skipped in chunks rather than held; the
    SHA-256 of the whole file is computed on the way.
    """

    def __init__(self, fh, max_bytes: int | None = None):
        self.fh = fh
        self.max_bytes = max_bytes or MAX_LINE_BYTES
        self.sha = hashlib.sha256()
        self.number = 0
        self.error = ""
        self.excerpt = ""

    def __iter__(self) -> Iterator[tuple[int, str | None]]:
        readline, update, limit = self.fh.readline, self.sha.update, self.max_bytes + 1
        while True:
            raw = readline(limit)
            if not raw:
                return
            update(raw)
            self.number += 1
            if len(raw) == limit and not raw.endswith(b"\n"):
                size = len(raw) + self._skip_rest()
                self.error = f"line longer than {self.max_bytes:,} bytes ({size:,} bytes); skipped"
                self.excerpt = raw[:EXCERPT_CHARS].decode("utf-8", "backslashreplace")
                yield self.number, None
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                self.error = f"invalid UTF-8 at byte {exc.start + 1} of the line"
                self.excerpt = _excerpt(raw.decode("utf-8", "backslashreplace"))
                yield self.number, None
                continue
            if "\x00" in text:  # no text format (nor PostgreSQL) takes NUL characters
                self.error = "NUL character in the line (binary content)"
                self.excerpt = _excerpt(text.replace("\x00", "\\x00"))
                yield self.number, None
                continue
            yield self.number, text.rstrip("\r\n")

    def _skip_rest(self) -> int:
        skipped = 0
        while True:
            chunk = self.fh.readline(_SKIP_CHUNK)
            self.sha.update(chunk)
            skipped += len(chunk)
            if not chunk or chunk.endswith(b"\n"):
                return skipped


def _excerpt(text: str) -> str:
    text = text.rstrip("\r\n")
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def _split(text: str) -> list[str]:
    """One CSV record per physical line; the csv module only for lines that quote."""
    if '"' not in text:
        return text.split(",")
    return next(csv.reader((text,), strict=True))


def _column_name(raw: str) -> str:
    return re.sub(r"[\s\-]+", "_", raw.strip().lower())


def _read_header(lines: Iterator[tuple[int, str | None]], source: _Lines) -> dict[str, int]:
    """Column name → position; refuses files that are not a catalog CSV."""
    for _number, text in lines:
        if text is None:
            raise _Refused(f"not a CSV text file: header line: {source.error}")
        text = text.removeprefix("\ufeff")
        if text.strip():
            break
    else:
        raise _Refused(
            "the file is empty: expected a header line with the columns mpn,manufacturer"
        )
    try:
        raw_names = _split(text)
    except csv.Error as exc:
        raise _Refused(f"the header line is not valid CSV: {exc}")
    if len(raw_names) == 1 and (";" in text or "\t" in text):
        separator = "semicolons" if ";" in text else "tabs"
        raise _Refused(f"the header is separated by {separator}; the file must be comma-separated")
    names = [_column_name(name) for name in raw_names]
    positions: dict[str, int] = {}
    for position, name in enumerate(names):
        if not name:
            raise _Refused(f"column {position + 1} of the header has no name")
        if name in positions:
            raise _Refused(f"column {name!r} appears twice in the header")
        positions[name] = position
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise _Refused(
            f"unknown column(s) {', '.join(repr(n) for n in unknown)}; the columns are "
            f"{', '.join(COLUMNS)} (mpn and manufacturer required)"
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in positions]
    if missing:
        raise _Refused(f"required column(s) missing: {', '.join(missing)}")
    return positions


# --------------------------------------------------------------------------- validation


class _RowError(Exception):
    pass


def parse_status(raw: str) -> str:
    words = _STATUS_REMARK.sub("", _STATUS_SEPARATORS.sub(" ", raw.strip().lower()))
    try:
        return _STATUS_WORDS[words]
    except KeyError:
        raise _RowError(
            f"unknown status {raw!r} (expected e.g. Active, Not For New Designs, Last Time Buy, "
            "Obsolete, Discontinued)"
        ) from None


def parse_hs_code(raw: str) -> str:
    code = _HS_SEPARATORS.sub("", raw)
    if code.isdigit() and code.isascii():
        if len(code) == 6:
            return code
        if len(code) in (8, 10):
            raise _RowError(
                f"HS code {raw!r} has {len(code)} digits: give the international 6-digit HS code "
                "(national 8/10-digit codes are not accepted)"
            )
    raise _RowError(f"HS code {raw!r} is not a 6-digit HS code")


def parse_eccn(raw: str) -> str:
    if len(raw) > 12 or not _ECCN.fullmatch(raw):
        raise _RowError(
            f"ECCN {raw!r} is not an export control number like 3A001, 5A992.c or EAR99"
        )
    if raw.upper() == "EAR99":
        return "EAR99"
    return raw[:5].upper() + raw[5:].lower()


def parse_url(raw: str) -> str:
    if not _URL.fullmatch(raw):
        raise _RowError(f"datasheet {raw!r} is not an http(s) URL")
    return raw


def _memo(parse, size: int = 4096):
    """`parse` with its results (and errors) remembered: statuses and HS codes repeat a lot."""
    cache: dict[str, object] = {}

    def cached(raw: str) -> str:
        try:
            result = cache[raw]
        except KeyError:
            try:
                result = parse(raw)
            except _RowError as exc:
                result = exc
            if len(cache) < size:
                cache[raw] = result
        if isinstance(result, _RowError):
            raise _RowError(*result.args)
        return result

    return cached


# --------------------------------------------------------------------------- organisations


class _Organisations:
    """Names → organisation ids through the alias index; unknown names become reviewable orgs."""

    def __init__(self, actor, file_name: str):
        self.actor = actor
        self.file_name = file_name
        self.index = services.alias_index()
        self.owners = services.owner_index()
        self.cache: dict[tuple[str, str], int] = {}
        orgs = Organisation.objects.values_list(
            "id", "mpn_family", "is_authorized_distributor"
        ).iterator(chunk_size=5000)
        self.families: dict[int, str | None] = {}
        self.authorized: set[int] = set()
        for org_id, family, authorized in orgs:
            if family in FAMILIES:
                self.families[org_id] = family
            if authorized:
                self.authorized.add(org_id)
        self.created: list[str] = []

    def resolve(self, name: str, role: str) -> int:
        cached = self.cache.get((role, name))
        if cached is not None:
            return cached
        key = name_key(name)
        if not key or key in _NOT_A_NAME:
            raise _RowError(f"{role} {name!r} does not name an organisation")
        if len(key) > _KEY_MAX:
            raise _RowError(f"{role} name too long once normalised")
        org_id = services.resolve_manufacturer_in(self.index, name, self.owners)
        if org_id is None:
            org_id = self._create(name, role)
        self.cache[(role, name)] = org_id
        return org_id

    def _create(self, name: str, role: str) -> int:
        brand = split_brand_owner(name)[0] or name
        flags = {"needs_review": True}
        if role == "manufacturer":
            flags["is_manufacturer"] = True
        elif name_key(brand) in _FRANCHISED or name_key(name) in _FRANCHISED:
            flags["is_authorized_distributor"] = True
        else:
            flags["is_independent_distributor"] = True
        note = (
            f"Created by the catalog import of {self.file_name} on {timezone.now():%Y-%m-%d} "
            f"from the {role} spelling {name!r}; check its roles, owner and aliases."
        )
        org = services.create_organisation(brand, actor=self.actor, notes=note, **flags)
        services.add_alias(org, name)
        for spelling in {brand, name}:
            self.index.setdefault(name_key(spelling), org.id)
        if org.is_authorized_distributor:
            self.authorized.add(org.id)
        self.created.append(org.name)
        return org.id


# --------------------------------------------------------------------------- staging


_STAGE = "catalog_import_stage"
_DUPS = "catalog_import_dups"
_STAGE_COLUMNS = (
    "line",
    "manufacturer_id",
    "mpn",
    "mpn_norm",
    "mpn_base",
    "mpn_fold",
    "category",
    "family",
    "description",
    "hs_code",
    "chpl_tier",
    "eccn",
    "status",
    "datasheet",
    "distributor_id",
    "sku",
    "is_authorized",
)
# Columns a file may update on an existing part; NULL in the stage means "not given, keep".
_UPDATABLE = ("category", "family", "description", "hs_code", "eccn", "status", "datasheet")


class _Stage:
    """The TEMP staging table and the set-based statements run on it (same SQL on both backends)."""

    def __init__(self, cursor):
        self.cursor = cursor
        self.postgres = connection.vendor == "postgresql"
        self.part = Part._meta.db_table
        self.offer = DistributorOffer._meta.db_table

    def create(self) -> None:
        c = self.cursor
        if self.postgres:
            c.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            c.execute("SET LOCAL work_mem = '128MB'")
            c.execute("SET LOCAL maintenance_work_mem = '256MB'")
        c.execute(f"DROP TABLE IF EXISTS {_STAGE}")
        c.execute(f"DROP TABLE IF EXISTS {_DUPS}")
        line = "line integer NOT NULL" if self.postgres else "line integer PRIMARY KEY"
        c.execute(
            f"CREATE TEMP TABLE {_STAGE} ({line}, manufacturer_id bigint NOT NULL, "
            "mpn text NOT NULL, mpn_norm text NOT NULL, mpn_base text NOT NULL, "
            "mpn_fold text NOT NULL, category text, family text, description text, hs_code text, "
            "chpl_tier text, eccn text, status text, datasheet text, distributor_id bigint, "
            "sku text, is_authorized boolean)"
        )
        c.execute(
            f"CREATE TEMP TABLE {_DUPS} (line integer NOT NULL, first_line integer NOT NULL, "
            "kind text NOT NULL, mpn text NOT NULL, sku text, manufacturer_id bigint NOT NULL)"
        )

    def add(self, rows: list[tuple]) -> None:
        columns = ", ".join(_STAGE_COLUMNS)
        if self.postgres:
            with self.cursor.copy(f"COPY {_STAGE} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(_STAGE_COLUMNS))
            self.cursor.executemany(f"INSERT INTO {_STAGE} ({columns}) VALUES ({marks})", rows)

    def _count(self, sql: str, params=()) -> int:
        self.cursor.execute(sql, params)
        return self.cursor.fetchone()[0]

    def duplicates(self) -> Iterator[Reject]:
        """Remove repeated parts, then repeated SKUs, from the stage; yield them as rejects."""
        c = self.cursor
        if self.postgres:
            c.execute(f"ANALYZE {_STAGE}")
        for kind, key, where in (
            ("part", "manufacturer_id, mpn_norm", ""),
            ("sku", "distributor_id, sku", "WHERE sku IS NOT NULL"),
        ):
            # A hash aggregate answers "any repeats?" much faster than the window query below.
            repeats = self._count(
                f"SELECT count(*) FROM (SELECT 1 FROM {_STAGE} {where} GROUP BY {key} "
                "HAVING count(*) > 1) AS r"
            )
            if not repeats:
                continue
            c.execute(
                f"INSERT INTO {_DUPS} (line, first_line, kind, mpn, sku, manufacturer_id) "
                "SELECT line, first_line, %s, mpn, sku, manufacturer_id FROM "
                f"(SELECT line, mpn, sku, manufacturer_id, MIN(line) OVER (PARTITION BY {key}) "
                f"AS first_line FROM {_STAGE} {where}) AS d WHERE line <> first_line",
                [kind],
            )
            c.execute(
                f"DELETE FROM {_STAGE} WHERE line IN (SELECT line FROM {_DUPS} WHERE kind = %s)",
                [kind],
            )
        if not self._count(f"SELECT count(*) FROM {_DUPS}"):
            return
        org = Organisation._meta.db_table
        c.execute(
            f"SELECT d.line, d.first_line, d.kind, d.mpn, d.sku, o.name FROM {_DUPS} AS d "
            f"JOIN {org} AS o ON o.id = d.manufacturer_id ORDER BY d.line"
        )
        while batch := c.fetchmany(2000):
            for line, first_line, kind, mpn, sku, maker in batch:
                if kind == "part":
                    reason = f"duplicate of line {first_line} (same manufacturer and MPN)"
                else:
                    reason = f"distributor SKU {sku!r} is already used on line {first_line}"
                yield Reject(line, reason, f"{mpn} ({maker})")

    @contextmanager
    def _bulk_load(self, table: str, new_rows: int):
        """Big loads on PostgreSQL: drop the table's plain indexes, insert, rebuild them.

        Maintaining a dozen b-trees row by row costs several times more than building them once
        (docs/import.md has the figures), so when at least BULK_MIN_ROWS rows arrive and they are at
        least half as many as the table holds, the non-unique indexes that back no constraint are
        dropped inside the import's transaction and recreated from their own definitions. The price
        is an exclusive lock on the table until the import commits; a failure rolls the drop back.
        """
        existing = self._count(f"SELECT count(*) FROM {table}") if self.postgres else 0
        if not self.postgres or new_rows < BULK_MIN_ROWS or new_rows * 2 < existing:
            yield
            return
        c = self.cursor
        c.execute(
            "SELECT x.indexrelid::regclass::text, pg_get_indexdef(x.indexrelid) FROM pg_index x "
            "WHERE x.indrelid = %s::regclass AND x.indisvalid AND NOT x.indisunique "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)",
            [table],
        )
        indexes = c.fetchall()
        for name, _definition in indexes:
            c.execute(f"DROP INDEX {name}")
        yield
        # CREATE INDEX refuses while deferred foreign-key checks are queued: run them now.
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")
        c.execute("SET CONSTRAINTS ALL DEFERRED")
        for _name, definition in indexes:
            c.execute(definition)
        c.execute(f"ANALYZE {table}")

    def write_parts(self, now) -> tuple[int, int, int]:
        """Upsert parts: (staged, updated, created). Only columns the file gives can change."""
        c = self.cursor
        staged = self._count(f"SELECT count(*) FROM {_STAGE}")
        assignments = ", ".join(f"{col} = COALESCE(s.{col}, p.{col})" for col in _UPDATABLE)
        differs = " OR ".join(f"(s.{col} IS NOT NULL AND s.{col} <> p.{col})" for col in _UPDATABLE)
        c.execute(
            f"UPDATE {self.part} AS p SET {assignments}, "
            "chpl_tier = COALESCE(s.chpl_tier, p.chpl_tier), updated_at = %s "
            f"FROM {_STAGE} AS s WHERE p.manufacturer_id = s.manufacturer_id "
            f"AND p.mpn_norm = s.mpn_norm AND ({differs})",
            [now],
        )
        updated = c.rowcount
        new = (
            f"FROM {_STAGE} AS s WHERE NOT EXISTS (SELECT 1 FROM {self.part} AS p "
            "WHERE p.manufacturer_id = s.manufacturer_id AND p.mpn_norm = s.mpn_norm)"
        )
        new_rows = self._count(f"SELECT count(*) {new}")
        if not new_rows:
            return staged, updated, 0
        with self._bulk_load(self.part, new_rows):
            c.execute(
                f"INSERT INTO {self.part} (manufacturer_id, mpn, mpn_norm, mpn_base, mpn_fold, "
                "category, family, description, hs_code, chpl_tier, eccn, status, datasheet, "
                "created_at, updated_at) "
                "SELECT s.manufacturer_id, s.mpn, s.mpn_norm, s.mpn_base, s.mpn_fold, "
                "COALESCE(s.category, ''), COALESCE(s.family, ''), COALESCE(s.description, ''), "
                "COALESCE(s.hs_code, ''), COALESCE(s.chpl_tier, ''), COALESCE(s.eccn, ''), "
                f"COALESCE(s.status, %s), COALESCE(s.datasheet, ''), %s, %s {new}",
                [LifecycleStatus.UNKNOWN.value, now, now],
            )
            created = c.rowcount
        return staged, updated, created

    def write_offers(self, now) -> tuple[int, int, int]:
        """Upsert offers by (distributor, SKU): (staged, updated, created)."""
        c = self.cursor
        staged = self._count(f"SELECT count(*) FROM {_STAGE} WHERE sku IS NOT NULL")
        if not staged:
            return 0, 0, 0
        joined = (
            f"FROM {_STAGE} AS s JOIN {self.part} AS p ON p.manufacturer_id = s.manufacturer_id "
            "AND p.mpn_norm = s.mpn_norm"
        )
        c.execute(
            f"UPDATE {self.offer} AS o SET part_id = p.id, is_authorized = s.is_authorized "
            f"{joined} WHERE s.sku IS NOT NULL AND o.distributor_id = s.distributor_id "
            "AND o.sku = s.sku AND (o.part_id <> p.id OR o.is_authorized <> s.is_authorized)"
        )
        updated = c.rowcount
        new = (
            f"WHERE s.sku IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {self.offer} AS o "
            "WHERE o.distributor_id = s.distributor_id AND o.sku = s.sku)"
        )
        new_rows = self._count(f"SELECT count(*) FROM {_STAGE} AS s {new}")
        if not new_rows:
            return staged, updated, 0
        with self._bulk_load(self.offer, new_rows):
            c.execute(
                f"INSERT INTO {self.offer} (distributor_id, part_id, sku, is_authorized, "
                f"created_at) SELECT s.distributor_id, p.id, s.sku, s.is_authorized, %s {joined} "
                f"{new}",
                [now],
            )
            created = c.rowcount
        return staged, updated, created

    def drop(self) -> None:
        self.cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")
        self.cursor.execute(f"DROP TABLE IF EXISTS {_DUPS}")


# --------------------------------------------------------------------------- rejects


class _Rejects:
    """Rejects in line order: the first MAX_REJECTS_KEPT in memory, all of them spooled to disk.

    Rows refused while reading arrive in line order; duplicates found in the stage afterwards arrive
    in line order too ("late"), so each goes to its own spool and the two are merged at the end.
    """

    def __init__(self):
        self.count = 0
        self._kept: tuple[list[Reject], list[Reject]] = ([], [])
        self._spools = tuple(
            tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115 - see close()
            for _ in range(2)
        )
        self._writers = tuple(csv.writer(spool) for spool in self._spools)

    def add(self, reject: Reject, *, late: bool = False) -> None:
        self.count += 1
        kept = self._kept[late]
        if len(kept) < MAX_REJECTS_KEPT:
            kept.append(reject)
        self._writers[late].writerow((reject.line, reject.reason, reject.excerpt))

    @property
    def kept(self) -> list[Reject]:
        merged = heapq.merge(*self._kept, key=lambda reject: reject.line)
        return list(itertools.islice(merged, MAX_REJECTS_KEPT))

    @staticmethod
    def _rows(spool) -> Iterator[tuple[int, str, str]]:
        spool.seek(0)
        for line, reason, excerpt in csv.reader(spool):
            yield int(line), reason, excerpt

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(("line", "reason", "excerpt"))
            streams = [self._rows(spool) for spool in self._spools]
            writer.writerows(heapq.merge(*streams, key=lambda row: row[0]))

    def close(self) -> None:
        for spool in self._spools:
            spool.close()


def default_reject_path(file_name: str, sha256: str) -> Path:
    stem = Path(file_name).stem or "import"
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    suffix = sha256[:8] or secrets.token_hex(4)
    return Path(settings.VAR_DIR) / "imports" / f"{stem}-{stamp}-{suffix}.rejects.csv"


# --------------------------------------------------------------------------- the import


class _Importer:
    def __init__(self, summary: ImportSummary, actor, strict: bool, batch_size: int, bar):
        self.summary = summary
        self.actor = actor
        self.strict = strict
        self.batch_size = max(1, batch_size)
        self.bar = bar
        self.rejects = _Rejects()

    def run(self, fh, positions: dict[str, int], lines: Iterator, source: _Lines) -> None:
        summary = self.summary
        with transaction.atomic():
            with connection.cursor() as cursor:
                stage = _Stage(cursor)
                stage.create()
                orgs = _Organisations(self.actor, summary.file)
                with self._phase("stage"):
                    self._stage_rows(fh, positions, lines, source, stage, orgs)
                summary.sha256 = source.sha.hexdigest()
                with self._phase("duplicates"):
                    for reject in stage.duplicates():
                        self.rejects.add(reject, late=True)
                summary.rejected = self.rejects.count
                if self.strict and self.rejects.count:
                    raise _Refused(
                        f"strict mode: {self.rejects.count:,} of {summary.rows:,} rows rejected"
                    )
                now = timezone.now()
                with self._phase("parts"):
                    staged, summary.updated, summary.created = stage.write_parts(now)
                summary.unchanged = staged - summary.updated - summary.created
                with self._phase("offers"):
                    offers, summary.offers_updated, summary.offers_created = stage.write_offers(now)
                summary.offers_unchanged = offers - summary.offers_updated - summary.offers_created
                summary.organisations_created = len(orgs.created)
                summary.organisation_names = orgs.created[:MAX_NAMES_KEPT]
                stage.drop()
                self._audit()
            self._commit_started = time.perf_counter()
        self.summary.phases["commit"] = round(time.perf_counter() - self._commit_started, 3)

    @contextmanager
    def _phase(self, name: str):
        if self.bar is not None:
            self.bar.set_postfix_str(name)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.summary.phases[name] = round(time.perf_counter() - started, 3)

    def _stage_rows(self, fh, positions, lines, source, stage, orgs) -> None:
        summary, rejects, bar = self.summary, self.rejects, self.bar
        width = max(positions.values()) + 1
        # A column the file lacks reads the empty string appended after the last field.
        at = {name: positions.get(name, width) for name in COLUMNS}
        i_mpn, i_maker, i_category = at["mpn"], at["manufacturer"], at["category"]
        i_family, i_description, i_hs = at["family"], at["description"], at["hs_code"]
        i_eccn, i_status, i_url = at["eccn"], at["status"], at["datasheet"]
        i_dist, i_sku = at["distributor"], at["distributor_sku"]
        checks = [(positions[n], n, MAX_LENGTHS[n]) for n in MAX_LENGTHS if n in positions]
        shortest_limit = min(limit for _, _, limit in checks)
        hs_code_of, eccn_of = _memo(parse_hs_code), _memo(parse_eccn)
        status_of, url_of = _memo(parse_status), parse_url
        tiers = services.chpl_tiers()
        part_keys, families = services.part_keys, orgs.families
        authorized, resolve = orgs.authorized, orgs.resolve
        batch: list[tuple] = []
        last_position = 0

        for number, text in lines:
            if text is None:
                summary.rows += 1
                rejects.add(Reject(number, source.error, source.excerpt))
                continue
            if not text or text.isspace():
                continue
            summary.rows += 1
            try:
                try:
                    fields = _split(text)
                except csv.Error as exc:
                    raise _RowError(f"malformed CSV: {exc}")
                if len(fields) != width:
                    raise _RowError(f"expected {width} fields, found {len(fields)}")
                fields = list(map(str.strip, fields))
                fields.append("")
                if max(map(len, fields)) > shortest_limit:
                    for position, name, limit in checks:
                        if len(fields[position]) > limit:
                            raise _RowError(f"{name} longer than {limit} characters")
                mpn, maker = fields[i_mpn], fields[i_maker]
                if not mpn:
                    raise _RowError("missing MPN")
                if not maker:
                    raise _RowError("missing manufacturer")
                hs_code = fields[i_hs] and hs_code_of(fields[i_hs])
                eccn = fields[i_eccn] and eccn_of(fields[i_eccn])
                status = fields[i_status] and status_of(fields[i_status])
                url = fields[i_url] and url_of(fields[i_url])
                distributor, sku = fields[i_dist], fields[i_sku]
                if sku and not distributor:
                    raise _RowError("distributor_sku given without a distributor")
                if distributor and not sku:
                    raise _RowError("distributor given without a distributor_sku")
                maker_id = resolve(maker, "manufacturer")
                mpn_norm, mpn_base, mpn_fold = part_keys(mpn, families.get(maker_id))
                if not mpn_norm:
                    raise _RowError(f"MPN {mpn!r} has no letters or digits")
                if len(mpn_norm) > _MPN_MAX:
                    raise _RowError(f"MPN longer than {_MPN_MAX} characters once normalised")
                dist_id = resolve(distributor, "distributor") if distributor else None
            except _RowError as exc:
                rejects.add(Reject(number, str(exc), _excerpt(text)))
                continue
            # Empty cells are NULL in the stage: "not given", so they never blank a stored value.
            batch.append(
                (
                    number,
                    maker_id,
                    mpn,
                    mpn_norm,
                    mpn_base,
                    mpn_fold,
                    fields[i_category] or None,
                    fields[i_family] or None,
                    fields[i_description] or None,
                    hs_code or None,
                    tiers.get(hs_code, "") if hs_code else None,
                    eccn or None,
                    status or None,
                    url or None,
                    dist_id,
                    sku or None,
                    dist_id in authorized if dist_id else None,
                )
            )
            if len(batch) >= self.batch_size:
                stage.add(batch)
                batch = []
                if bar is not None:
                    position = fh.tell()
                    bar.update(position - last_position)
                    last_position = position
        if batch:
            stage.add(batch)
        if bar is not None:
            bar.update(max(0, fh.tell() - last_position))

    def _audit(self) -> None:
        """One record per run: the summary, file name and SHA-256 (rows are not audited one by one)."""
        summary = self.summary
        is_user = self.actor is not None and getattr(self.actor, "is_authenticated", False)
        after = summary.as_dict()
        after.pop("rejects")
        after.pop("reject_path")
        AuditRecord.objects.create(
            actor=self.actor if is_user else None,
            actor_name=(self.actor.get_username() if is_user else "system")[:150],
            action="import",
            content_type=ContentType.objects.get_for_model(Part),
            object_id=summary.sha256,
            object_repr=f"catalog import of {summary.file}"[:300],
            before=None,
            after=after,
        )


def import_catalog_file(
    path: str | Path,
    *,
    actor=None,
    strict: bool = False,
    reject_path: str | Path | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: bool = False,
    source_name: str | None = None,
) -> ImportSummary:
    """Import a catalog CSV file (see the module docstring); never raises for a bad file.

    `source_name` names the file in the summary, audit and reject file when `path` is a temporary copy
    (API uploads). Rejects go to `reject_path`, by default a file under VAR_DIR/imports/.
    """
    path = Path(path)
    summary = ImportSummary(file=source_name or path.name, strict=strict)
    started = time.perf_counter()
    try:
        fh = open(path, "rb", buffering=1 << 20)  # noqa: SIM115 - closed in the finally below
    except FileNotFoundError:
        summary.refused = f"file not found: {path}"
        return summary
    except (IsADirectoryError, PermissionError) as exc:
        summary.refused = f"cannot read {path}: {exc.strerror}"
        return summary
    bar = None
    importer = None
    try:
        source = _Lines(fh)
        lines = iter(source)
        positions = _read_header(lines, source)
        if progress:
            from tqdm import tqdm

            bar = tqdm(
                total=path.stat().st_size, unit="B", unit_scale=True, desc=summary.file, leave=True
            )
        importer = _Importer(summary, actor, strict, batch_size, bar)
        try:
            importer.run(fh, positions, lines, source)
        except IntegrityError as exc:
            # Someone else wrote a clashing part or offer between our check and our insert.
            raise _Refused(
                f"the catalog changed while the file was being imported ({exc}); nothing was "
                "written, run the import again"
            ) from exc
    except _Refused as exc:
        summary.refused = str(exc)
        summary.created = summary.updated = summary.unchanged = 0
        summary.offers_created = summary.offers_updated = summary.offers_unchanged = 0
        summary.organisations_created = 0
        summary.organisation_names = []
    finally:
        fh.close()
        if bar is not None:
            bar.close()
    if importer is not None:
        rejects = importer.rejects
        summary.rejected = rejects.count
        summary.rejects = rejects.kept
        if rejects.count:
            if not summary.sha256:
                summary.sha256 = source.sha.hexdigest()
            target = Path(reject_path) if reject_path else None
            target = target or default_reject_path(summary.file, summary.sha256)
            rejects.write(target)
            summary.reject_path = str(target)
        rejects.close()
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary
