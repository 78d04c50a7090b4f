"""Concurrent confirmations produce one notification: two threads, two PostgreSQL connections."""

import threading
import time

import pytest
from django.db import connection, transaction

from forensics.celery import app as celery_app
from forensics.models import Delivery, FindingStatus, Notification, NotificationState
from forensics.services import findings, notifications
from tests.notifications_support import WebhookReceiver, confirmed_finding

from .test_notifications import endpoint_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: two connections writing at once (SQLite serialises writers, "
        "and the in-memory test database is not shared between threads)",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def local_webhooks(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = ["127.0.0.1"]
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


def _together(*calls):
    """Run each call in its own thread (own connection), released at the same instant."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i):
        try:
            barrier.wait()
            outcomes[i] = calls[i]()
        except Exception as exc:  # kept for the assertion, which shows it
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_two_analysts_confirming_at_once_make_one_notification(users, maker_a, fake_resolver):
    with WebhookReceiver() as receiver:
        endpoint_for(maker_a, receiver)
        finding = confirmed_finding(maker_a, status=FindingStatus.PROPOSED, confirmed_at=None)

        def confirm(user):
            return lambda: findings.confirm_finding(finding.pk, user)

        outcomes = _together(confirm(users["analyst"]), confirm(users["admin"]))
        conflicts = [o for o in outcomes if isinstance(o, findings.AlreadyConfirmed)]
        assert len(conflicts) == 1, outcomes
        [notification] = Notification.objects.filter(finding=finding)
        assert notification.state == NotificationState.DELIVERED
        assert receiver.keys() == [notification.idempotency_key]
        assert all(r["valid"] for r in receiver.records)


def test_the_unique_constraint_holds_without_the_finding_lock(maker_a, monkeypatch):
    """Two transactions notify the same finding at once; the second waits on the first's insert
    and, when it commits, backs off: one notification, one set of deliveries, no error."""
    with WebhookReceiver() as receiver:
        endpoint_for(maker_a, receiver)
        finding = confirmed_finding(maker_a)
        plan = notifications._plan_deliveries

        def slow_plan(*args):
            time.sleep(0.3)  # keep the first transaction open while the second one inserts
            return plan(*args)

        monkeypatch.setattr(notifications, "_plan_deliveries", slow_plan)

        def notify():
            with transaction.atomic():
                return notifications.notify_finding_confirmed(finding)

        outcomes = _together(notify, notify)
        assert sorted(len(o) for o in outcomes) == [0, 1], outcomes
        assert Notification.objects.filter(finding=finding).count() == 1
        assert Delivery.objects.count() == 1
        assert len(receiver.records) == 1
