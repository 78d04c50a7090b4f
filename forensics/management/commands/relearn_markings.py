"""`manage.py relearn_markings [--dry-run]`: rebuild the resolver's learned markings from the
findings confirmed now, for a database whose confirmation counts drifted (see docs/resolver.md).

Prints what it created, corrected and deleted; `--dry-run` prints the same and changes nothing.
"""

from django.core.management.base import BaseCommand

from forensics.services.findings import relearn_from_confirmed


class Command(BaseCommand):
    help = (
        "Rebuild KnownMarking (the resolver's learned markings) from the confirmed findings: one "
        "confirmation per finding, rows no confirmed finding vouches for deleted. Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; change nothing."
        )

    def handle(self, *args, **options):
        dry_run = options["dry_run"]
        report = relearn_from_confirmed(dry_run=dry_run)
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"{report.lessons} confirmed findings teach the resolver; learned markings: "
            f"{report.created} {verb} created, {report.updated} {verb} corrected, "
            f"{report.deleted} {verb} deleted, {report.unchanged} already right."
        )
