"""`manage.py import_catalog FILE.csv [--strict] [--rejects PATH] [--batch-size N]`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.importer import COLUMNS, DEFAULT_BATCH_SIZE, import_catalog_file


class Command(BaseCommand):
    help = (
        "Import parts (and distributor offers) from a CSV file with the columns "
        f"{', '.join(COLUMNS)} (mpn and manufacturer required). Re-importing changes nothing; "
        "bad rows go to a reject file. Exit status 0 when the import ran (even with rejects), "
        "1 when the file was refused."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", type=Path, help="CSV file (UTF-8, comma-separated, header line)"
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="refuse the whole file, changing nothing, if any row is rejected",
        )
        parser.add_argument(
            "--rejects",
            type=Path,
            metavar="PATH",
            help="where to write rejected rows (default: var/imports/<file>-<time>-<hash>.rejects.csv)",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            metavar="N",
            help=f"rows staged per batch (default {DEFAULT_BATCH_SIZE:,})",
        )

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        summary = import_catalog_file(
            options["file"],
            strict=options["strict"],
            reject_path=options["rejects"],
            batch_size=options["batch_size"],
            progress=self.stdout.isatty(),
        )
        out = self.stdout
        if summary.rows or summary.ok:
            out.write(f"{summary.file}: {summary.rows:,} rows read in {summary.seconds:.1f} s")
        if summary.ok:
            out.write(
                f"  parts:  {summary.created:,} created, {summary.updated:,} updated, "
                f"{summary.unchanged:,} unchanged, {summary.rejected:,} rejected"
            )
            out.write(
                f"  offers: {summary.offers_created:,} created, {summary.offers_updated:,} "
                f"updated, {summary.offers_unchanged:,} unchanged"
            )
            if summary.organisations_created:
                names = ", ".join(summary.organisation_names[:10])
                more = summary.organisations_created - min(10, len(summary.organisation_names))
                out.write(
                    f"  {summary.organisations_created:,} new organisations flagged for review: "
                    f"{names}{f' and {more:,} more' if more > 0 else ''}"
                )
            changes = (
                summary.created,
                summary.updated,
                summary.offers_created,
                summary.offers_updated,
                summary.organisations_created,
            )
            if not any(changes):
                out.write("  nothing changed: the catalog already holds every row")
        if options["verbosity"] >= 2 and summary.phases:
            timings = ", ".join(f"{name} {sec:.1f} s" for name, sec in summary.phases.items())
            out.write(f"  phases: {timings}")
        for reject in summary.rejects[:5]:
            self.stderr.write(f"  line {reject.line}: {reject.reason}")
        if summary.rejected > 5:
            self.stderr.write(f"  ... and {summary.rejected - 5:,} more rejected rows")
        if summary.reject_path:
            self.stderr.write(f"  rejected rows written to {summary.reject_path}")
        if not summary.ok:
            raise CommandError(f"{summary.file} refused, nothing changed: {summary.refused}")
