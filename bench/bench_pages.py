"""Server time of the analysts' pages on PostgreSQL with the findings benchmark's data set.

    python -m bench.bench_pages [--findings 100000] [--photos 200000] [--runs 20]

Works in its own database (`BENCH_PAGES_DATABASE_URL`, default
postgres://postgres@127.0.0.1:5432/bench_pages), filled once with the rows of
`bench.bench_findings.generate` (recoveries, parts, photos, findings and their photo links) and
reused by later runs (`--regenerate` starts again). Each page is requested through the whole stack
(URL routing, middleware, session authentication, scoping, filters, pagination, templates) with
Django's test client in production mode (DEBUG off, cached templates, hashed static files), as an
analyst, a researcher and a manufacturer's officer, round-robin over the pages. Prints the median
and p95 server time, the page process's own CPU time, PostgreSQL's own time for the page's queries
(EXPLAIN ANALYZE) and the query count per page; target: median <= 150 ms per page.
Figures in docs/pages.md.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_pages"
CHILD_FLAG = "BENCH_PAGES_CHILD"
TARGET_MS = 150
# The dashboard's aggregates are cached until the next write: each cached view is measured
# right after a view with the cache emptied first (what the first view after any write costs).
COLD_DASHBOARD = "dashboard after a write (cold)"


def _spawn(argv: list[str]) -> int:
    """Run in a child process so Django is set up against the benchmark database only."""
    url = os.environ.get("BENCH_PAGES_DATABASE_URL", DEFAULT_URL)
    env = {
        **os.environ,
        CHILD_FLAG: "1",
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "forensics.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret-key-" + "x" * 30,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": "",
        "STATIC_ROOT": os.path.join(tempfile.gettempdir(), "bench-pages-static"),
    }
    return subprocess.call([sys.executable, "-m", "bench.bench_pages", *argv], env=env)


def _users():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from catalog.models import Organisation, OrganisationUser

    made = {}
    for username, role in (
        ("bench_analyst", "analyst"),
        ("bench_researcher", "researcher"),
        ("bench_maker", "manufacturer"),
        ("bench_curator", "curator"),
    ):
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        made[role] = user
    OrganisationUser.objects.update_or_create(
        user=made["manufacturer"],
        defaults={"organisation": Organisation.objects.get(name="Texas Instruments")},
    )
    return made


def _request(client, url: str, cold: bool = False) -> tuple[float, float, int, int]:
    """One request: wall ms, app CPU ms, query count, body size. `cold`: the cache is emptied
    first (untimed), as after a write: the dashboard then computes its aggregates again."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if cold:
        cache.clear()
    connection.queries_log.clear()  # a full log (9,000 entries) would capture nothing
    with CaptureQueriesContext(connection) as ctx:
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall = (time.perf_counter() - started) * 1000
        cpu = (time.process_time() - started_cpu) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return wall, cpu, len(ctx.captured_queries), len(response.content)


