"""The reliability proof: a real Redis broker, real Celery worker processes, a local receiver.

200 findings are confirmed; the worker is killed with SIGKILL while requests are in flight; the broker
is restarted without saving (every queued message gone); a new worker starts and the sweep runs.
Every notification must then be delivered, none lost, each marked delivered exactly once in the
database, and every attempt logged. The receiver may see a key twice: a worker killed after the
receiver answered but before the database recorded it; the repeat carries the same Idempotency-Key,
which is how the receiver drops it. Every request's signature verifies.
"""

import collections
import threading
import time

import pytest
from django.db import connection, transaction

from forensics.models import (
    AttemptOutcome,
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    Notification,
    NotificationState,
    WebhookEndpoint,
)
from forensics.services import findings, notifications, webhooks
from forensics.tasks_notifications import sweep_notifications
from tests.notifications_support import WebhookReceiver, Worker, confirmed_finding

from .conftest import lose_broker_queue, queued_messages

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

FINDINGS = 200
WORKER_ENV = {
    "NOTIFICATION_CLAIM_TIMEOUT_SECONDS": 5,
    "NOTIFICATION_REQUEUE_AFTER_SECONDS": 5,
    "NOTIFICATION_RETRY_BASE_SECONDS": 1,
}


def wait_for(condition, timeout, what, every=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    pytest.fail(f"Timed out after {timeout} s waiting for {what}")


def delivered() -> int:
    return Delivery.objects.filter(state=DeliveryState.DELIVERED).count()


@pytest.fixture
def workers(real_broker, tmp_path):
    started = []

    def start(**env):
        worker = Worker(real_broker, tmp_path / "worker.log", concurrency=4, **WORKER_ENV, **env)
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.kill()  # acks_late: nothing a disposable worker holds is lost by killing it


class Producer(threading.Thread):
    """Confirms the findings one by one (own connection), as analysts would, while the test
    watches the worker; the kill usually lands while it is still confirming."""

    def __init__(self, proposed, analyst):
        super().__init__(daemon=True)
        self.proposed, self.analyst, self.error = proposed, analyst, None

    def run(self):
        try:
            for finding in self.proposed:
                findings.confirm_finding(finding.pk, self.analyst)
        except Exception as exc:  # reported by the test's assertion
            self.error = exc
        finally:
            connection.close()


@pytest.fixture
def endpoint(maker_a):
    return WebhookEndpoint.objects.create(
        organisation=maker_a,
        url="http://127.0.0.1:1/placeholder",
        secret=webhooks.generate_secret(),
    )


def test_kill_the_worker_restart_the_broker_lose_nothing(
    users, maker_a, endpoint, workers, monkeypatch
):
    monkeypatch.setattr(findings, "call_learn", lambda *args: None)  # not under test here
    with WebhookReceiver(secret=endpoint.secret, delay=0.15) as receiver:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url)
        proposed = [
            confirmed_finding(maker_a, status="proposed", confirmed_at=None)
            for _ in range(FINDINGS)
        ]
        first = workers()
        producer = Producer(proposed, users["analyst"])
        producer.start()

        def under_way():
            assert producer.error is None, producer.error
            return (
                delivered() >= 20
                and Delivery.objects.filter(state=DeliveryState.DELIVERING).exists()
            )

        wait_for(
            under_way,
            60,
            "deliveries under way",
            every=0.05,
        )
        first.kill()
        in_flight = set(
            Delivery.objects.filter(state=DeliveryState.DELIVERING).values_list("pk", flat=True)
        )
        delivered_before = delivered()
        assert in_flight, "the worker must die with requests in flight"
        producer.join(120)
        assert producer.error is None, producer.error
        keys = set(Notification.objects.values_list("idempotency_key", flat=True))
        assert len(keys) == FINDINGS
        assert delivered_before < FINDINGS, "the kill must come before the end"

        how = lose_broker_queue()
        assert queued_messages() == 0, f"the broker ({how}) kept its queue; nothing was lost"
        receiver.delay = 0.0
        workers()

        def swept_and_done():
            if delivered() == FINDINGS:
                return True
            sweep_notifications.delay()
            return False

        wait_for(swept_and_done, 180, "every notification delivered after the sweep", every=2)

    # Every notification delivered; the database marked each delivery delivered exactly once.
    assert set(Notification.objects.values_list("state", flat=True)) == {
        NotificationState.DELIVERED
    }
    for delivery in Delivery.objects.prefetch_related("attempt_log"):
        outcomes = [a.outcome for a in delivery.attempt_log.all()]
        assert outcomes.count(AttemptOutcome.SUCCESS) == 1, (delivery.pk, outcomes)
        assert AttemptOutcome.IN_PROGRESS not in outcomes
        assert delivery.attempts == len(outcomes), "every attempt is logged"
        assert delivery.delivered_at is not None

    # The killed worker's attempts are on record as abandoned, then delivered.
    abandoned = set(
        DeliveryAttempt.objects.filter(outcome=AttemptOutcome.ABANDONED).values_list(
            "delivery_id", flat=True
        )
    )
    assert abandoned == in_flight

    # The receiver saw every key, nothing else, every signature valid; repeats only for in-flight.
    seen = collections.Counter(receiver.keys())
    assert set(seen) == keys, "none lost, nothing foreign"
    in_flight_keys = set(
        Delivery.objects.filter(pk__in=in_flight).values_list(
            "notification__idempotency_key", flat=True
        )
    )
    assert all(record["valid"] for record in receiver.records if not record["truncated"])
    cut = {record["key"] for record in receiver.records if record["truncated"]}
    assert cut <= in_flight_keys, "only a request the kill interrupted arrives incomplete"
    repeated = {key for key, count in seen.items() if count > 1}
    assert repeated <= in_flight_keys, "only a request cut short by the kill is sent again"
    print(
        f"\n{FINDINGS} notifications: {delivered_before} delivered before kill -9, "
        f"{len(in_flight)} in flight, broker {how}; receiver saw {len(receiver.records)} requests, "
        f"{len(repeated)} key(s) twice (same Idempotency-Key), {len(cut)} cut short by the kill; "
        f"all {FINDINGS} delivered once in DB"
    )


def test_a_failing_receiver_is_retried_by_the_worker(users, maker_a, endpoint, workers):
    with WebhookReceiver(secret=endpoint.secret, statuses=[500, 503]) as receiver:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url)
        workers()
        with transaction.atomic():
            [notification] = notifications.notify_finding_confirmed(confirmed_finding(maker_a))
        wait_for(lambda: delivered() == 1, 60, "the third attempt to succeed")
    delivery = Delivery.objects.get(notification=notification)
    log = list(delivery.attempt_log.values_list("outcome", "status_code"))
    assert log == [
        (AttemptOutcome.ERROR, 500),
        (AttemptOutcome.ERROR, 503),
        (AttemptOutcome.SUCCESS, 200),
    ]
    assert receiver.keys() == [notification.idempotency_key] * 3
    assert all(record["valid"] for record in receiver.records)
