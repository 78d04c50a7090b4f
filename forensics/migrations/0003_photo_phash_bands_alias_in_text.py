import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("forensics", "0002_finding_resolution_outbox"),
    ]

    operations = [
        migrations.AddField(
            model_name="photo",
            name="phash_band0",
            field=models.PositiveIntegerField(blank=True, db_index=True, null=True),
        ),
        migrations.AddField(
            model_name="photo",
            name="phash_band1",
            field=models.PositiveIntegerField(blank=True, db_index=True, null=True),
        ),
        migrations.AddField(
            model_name="photo",
            name="phash_band2",
            field=models.PositiveIntegerField(blank=True, db_index=True, null=True),
        ),
        migrations.AddField(
            model_name="photo",
            name="phash_band3",
            field=models.PositiveIntegerField(blank=True, db_index=True, null=True),
        ),
        migrations.AddField(
            model_name="photo",
            name="state_changed_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now,
                help_text="When the state last changed: the sweep finds stuck photos.",
            ),
        ),
        migrations.AddField(
            model_name="weaponsystemalias",
            name="in_text",
            field=models.BooleanField(
                default=True,
                help_text=(
                    "Also recognised inside longer names and slugs. Off for generic words "
                    "(`Orion` names a drone and a GNSS receiver), which then match only exactly."
                ),
            ),
        ),
        migrations.AlterField(
            model_name="photo",
            name="phash",
            field=models.CharField(
                blank=True,
                help_text="pHash (hex) of the upright image (EXIF orientation applied).",
                max_length=16,
            ),
        ),
        migrations.AddIndex(
            model_name="photo",
            index=models.Index(
                fields=["state", "state_changed_at"], name="forensics_p_state_9354a7_idx"
            ),
        ),
    ]