def _pg_time(client, url: str, cold: bool = False, repeat: int = 3) -> float:
    """PostgreSQL's own planning and execution time for the page's queries (EXPLAIN ANALYZE with
    timing off), median of `repeat`: with the app CPU, what a page costs on a quiet machine."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if cold:
        cache.clear()
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    statements = []
    for query in ctx.captured_queries:
        sql = query["sql"]
        if sql.startswith("DECLARE"):  # a server-side cursor (a <select>'s choices)
            sql = sql.split(" FOR ", 1)[1]
        # Raw statements with unbound parameters (the resolver's prepared lookups) are left out.
        if sql.startswith("SELECT") and "%s" not in sql:
            statements.append(sql)
    totals = []
    for _ in range(repeat):
        total = 0.0
        for sql in statements:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, TIMING OFF) " + sql)
                for (line,) in cursor.fetchall():
                    found = re.search(r"(?:Planning|Execution) Time: ([0-9.]+) ms", line)
                    if found:
                        total += float(found.group(1))
        totals.append(total)
    return statistics.median(totals)


def _measure_all(cases, runs: int):
    """Per page: median and p95 wall time, median app CPU, PostgreSQL time, queries, size.

    Requests go round-robin over the pages (1, 2, ..., n, then again), so bursts of load from
    other processes spread over every page instead of landing on whichever ran at the time.
    """
    for client, url, cold in cases:
        _request(client, url, cold)  # warm caches (templates, roles, query plans)
    samples = [[] for _ in cases]
    for _ in range(runs):
        for index, (client, url, cold) in enumerate(cases):
            samples[index].append(_request(client, url, cold))
    results = []
    for rows, (client, url, cold) in zip(samples, cases, strict=True):
        times = sorted(row[0] for row in rows)
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        cpu = statistics.median(row[1] for row in rows)
        pg = _pg_time(client, url, cold)
        results.append((statistics.median(times), p95, cpu, pg, rows[-1][2], rows[-1][3]))
    return results


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def _subjects():
    """The busiest weapon system, recovery and photo: the pages with the most rows to show."""
    from django.db.models import Count

    from catalog.models import Organisation
    from forensics.models import Finding, Photo, Recovery, WeaponSystem

    system = (
        WeaponSystem.objects.annotate(n=Count("recoveries__findings"))
        .order_by("-n")
        .values_list("slug", "pk")
        .first()
    )
    recovery = (
        Recovery.objects.annotate(n=Count("findings")).order_by("-n").values_list("pk", flat=True)
    ).first()
    photo = Photo.objects.filter(recovery_id=recovery).order_by("pk").values_list("pk", flat=True)
    finding = (
        Finding.objects.filter(recovery_id=recovery, status="confirmed")
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    adi = Organisation.objects.get(name="Analog Devices").pk
    return system, recovery, photo.first(), finding, adi


def run(args) -> int:
    import importlib

    importlib.import_module("forensics.wsgi")  # the project as the server loads it (gc.freeze())
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from bench import pages_catalog
    from bench.bench_findings import generate, reset
    from forensics.models import Finding, Photo

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if args.regenerate:
        reset()
    have = Finding.objects.count()
    if have < args.findings or Photo.objects.count() < args.photos:
        if have:
            reset()
        generate(args.findings, args.photos)
    users = _users()
    (slug, system_id), recovery, photo, finding, adi = _subjects()
    n_findings, n_photos = Finding.objects.count(), Photo.objects.count()
    print(f"{n_findings:,} findings, {n_photos:,} photos; {args.runs} runs per page; {_load()}")
    print(
        "(app CPU: the page process's own CPU time per request, which machine load barely moves)\n"
    )

    findings = reverse("forensics:finding-list")
    pages = [
        ("analyst", COLD_DASHBOARD, reverse("dashboard")),
        ("analyst", "dashboard", reverse("dashboard")),
        ("analyst", "dashboard, one weapon system (cold)", f"{reverse('dashboard')}?weapon_system={system_id}"),
        ("analyst", "weapon systems", reverse("forensics:weapon-system-list")),
        ("analyst", "atlas of the busiest system", reverse("forensics:weapon-system-detail", args=[slug])),
        ("analyst", "atlas, page 20", reverse("forensics:weapon-system-detail", args=[slug]) + "?page=20"),
        ("analyst", "recoveries", reverse("forensics:recovery-list")),
        ("analyst", "recoveries, sharing=amber", reverse("forensics:recovery-list") + "?sharing=amber"),
        ("analyst", "recoveries by weapon system", reverse("forensics:recovery-list") + "?ordering=weapon_system"),
        ("analyst", "recovery (busiest)", reverse("forensics:recovery-detail", args=[recovery])),
        ("analyst", "photo viewer", reverse("forensics:photo-viewer", args=[photo])),
        ("analyst", "findings", findings),
        ("analyst", "findings, confirmed + US", f"{findings}?status=confirmed&country=US"),
        ("analyst", "findings, weapon system", f"{findings}?weapon_system={system_id}"),
        ("analyst", "findings, ADI and brands", f"{findings}?manufacturer={adi}"),
        ("analyst", "findings, marking contains", f"{findings}?q=BX0042"),
        ("analyst", "findings, page 200", f"{findings}?page=200"),
        ("analyst", "findings by maker + part", f"{findings}?ordering=manufacturer"),
        ("analyst", "findings by marking, desc.", f"{findings}?ordering=-marking"),
        ("analyst", "findings by recovery", f"{findings}?ordering=recovery"),
        ("analyst", "findings by date code, p. 50", f"{findings}?ordering=date_code&page=50"),
        ("analyst", "finding", reverse("forensics:finding-detail", args=[finding])),
        ("analyst", "finding entry form", reverse("forensics:finding-create", args=[recovery])),
        ("analyst", "resolver preview (Cyrillic)", reverse("forensics:resolve-preview") + "?marking=%D0%9C%D0%90%D0%A53490ESA+2231"),
        ("researcher", COLD_DASHBOARD, reverse("dashboard")),
        ("researcher", "dashboard (GREEN/CLEAR)", reverse("dashboard")),
        ("researcher", "findings", findings),
        ("manufacturer", COLD_DASHBOARD, reverse("dashboard")),
        ("manufacturer", "dashboard (TI)", reverse("dashboard")),
        ("manufacturer", "findings (TI, AMBER+)", findings),
        ("manufacturer", "recoveries (TI)", reverse("forensics:recovery-list")),
    ]  # fmt: skip
    pages += pages_catalog.pages(pages_catalog.prepare(users))  # catalog and portal pages
    clients = {}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)

    cases = [(clients[role], url, label.endswith("(cold)")) for role, label, url in pages]
    results = _measure_all(cases, args.runs)
    print(
        f"{'page':<46} {'median':>8} {'p95':>8} {'app CPU':>8} {'PG':>7} {'CPU+PG':>7} "
        f"{'queries':>7} {'size':>5}"
    )
    medians, work = [], []
    for (role, label, _), (median, p95, cpu, pg, queries, size) in zip(pages, results, strict=True):
        medians.append(median)
        work.append(cpu + pg)
        print(
            f"{role + ': ' + label:<46} {median:6.1f}ms {p95:6.1f}ms {cpu:6.1f}ms {pg:5.1f}ms "
            f"{cpu + pg:5.1f}ms {queries:7d} {size / 1024:4.0f}K"
        )
    worst, worst_work = max(medians), max(work)
    ok = worst <= TARGET_MS
    print(
        f"\nworst page median {worst:.1f} ms, worst app CPU + PostgreSQL {worst_work:.1f} ms "
        f"(target {TARGET_MS} ms median): {'OK' if ok else 'MISSED'}; {_load()}"
    )
    return 0 if ok else 1


def _ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--photos", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    if os.environ.get(CHILD_FLAG) != "1":
        _ensure_database(os.environ.get("BENCH_PAGES_DATABASE_URL", DEFAULT_URL))
        return _spawn(argv if argv is not None else sys.argv[1:])
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
