"""Screening speed: 10,000 supply-chain organisations against a 10,000-entry watch list.

    python -m bench.bench_screening [--organisations 10000] [--entries 10000] [--runs 30]

Works in its own PostgreSQL database (`BENCH_SCREENING_DATABASE_URL`, default
postgres://postgres@127.0.0.1:5432/bench_screening), created and migrated on first use; the
organisations are regenerated on every run. Names are made of random syllables with legal forms
and trade words; 2% of the organisations are planted variants of listed names (legal form swapped,
written in Cyrillic, words reordered). Prints, side by side: the CSL import of the list with the
re-screening of everybody (one transaction), a re-screening alone, screening one new organisation
(what an API write triggers), the pairs scored with the blocking keys against all pairs, and the
planted variants found. Figures in docs/screening.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import os
import random
import statistics
import subprocess
import sys
import time

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_screening"
CHILD_FLAG = "BENCH_SCREENING_CHILD"
PREFIX = "bench-screening"
SYLLABLES = [
    "ra", "di", "ant", "tek", "so", "nik", "el", "kom", "vol", "ga", "pro", "mar", "ser", "vis",
    "tor", "lin", "kor", "bel", "zen", "tra", "mi", "no", "ka", "sto", "ve", "len", "gor", "dan",
    "rus", "al", "fa", "ti", "mex", "on", "ur", "sel", "bor", "vik", "pan", "ze", "lo", "tam",
]  # fmt: skip
LEGAL = ["LLC", "Ltd.", "Co., Ltd.", "GmbH", "JSC", "OOO", "Limited", "S.A.", "Inc."]
TRADE = ["", "", "", "Trading", "Electronics", "Technology", "Import Export", "Group", "Industrial"]
LATIN_TO_CYRILLIC = str.maketrans(
    {"a": "а", "b": "б", "d": "д", "e": "е", "g": "г", "i": "и", "k": "к", "l": "л", "m": "м",
     "n": "н", "o": "о", "p": "п", "r": "р", "s": "с", "t": "т", "u": "у", "v": "в", "z": "з",
     "f": "ф", "x": "кс", "c": "ц", "y": "ы", "h": "х", "j": "дж", "w": "в", "q": "к"}
)  # fmt: skip


def _spawn(argv: list[str]) -> int:
    env = {
        **os.environ,
        CHILD_FLAG: "1",
        "DATABASE_URL": os.environ.get("BENCH_SCREENING_DATABASE_URL", DEFAULT_URL),
        "DJANGO_SETTINGS_MODULE": "forensics.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret-key-" + "x" * 30,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": "",
    }
    return subprocess.call([sys.executable, "-m", "bench.bench_screening", *argv], env=env)


def _ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 4))).capitalize()


def _name(rng: random.Random) -> str:
    words = [_word(rng) for _ in range(rng.choice([1, 1, 2, 2, 3]))]
    trade = rng.choice(TRADE)
    return " ".join([*words, *([trade] if trade else []), rng.choice(LEGAL)])


def _variant(rng: random.Random, name: str) -> str:
    """What a listed name looks like in a trace answer: another legal form, Cyrillic, reordered."""
    words = [w for w in name.replace(",", "").split() if w not in LEGAL and w not in TRADE]
    core = [w for w in words if w not in ("Co.", "Ltd.", "S.A.", "Import", "Export")]
    style = rng.randrange(3)
    if style == 0:
        return f"OOO {' '.join(core).lower().translate(LATIN_TO_CYRILLIC)}"
    if style == 1:
        return f"{' '.join(reversed(core))} {rng.choice(LEGAL)}"
    return f"{' '.join(core)} Trading {rng.choice(LEGAL)}"


def csl_bytes(entries: list[tuple[str, list[str]]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["_id", "source", "name", "alt_names", "addresses", "programs", "start_date"])
    for n, (name, alt) in enumerate(entries):
        writer.writerow(
            [
                f"bench-{n}",
                "Entity List (EL) - Bureau of Industry and Security",
                name,
                "; ".join(alt),
                "Somewhere 1, Moscow, RU",
                "EAR",
                "2023-02-24",
            ]
        )
    return out.getvalue().encode()


def _median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from catalog import screening
    from catalog.models import Organisation, OrganisationScreening, ScreeningHit, ScreeningList

    call_command("migrate", verbosity=0)
    rng = random.Random(11)
    entries = []
    for _ in range(args.entries):
        name = _name(rng)
        entries.append((name, [_name(rng) for _ in range(rng.choice([0, 0, 1, 2, 3]))]))
    planted = {}
    org_names = [_name(rng) for _ in range(args.organisations)]
    for i in rng.sample(range(args.organisations), args.organisations // 50):
        n = rng.randrange(len(entries))
        org_names[i] = _variant(rng, entries[n][0])
        planted[i] = f"bench-{n}"

    ScreeningList.objects.filter(source__startswith="Entity List").delete()
    Organisation.objects.filter(slug__startswith=PREFIX).delete()
    orgs = [
        Organisation(name=name, slug=f"{PREFIX}-{i}", is_independent_distributor=True)
        for i, name in enumerate(org_names)
    ]
    Organisation.objects.bulk_create(orgs, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"{args.organisations:,} organisations ({len(planted):,} planted variants), "
        f"{args.entries:,} listed entries ({sum(len(a) for _n, a in entries):,} aliases)\n"
    )

    data = csl_bytes(entries)
    started = time.perf_counter()
    result = screening.import_csl(
        data, file_name="bench.csv", file_date=datetime.date(2024, 6, 1), allow_older=True
    )
    import_s = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic():
        again = screening.rescreen_all()
    rescreen_s = time.perf_counter() - started

    index = screening.EntryIndex.load()
    pairs = 0
    for org in orgs:
        pairs += len(index.candidates(screening.blocks_of(screening.screening_key(org.name))))
    everything = [c for block in index.by_block.values() for c in block]
    unique = list({id(c): c for c in everything}.values())
    sample = orgs[:50]
    started = time.perf_counter()
    for org in sample:
        key = screening.screening_key(org.name)
        for candidate in unique:
            screening.similarity(key, candidate.key)
    full_s = (time.perf_counter() - started) / len(sample) * len(orgs)

    new_org = Organisation.objects.create(
        name=_variant(rng, entries[0][0]), slug=f"{PREFIX}-new", is_importer=True
    )
    one_ms = _median_ms(lambda: screening.screen_organisations([new_org.pk]), args.runs)

    hits = {
        (org_id, uid)
        for org_id, uid in ScreeningHit.objects.filter(
            organisation__slug__startswith=PREFIX
        ).values_list("organisation_id", "entry__uid")
    }
    found = sum(1 for i, uid in planted.items() if (orgs[i].pk, uid) in hits)
    flagged = len({org_id for org_id, _uid in hits})
    print(
        f"{'import (parse, replace, re-screen all)':<48} {import_s:8.1f} s  ({result.hits:,} hits)"
    )
    print(
        f"{'re-screen all organisations':<48} {rescreen_s:8.1f} s  ({again['screened']:,} screened)"
    )
    print(f"{'screen one new organisation (median)':<48} {one_ms:8.1f} ms")
    print(
        f"{'pairs scored, blocking vs all pairs':<48} {pairs:>10,} vs "
        f"{len(orgs) * len(unique):,} ({100 * pairs / (len(orgs) * len(unique)):.2f}%)"
    )
    print(
        f"{'time for all pairs without blocking (estimated)':<48} {full_s:8.0f} s  "
        f"(from {len(sample)} organisations × {len(unique):,} spellings)"
    )
    print(
        f"{'planted variants found':<48} {found:>10,} of {len(planted):,}; "
        f"{flagged - found:,} other organisations flagged"
    )
    OrganisationScreening.objects.filter(organisation__slug__startswith=PREFIX).delete()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--organisations", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    if os.environ.get(CHILD_FLAG) != "1":
        _ensure_database(os.environ.get("BENCH_SCREENING_DATABASE_URL", DEFAULT_URL))
        return _spawn(argv if argv is not None else sys.argv[1:])
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
