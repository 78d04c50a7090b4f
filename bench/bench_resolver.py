"""Resolver speed and quality at catalog scale, beside plain pg_trgm and Django's icontains.

    python -m bench.bench_resolver [--rows 1000000] [--small-rows 100000] [--samples 2000]

Three databases, each created, migrated and filled on first use and reused afterwards:

* PostgreSQL ``bench_resolver`` with ``--rows`` generated parts (``BENCH_RESOLVER_DATABASE_URL``);
* PostgreSQL ``bench_resolver_small`` and a SQLite file with ``--small-rows`` parts each
  (``BENCH_RESOLVER_SMALL_DATABASE_URL``, ``BENCH_RESOLVER_SQLITE``), to compare the two backends
  on the same catalog and the same texts.

Parts come from ``bench/generate_parts.py`` (seed 1) and go in through the catalog import
(``catalog.importer.import_catalog_file``). The test set is drawn from the same generator stream:
catalog parts perturbed the way markings are (one or two look-alike swaps, Cyrillic letters,
packaging suffix added or dropped, truncated), half of them wrapped in a description, a date code
and a lot code, plus parts the catalog does not hold (rows generated after the catalog's last
one: real prefix families, unseen numbers), whose right answer is the maker alone.

Each backend runs in a child process (Django is set up against that database only) and writes
its figures and answers as JSON; this process prints the tables. Figures: docs/resolver.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_resolver"
DEFAULT_SMALL_URL = "postgres://postgres@127.0.0.1:5432/bench_resolver_small"
CACHE = Path(os.environ.get("BENCH_RESOLVER_CACHE", tempfile.gettempdir())) / "resolver-bench"
DEFAULT_SQLITE = CACHE / "catalog-small.sqlite3"
CHILD_FLAG = "BENCH_RESOLVER_CHILD"
SEED = 1
SAMPLE_SEED = 20240224

KINDS = {
    "look-alike": 0.20,
    "cyrillic": 0.15,
    "suffix-added": 0.15,
    "suffix-dropped": 0.15,
    "truncated": 0.20,
    "not-in-catalog": 0.15,
}
CATALOG_KINDS = tuple(kind for kind in KINDS if kind != "not-in-catalog")

LOOKALIKE_SWAPS = {"O": "0", "0": "O", "I": "1", "1": "I", "S": "5", "5": "S", "B": "8",
                   "8": "B", "Z": "2", "2": "Z", "G": "6", "6": "G"}  # fmt: skip
CYRILLIC = {"A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "K": "К", "M": "М", "O": "О",
            "P": "Р", "T": "Т", "X": "Х", "Y": "У"}  # fmt: skip
ADDED_SUFFIXES = ("+T", "#PBF", "#TRPBF", "-REEL7", "/NOPB", ",118", "TR", "-TR", "TRPBF")
DESCRIPTIONS = ("Microcircuit", "Voltage regulator", "Transceiver", "Operational amplifier",
                "Microcontroller", "Chip", "Memory", "Diode", "MOSFET", "Frequency synthesizer")  # fmt: skip
LOT_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
SCORE_BINS = (0.0, 0.35, 0.5, 0.7, 0.9, 0.97, 1.0001)
BASELINE_SAMPLES = 100
"""icontains scans the whole table: it is timed on this many texts only."""


# --------------------------------------------------------------------------- the test set


def _wrap(marking: str, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return marking
    year, week = rng.randint(15, 25), rng.randint(1, 52)
    lot = "".join(rng.choice(LOT_LETTERS) + str(rng.randint(0, 9)) for _ in range(3))
    return f"{rng.choice(DESCRIPTIONS)} {marking} {year:02d}{week:02d} {lot}"


def _lookalike(mpn: str, rng: random.Random) -> str | None:
    spots = [i for i, ch in enumerate(mpn) if ch.upper() in LOOKALIKE_SWAPS]
    if not spots:
        return None
    chars = list(mpn)
    for i in rng.sample(spots, min(len(spots), rng.choice((1, 2)))):
        chars[i] = LOOKALIKE_SWAPS[chars[i].upper()]
    return "".join(chars)


def _cyrillic(mpn: str, rng: random.Random) -> str | None:
    spots = [i for i, ch in enumerate(mpn) if ch.upper() in CYRILLIC]
    if not spots:
        return None
    chars = list(mpn)
    for i in rng.sample(spots, min(len(spots), rng.choice((1, 2, 3)))):
        chars[i] = CYRILLIC[chars[i].upper()]
    return "".join(chars)


def _truncated(mpn_norm: str, mpn_base: str, rng: random.Random) -> str | None:
    """What a top mark keeps of an ordering code: the part number up to the end of its last
    run of digits that is followed by letters (grade, package, temperature and packaging
    dropped: ``LTC3414EFE#PBF`` -> ``LTC3414``), sometimes with one more character."""
    end = None
    for index in range(1, len(mpn_base)):
        if mpn_base[index - 1].isdigit() and not mpn_base[index].isdigit():
            end = index
    if end is None or end < 5:
        return None
    end = min(end + rng.choice((0, 0, 0, 1)), len(mpn_base) - 1)
    return mpn_norm[:end]


def make_samples(csv_path: Path, rows: int, count: int) -> list[dict]:
    """``count`` catalog rows (from the file the catalog was imported from) and unseen parts
    (the generator with another seed: the same makers and prefix families, other numbers)."""
    from bench.generate_parts import iter_parts
    from catalog.normalize import norm

    rng = random.Random(SAMPLE_SEED)
    picks = set(rng.sample(range(rows), min(rows, count * 2)))
    seen_rows = []
    with open(csv_path, encoding="utf-8", newline="") as handle:
        for index, row in enumerate(csv.DictReader(handle)):
            if index in picks:
                seen_rows.append((index, row["mpn"], row["manufacturer"]))
    unseen_rows = [
        (index, row["mpn"], row["manufacturer"])
        for index, row in enumerate(iter_parts(count * 3, SEED + 1))
    ]
    rng.shuffle(seen_rows)
    rng.shuffle(unseen_rows)
    kinds = list(KINDS)
    weights = [KINDS[k] for k in kinds]
    samples = []
    seen_iter, unseen_iter = iter(seen_rows), iter(unseen_rows)
    while len(samples) < count:
        kind = rng.choices(kinds, weights)[0]
        source = unseen_iter if kind == "not-in-catalog" else seen_iter
        try:
            index, mpn, maker = next(source)
        except StopIteration:
            break
        samples.append(
            {"index": index, "kind": kind, "mpn": mpn, "maker": maker, "rng": rng.random()}
        )
    for sample in samples:
        sample["norm"] = norm(sample["mpn"])
    return samples


def finish_samples(samples: list[dict]) -> list[dict]:
    """Truth from the database (the part, its maker and owner), then the perturbed text."""
    from catalog import services
    from catalog.models import Part

    aliases, owners = services.alias_index(), services.owner_index()
    wanted = {s["norm"] for s in samples}
    rows = {}
    for part in Part.objects.filter(mpn_norm__in=wanted).values(
        "id", "mpn_norm", "mpn_base", "manufacturer_id", "manufacturer__mpn_family"
    ):
        rows[(part["manufacturer_id"], part["mpn_norm"])] = part
    ready = []
    for sample in samples:
        rng = random.Random(sample["rng"])
        org_id = services.resolve_manufacturer_in(aliases, sample["maker"], owners)
        if org_id is None:
            continue
        sample["owner_id"] = owners.get(org_id, org_id)
        sample["org_id"] = org_id
        part = rows.get((org_id, sample["norm"]))
        kind = sample["kind"]
        if kind == "not-in-catalog":
            if part is not None:
                continue
            sample["part_id"] = None
            marking = sample["mpn"]
        else:
            if part is None:
                continue
            sample["part_id"] = part["id"]
            sample["base"] = part["mpn_base"]
            marking = None
            if kind == "look-alike":
                marking = _lookalike(sample["mpn"], rng)
            elif kind == "cyrillic":
                marking = _cyrillic(sample["mpn"], rng)
            elif kind == "suffix-added":
                if part["mpn_base"] == part["mpn_norm"]:
                    marking = sample["mpn"] + rng.choice(ADDED_SUFFIXES)
            elif kind == "suffix-dropped":
                if part["mpn_base"] != part["mpn_norm"]:
                    marking = part["mpn_base"]
            elif kind == "truncated":
                marking = _truncated(part["mpn_norm"], part["mpn_base"], rng)
            if not marking:
                continue
        sample["marking"] = marking
        sample["text"] = _wrap(marking, rng)
        ready.append(sample)
    return ready


# --------------------------------------------------------------------------- judging


def _part_rows(part_ids):
    from catalog.models import Part

    return {
        p["id"]: p
        for p in Part.objects.filter(id__in=set(part_ids)).values(
            "id", "mpn_norm", "mpn_base", "manufacturer_id", "manufacturer__owner_id"
        )
    }


def _owner(row) -> int:
    return row["manufacturer__owner_id"] or row["manufacturer_id"]


def part_hit(sample: dict, row: dict | None) -> bool:
    """Is this catalog part a right answer for the sample (see docs/resolver.md)?"""
    from catalog.normalize import norm

    if row is None or sample["part_id"] is None:
        return False
    if row["id"] == sample["part_id"]:
        return True
    kind = sample["kind"]
    same_owner = _owner(row) == sample["owner_id"]
    if row["mpn_norm"] == norm(sample["marking"]):
        return True  # the perturbed text is itself that part's MPN
    if kind == "suffix-added":
        return same_owner and row["mpn_base"] == sample["base"]
    if kind in ("suffix-dropped", "truncated"):
        return same_owner and row["mpn_norm"].startswith(norm(sample["marking"]))
    return False


def judge(samples: list[dict], answers: list[list[tuple[int | None, int]]]) -> list[dict]:
    """Per sample: rank of the first right part (or None), maker right at rank 1."""
    rows = _part_rows(pid for answer in answers for pid, _ in answer if pid)
    verdicts = []
    for sample, answer in zip(samples, answers, strict=True):
        rank = None
        for position, (part_id, _owner_id) in enumerate(answer[:5], start=1):
            if part_hit(sample, rows.get(part_id)):
                rank = position
                break
        maker_right = bool(answer) and answer[0][1] == sample["owner_id"]
        verdicts.append({"rank": rank, "maker_right": maker_right})
    return verdicts


# --------------------------------------------------------------------------- the child runs


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def _ensure_catalog(rows: int) -> tuple[dict, Path]:
    """Migrate, and import the generated catalog file unless the database already holds it."""
    from django.core.management import call_command

    from bench.generate_parts import write_csv
    from catalog.importer import import_catalog_file
    from catalog.models import Part

    call_command("migrate", verbosity=0)
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"parts-{rows}-seed{SEED}.csv"
    have = Part.objects.count()
    info = {"parts": have, "import_seconds": None}
    if not path.exists():
        with open(path, "w", encoding="utf-8", newline="") as out:
            write_csv(out, rows, SEED)
        if have >= rows:
            print(
                f"warning: {path} was generated again for a database that was already filled; "
                "if the generator changed since, texts whose part is not in the database are "
                "dropped from the test set (drop the database to rebuild both)",
                file=sys.stderr,
            )
    if have >= rows:
        return info, path
    summary = import_catalog_file(path)
    if summary.refused:
        raise SystemExit(f"catalog import refused: {summary.refused}")
    info["import_seconds"] = summary.seconds
    info["parts"] = Part.objects.count()
    return info, path


def _answers(resolutions) -> list[list[tuple[int | None, int]]]:
    return [[(c.part_id, c.owner_id) for c in r.candidates[:5]] for r in resolutions]


def _quality(samples, resolutions, verdicts) -> dict:
    by_kind = {}
    for kind in KINDS:
        chosen = [v for s, v in zip(samples, verdicts, strict=True) if s["kind"] == kind]
        if not chosen:
            continue
        by_kind[kind] = {
            "n": len(chosen),
            "recall1": sum(v["rank"] == 1 for v in chosen) / len(chosen),
            "recall5": sum(v["rank"] is not None for v in chosen) / len(chosen),
            "maker1": sum(v["maker_right"] for v in chosen) / len(chosen),
        }
    catalog = [v for s, v in zip(samples, verdicts, strict=True) if s["kind"] in CATALOG_KINDS]
    bins = []
    for low, high in zip(SCORE_BINS, SCORE_BINS[1:], strict=False):
        inside = [
            v["maker_right"]
            for r, v in zip(resolutions, verdicts, strict=True)
            if r.candidates and low <= r.candidates[0].score < high
        ]
        bins.append({"low": low, "high": min(high, 1.0), "n": len(inside),
                     "right": sum(inside) / len(inside) if inside else None})  # fmt: skip
    statuses = {}
    for status in ("confident", "ambiguous", "unknown"):
        chosen = [v for r, v in zip(resolutions, verdicts, strict=True) if r.status == status]
        statuses[status] = {
            "n": len(chosen),
            "maker_right": sum(v["maker_right"] for v in chosen) / len(chosen) if chosen else None,
        }
    return {
        "recall1": sum(v["rank"] == 1 for v in catalog) / len(catalog),
        "recall5": sum(v["rank"] is not None for v in catalog) / len(catalog),
        "maker1": sum(v["maker_right"] for v in verdicts) / len(verdicts),
        "by_kind": by_kind,
        "bins": bins,
        "statuses": statuses,
    }


def _timed(fn, items) -> tuple[list, list[float]]:
    results, times = [], []
    for item in items:
        started = time.perf_counter()
        results.append(fn(item))
        times.append((time.perf_counter() - started) * 1000)
    return results, times


def _latency(times: list[float]) -> dict:
    return {"median": statistics.median(times), "p95": _percentile(times, 0.95), "n": len(times)}


def _baselines(samples: list[dict]) -> dict:
    """A plain pg_trgm similarity query on mpn_norm, and Django's icontains on mpn."""
    from django.db import connection

    from catalog.models import Part
    from catalog.normalize import norm

    out = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS bench_part_mpn_norm_trgm ON catalog_part "
            "USING gin (mpn_norm gin_trgm_ops)"
        )
        cursor.execute("SET pg_trgm.similarity_threshold = 0.3")

    def trigram(sample):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT p.id, COALESCE(m.owner_id, m.id) FROM catalog_part p "
                "JOIN catalog_organisation m ON m.id = p.manufacturer_id "
                "WHERE p.mpn_norm %% %s ORDER BY similarity(p.mpn_norm, %s) DESC, p.id LIMIT 5",
                [norm(sample["marking"]), norm(sample["marking"])],
            )
            return cursor.fetchall()

    def icontains(sample):
        return [
            (pid, owner or maker)
            for pid, maker, owner in Part.objects.filter(mpn__icontains=sample["marking"])
            .order_by()
            .values_list("id", "manufacturer_id", "manufacturer__owner_id")[:5]
        ]

    for name, fn, chosen in (
        ("pg_trgm on mpn_norm", trigram, samples),
        ("Django icontains on mpn", icontains, samples[:BASELINE_SAMPLES]),
    ):
        answers, times = _timed(fn, chosen)
        verdicts = judge(chosen, answers)
        catalog = [v for s, v in zip(chosen, verdicts, strict=True) if s["kind"] in CATALOG_KINDS]
        out[name] = {
            "latency": _latency(times),
            "recall1": sum(v["rank"] == 1 for v in catalog) / len(catalog),
            "recall5": sum(v["rank"] is not None for v in catalog) / len(catalog),
            "maker1": sum(v["maker_right"] for v in verdicts) / len(verdicts),
            "n": len(chosen),
        }
    return out


