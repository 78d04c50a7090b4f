from django.core.management.base import BaseCommand
from django.db import transaction

from catalog.seed import load_seed


class Command(BaseCommand):
    help = "Load (or refresh) the curated manufacturers, aliases, acquisitions and CHPL HS codes."

    def handle(self, *args, **options):
        with transaction.atomic():
            summary = load_seed()
        self.stdout.write(
            self.style.SUCCESS(
                "Seeded {organisations} organisations, {ownerships} ownerships, "
                "{hs_codes} HS codes.".format(**summary)
            )
        )
