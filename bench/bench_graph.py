"""Supply-chain graph speed on PostgreSQL: a 5-hop chain inside 1,000 organisations and some
thousands of links with cycles.

    python -m bench.bench_graph [--organisations 1000] [--links 4000] [--runs 50] [--regenerate]

Works in its own database (`BENCH_GRAPH_DATABASE_URL`, default
postgres://postgres@127.0.0.1:5432/bench_graph), created and migrated on first use; the graph is
generated once and reused (`--regenerate` starts again). Requests go through the whole stack with
DRF's test client as an analyst. Prints median and p95 latency, the query count and the graph size
per scenario, then the walk itself (SQL only) beside a path-array walk, which enumerates every
simple path. Target: the finding's 5-hop trace, median <= 50 ms. Figures in docs/tracing.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_graph"
CHILD_FLAG = "BENCH_GRAPH_CHILD"
TARGET_MS = 50
PREFIX = "Bench Graph"
PART_SHARE = 0.02
BRANCHES = 4
"""Share of the random links that name the traced part (most links are general relationships)."""


def _spawn(argv: list[str]) -> int:
    """Run in a child process so Django is set up against the benchmark database only."""
    env = {
        **os.environ,
        CHILD_FLAG: "1",
        "DATABASE_URL": os.environ.get("BENCH_GRAPH_DATABASE_URL", DEFAULT_URL),
        "DJANGO_SETTINGS_MODULE": "forensics.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret-key-" + "x" * 30,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": "",
    }
    return subprocess.call([sys.executable, "-m", "bench.bench_graph", *argv], env=env)


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

TIERS = (  # (role flag, share of the organisations)
    ("is_manufacturer", 0.03),
    ("is_authorized_distributor", 0.07),
    ("is_independent_distributor", 0.50),
    ("is_importer", 0.25),
    ("is_freight_forwarder", 0.10),
    ("is_end_user", 0.05),
)


def generate(n_orgs: int, n_links: int, seed: int = 7) -> None:
    """Organisations in tiers, links mostly downstream (maker → distributor → broker → importer →
    forwarder → end user) plus broker-to-broker trades and some links back upstream (cycles); one
    planted chain of five hops for the finding being traced, with side branches of the same part
    at every hop and a link back up the chain."""
    from django.db import connection, transaction
    from django.utils import timezone

    from catalog.models import Organisation, Part, SupplyLink
    from catalog.services import part_keys
    from forensics.models import Finding, FindingStatus, Recovery, WeaponSystem

    rng = random.Random(seed)
    started = time.perf_counter()
    with transaction.atomic():
        orgs, tiers = [], []
        for flag, share in TIERS:
            count = max(2, int(n_orgs * share))
            tier = []
            for i in range(count):
                org = Organisation(
                    name=f"{PREFIX} {flag[3:]} {i}",
                    slug=f"bench-graph-{flag[3:].replace('_', '-')}-{i}",
                    country=rng.choice(["US", "DE", "HK", "CN", "TR", "AE", "KZ", "RU"]),
                    **{flag: True},
                )
                orgs.append(org)
                tier.append(org)
            tiers.append(tier)
        Organisation.objects.bulk_create(orgs, batch_size=2000)
        maker = tiers[0][0]
        mpn = "BENCHG100"
        mpn_norm, mpn_base, mpn_fold = part_keys(mpn, "")
        part = Part.objects.create(
            manufacturer=maker, mpn=mpn, mpn_norm=mpn_norm, mpn_base=mpn_base, mpn_fold=mpn_fold
        )
        links = []
        chain = [tier[0] for tier in tiers]  # maker → dist → broker → importer → fwd → end user
        for seller, buyer in zip(chain, chain[1:], strict=False):
            links.append((seller, buyer, part.pk, "LOT-BENCH"))
        for level, seller in enumerate(chain[:-1]):  # side branches of the same part and lot
            for buyer in rng.sample(tiers[level + 1][1:], BRANCHES):
                links.append((seller, buyer, part.pk, rng.choice(["", "LOT-BENCH", "LOT-2"])))
        links.append((chain[4], chain[2], part.pk, "LOT-BENCH"))  # a cycle inside the trace
        while len(links) < n_links:
            roll = rng.random()
            if roll < 0.70:
                level = rng.randrange(len(tiers) - 1)
                seller, buyer = rng.choice(tiers[level]), rng.choice(tiers[level + 1])
            elif roll < 0.90:
                seller, buyer = rng.sample(tiers[2], 2)  # brokers trade among themselves
            else:
                level = rng.randrange(1, len(tiers))
                seller, buyer = rng.choice(tiers[level]), rng.choice(tiers[level - 1])
            on_part = rng.random() < PART_SHARE
            links.append(
                (
                    seller,
                    buyer,
                    part.pk if on_part else None,
                    rng.choice(["", "LOT-BENCH", "LOT-2"]),
                )
            )
        SupplyLink.objects.bulk_create(
            [
                SupplyLink(
                    seller=s,
                    buyer=b,
                    part_id=p,
                    lot_code=lot,
                    evidence_kind="inference",
                    confidence="probable",
                )
                for s, b, p, lot in links
            ],
            batch_size=5000,
        )
        system = WeaponSystem.objects.order_by("pk").first()
        recovery = Recovery.objects.create(
            reference="BENCH-GRAPH-1", weapon_system=system, sharing="amber"
        )
        Finding.objects.create(
            recovery=recovery,
            marking="BENCHG100 2234 LOT-BENCH",
            part=part,
            manufacturer=maker,
            lot_code="LOT-BENCH",
            status=FindingStatus.CONFIRMED,
            confirmed_at=timezone.now(),
            external_id="bench-graph-finding",
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"generated {len(orgs):,} organisations, {len(links):,} links in "
          f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip


def reset() -> None:
    from catalog.models import Organisation, Part, SupplyLink
    from forensics.models import Finding, Recovery

    Finding.objects.filter(external_id="bench-graph-finding").delete()
    Recovery.objects.filter(reference="BENCH-GRAPH-1").delete()
    SupplyLink.objects.filter(seller__name__startswith=PREFIX).delete()
    Part.objects.filter(mpn="BENCHG100").delete()
    Organisation.objects.filter(name__startswith=PREFIX).delete()


# --- measurements ----------------------------------------------------------------------------


def _measure(client, url: str, runs: int):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches (roles, plans)
    times, cpu = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    body = response.json()
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95, statistics.median(cpu), len(ctx.captured_queries), body


PATH_ARRAY_SQL = """
WITH RECURSIVE walk(org_id, depth, path) AS (
    SELECT o.id, 0, ARRAY[o.id] FROM catalog_organisation o WHERE o.id = %(start)s
    UNION ALL
    SELECT n.next_id, w.depth + 1, w.path || n.next_id
    FROM walk w
    JOIN catalog_supplylink l ON l.seller_id = w.org_id OR l.buyer_id = w.org_id
    CROSS JOIN LATERAL (SELECT CASE WHEN l.seller_id = w.org_id THEN l.buyer_id
                                    ELSE l.seller_id END AS next_id) n
    WHERE w.depth < %(depth)s AND NOT n.next_id = ANY(w.path)
)
SELECT count(*), count(DISTINCT org_id) FROM walk
"""


def _walks(start: int, depths: list[int]) -> None:
    """The recursive walk alone: UNION over (organisation, depth) beside a path-array walk."""
    from django.db import connection, transaction

    from forensics.services import graph

    print(f"\n{'walk alone (SQL), both directions':<44} {'UNION (ours)':>22} {'path array':>30}")
    for depth in depths:
        params = {"start": start, "depth": depth, "limit": 1_000_000}
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(graph.ORGANISATION_GRAPH_SQL, params)
            edges = len(cursor.fetchall())
        ours = (time.perf_counter() - started) * 1000
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = '20s'")
                started = time.perf_counter()
                cursor.execute(PATH_ARRAY_SQL, params)
                paths, nodes = cursor.fetchone()
                other = f"{(time.perf_counter() - started) * 1000:8.1f}ms {paths:>10,} paths"
        except Exception:
            other = "  >20 s (cancelled)"
        print(f"{'depth ' + str(depth):<44} {ours:8.1f}ms {edges:>7,} edges   {other}")


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def run(args) -> int:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from catalog.models import Organisation, SupplyLink
    from forensics.models import Finding

    call_command("migrate", verbosity=0)
    have = Organisation.objects.filter(name__startswith=PREFIX).count()
    if args.regenerate or have < args.organisations:
        reset()
        generate(args.organisations, args.links)
    user, _ = get_user_model().objects.get_or_create(username="bench_graph_analyst")
    user.groups.add(Group.objects.get_or_create(name="analyst")[0])
    client = APIClient()
    client.force_authenticate(user)

    finding = Finding.objects.get(external_id="bench-graph-finding")
    chain_broker = (
        Organisation.objects.filter(name__startswith=PREFIX, is_independent_distributor=True)
        .order_by("pk")
        .first()
    )
    n_orgs = Organisation.objects.filter(name__startswith=PREFIX).count()
    n_links = SupplyLink.objects.filter(seller__name__startswith=PREFIX).count()
    print(f"{n_orgs:,} organisations, {n_links:,} links; {args.runs} runs per scenario; {_load()}")
    print(
        "(app CPU: the Django process's own CPU time per request, which machine load barely moves)\n"
    )
    header = f"{'median':>8} {'p95':>8} {'app CPU':>8} {'queries':>8} {'nodes':>6} {'edges':>6}"
    print(f"{'endpoint':<44} {header}")
    scenarios = [(f"finding trace, depth {d}", f"/api/v1/findings/{finding.pk}/trace/?depth={d}")
                 for d in (5, 10)]  # fmt: skip
    scenarios += [
        (f"organisation graph (broker), depth {d}", f"/api/v1/organisations/{chain_broker.pk}/graph/?depth={d}")
        for d in (1, 2, 3, 5)
    ]  # fmt: skip
    results = {}
    for label, url in scenarios:
        median, p95, cpu, queries, body = _measure(client, url, args.runs)
        results[label] = (median, queries, body)
        print(
            f"{label:<44} {median:7.1f}ms {p95:7.1f}ms {cpu:7.1f}ms {queries:8d} "
            f"{len(body['nodes']):6,} {len(body['edges']):6,}"
            f"{'  (truncated)' if body['truncated'] else ''}"
        )
    trace = results["finding trace, depth 5"]
    hops = max(node["depth"] for node in trace[2]["nodes"])
    queries = {q for _m, q, _b in results.values()}
    _walks(chain_broker.pk, [2, 3, 4, 5])
    ok = trace[0] <= TARGET_MS and hops == 5 and len(queries) == 1
    print(
        f"\nfinding trace (5 hops found: {hops}) median {trace[0]:.1f} ms (target {TARGET_MS}); "
        f"query count the same at every depth: {len(queries) == 1}; "
        f"{'OK' if ok else 'MISSED'}; {_load()}"
    )
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--organisations", type=int, default=1000)
    parser.add_argument("--links", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    if os.environ.get(CHILD_FLAG) != "1":
        _ensure_database(os.environ.get("BENCH_GRAPH_DATABASE_URL", DEFAULT_URL))
        return _spawn(argv if argv is not None else sys.argv[1:])
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
