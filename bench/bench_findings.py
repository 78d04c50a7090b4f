"""Finding list, statistics and export speed on PostgreSQL with 100,000 findings and 200,000 photos.

    python -m bench.bench_findings [--findings 100000] [--photos 200000] [--runs 30]

Works in its own database (`BENCH_FINDINGS_DATABASE_URL`, default
postgres://postgres@127.0.0.1:5432/bench_findings), created and migrated on first use; the rows
are bulk-inserted once and reused by later runs (`--regenerate` starts again). Requests go
through the whole stack (URL routing, middleware, authentication, scoping, filters, pagination,
serializers) with DRF's test client, as an analyst, a researcher and a manufacturer's officer.
Prints median and p95 latency (requests taken round-robin over the scenarios), the app's own CPU
time and the query count per scenario; targets: list pages (50 rows)
median <= 100 ms at a constant query count, statistics <= 300 ms. Figures in docs/findings.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_findings"
CHILD_FLAG = "BENCH_FINDINGS_CHILD"


def _spawn(argv: list[str]) -> int:
    """Run in a child process so Django is set up against the benchmark database only."""
    url = os.environ.get("BENCH_FINDINGS_DATABASE_URL", DEFAULT_URL)
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
    return subprocess.call([sys.executable, "-m", "bench.bench_findings", *argv], env=env)


def _ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# --- data ------------------------------------------------------------------------------------

MARKING_WORDS = ["Microcircuit", "Transceiver", "Voltage regulator", "Chip", "MOSFET", "FPGA", ""]
STATUS_WEIGHTS = {
    "confirmed": 50,
    "proposed": 25,
    "unresolved": 15,
    "rejected": 5,
    "unidentifiable": 5,
}
SHARING_WEIGHTS = {"red": 25, "amber": 40, "green": 25, "clear": 10}


def _users():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from catalog.models import Organisation, OrganisationUser

    User = get_user_model()
    made = {}
    for username, role in (
        ("bench_analyst", "analyst"),
        ("bench_researcher", "researcher"),
        ("bench_maker", "manufacturer"),
    ):
        user, _ = User.objects.get_or_create(username=username)
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        made[role] = user
    ti = Organisation.objects.get(name="Texas Instruments")
    OrganisationUser.objects.update_or_create(
        user=made["manufacturer"], defaults={"organisation": ti}
    )
    return made


def generate(n_findings: int, n_photos: int, seed: int = 1) -> None:
    """Bulk-insert recoveries, parts, photos, findings and their photo links."""
    from django.db import connection, transaction

    from catalog.models import HsCode, Organisation, Part
    from catalog.services import part_keys
    from forensics.models import Finding, FindingPhoto, Photo, Recovery, WeaponSystem

    rng = random.Random(seed)
    started = time.perf_counter()
    makers = list(Organisation.objects.filter(is_manufacturer=True).values_list("id", "mpn_family"))
    weights = [20 if i < 15 else 1 for i in range(len(makers))]  # a few makers dominate
    tiers = list(HsCode.objects.values_list("code", "tier"))
    systems = list(WeaponSystem.objects.values_list("id", flat=True))
    analyst = _users()["analyst"]
    with transaction.atomic():
        parts = []
        for i in range(5000):
            maker_id, family = rng.choices(makers, weights)[0]
            mpn = f"BX{i:05d}{rng.choice(['A', 'B', 'C'])}"
            code, tier = rng.choice(tiers)
            mpn_norm, mpn_base, mpn_fold = part_keys(mpn, family)
            parts.append(
                Part(
                    manufacturer_id=maker_id,
                    mpn=mpn,
                    mpn_norm=mpn_norm,
                    mpn_base=mpn_base,
                    mpn_fold=mpn_fold,
                    hs_code=code,
                    chpl_tier=tier,
                )
            )
        Part.objects.bulk_create(parts, batch_size=5000, ignore_conflicts=True)
        part_rows = list(Part.objects.values_list("id", "manufacturer_id"))

        n_recoveries = max(1, n_findings // 25)
        sharings = list(SHARING_WEIGHTS)
        recoveries = [
            Recovery(
                reference=f"BENCH-{i:06d}",
                weapon_system_id=rng.choice(systems),
                recovered_on=date(2022, 3, 1) + timedelta(days=rng.randrange(1300)),
                oblast=rng.choice(["Kharkiv", "Kyiv", "Odesa", "Dnipro", "Zaporizhzhia"]),
                sharing=rng.choices(sharings, list(SHARING_WEIGHTS.values()))[0],
                recovering_unit="Unit",
                source="Field team",
            )
            for i in range(n_recoveries)
        ]
        Recovery.objects.bulk_create(recoveries, batch_size=5000)
        recovery_ids = list(Recovery.objects.values_list("id", flat=True))

        photos = [
            Photo(
                recovery_id=recovery_ids[i % len(recovery_ids)],
                original=f"evidence/originals/bench/{i}.jpg",
                original_name=f"{i}.jpg",
                content_type="image/jpeg",
                sha256=f"{rng.getrandbits(256):064x}",
                size_bytes=rng.randrange(500_000, 8_000_000),
                width=4000,
                height=3000,
                thumbnail=f"evidence/derived/bench/{i}-thumb.webp",
                display=f"evidence/derived/bench/{i}-display.webp",
                state="ready",
            )
            for i in range(n_photos)
        ]
        Photo.objects.bulk_create(photos, batch_size=5000)
        del photos
        photos_of: dict[int, list[int]] = {}
        for photo_id, recovery_id in Photo.objects.values_list("id", "recovery_id"):
            photos_of.setdefault(recovery_id, []).append(photo_id)

        statuses = list(STATUS_WEIGHTS)
        findings = []
        for _ in range(n_findings):
            status = rng.choices(statuses, list(STATUS_WEIGHTS.values()))[0]
            part_id = maker_id = None
            if status in ("confirmed", "proposed") or rng.random() < 0.1:
                part_id, maker_id = rng.choice(part_rows)
                if rng.random() < 0.3:
                    part_id = None
            start = date(2012, 1, 1) + timedelta(days=rng.randrange(4500))
            dated = rng.random() < 0.7
            end = start + timedelta(days=6)
            findings.append(
                Finding(
                    recovery_id=rng.choice(recovery_ids),
                    marking=f"{rng.choice(MARKING_WORDS)} BX{rng.randrange(5000):05d} {rng.randrange(2400)}".strip(),
                    category=rng.choice(["", "mcu", "transceiver", "regulator"]),
                    status=status,
                    part_id=part_id,
                    manufacturer_id=maker_id,
                    confidence=round(rng.random(), 3),
                    resolution="confident",
                    candidates=[{"part_id": part_id, "manufacturer_id": maker_id, "score": 0.9}],
                    manufactured_from=start if dated else None,
                    manufactured_to=end if dated else None,
                    after_export_controls=dated and start > date(2022, 2, 24),
                    possibly_after_export_controls=dated and start <= date(2022, 2, 24) < end,
                    analyst=analyst,
                )
            )
        Finding.objects.bulk_create(findings, batch_size=5000)
        del findings
        links = []
        for finding_id, recovery_id in Finding.objects.values_list("id", "recovery_id"):
            available = photos_of.get(recovery_id, [])
            for photo_id in rng.sample(available, min(len(available), rng.choice([1, 1, 2]))):
                links.append(FindingPhoto(finding_id=finding_id, photo_id=photo_id))
        FindingPhoto.objects.bulk_create(links, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)


def reset() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE forensics_findingphoto, forensics_finding, forensics_photoduplicate, "
            "forensics_photo, forensics_custodyevent, forensics_recovery CASCADE"
        )
        cursor.execute("DELETE FROM catalog_part WHERE mpn LIKE 'BX%%'")


# --- measurements ----------------------------------------------------------------------------


def _request(client, url: str, params: dict) -> tuple[float, float, int, int | None]:
    """One request: wall ms, app CPU ms, query count, and the `count`/`total` it reports."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, params)
        streamed = hasattr(response, "streaming_content")
        if streamed:
            for _chunk in response.streaming_content:
                pass
        wall = (time.perf_counter() - started) * 1000
        cpu = (time.process_time() - started_cpu) * 1000
    assert response.status_code == 200, (url, params, response.status_code)
    count = None
    if not streamed:
        body = response.json()
        count = body.get("count", body.get("total"))
    return wall, cpu, len(ctx.captured_queries), count


