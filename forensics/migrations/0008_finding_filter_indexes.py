"""Indexes for the finding list's "made after" and "after the controls" filters and their counts."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("forensics", "0007_finding_list_and_statistics_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(fields=["manufactured_to", "recovery"], name="finding_manufactured_to"),
        ),
        migrations.AlterField(
            model_name="finding",
            name="after_export_controls",
            field=models.BooleanField(default=False),
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(
                fields=["after_export_controls", "manufacturer"], name="finding_after_maker"
            ),
        ),
    ]
