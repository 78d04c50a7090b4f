"""Helpers shared by the notification tests and the worker proof: a local webhook receiver that
verifies signatures, and confirmed findings made straight through the ORM."""

from __future__ import annotations

import datetime
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.db import connection
from django.utils import timezone

from forensics.celery import app as celery_app
from forensics.models import Finding, FindingStatus, Recovery, Sharing, WeaponSystem
from forensics.services import webhooks

_counter = itertools.count(1)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A sender killed mid-request (the point of the worker proof) is not worth a traceback."""


class WebhookReceiver:
    """A threaded HTTP server on 127.0.0.1 that records every POST.

    Each record says whether the signature verified against `secret`, and whether the body was
    cut short (`truncated`: the sender died between headers and body; nothing is answered). `statuses` is consumed one
    answer per request (then 200); `delay` holds each answer, so a worker can be killed mid-request.
    """

    def __init__(self, secret: str = "", delay: float = 0.0, statuses=()):
        self.secret = secret
        self.delay = delay
        self.statuses = list(statuses)
        self.records: list[dict] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms stall

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                timestamp = self.headers.get(webhooks.TIMESTAMP_HEADER, "")
                signature = self.headers.get(webhooks.SIGNATURE_HEADER, "")
                record = {
                    "key": self.headers.get(webhooks.IDEMPOTENCY_HEADER),
                    "path": self.path,
                    "host": self.headers.get("Host"),
                    "event_type": self.headers.get("X-Event-Type"),
                    "body": body,
                    "valid": webhooks.verify(receiver.secret, timestamp, body, signature),
                    "truncated": len(body) < length,  # the sender died mid-request
                    "at": time.time(),
                }
                if record["truncated"]:
                    with receiver._lock:
                        receiver.records.append(record)
                    self.close_connection = True
                    return
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver._lock:
                    receiver.records.append(record)
                    code = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = b'{"ok": true}' if code < 300 else b"receiver says no"
                self.send_response(code)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def keys(self) -> list[str]:
        with self._lock:
            return [r["key"] for r in self.records]

    def events(self) -> list[dict]:
        with self._lock:
            return [json.loads(r["body"]) for r in self.records]


def weapon_system() -> WeaponSystem:
    system, _ = WeaponSystem.objects.get_or_create(
        slug="test-drone", defaults={"name": "Test-Drone 1", "kind": "attack_uav", "country": "IR"}
    )
    return system


def confirmed_finding(
    maker, part=None, *, sharing: str = Sharing.AMBER, recovery: Recovery | None = None, **fields
) -> Finding:
    """A finding confirmed against `maker` (and `part`), written directly through the ORM."""
    n = next(_counter)
    if recovery is None:
        recovery = Recovery.objects.create(
            reference=f"TEST-{n}-{time.monotonic_ns()}",
            weapon_system=weapon_system(),
            recovered_on=datetime.date(2024, 3, 14),
            oblast="Kharkiv",
            recovering_unit="Unit that must never be named",
            source="Source that must never be named",
            sharing=sharing,
        )
    values = {
        "marking": f"MAX3490 2231 A{n}",
        "category": "Transceiver",
        "date_code": "2231",
        "lot_code": f"LOT{n}",
        "status": FindingStatus.CONFIRMED,
        "confirmed_at": timezone.now(),
    }
    values.update(fields)
    return Finding.objects.create(recovery=recovery, manufacturer=maker, part=part, **values)


REPO = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The URL of the database this process is using (the test database during tests), so a
    worker process can be pointed at the very same rows."""
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("A worker process can share only a PostgreSQL database.")
    credentials = db["USER"] or ""
    if db["PASSWORD"]:
        credentials += f":{db['PASSWORD']}"
    if credentials:
        credentials += "@"
    return f"postgres://{credentials}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """A real `celery -A forensics worker` process in its own process group (so `kill -9` of the
    group takes its pool children with it), logging to `log_path`."""

    def __init__(
        self, broker_url: str, log_path: Path, concurrency: int = 4, pool: str = "prefork", **env
    ):
        self.log_path = Path(log_path)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "forensics.test_settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
            "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
            "WEBHOOK_ALLOW_HTTP_HOSTS": "127.0.0.1",
            **{k: str(v) for k, v in env.items()},
        }
        self.concurrency = concurrency
        self.pool = pool
        self.queue = celery_app.conf.task_default_queue
        self.env["CELERY_TASK_DEFAULT_QUEUE"] = self.queue
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Worker:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        start_mark = self.log_path.stat().st_size
        command = [
            sys.executable, "-m", "celery", "-A", "forensics", "worker",
            "--loglevel", "INFO", "--pool", self.pool, "--concurrency", str(self.concurrency), "--queues", self.queue,
            "--without-gossip", "--without-mingle", "--hostname", f"proof-{os.getpid()}-{time.monotonic_ns()}@%h",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            cwd=REPO,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.log_path, "rb") as log:
                log.seek(start_mark)
                if b" ready." in log.read():
                    return self
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"The Celery worker did not start; see {self.log_path}:\n{self.log()}")

    def kill(self) -> None:
        """kill -9 the worker and its pool children, mid-whatever they are doing."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        if getattr(self, "_log", None):
            self._log.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "_log", None):
            self._log.close()

    def log(self, tail: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-tail:]
