"""`manage.py verify_evidence`: re-hash every stored original and report what changed or vanished.

Exits 0 when every original still has the SHA-256 recorded at upload, 1 otherwise (for cron and CI).
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from forensics.models import Photo
from forensics.services.evidence import verify_originals


class Command(BaseCommand):
    help = "Re-hash every evidence original (streamed) and report mismatches and missing files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--recovery",
            type=int,
            action="append",
            help="Only this recovery's photos (repeatable).",
        )
        parser.add_argument(
            "--photo", type=int, action="append", help="Only this photo (repeatable)."
        )

    def handle(self, *args, **options):
        photos = Photo.objects.all()
        if options["recovery"]:
            photos = photos.filter(recovery_id__in=options["recovery"])
        if options["photo"]:
            photos = photos.filter(pk__in=options["photo"])
        total = photos.count()
        checked = 0

        def progress(photo_id):
            nonlocal checked
            checked += 1

        problems = 0
        for problem in verify_originals(photos, on_progress=progress):
            problems += 1
            if problem.kind == "missing":
                line = f"MISSING  photo {problem.photo_id}: {problem.path or '(no file recorded)'}"
            else:
                line = (
                    f"MISMATCH photo {problem.photo_id}: {problem.path} "
                    f"recorded {problem.expected}, now {problem.actual}"
                )
            self.stderr.write(line)
        summary = f"{checked} of {total} original(s) checked, {problems} problem(s)."
        if problems:
            self.stderr.write(summary)
            sys.stderr.flush()
            raise CommandError(f"Evidence verification failed: {problems} problem(s).")
        self.stdout.write(self.style.SUCCESS(summary))
