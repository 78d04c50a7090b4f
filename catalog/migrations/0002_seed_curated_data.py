"""Curated seed data: manufacturers, aliases, acquisitions, prefix families and CHPL HS codes."""

from django.db import migrations


def seed(apps, schema_editor):
    from catalog.seed import load_seed

    load_seed(apps)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