def _db_time(client, url: str, params: dict, repeat: int = 3) -> float:
    """PostgreSQL's own planning + execution time for one request's queries (EXPLAIN ANALYZE,
    timing off), median of `repeat`: with the app CPU, the work a request costs on a quiet machine.
    """
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
        if hasattr(response, "streaming_content"):
            for _chunk in response.streaming_content:
                pass
    totals = []
    for _ in range(repeat):
        total = 0.0
        for query in ctx.captured_queries:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, TIMING OFF) " + query["sql"])
                for (line,) in cursor.fetchall():
                    found = re.search(r"(?:Planning|Execution) Time: ([0-9.]+) ms", line)
                    if found:
                        total += float(found.group(1))
        totals.append(total)
    return statistics.median(totals)


def _measure_all(cases, runs: int) -> list[tuple[float, float, int, int | None, float]]:
    """Median, p95, queries, count and median app CPU per case, requests taken round-robin.

    Round-robin (case 1, 2, ..., n, then again) spreads bursts of load from other processes over
    every case instead of penalising whichever happened to run during one.
    """
    for client, url, params in cases:
        _request(client, url, params)  # warm caches (roles, organisation, query plans)
    samples = [[] for _ in cases]
    for _ in range(runs):
        for index, (client, url, params) in enumerate(cases):
            samples[index].append(_request(client, url, params))
    results = []
    for rows in samples:
        times = sorted(row[0] for row in rows)
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        cpu = statistics.median(row[1] for row in rows)
        results.append((statistics.median(times), p95, rows[-1][2], rows[-1][3], cpu))
    return [
        (*result, _db_time(client, url, params))
        for result, (client, url, params) in zip(results, cases, strict=True)
    ]


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def run(args) -> int:
    import importlib

    importlib.import_module("forensics.wsgi")  # the project as the server loads it (gc.freeze())
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from catalog.models import Organisation
    from forensics.models import Finding, Photo, WeaponSystem

    call_command("migrate", verbosity=0)
    if args.regenerate:
        reset()
    have = Finding.objects.count()
    if have < args.findings or Photo.objects.count() < args.photos:
        if have:
            reset()
        generate(args.findings, args.photos)
    users = _users()
    n_findings, n_photos = Finding.objects.count(), Photo.objects.count()
    print(f"{n_findings:,} findings, {n_photos:,} photos; {args.runs} runs per scenario; {_load()}")
    print(
        "(app CPU: the Django process's own CPU time per request; PG time: PostgreSQL's planning and "
        "execution time for its queries; their sum is the work a request costs, which machine load "
        "inflates far less than the wall-clock median)\n"
    )

    system = (
        WeaponSystem.objects.filter(recoveries__isnull=False)
        .order_by("name")
        .values_list("id", flat=True)
        .first()
    )
    adi = Organisation.objects.get(name="Analog Devices").pk
    list_url = "/api/v1/findings/"
    scenarios = [
        ("analyst", "no filter", {}),
        ("analyst", "status=confirmed", {"status": "confirmed"}),
        ("analyst", "weapon_system", {"weapon_system": system}),
        ("analyst", "manufacturer=ADI (+brands)", {"manufacturer": adi}),
        (
            "analyst",
            "country=US + after controls",
            {"country": "US", "after_export_controls": "true"},
        ),
        ("analyst", "chpl_tier=1 + confirmed", {"chpl_tier": "1", "status": "confirmed"}),
        (
            "analyst",
            "recovered 2023 + made after 2020",
            {
                "recovered_after": "2023-01-01",
                "recovered_before": "2023-12-31",
                "manufactured_after": "2020-01-01",
            },
        ),
        ("analyst", "q=BX0042 (marking contains)", {"q": "BX0042"}),
        ("analyst", "ordering=-confidence", {"ordering": "-confidence"}),
        ("analyst", "page 200", {"page": 200}),
        ("researcher", "no filter (GREEN/CLEAR)", {}),
        ("researcher", "status=confirmed", {"status": "confirmed"}),
        ("manufacturer", "no filter (TI, AMBER+)", {}),
        ("manufacturer", "after controls", {"after_export_controls": "true"}),
    ]
    clients = {}
    for role, user in users.items():
        clients[role] = APIClient()
        clients[role].force_authenticate(user)

    header = f"{'median':>8} {'p95':>8} {'app CPU':>8} {'PG time':>8} {'queries':>8}"
    list_cases = [
        (clients[role], list_url, {"page_size": 50, **params}) for role, _, params in scenarios
    ]
    stats_scenarios = [
        ("analyst", "overall (confirmed)", {}),
        ("analyst", "weapon_system", {"weapon_system": system}),
        ("analyst", "status=all", {"status": "all"}),
        ("researcher", "overall", {}),
        ("manufacturer", "overall", {}),
    ]
    stats_cases = [
        (clients[role], "/api/v1/statistics/", params) for role, _, params in stats_scenarios
    ]
    results = _measure_all(list_cases + stats_cases, args.runs)

    print(f"{'list page (50 rows)':<44} {header} {'matches':>9}")
    medians, work = [], []
    for (role, label, _), (median, p95, queries, count, cpu, db) in zip(
        scenarios, results, strict=False
    ):
        medians.append(median)
        work.append(cpu + db)
        print(
            f"{role + ': ' + label:<44} {median:7.1f}ms {p95:7.1f}ms {cpu:7.1f}ms {db:7.1f}ms "
            f"{queries:8d} {count:9,}"
        )
    small = _request(clients["analyst"], list_url, {"page_size": 5})[2]
    large = _request(clients["analyst"], list_url, {"page_size": 50})[2]
    print(f"query count page_size=5 vs 50 (analyst): {small} vs {large}")

    print(f"\n{'statistics':<44} {header} {'counted':>9}")
    stats_medians, stats_work = [], []
    for (role, label, _), (median, p95, queries, count, cpu, db) in zip(
        stats_scenarios, results[len(scenarios) :], strict=True
    ):
        stats_medians.append(median)
        stats_work.append(cpu + db)
        print(
            f"{role + ': ' + label:<44} {median:7.1f}ms {p95:7.1f}ms {cpu:7.1f}ms {db:7.1f}ms "
            f"{queries:8d} {count:9,}"
        )

    median = _request(clients["analyst"], f"{list_url}export.csv", {"status": "confirmed"})[0]
    confirmed = Finding.objects.filter(status="confirmed").count()
    print(
        f"\nexport.csv of {confirmed:,} confirmed findings (streamed): {median / 1000:.1f} s, "
        f"{confirmed / (median / 1000):,.0f} rows/s"
    )
    print(
        f"work per request (app CPU + PG time), worst: list {max(work):.1f} ms, "
        f"statistics {max(stats_work):.1f} ms"
    )
    ok = max(medians) <= 100 and max(stats_medians) <= 300 and small == large
    print(
        f"\nworst list median {max(medians):.1f} ms (target 100), worst statistics median "
        f"{max(stats_medians):.1f} ms (target 300): {'OK' if ok else 'MISSED'}; {_load()}"
    )
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--photos", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    if os.environ.get(CHILD_FLAG) != "1":
        _ensure_database(os.environ.get("BENCH_FINDINGS_DATABASE_URL", DEFAULT_URL))
        return _spawn(argv if argv is not None else sys.argv[1:])
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