def child(args) -> int:
    import django

    django.setup()
    from django.db import connection

    from catalog.resolver import resolve, resolve_many

    role = os.environ[CHILD_FLAG]
    rows = args.rows if role == "large" else args.small_rows
    catalog, csv_path = _ensure_catalog(rows)
    samples = finish_samples(make_samples(csv_path, rows, args.samples))
    texts = [s["text"] for s in samples]
    resolve_many(texts[:200])  # warm caches and the connection

    resolutions, times = _timed(resolve, texts)
    verdicts = judge(samples, _answers(resolutions))
    result = {
        "role": role,
        "vendor": connection.vendor,
        "catalog": catalog,
        "samples": len(samples),
        "single": _latency(times),
        "quality": _quality(samples, resolutions, verdicts),
        "answers": [
            [r.status] + [f"{c.mpn}|{c.manufacturer}" for c in r.candidates[:5]]
            for r in resolutions
        ],
        "texts": texts,
    }
    if role == "large":
        batch = texts[:1000]
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            resolve_many(batch)
            runs.append(time.perf_counter() - started)
        result["batch"] = {
            "texts": len(batch),
            "seconds": min(runs),
            "per_s": len(batch) / min(runs),
        }
        result["baselines"] = _baselines(samples)
    Path(os.environ["BENCH_RESOLVER_OUT"]).write_text(json.dumps(result), encoding="utf-8")
    return 0


