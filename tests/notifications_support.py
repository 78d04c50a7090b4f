"""Helpers shared by the notification tests and the worker proof: a local webhook receiver that
verifies signatures, and confirmed findings made straight through the ORM."""

from __future__ import annotations

import datetime
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.utils import timezone

from forensics.models import Finding, FindingStatus, Recovery, Sharing, WeaponSystem
from forensics.services import webhooks

_counter = itertools.count(1)


class WebhookReceiver:
    """A threaded HTTP server on 127.0.0.1 that records every POST.

    Each record says whether the signature verified against `secret`. `statuses` is consumed one
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

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                timestamp = self.headers.get(webhooks.TIMESTAMP_HEADER, "")
                signature = self.headers.get(webhooks.SIGNATURE_HEADER, "")
                record = {
                    "key": self.headers.get(webhooks.IDEMPOTENCY_HEADER),
                    "path": self.path,
                    "host": self.headers.get("Host"),
                    "event_type": self.headers.get("X-Event-Type"),
                    "body": body,
                    "valid": webhooks.verify(receiver.secret, timestamp, body, signature),
                    "at": time.time(),
                }
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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
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
