"""Notification delivery throughput: 10,000 webhook notifications through Redis and two Celery worker
processes to a local receiver, on PostgreSQL.

    python -m bench.bench_notifications [--notifications 10000] [--concurrency 2] [--batch 100]

Works in its own database (`BENCH_NOTIFICATIONS_DATABASE_URL`, default
postgres://postgres@127.0.0.1:5432/bench_notifications, created and migrated on first use) and its
own Redis database (`BENCH_BROKER_URL`, default redis://127.0.0.1:6379/6). The whole production path
runs: confirmed findings are notified in transactions of `--batch` findings (outbox rows, tasks
enqueued on commit), a `celery worker --concurrency 2` (two prefork processes) claims, signs and
POSTs each event to a threaded receiver on 127.0.0.1 that verifies every signature, and records the
outcome. Prints the producer rate, the delivery rate (notifications delivered per second, from the
first confirmation to the last delivery) and the notification-to-delivery latency (p50, p95);
target: at least 200 delivered per second. Figures in docs/notifications.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_notifications"
DEFAULT_BROKER = "redis://127.0.0.1:6379/6"
CHILD_FLAG = "BENCH_NOTIFICATIONS_CHILD"
TARGET_RATE = 200.0


def _spawn(argv: list[str]) -> int:
    """Run in a child process so Django is set up against the benchmark database only."""
    env = {
        **os.environ,
        CHILD_FLAG: "1",
        "DATABASE_URL": os.environ.get("BENCH_NOTIFICATIONS_DATABASE_URL", DEFAULT_URL),
        "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", DEFAULT_BROKER),
        "DJANGO_SETTINGS_MODULE": "forensics.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret-key-" + "x" * 30,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        "WEBHOOK_ALLOW_HTTP_HOSTS": "127.0.0.1",
    }
    return subprocess.call([sys.executable, "-m", "bench.bench_notifications", *argv], env=env)


def _ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _world(count: int):
    """A maker with one webhook endpoint and `count` confirmed findings (previous runs cleared)."""
    from django.db import transaction
    from django.utils import timezone

    from catalog.models import Organisation
    from forensics.models import (
        Finding,
        FindingStatus,
        Notification,
        Recovery,
        Sharing,
        WeaponSystem,
        WebhookEndpoint,
    )
    from forensics.services import webhooks

    with transaction.atomic():
        maker, _ = Organisation.objects.get_or_create(
            slug="bench-notifications-maker",
            defaults={"name": "Bench Notifications Maker", "is_manufacturer": True},
        )
        Notification.objects.filter(organisation=maker).delete()
        Finding.objects.filter(recovery__reference="BENCH-NOTIFICATIONS").delete()
        WebhookEndpoint.objects.filter(organisation=maker).delete()
        system, _ = WeaponSystem.objects.get_or_create(
            slug="bench-drone", defaults={"name": "Bench-Drone", "kind": "attack_uav"}
        )
        recovery, _ = Recovery.objects.get_or_create(
            reference="BENCH-NOTIFICATIONS",
            defaults={
                "weapon_system": system,
                "sharing": Sharing.AMBER,
                "recovered_on": datetime.date(2024, 5, 1),
            },
        )
        now = timezone.now()
        Finding.objects.bulk_create(
            Finding(
                recovery=recovery,
                manufacturer=maker,
                marking=f"BENCH{n:05d} 2231",
                date_code="2231",
                lot_code=f"L{n:05d}",
                status=FindingStatus.CONFIRMED,
                confirmed_at=now,
                marking_changed_at=now,
            )
            for n in range(count)
        )
        endpoint = WebhookEndpoint.objects.create(
            organisation=maker, url="http://127.0.0.1:1/", secret=webhooks.generate_secret()
        )
    findings = list(Finding.objects.filter(recovery=recovery).order_by("pk"))
    return maker, endpoint, findings


def _produce(findings, batch: int) -> float:
    """Notify every finding, `batch` per transaction (tasks enqueued on commit); returns seconds."""
    from django.db import transaction

    from forensics.services import notifications

    started = time.monotonic()
    for offset in range(0, len(findings), batch):
        with transaction.atomic():
            for finding in findings[offset : offset + batch]:
                notifications.notify_finding_confirmed(finding)
    return time.monotonic() - started


def _wait_delivered(deliveries, count: int, timeout: float = 900) -> None:
    from forensics.models import DeliveryState

    deadline = time.monotonic() + timeout
    while deliveries.filter(state=DeliveryState.DELIVERED).count() < count:
        if time.monotonic() > deadline:
            raise SystemExit("Timed out waiting for the deliveries")
        time.sleep(0.25)


def _figures(deliveries) -> dict:
    from django.db.models import Count, Max, Min

    from forensics.models import DeliveryAttempt

    attempts = DeliveryAttempt.objects.filter(delivery__in=deliveries)
    span = attempts.aggregate(first=Min("at"), last=Max("finished_at"))
    rows = list(deliveries.values_list("notification__created_at", "delivered_at"))
    service = [
        (finished - at).total_seconds() * 1000
        for at, finished in attempts.values_list("at", "finished_at")
    ]
    return {
        "count": len(rows),
        "rate": len(rows) / (span["last"] - span["first"]).total_seconds(),
        "latency": [(done - made).total_seconds() * 1000 for made, done in rows],
        "service": service,
        "http": list(attempts.values_list("duration_ms", flat=True)),
        "states": dict(deliveries.values_list("state").annotate(n=Count("pk"))),
        "attempts": attempts.count(),
    }


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values):,.0f} / {_percentile(values, 0.95):,.0f} ms"


def _run(args) -> int:
    import django

    django.setup()
    import redis
    from django.core.management import call_command

    from forensics.models import Delivery, WebhookEndpoint
    from tests.notifications_support import WebhookReceiver, Worker

    call_command("migrate", verbosity=0)
    broker = os.environ["CELERY_BROKER_URL"]
    redis.Redis.from_url(broker).flushdb()
    total = args.notifications + args.stream
    maker, endpoint, findings = _world(total)
    backlog, stream = findings[: args.notifications], findings[args.notifications :]
    log = Path(tempfile.mkdtemp(prefix="bench-notifications-")) / "worker.log"
    worker = Worker(
        broker,
        log,
        concurrency=args.concurrency,
        DJANGO_SETTINGS_MODULE="forensics.settings",
        LOG_LEVEL="WARNING",
    )
    deliveries = Delivery.objects.filter(notification__organisation=maker)
    with WebhookReceiver(secret=endpoint.secret) as receiver:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url)
        produced = _produce(backlog, args.batch)
        worker.start()
        try:
            _wait_delivered(deliveries, len(backlog))
            drain = _figures(deliveries)
            if stream:
                streamed = _produce(stream, args.batch)
                _wait_delivered(deliveries, total)
                live = _figures(deliveries.filter(notification__finding__in=stream))
        finally:
            worker.stop()
    valid = sum(1 for record in receiver.records if record["valid"])
    distinct = len(set(receiver.keys()))
    ok = drain["rate"] >= TARGET_RATE and distinct == total and valid == len(receiver.records)

    load = os.getloadavg()[0]
    print(f"machine                {os.cpu_count()} CPUs, load average {load:.1f} at the end")
    print(
        f"workers                1 celery worker, --pool prefork --concurrency {args.concurrency} (2 processes)"
    )
    print(
        f"producer               {len(backlog) / produced:>8,.0f} /s   notify in transactions of {args.batch}, tasks enqueued on commit"
    )
    print(
        f"backlog delivered      {drain['rate']:>8,.0f} /s   {drain['count']:,} notifications, first claim to last delivery; target >= {TARGET_RATE:.0f} /s: {'OK' if drain['rate'] >= TARGET_RATE else 'MISSED'}"
    )
    print(f"  claim -> recorded    {_ms(drain['service'])} (p50 / p95)")
    print(f"  HTTP POST            {_ms(drain['http'])} (p50 / p95)")
    if stream:
        print(
            f"streamed               {live['count']:,} notifications produced at {len(stream) / streamed:,.0f} /s while the workers ran"
        )
        print(f"  written -> delivered {_ms(live['latency'])} (p50 / p95)")
    print(f"receiver               {len(receiver.records):,} requests, {distinct:,} distinct keys, {valid:,} signatures valid; states {drain['states']}")  # fmt: skip
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notifications", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument(
        "--stream", type=int, default=1000, help="then notify this many with the workers running"
    )
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    if not os.environ.get(CHILD_FLAG):
        _ensure_database(os.environ.get("BENCH_NOTIFICATIONS_DATABASE_URL", DEFAULT_URL))
        code = _spawn(argv)
        if code:
            raise SystemExit(code)
        return 0
    return _run(args)


if __name__ == "__main__":
    sys.exit(main())
