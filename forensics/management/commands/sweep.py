"""`manage.py sweep`: run every sweep once, here and now (photos, markings, catalog imports,
notifications, screening).

With a broker, celery beat runs them on a schedule (settings.CELERY_BEAT_SCHEDULE). Without one
(in-process mode) there is no beat: run this from cron every few minutes, so that work a crash left
behind (a photo never processed, a marking never resolved, an import never run) is done anyway.
"""

from django.core.management.base import BaseCommand, CommandError

from forensics.celery import app

SWEEPS = (
    ("photos left pending or processing", "forensics.tasks.sweep_stale_photos"),
    ("markings never resolved", "forensics.tasks.sweep_unresolved_findings"),
    ("catalog imports left behind", "catalog.sweep_import_jobs"),
    ("notifications not delivered", "notifications.sweep"),
    ("organisations not screened", "screening.sweep"),
)
"""(what it picks up, the Celery task that beat runs for it)."""


class Command(BaseCommand):
    help = "Run every sweep once (for in-process mode, where no celery beat runs): cron it."

    def handle(self, *args, **options):
        app.loader.import_default_modules()  # the apps' tasks modules, as a worker loads them
        failed = []
        for label, name in SWEEPS:
            result = app.tasks[name].apply()
            if result.failed():
                failed.append(label)
                self.stderr.write(f"{label}: failed: {result.result!r}")
            else:
                self.stdout.write(f"{label}: {result.result}")
        if failed:
            raise CommandError(f"{len(failed)} sweep(s) failed: {', '.join(failed)}")
