"""Indexes for the finding list and statistics (figures in docs/findings.md).

Besides the model's indexes: on PostgreSQL a GIN trigram index on UPPER(marking), which serves the
list's `q` filter (Django's `icontains` is `UPPER(marking) LIKE UPPER('%...%')`). SQLite scans.
"""

from django.conf import settings
from django.db import migrations, models


MARKING_TRIGRAM_INDEX = "finding_marking_upper_trgm"


def add_marking_trigram(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("forensics", "Finding")._meta.db_table
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {MARKING_TRIGRAM_INDEX} ON {table} "
        "USING gin (UPPER(marking) gin_trgm_ops)"
    )


def drop_marking_trigram(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {MARKING_TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_resolver_search_indexes"),
        ("forensics", "0006_trace_requests"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(fields=["confidence"], name="finding_confidence"),
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(fields=["manufactured_from"], name="finding_manufactured_from"),
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(
                fields=[
                    "status",
                    "manufacturer",
                    "part",
                    "recovery",
                    "after_export_controls",
                    "possibly_after_export_controls",
                    "manufactured_to",
                ],
                name="finding_stats_cover",
            ),
        ),
        migrations.RunPython(add_marking_trigram, drop_marking_trigram, elidable=False),
    ]
