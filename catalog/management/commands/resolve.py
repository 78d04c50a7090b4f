"""`manage.py resolve "TEXT" ... [--file FILE] [--json] [--top N]`: the resolver from the shell."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.api.serializers_resolve import MAX_TEXT_CHARS
from catalog.resolver import resolve_many

BATCH = 1_000


class Command(BaseCommand):
    help = (
        "Resolve marking texts (as read off a chip) into ranked part/manufacturer candidates, "
        "a date code and a lot code. Texts come from the arguments and/or --file (one per "
        "line, '-' for standard input). --json prints one JSON object per text with the same "
        "fields as POST /api/v1/resolve/. Exit status 1 if a text was refused (empty, too long) "
        "or the file cannot be read."
    )

    def add_arguments(self, parser):
        parser.add_argument("texts", nargs="*", metavar="TEXT", help="marking text(s)")
        parser.add_argument(
            "--file", metavar="FILE", help="read one text per line (UTF-8); '-' for stdin"
        )
        parser.add_argument(
            "--json", action="store_true", help="one JSON object per line, as the API answers"
        )
        parser.add_argument(
            "--top", type=int, default=3, metavar="N", help="candidates shown (default 3)"
        )

    def handle(self, *args, **options):
        if options["top"] < 1:
            raise CommandError("--top must be at least 1")
        texts = [(f"argument {i + 1}", t) for i, t in enumerate(options["texts"])]
        if options["file"]:
            texts += self._read(options["file"])
        if not texts:
            raise CommandError("Nothing to resolve: give TEXT arguments or --file FILE.")
        refused = 0
        batch: list[str] = []
        for where, text in texts:
            problem = _problem(text)
            if problem:
                refused += 1
                self.stderr.write(f"{where}: {problem}")
                continue
            batch.append(text)
            if len(batch) == BATCH:
                self._emit(batch, options)
                batch = []
        if batch:
            self._emit(batch, options)
        if refused:
            raise CommandError(f"{refused} text(s) refused (see above).")

    def _read(self, name: str) -> list[tuple[str, str]]:
        if name == "-":
            lines = sys.stdin.read().splitlines()
        else:
            path = Path(name)
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except FileNotFoundError:
                raise CommandError(f"File not found: {name}") from None
            except IsADirectoryError:
                raise CommandError(f"{name} is a directory, not a file of texts.") from None
            except UnicodeDecodeError as exc:
                raise CommandError(f"{name} is not UTF-8 text ({exc.reason}).") from None
            except OSError as exc:
                raise CommandError(f"Cannot read {name}: {exc.strerror}") from None
        return [(f"line {n}", line) for n, line in enumerate(lines, start=1) if line.strip()]

    def _emit(self, texts: list[str], options) -> None:
        for resolution in resolve_many(texts):
            if options["json"]:
                self.stdout.write(json.dumps(resolution.to_dict(), ensure_ascii=False))
            else:
                self.stdout.write(_describe(resolution, options["top"]))


def _problem(text: str) -> str | None:
    if not text.strip():
        return "the text is empty"
    if len(text) > MAX_TEXT_CHARS:
        return f"the text has {len(text):,} characters; at most {MAX_TEXT_CHARS:,} are read"
    return None


def _describe(resolution, top: int) -> str:
    lines = [resolution.text.replace("\n", " / "), f"  status: {resolution.status}"]
    for rank, candidate in enumerate(resolution.candidates[:top], start=1):
        owner = (
            "" if candidate.owner_id == candidate.manufacturer_id else f", owner {candidate.owner}"
        )
        what = candidate.mpn or "(part not in the catalog)"
        lines.append(
            f"  {rank}. {what}  {candidate.manufacturer}{owner}"
            f"{', ' + candidate.country if candidate.country else ''}"
            f"  score {candidate.score:.2f} [{candidate.match}]"
        )
        lines.extend(f"       - {reason}" for reason in candidate.reasons)
    if not resolution.candidates:
        lines.append("  no candidate")
    code = resolution.date_code
    if code is not None:
        flag = (
            "after the export controls"
            if code.after_export_controls
            else "possibly after the export controls"
            if code.possibly_after
            else "before the export controls"
        )
        lines.append(
            f"  date code: {code.token} read as {code.rule}: {code.start} to {code.end} ({flag})"
        )
    if resolution.lot_code:
        lines.append(f"  lot code: {resolution.lot_code}")
    for warning in resolution.warnings:
        lines.append(f"  warning: {warning}")
    return "\n".join(lines)