# --------------------------------------------------------------------------- the parent


def _ensure_postgres_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _spawn(role: str, url: str, argv: list[str]) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    env = {
        **os.environ,
        CHILD_FLAG: role,
        "BENCH_RESOLVER_OUT": out,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "forensics.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret-key-" + "x" * 30,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": "",
    }
    code = subprocess.call([sys.executable, "-m", "bench.bench_resolver", *argv], env=env)
    if code != 0:
        raise SystemExit(f"bench.bench_resolver {role} run failed ({code})")
    try:
        return json.loads(Path(out).read_text(encoding="utf-8"))
    finally:
        Path(out).unlink(missing_ok=True)


def _pct(value) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def report(large: dict, small_pg: dict, small_sqlite: dict) -> None:
    q = large["quality"]
    print(
        f"\nResolver on PostgreSQL, {large['catalog']['parts']:,} parts, {large['samples']:,} texts"
    )
    print(
        f"{'method':<28}{'median ms':>10}{'p95 ms':>9}{'recall@1':>10}{'recall@5':>10}{'maker@1':>9}"
    )
    single = large["single"]
    print(f"{'resolver (one text)':<28}{single['median']:>10.2f}{single['p95']:>9.2f}"
          f"{_pct(q['recall1']):>10}{_pct(q['recall5']):>10}{_pct(q['maker1']):>9}")  # fmt: skip
    for name, base in large["baselines"].items():
        lat = base["latency"]
        print(f"{name + ' (n=' + str(base['n']) + ')':<28}{lat['median']:>10.2f}{lat['p95']:>9.2f}"
              f"{_pct(base['recall1']):>10}{_pct(base['recall5']):>10}{_pct(base['maker1']):>9}")  # fmt: skip
    batch = large["batch"]
    print(f"batch of {batch['texts']:,}: {batch['seconds']:.2f} s = {batch['per_s']:,.0f} texts/s "
          "(target >= 500)")  # fmt: skip
    print("targets: median <= 5 ms, p95 <= 20 ms, recall@1 >= 97%, recall@5 >= 99%")

    print("\nBy perturbation (resolver, PostgreSQL large):")
    print(f"{'kind':<18}{'n':>6}{'recall@1':>10}{'recall@5':>10}{'maker@1':>9}")
    for kind, row in q["by_kind"].items():
        print(f"{kind:<18}{row['n']:>6}{_pct(row['recall1']):>10}{_pct(row['recall5']):>10}"
              f"{_pct(row['maker1']):>9}")  # fmt: skip

    print("\nCalibration (top candidate's score -> maker right):")
    for row in q["bins"]:
        print(
            f"  score [{row['low']:.2f}, {row['high']:.2f}): n={row['n']:>5}  right {_pct(row['right'])}"
        )
    for status, row in q["statuses"].items():
        print(f"  status {status:<10} n={row['n']:>5}  maker right {_pct(row['maker_right'])}")

    agree_top = sum(
        a[:2] == b[:2] for a, b in zip(small_pg["answers"], small_sqlite["answers"], strict=True)
    )
    agree_all = sum(
        a == b for a, b in zip(small_pg["answers"], small_sqlite["answers"], strict=True)
    )
    n = len(small_pg["answers"])
    print(f"\nSame catalog of {small_pg['catalog']['parts']:,} parts, same {n:,} texts:")
    print(
        f"{'backend':<14}{'median ms':>10}{'p95 ms':>9}{'recall@1':>10}{'recall@5':>10}{'maker@1':>9}"
    )
    for name, run in (("PostgreSQL", small_pg), ("SQLite", small_sqlite)):
        lat, qq = run["single"], run["quality"]
        print(f"{name:<14}{lat['median']:>10.2f}{lat['p95']:>9.2f}{_pct(qq['recall1']):>10}"
              f"{_pct(qq['recall5']):>10}{_pct(qq['maker1']):>9}")  # fmt: skip
    print(f"agreement: status and top candidate {_pct(agree_top / n)}, "
          f"status and all five candidates {_pct(agree_all / n)} (SQLite target: median <= 50 ms)")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="parts in the large catalog")
    parser.add_argument("--small-rows", type=int, default=100_000, help="parts in the SQLite run")
    parser.add_argument("--samples", type=int, default=2000, help="perturbed texts per run")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    if os.environ.get(CHILD_FLAG):
        return child(args)
    argv = list(argv if argv is not None else sys.argv[1:])
    large_url = os.environ.get("BENCH_RESOLVER_DATABASE_URL", DEFAULT_URL)
    small_url = os.environ.get("BENCH_RESOLVER_SMALL_DATABASE_URL", DEFAULT_SMALL_URL)
    sqlite = Path(os.environ.get("BENCH_RESOLVER_SQLITE", DEFAULT_SQLITE))
    sqlite.parent.mkdir(parents=True, exist_ok=True)
    for url in (large_url, small_url):
        _ensure_postgres_database(url)
    large = _spawn("large", large_url, argv)
    small_pg = _spawn("small", small_url, argv)
    small_sqlite = _spawn("small", f"sqlite:///{sqlite}", argv)
    report(large, small_pg, small_sqlite)
    return 0


if __name__ == "__main__":
    sys.exit(main())
