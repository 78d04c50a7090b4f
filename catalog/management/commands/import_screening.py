"""`manage.py import_screening FILE.csv [--date YYYY-MM-DD] [--allow-older]`."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.screening import ScreeningImportError, import_csl_file


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date {value!r} is not a date (expected YYYY-MM-DD).")


class Command(BaseCommand):
    help = (
        "Import the US Consolidated Screening List (trade.gov CSV layout). Each list in the file "
        "(Entity List, SDN, MEU...) replaces its previous version atomically, and every "
        "supply-chain organisation is re-screened. A bad file changes nothing (exit status 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSL CSV file (UTF-8, header line)")
        parser.add_argument(
            "--date",
            type=iso_date,
            metavar="YYYY-MM-DD",
            help="date of the list file (default: the file's modification date)",
        )
        parser.add_argument(
            "--allow-older",
            action="store_true",
            help="replace a stored list even if this file is older than it",
        )

    def handle(self, *args, **options):
        try:
            result = import_csl_file(
                options["file"], file_date=options["date"], allow_older=options["allow_older"]
            )
        except ScreeningImportError as exc:
            raise CommandError(f"{options['file']}: {exc} Nothing was changed.")
        for item in result.lists:
            self.stdout.write(
                f"{item['code'] or '-':>5}  {item['entries']:>6,} entries "
                f"(replacing {item['replaced']:,})  {item['source']}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(result.lists)} list(s) imported; {result.screened:,} organisation(s) "
                f"screened, {result.hits:,} hit(s)."
            )
        )
