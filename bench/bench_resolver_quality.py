"""Resolver quality on real markings: half of the GUR file taught, the other half resolved.

    python -m bench.bench_resolver_quality [--data ../shared/data] [--show 40]

``gur-components-dev.csv`` is split in two by a hash of ``component_id`` (deterministic). In a
fresh database (``BENCH_RESOLVER_QUALITY_DATABASE_URL``, default PostgreSQL
``bench_resolver_quality``, dropped and created again each run; a ``sqlite:///`` URL works too)
with the curated seed and the Digi-Key catalog (``digikey-parts.csv``, through the catalog
import), the first half goes in as confirmed knowledge through the product's own GUR findings
import (``forensics.services.imports.import_gur``: each row whose published manufacturer is
known becomes a confirmed finding, and its marking is learned). Then every marking of the
second half is resolved, and the published manufacturer is the truth: a brand or its current
owner counts as right (``Maxim Integrated Products (Analog Devices)``: Maxim or ADI).

Beside it, a naive baseline: the same marking seen in the first half (exact text), else the
first whitespace-separated token that equals a catalog MPN exactly.

Part numbers: the mirror's ``oem_part_number`` is a regex guess, often wrong, so the reference is
a careful reading by hand of 100 random test rows (``bench/data/gur-part-readings.csv``: the part
number as printed, normalised; empty where the text holds none; ``?`` where a careful reader
cannot tell, left out). The published guess is scored against the same readings. ``--show N``
prints N test rows with the resolver's answers. Figures: docs/resolver.md.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import random
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_resolver_quality"
READINGS = Path(__file__).resolve().parent / "data" / "gur-part-readings.csv"
CHILD_FLAG = "BENCH_RESOLVER_QUALITY_CHILD"
UNSPECIFIED = "(unspecified)"
NOT_IDENTIFIED = {"not identified", "unknown", "n/a", ""}
_MIXED = re.compile(r"(?=.*[A-Z])(?=.*\d)")
SCORE_BINS = (0.0, 0.35, 0.5, 0.7, 0.8, 0.9, 0.97, 1.0001)


def half(component_id: str) -> int:
    """0: taught, 1: resolved. A hash, so the split is fixed and independent of row order."""
    return hashlib.sha256(component_id.encode("utf-8")).digest()[0] & 1


def _readings(path: Path) -> dict[str, str]:
    """component_id -> the part number read by hand ("" for none); "?" rows left out."""
    with open(path, encoding="utf-8", newline="") as handle:
        return {
            row["component_id"]: row["reading"].strip()
            for row in csv.DictReader(handle)
            if row["reading"].strip() != "?"
        }


def _same_number(found: str | None, reference: str) -> bool:
    from catalog.normalize import FAMILIES, base, norm

    found = norm(found or "")
    if not reference:
        return not found
    if not found:
        return False
    if found == reference:
        return True
    return any(base(found, family) == base(reference, family) for family in (None, *FAMILIES))


def _tokens(text: str) -> list[str]:
    from catalog.normalize import norm

    return [key for key in (norm(piece) for piece in text.split()) if key]


# --------------------------------------------------------------------------- the child run


def _setup(data: Path) -> dict:
    from django.core.management import call_command

    from catalog.importer import import_catalog_file

    call_command("migrate", verbosity=0)
    summary = import_catalog_file(data / "digikey-parts.csv")
    if summary.refused:
        raise SystemExit(f"Digi-Key import refused: {summary.refused}")
    return {"digikey_parts": summary.created + summary.updated + summary.unchanged}


def _teach(rows: list[dict], header: list[str]) -> dict:
    from forensics.services.imports import import_gur

    with tempfile.NamedTemporaryFile(
        "w", suffix=".csv", delete=False, encoding="utf-8", newline=""
    ) as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
        path = handle.name
    try:
        report = import_gur(path)
    finally:
        os.unlink(path)
    return {
        "rows": len(rows),
        "taught": report.taught,
        "unknown_manufacturer_rows": sum(report.unknown_manufacturers.values()),
        "not_identified": report.not_identified,
    }


def _truth(name: str, index: dict, owners: dict) -> tuple[bool, set[int]]:
    """(identified, acceptable owner ids): the brand, each name in its parenthesis, and their
    current owners, as far as the catalog knows them."""
    from catalog import services
    from catalog.normalize import split_brand_owner

    if name.strip().lower() in NOT_IDENTIFIED:
        return False, set()
    brand, others = split_brand_owner(name)
    found = set()
    for spelling in (name, brand, *others):
        org = services.resolve_manufacturer_in(index, spelling, owners)
        if org is not None:
            found.add(owners.get(org, org))
    return True, found


def _naive(test_rows, taught_rows, index, owners):
    """Exact text seen in the taught half, else the first token that is a catalog MPN."""
    from catalog.models import Part
    from catalog.normalize import norm

    memory = {}
    for row in taught_rows:
        identified, makers = _truth(row["manufacturer"], index, owners)
        if identified and len(makers) == 1:
            memory.setdefault(norm(row["name_marking"]), next(iter(makers)))
    wanted = {token for row in test_rows for token in _tokens(row["name_marking"])}
    makers_of: dict[str, set[int]] = {}
    for mpn_norm, maker, owner in Part.objects.filter(mpn_norm__in=wanted).values_list(
        "mpn_norm", "manufacturer_id", "manufacturer__owner_id"
    ):
        makers_of.setdefault(mpn_norm, set()).add(owner or maker)
    answers = []
    for row in test_rows:
        tokens = _tokens(row["name_marking"])
        remembered = memory.get(norm(row["name_marking"]))
        if remembered is not None:
            guess = next((t for t in tokens if _MIXED.match(t)), None)
            answers.append((remembered, guess))
            continue
        hit = next((t for t in tokens if t in makers_of), None)
        if hit is not None and len(makers_of[hit]) == 1:
            answers.append((next(iter(makers_of[hit])), hit))
        else:
            guess = hit or next((t for t in tokens if len(t) >= 4 and _MIXED.match(t)), None)
            answers.append((None, guess))
    return answers


def child(args) -> int:
    import django

    django.setup()
    from catalog import services
    from catalog.resolver import resolve_many

    data = Path(args.data)
    with open(data / "gur-components-dev.csv", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    setup = _setup(data)
    taught_rows = [row for row in rows if half(row["component_id"]) == 0]
    test_all = [row for row in rows if half(row["component_id"]) == 1]
    taught = _teach(taught_rows, header)

    index, owners = services.alias_index(), services.owner_index()
    test_rows = [r for r in test_all if r["name_marking"].strip() not in ("", UNSPECIFIED)]
    results = resolve_many([row["name_marking"] for row in test_rows])
    naive = _naive(test_rows, taught_rows, index, owners)

    readings = _readings(READINGS)
    bins: dict[float, Counter] = {}
    tally: dict[str, Counter] = {name: Counter() for name in ("resolver", "naive")}
    by_status: dict[str, Counter] = {}
    unknown_truth = Counter()
    parts = Counter()
    shown = []
    for row, result, (naive_owner, naive_part) in zip(test_rows, results, naive, strict=True):
        reading = readings.get(row["component_id"])
        if reading is not None:
            parts["rows"] += 1
            parts["resolver"] += _same_number(result.part_number, reading)
            parts["naive"] += _same_number(naive_part, reading)
            parts["published guess"] += _same_number(row["oem_part_number"], reading)
        identified, acceptable = _truth(row["manufacturer"], index, owners)
        best = result.candidates[0] if result.candidates and result.status != "unknown" else None
        verdicts = {
            "resolver": None if best is None else best.owner_id in acceptable,
            "naive": None if naive_owner is None else naive_owner in acceptable,
        }
        shown.append((row, result, verdicts["resolver"]))
        if not identified:
            unknown_truth["rows"] += 1
            unknown_truth["resolver named someone"] += best is not None
            continue
        if not acceptable:
            unknown_truth["maker not in the catalog"] += 1
        for name, verdict in verdicts.items():
            tally[name]["unknown" if verdict is None else "right" if verdict else "wrong"] += 1
        status = by_status.setdefault(result.status, Counter())
        status["rows"] += 1
        if result.candidates:
            right = result.candidates[0].owner_id in acceptable
            status["right" if right else "wrong"] += 1
            score = result.candidates[0].score
            low = max(b for b in SCORE_BINS[:-1] if b <= score)
            bins.setdefault(low, Counter())["right" if right else "wrong"] += 1

    report(setup, taught, len(test_all), len(test_rows), tally, by_status, unknown_truth, parts)
    print("\nCalibration on real markings (top candidate's score -> maker right):")
    for low, high in zip(SCORE_BINS, SCORE_BINS[1:], strict=False):
        counts = bins.get(low, Counter())
        print(
            f"  score [{low:.2f}, {min(high, 1.0):.2f}): n={counts['right'] + counts['wrong']:>4}"
            f"  right {_precision(counts)}"
        )
    if args.show:
        rng = random.Random(7)
        print(f"\n{args.show} test rows for a careful reading (marking | published | resolver):")
        for row, result, verdict in rng.sample(shown, min(args.show, len(shown))):
            best = result.candidates[0] if result.candidates else None
            said = f"{best.manufacturer} ({best.score:.2f})" if best else "-"
            print(
                f"- {row['component_id']} {row['name_marking']!r} | {row['manufacturer']} | "
                f"oem {row['oem_part_number']!r} | {result.status}: {said}, "
                f"part {result.part_number!r}, maker "
                f"{'right' if verdict else 'unknown' if verdict is None else 'wrong'}"
            )
    return 0


def _line(name: str, counts: Counter) -> str:
    total = sum(counts[k] for k in ("right", "wrong", "unknown")) or 1
    return (
        f"{name:<22}{counts['right']:>7}{counts['wrong']:>7}{counts['unknown']:>9}"
        f"{100 * counts['right'] / total:>9.1f}%{100 * counts['wrong'] / total:>8.1f}%"
        f"{_precision(counts):>11}"
    )


def _precision(counts: Counter) -> str:
    named = counts["right"] + counts["wrong"]
    return f"{100 * counts['right'] / named:.1f}%" if named else "-"


def report(setup, taught, test_all, test_rows, tally, by_status, unknown_truth, parts) -> None:
    print(
        f"Digi-Key parts: {setup['digikey_parts']:,}; taught half: {taught['rows']:,} rows, "
        f"{taught['taught']:,} markings learned ({taught['unknown_manufacturer_rows']} rows "
        f"whose manufacturer the catalog does not know, {taught['not_identified']} 'Not "
        "identified')"
    )
    print(
        f"test half: {test_all:,} rows, {test_rows:,} with a marking "
        f"({test_all - test_rows:,} '(unspecified)'); "
        f"{unknown_truth['rows']:,} published as not identified "
        f"(the resolver still named a maker for {unknown_truth['resolver named someone']:,}), "
        f"{unknown_truth['maker not in the catalog']:,} whose maker the catalog does not know"
    )
    print(
        f"\nManufacturer ({sum(tally['resolver'].values()):,} test markings with a published maker)"
    )
    print(
        f"{'':<22}{'right':>7}{'wrong':>7}{'unknown':>9}{'right':>10}{'wrong':>9}{'precision':>11}"
    )
    print(_line("resolver", tally["resolver"]))
    print(_line("naive exact token", tally["naive"]))
    print("\nResolver by status (top candidate, whatever the status):")
    for status in ("confident", "ambiguous", "unknown"):
        counts = by_status.get(status, Counter())
        print(
            f"  {status:<10} {counts['rows']:>5} rows: right {counts['right']:>5}, "
            f"wrong {counts['wrong']:>4}, precision {_precision(counts)}"
        )
    rows = parts["rows"] or 1
    print(
        f"\nPart number read off the marking, against a careful reading by hand of "
        f"{parts['rows']} random test rows (bench/data/gur-part-readings.csv):"
    )
    for name in ("resolver", "naive", "published guess"):
        print(f"  {name:<16} {parts[name]:>4} right ({100 * parts[name] / rows:.1f}%)")


# --------------------------------------------------------------------------- the parent


def _recreate_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///") :]).unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="the shared data folder")
    parser.add_argument("--show", type=int, default=0, help="print N test rows to read by hand")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    if os.environ.get(CHILD_FLAG):
        return child(args)
    if not (Path(args.data) / "gur-components-dev.csv").exists():
        print(f"bench_resolver_quality: no gur-components-dev.csv in {args.data}", file=sys.stderr)
        return 2
    url = os.environ.get("BENCH_RESOLVER_QUALITY_DATABASE_URL", DEFAULT_URL)
    _recreate_database(url)
    env = {
        **os.environ,
        CHILD_FLAG: "1",
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "forensics.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret-key-" + "x" * 30,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": "",
    }
    argv = list(argv if argv is not None else sys.argv[1:])
    return subprocess.call([sys.executable, "-m", "bench.bench_resolver_quality", *argv], env=env)


if __name__ == "__main__":
    sys.exit(main())
