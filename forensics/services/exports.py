"""Finding exports as CSV and JSON, streamed row by row from a `values()` iterator.

The API and `manage.py export_findings` share these generators, so both redact the same way: a
manufacturer's export has the columns of the redacted API view and nothing more.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import json
from collections.abc import Iterable, Iterator

from django.db.models import F
from django.db.models.functions import Coalesce

from forensics.api.base import MANUFACTURER_CLEARANCE, clearance

CHUNK_SIZE = 2000

# (column, ORM lookup) in output order.
FULL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "id"),
    ("recovery_id", "recovery_id"),
    ("recovery_reference", "recovery__reference"),
    ("weapon_system", "recovery__weapon_system__name"),
    ("recovered_on", "recovery__recovered_on"),
    ("oblast", "recovery__oblast"),
    ("sharing", "recovery__sharing"),
    ("external_id", "external_id"),
    ("board", "board"),
    ("module", "module"),
    ("position", "position"),
    ("marking", "marking"),
    ("category", "category"),
    ("quantity", "quantity"),
    ("status", "status"),
    ("part_id", "part_id"),
    ("mpn", "part__mpn"),
    ("hs_code", "part__hs_code"),
    ("chpl_tier", "part__chpl_tier"),
    ("manufacturer_id", "manufacturer_id"),
    ("manufacturer", "manufacturer__name"),
    ("manufacturer_country", "manufacturer__country"),
    ("owner", "export_owner"),
    ("confidence", "confidence"),
    ("date_code", "date_code"),
    ("date_code_rule", "date_code_rule"),
    ("manufactured_from", "manufactured_from"),
    ("manufactured_to", "manufactured_to"),
    ("after_export_controls", "after_export_controls"),
    ("possibly_after_export_controls", "possibly_after_export_controls"),
    ("lot_code", "lot_code"),
    ("source_url", "source_url"),
    ("notes", "notes"),
    ("analyst", "analyst__username"),
    ("confirmed_by", "confirmed_by__username"),
    ("confirmed_at", "confirmed_at"),
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
)
RESTRICTED = frozenset({"external_id", "source_url", "notes", "analyst", "confirmed_by"})
REDACTED_COLUMNS = tuple(c for c in FULL_COLUMNS if c[0] not in RESTRICTED)

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def columns_for(user) -> tuple[tuple[str, str], ...]:
    """Redacted columns at manufacturer clearance (as `finding_serializer_for`); else all."""
    if user is not None and clearance(user) == MANUFACTURER_CLEARANCE:
        return REDACTED_COLUMNS
    return FULL_COLUMNS


def _jsonable(value):
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def export_rows(queryset, columns) -> Iterator[dict]:
    """Rows as dicts of JSON-safe values, read in chunks so memory stays flat."""
    lookups = [lookup for _, lookup in columns]
    rows = (
        queryset.annotate(
            export_owner=Coalesce(F("manufacturer__owner__name"), F("manufacturer__name"))
        )
        .order_by("id")
        .values(*lookups)
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for row in rows:
        yield {name: _jsonable(row[lookup]) for name, lookup in columns}


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value):
        return value


def _csv_cell(value) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_lines(rows: Iterable[dict], columns) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow([name for name, _ in columns])
    for row in rows:
        yield writer.writerow([_csv_cell(value) for value in row.values()])


def json_chunks(rows: Iterable[dict]) -> Iterator[str]:
    """A JSON array, one finding per line, never held whole in memory."""
    yield "["
    first = True
    for row in rows:
        yield ("\n" if first else ",\n") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "\n]\n"


def stream(queryset, user, fmt: str) -> Iterator[str]:
    columns = columns_for(user)
    rows = export_rows(queryset, columns)
    if fmt == "csv":
        return csv_lines(rows, columns)
    if fmt == "json":
        return json_chunks(rows)
    raise ValueError(f"Unknown export format {fmt!r}: use csv or json.")
