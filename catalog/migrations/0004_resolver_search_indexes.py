"""Indexes the resolver's look-ups need on PostgreSQL; nothing to do on SQLite.

* ``pg_trgm`` and a GIN trigram index on ``Part.mpn_fold``: the fuzzy round's similarity search.
* Byte-wise (``varchar_pattern_ops``) btree indexes on ``mpn_norm``, ``mpn_base`` and ``mpn_fold``
  for prefix ranges and ``LIKE 'X%'`` whatever the database collation. Django already creates
  such ``*_like`` indexes for ``db_index`` character fields, so one is only added for a column
  that has none (never a duplicate).

SQLite compares text byte-wise and uses the plain indexes for the same ranges; its fuzzy search
is the bounded fallback described in docs/resolver.md.
"""

from django.db import migrations

TRIGRAM_INDEX = "catalog_part_mpn_fold_trgm"
PATTERN_COLUMNS = ("mpn_norm", "mpn_base", "mpn_fold")


def _pattern_index(column: str) -> str:
    return f"catalog_part_{column}_pattern"


def _has_pattern_index(cursor, table: str, column: str) -> bool:
    cursor.execute(
        """
        SELECT 1 FROM pg_index i
        JOIN pg_class t ON t.oid = i.indrelid
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
        JOIN pg_opclass c ON c.oid = i.indclass[0]
        WHERE t.relname = %s AND a.attname = %s AND i.indnatts = 1
          AND c.opcname IN ('varchar_pattern_ops', 'text_pattern_ops')
        """,
        [table, column],
    )
    return cursor.fetchone() is not None


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("catalog", "Part")._meta.db_table
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON {table} USING gin (mpn_fold gin_trgm_ops)"
    )
    with schema_editor.connection.cursor() as cursor:
        for column in PATTERN_COLUMNS:
            if not _has_pattern_index(cursor, table, column):
                schema_editor.execute(
                    f"CREATE INDEX IF NOT EXISTS {_pattern_index(column)} "
                    f"ON {table} ({column} varchar_pattern_ops)"
                )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")
    for column in PATTERN_COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {_pattern_index(column)}")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_screening_lists_and_hits"),
    ]

    operations = [
        migrations.RunPython(add_indexes, drop_indexes, elidable=False),
    ]
