from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from forensics.filters import FindingFilterSet
from forensics.services import exports
from forensics.services.findings import findings_for


class Command(BaseCommand):
    help = (
        "Export findings as CSV or JSON with the API list's filters, e.g. "
        "--filter status=confirmed --filter weapon_system=3. Filters: "
        + ", ".join(sorted(FindingFilterSet.base_filters))
        + ". Without --user every finding is exported in full; with --user, what that user may "
        "see, redacted as the API redacts it for them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=["csv", "json"], dest="fmt")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="A filter of the finding list (repeatable)",
        )
        parser.add_argument("--user", help="Export as this user sees it (visibility, redaction)")
        parser.add_argument("--output", "-o", help="Write to this file instead of stdout")

    def handle(self, *args, fmt, filter, user=None, output=None, **options):
        params = {}
        for item in filter:
            name, sep, value = item.partition("=")
            if not sep or not name.strip():
                raise CommandError(f"--filter {item!r}: write NAME=VALUE.")
            if name.strip() not in FindingFilterSet.base_filters:
                raise CommandError(
                    f"--filter {name.strip()!r}: no such filter. Filters: "
                    + ", ".join(sorted(FindingFilterSet.base_filters))
                )
            params[name.strip()] = value.strip()
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user named {user!r}.")
        try:
            queryset = findings_for(actor, params)
        except ValidationError as exc:
            raise CommandError(f"Bad filter: {exc.message_dict}")
        chunks = exports.stream(queryset, actor, fmt)
        if output:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                for chunk in chunks:
                    handle.write(chunk)
        else:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
