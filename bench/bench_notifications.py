"""Notification delivery throughput: 10,000 webhook notifications through Redis and two Celery worker
processes to a local receiver, on PostgreSQL.

    python -m bench.bench_notifications [--notifications 10000] [--stream 1000] [--stream-rate 50]
                                        [--concurrency 2] [--batch 100]

Works in its own database (`BENCH_NOTIFICATIONS_DATABASE_URL`, default
postgres://postgres@127.0.0.1:5432/bench_notifications, created and migrated on first use) and its
own Redis database (`BENCH_BROKER_URL`, default redis://127.0.0.1:6379/6). The whole production path
runs. First a backlog: `--notifications` confirmed findings are notified in transactions of `--batch`
(outbox rows; tasks of up to 20 deliveries enqueued on commit), then a `celery worker --concurrency 2`
(two prefork processes) starts, claims, signs and POSTs each event to a threaded receiver on
127.0.0.1 that verifies every signature, and records the outcome; the delivery rate is counted from
the first claim to the last delivery (target: at least 200 per second). Then `--stream` more are
notified one transaction each (`--stream-rate` per second), as analysts confirm, while the worker
runs: the latency from the notification row to its delivery (p50, p95). Figures in docs/notifications.md.
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
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
        "NOTIFICATION_REQUEUE_AFTER_SECONDS": "30",
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


def _produce(findings, batch: int, rate: float = 0.0) -> float:
    """Notify every finding, `batch` per transaction (tasks enqueued on commit), at most `rate`
    transactions per second when given; returns seconds."""
    from django.db import transaction

    from forensics.services import notifications

    started = time.monotonic()
    for number, offset in enumerate(range(0, len(findings), batch)):
        if rate:
            time.sleep(max(0.0, started + number / rate - time.monotonic()))
        with transaction.atomic():
            for finding in findings[offset : offset + batch]:
                notifications.notify_finding_confirmed(finding)
    return time.monotonic() - started


def _wait_delivered(deliveries, count: int, timeout: float = 900) -> int:
    """Wait for `count` delivered; if nothing moves for 30 s (the shared broker was restarted and
    lost the queue), run the sweep as beat would. Returns how many sweeps were needed."""
    from forensics.models import DeliveryState
    from forensics.services import notifications

    deadline = time.monotonic() + timeout
    sweeps, last, last_change = 0, -1, time.monotonic()
    while (done := deliveries.filter(state=DeliveryState.DELIVERED).count()) < count:
        now = time.monotonic()
        if done != last:
            last, last_change = done, now
        elif now - last_change > 30:
            found = notifications.sweep()
            print(
                f"no progress for 30 s at {done:,} delivered: sweep re-enqueued {found}",
                file=sys.stderr,
            )
            sweeps, last_change = sweeps + 1, now
        if now > deadline:
            raise SystemExit("Timed out waiting for the deliveries")
        time.sleep(0.25)
    return sweeps


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


class ReceiverProcess:
    """The webhook receiver in a process of its own, so its answers do not wait for this
    process's producer to let go of the GIL; it reports what it saw when stopped."""

    def __init__(self, secret: str):
        context = multiprocessing.get_context("fork")
        self._stop, self._out = context.Event(), context.Queue()
        self._process = context.Process(
            target=_receive, args=(secret, self._stop, self._out), daemon=True
        )
        self.url = ""

    def start(self) -> ReceiverProcess:
        self._process.start()
        self.url = self._out.get(timeout=30)
        return self

    def stop(self) -> dict:
        self._stop.set()
        seen = self._out.get(timeout=60)
        self._process.join(10)
        return seen


def _receive(secret: str, stop, out) -> None:
    from tests.notifications_support import WebhookReceiver

    with WebhookReceiver(secret=secret) as receiver:
        out.put(receiver.url)
        stop.wait()
        keys = receiver.keys()
        valid = sum(1 for record in receiver.records if record["valid"])
        out.put({"requests": len(keys), "distinct": len(set(keys)), "valid": valid})


def _run(args) -> int:
    import django

    django.setup()
    import redis
    from django.core.management import call_command

    from forensics.models import Delivery, WebhookEndpoint
    from tests.notifications_support import Worker

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
    receiver = ReceiverProcess(endpoint.secret).start()
    try:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url)
        produced = _produce(backlog, args.batch)
        worker.start()
        try:
            sweeps = _wait_delivered(deliveries, len(backlog))
            drain = _figures(deliveries)
            if stream:
                streamed = _produce(stream, 1, args.stream_rate)  # one confirmation each
                sweeps += _wait_delivered(deliveries, total)
                live = _figures(deliveries.filter(notification__finding__in=stream))
        finally:
            worker.stop()
    finally:
        seen = receiver.stop()
    ok = drain["rate"] >= TARGET_RATE and seen["distinct"] == total
    ok = ok and seen["valid"] == seen["requests"]

    load = os.getloadavg()[0]
    print(f"machine                {os.cpu_count()} CPUs, load average {load:.1f} at the end")
    print(
        f"workers                1 celery worker, --pool prefork --concurrency {args.concurrency} ({args.concurrency} processes)"
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
            f"streamed               {live['count']:,} notifications confirmed one by one at {len(stream) / streamed:,.0f} /s while the workers ran"
        )
        print(f"  written -> delivered {_ms(live['latency'])} (p50 / p95)")
    if sweeps:
        print(
            f"sweeps                 {sweeps} (tasks lost by the broker meanwhile: figures include the wait)"
        )
    print(f"receiver               {seen['requests']:,} requests, {seen['distinct']:,} distinct keys, {seen['valid']:,} signatures valid; states {drain['states']}")  # fmt: skip
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notifications", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument(
        "--stream", type=int, default=1000, help="then notify this many with the workers running"
    )
    parser.add_argument(
        "--stream-rate", type=float, default=50.0, help="confirmations per second while streaming"
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
