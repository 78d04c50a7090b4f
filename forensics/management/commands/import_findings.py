from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from forensics.services.imports import IMPORTERS, FindingImportError, import_findings


class Command(BaseCommand):
    help = (
        "Import findings from a CSV file: --format gur (the GUR War & Sanctions layout, published "
        "and confirmed) or --format plain (an analyst's spreadsheet, resolved by the resolver). "
        "All or nothing per file; re-running changes nothing. Columns: docs/findings.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file (UTF-8)")
        parser.add_argument("--format", required=True, choices=sorted(IMPORTERS), dest="fmt")
        parser.add_argument(
            "--user", help="Username recorded as the analyst and in the audit trail"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and count everything, write nothing"
        )

    def handle(self, *args, file, fmt, user=None, dry_run=False, **options):
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user named {user!r}.")
        try:
            report = import_findings(fmt, file, actor=actor, dry_run=dry_run)
        except FindingImportError as exc:
            if exc.report is not None:
                for line, reason in exc.report.rejects:
                    self.stderr.write(f"line {line}: {reason}")
            raise CommandError(str(exc))
        self.stdout.write(report.summary())
        if report.unknown_manufacturers:
            self.stdout.write("Manufacturers not in the catalog (add them or an alias):")
            for name, count in report.unknown_manufacturers.most_common():
                self.stdout.write(f"  {count:5d}  {name}")
