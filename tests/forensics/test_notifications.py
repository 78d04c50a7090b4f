"""Notifications: who is told, what they are told, and delivery with retries, failure, claims,
the sweep and the digest. Deliveries run eagerly in-process against a local receiver."""

import datetime
import json
import time
from unittest import mock

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from forensics.celery import app as celery_app
from forensics.models import (
    AttemptOutcome,
    ComplianceContact,
    Delivery,
    DeliveryAttempt,
    DeliveryChannel,
    DeliveryState,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationState,
    Sharing,
    WebhookEndpoint,
)
from forensics.services import findings, notifications, webhooks
from tests.factories import PartFactory
from tests.notifications_support import WebhookReceiver, confirmed_finding

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def local_webhooks(settings):
    """Deliveries run in-process; the receiver on 127.0.0.1 is allowed, over plain http."""
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = ["127.0.0.1"]
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield settings
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def receiver():
    with WebhookReceiver() as server:
        yield server


def endpoint_for(organisation, receiver, **fields):
    endpoint = WebhookEndpoint.objects.create(
        organisation=organisation, url=receiver.url, secret=webhooks.generate_secret(), **fields
    )
    receiver.secret = endpoint.secret
    return endpoint


def notify(finding, capture):
    """Confirmation-time call in its own transaction; the on-commit enqueue runs (eagerly)."""
    with capture(execute=True), transaction.atomic():
        return notifications.notify_finding_confirmed(finding)


# --- who is told ------------------------------------------------------------------------------


def test_brand_without_channels_gets_an_api_only_notification(maker_a):
    finding = confirmed_finding(maker_a)
    [notification] = notifications.notify_finding_confirmed(finding)
    assert notification.organisation == maker_a
    assert notification.state == NotificationState.NO_CHANNEL
    assert not notification.deliveries.exists()


def test_owner_is_told_only_when_it_has_contacts_or_endpoints(maker_a, maker_b):
    maker_b.owner = maker_a
    maker_b.save()
    first = confirmed_finding(maker_b)
    assert [n.organisation for n in notifications.notify_finding_confirmed(first)] == [maker_b]

    ComplianceContact.objects.create(organisation=maker_a, name="Owner", email="o@a.example")
    second = confirmed_finding(maker_b)
    told = [n.organisation for n in notifications.notify_finding_confirmed(second)]
    assert told == [maker_b, maker_a]


def test_part_alone_names_the_brand(maker_a):
    part = PartFactory(manufacturer=maker_a)
    finding = confirmed_finding(None, part)
    [notification] = notifications.notify_finding_confirmed(finding)
    assert notification.organisation == maker_a
    assert notification.payload["finding"]["part"]["mpn"] == part.mpn


def test_one_notification_per_finding_however_often_called(maker_a):
    finding = confirmed_finding(maker_a)
    assert len(notifications.notify_finding_confirmed(finding)) == 1
    assert notifications.notify_finding_confirmed(finding) == []
    assert Notification.objects.filter(finding=finding).count() == 1


def test_the_database_refuses_a_second_confirmation_notice(maker_a):
    finding = confirmed_finding(maker_a)
    notifications.notify_finding_confirmed(finding)
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            organisation=maker_a,
            finding=finding,
            kind=NotificationKind.FINDING_CONFIRMED,
            payload={},
            idempotency_key="another-key",
        )


def test_unconfirmed_and_unattributed_findings_notify_nobody(maker_a):
    assert (
        notifications.notify_finding_confirmed(confirmed_finding(maker_a, status="proposed")) == []
    )
    assert notifications.notify_finding_confirmed(confirmed_finding(None)) == []


def test_red_recoveries_wait_until_shared(maker_a):
    finding = confirmed_finding(maker_a, sharing=Sharing.RED)
    assert notifications.notify_finding_confirmed(finding) == []
    recovery = finding.recovery
    recovery.sharing = Sharing.AMBER
    recovery.save()
    [notification] = notifications.notify_recovery_shared(recovery)
    assert notification.finding == finding
    assert notifications.notify_recovery_shared(recovery) == []


def test_amber_event_has_the_month_and_never_the_unit_or_source(maker_a):
    part = PartFactory(manufacturer=maker_a, mpn="MAX3490EESA+T")
    finding = confirmed_finding(maker_a, part, lot_code="ZD0XG3", date_code="2231")
    [notification] = notifications.notify_finding_confirmed(finding)
    event = notification.payload
    assert event["id"] == notification.idempotency_key
    assert event["type"] == "finding_confirmed"
    data = event["finding"]
    assert data["id"] == finding.pk
    assert data["marking"] == finding.marking
    assert data["part"]["mpn"] == "MAX3490EESA+T"
    assert data["lot_code"] == "ZD0XG3"
    assert data["date_code"] == "2231"
    assert data["weapon_system"]["name"] == "Test-Drone 1"
    assert data["recovery_month"] == "2024-03"
    assert "recovery_date" not in data
    assert event["links"]["finding"].endswith(f"/api/v1/findings/{finding.pk}/")
    text = json.dumps(event)
    assert "never be named" not in text and "Kharkiv" not in text


def test_green_event_has_the_recovery_date(maker_a):
    finding = confirmed_finding(maker_a, sharing=Sharing.GREEN)
    [notification] = notifications.notify_finding_confirmed(finding)
    assert notification.payload["finding"]["recovery_date"] == "2024-03-14"


# --- delivery ---------------------------------------------------------------------------------


def test_webhook_is_delivered_signed_with_its_idempotency_key(
    maker_a, receiver, django_capture_on_commit_callbacks
):
    endpoint_for(maker_a, receiver)
    [notification] = notify(confirmed_finding(maker_a), django_capture_on_commit_callbacks)
    notification.refresh_from_db()
    assert notification.state == NotificationState.DELIVERED
    assert notification.delivered_at is not None
    [record] = receiver.records
    assert record["key"] == notification.idempotency_key
    assert record["valid"], "X-Signature must verify with the endpoint secret"
    assert record["event_type"] == "finding_confirmed"
    assert json.loads(record["body"]) == notification.payload
    [delivery] = notification.deliveries.all()
    assert (delivery.state, delivery.attempts) == (DeliveryState.DELIVERED, 1)
    [attempt] = delivery.attempt_log.all()
    assert attempt.outcome == AttemptOutcome.SUCCESS
    assert attempt.status_code == 200
    assert attempt.duration_ms is not None


def test_email_goes_to_immediate_contacts_and_digest_waits(
    maker_a, django_capture_on_commit_callbacks
):
    ComplianceContact.objects.create(organisation=maker_a, name="Now", email="now@a.example")
    ComplianceContact.objects.create(
        organisation=maker_a, name="Daily", email="daily@a.example", receives_digest=True
    )
    [notification] = notify(confirmed_finding(maker_a), django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert message.to == ["now@a.example"]
    assert "Test-Drone 1" in message.subject
    assert notification.payload["finding"]["marking"] in message.body
    assert "never be named" not in message.body
    states = dict(notification.deliveries.values_list("channel", "state"))
    assert states == {DeliveryChannel.EMAIL: "delivered", DeliveryChannel.DIGEST: "pending"}
    notification.refresh_from_db()
    assert notification.state == NotificationState.PENDING


def test_digest_only_organisation_gets_one_daily_mail(maker_a, django_capture_on_commit_callbacks):
    ComplianceContact.objects.create(organisation=maker_a, name="One", email="one@a.example")
    ComplianceContact.objects.create(organisation=maker_a, name="Two", email="two@a.example")
    NotificationPreference.objects.create(organisation=maker_a, digest_only=True)
    created = [
        notify(confirmed_finding(maker_a), django_capture_on_commit_callbacks)[0] for _ in range(3)
    ]
    assert mail.outbox == []
    assert notifications.send_digests() == {"sent": 1, "failed": 0}
    [message] = mail.outbox
    assert sorted(message.to) == ["one@a.example", "two@a.example"]
    assert "3 new notification" in message.subject
    for notification in created:
        assert notification.payload["id"] in message.body
        notification.refresh_from_db()
        assert notification.state == NotificationState.DELIVERED
        [attempt] = DeliveryAttempt.objects.filter(delivery__notification=notification)
        assert attempt.outcome == AttemptOutcome.SUCCESS
    assert notifications.send_digests() == {"sent": 0, "failed": 0}
    assert len(mail.outbox) == 1


def test_a_failed_digest_stays_pending_for_the_next_run(maker_a, settings):
    ComplianceContact.objects.create(organisation=maker_a, name="One", email="one@a.example")
    NotificationPreference.objects.create(organisation=maker_a, digest_only=True)
    notifications.notify_finding_confirmed(confirmed_finding(maker_a))
    with mock.patch.object(
        notifications.EmailMessage, "send", side_effect=ConnectionRefusedError("smtp down")
    ):
        assert notifications.send_digests() == {"sent": 0, "failed": 1}
    delivery = Delivery.objects.get(channel=DeliveryChannel.DIGEST)
    assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 1)
    assert "smtp down" in delivery.last_error
    settings.NOTIFICATION_DIGEST_MAX_RUNS = 2
    with mock.patch.object(notifications.EmailMessage, "send", side_effect=OSError("still down")):
        notifications.send_digests()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED
    assert Notification.objects.get().state == NotificationState.FAILED


def test_failure_is_retried_with_backoff_then_delivered(
    maker_a, receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [500]
    endpoint_for(maker_a, receiver)
    [notification] = notify(confirmed_finding(maker_a), django_capture_on_commit_callbacks)
    delivery = notification.deliveries.get()
    assert delivery.state == DeliveryState.PENDING
    assert delivery.attempts == 1
    assert delivery.last_error.startswith("HTTP 500")
    assert delivery.next_attempt_at > timezone.now()
    notification.refresh_from_db()
    assert notification.state == NotificationState.PENDING
    assert notification.last_error.startswith("HTTP 500")

    assert notifications.deliver(delivery.pk) == "skipped", "not due yet"
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert notifications.deliver(delivery.pk) == DeliveryState.DELIVERED
    attempts = list(delivery.attempt_log.values_list("outcome", "status_code"))
    assert attempts == [(AttemptOutcome.ERROR, 500), (AttemptOutcome.SUCCESS, 200)]
    assert receiver.keys() == [notification.idempotency_key] * 2
    notification.refresh_from_db()
    assert (notification.state, notification.attempts) == (NotificationState.DELIVERED, 2)


def test_gives_up_after_the_retry_window_with_the_last_error(
    maker_a, receiver, django_capture_on_commit_callbacks, settings
):
    settings.NOTIFICATION_RETRY_WINDOW_SECONDS = 60
    receiver.statuses = [503, 502]
    endpoint_for(maker_a, receiver)
    [notification] = notify(confirmed_finding(maker_a), django_capture_on_commit_callbacks)
    delivery = notification.deliveries.get()
    assert delivery.state == DeliveryState.PENDING, "30 s backoff still fits the 60 s window"
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    with mock.patch.object(notifications, "retry_delay", return_value=120.0):
        assert notifications.deliver(delivery.pk) == DeliveryState.FAILED
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("HTTP 502")
    assert delivery.next_attempt_at is None
    notification.refresh_from_db()
    assert notification.state == NotificationState.FAILED
    assert notification.last_error.startswith("HTTP 502")
    assert delivery.attempt_log.count() == 2


def test_unreachable_receiver_is_an_error_not_a_crash(maker_a, django_capture_on_commit_callbacks):
    with WebhookReceiver() as gone:
        url = gone.url
    WebhookEndpoint.objects.create(organisation=maker_a, url=url, secret="s")
    [notification] = notify(confirmed_finding(maker_a), django_capture_on_commit_callbacks)
    delivery = notification.deliveries.get()
    assert delivery.state == DeliveryState.PENDING
    assert delivery.attempt_log.get().status_code is None
    assert "Error" in delivery.last_error


def test_backoff_grows_exponentially_with_jitter_and_a_cap(settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 30
    settings.NOTIFICATION_RETRY_MAX_DELAY_SECONDS = 3600
    for attempts, ceiling in [(1, 30), (2, 60), (3, 120), (8, 3600), (20, 3600)]:
        delays = [notifications.retry_delay(attempts) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1, "jitter spreads retries"


def test_inactive_or_deleted_endpoint_fails_at_once(maker_a, receiver):
    endpoint = endpoint_for(maker_a, receiver)
    [notification] = notifications.notify_finding_confirmed(confirmed_finding(maker_a))
    delivery = notification.deliveries.get()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
    assert notifications.deliver(delivery.pk) == DeliveryState.FAILED
    assert "inactive" in Delivery.objects.get(pk=delivery.pk).last_error
    assert receiver.records == []


def test_a_delivered_delivery_is_never_sent_again(maker_a, receiver):
    endpoint_for(maker_a, receiver)
    [notification] = notifications.notify_finding_confirmed(confirmed_finding(maker_a))
    delivery = notification.deliveries.get()
    assert notifications.deliver(delivery.pk) == DeliveryState.DELIVERED
    assert notifications.deliver(delivery.pk) == "skipped"
    Delivery.objects.filter(pk=delivery.pk).update(
        claimed_at=timezone.now() - datetime.timedelta(1)
    )
    assert notifications.deliver(delivery.pk) == "skipped"
    assert len(receiver.records) == 1


def test_a_live_claim_blocks_a_second_worker_and_a_stale_one_is_taken_over(
    maker_a, receiver, settings
):
    endpoint_for(maker_a, receiver)
    [notification] = notifications.notify_finding_confirmed(confirmed_finding(maker_a))
    delivery = notification.deliveries.get()
    first = notifications.claim(delivery.pk)
    assert first is not None
    assert notifications.claim(delivery.pk) is None, "two workers never hold one delivery"

    Delivery.objects.filter(pk=delivery.pk).update(
        claimed_at=timezone.now() - datetime.timedelta(seconds=301)
    )
    assert notifications.deliver(delivery.pk) == DeliveryState.DELIVERED
    outcomes = list(delivery.attempt_log.values_list("outcome", flat=True))
    assert outcomes == [AttemptOutcome.ABANDONED, AttemptOutcome.SUCCESS]

    # The first worker was only slow: its late answer is logged but changes nothing.
    token, attempt = first
    fresh = Delivery.objects.select_related("notification").get(pk=delivery.pk)
    ok = webhooks.PostResult(True, 200, "", 5)
    states, retries = notifications._finish_batch(
        [fresh], {fresh.pk: attempt}, token, {fresh.pk: ok}
    )
    assert (states, retries) == ({fresh.pk: "superseded"}, [])
    attempt.refresh_from_db()
    assert attempt.outcome == AttemptOutcome.SUPERSEDED
    fresh.refresh_from_db()
    assert fresh.state == DeliveryState.DELIVERED
    assert fresh.attempt_log.filter(outcome=AttemptOutcome.SUCCESS).count() == 1


def test_sweep_resends_overdue_and_stale_deliveries_only(maker_a, receiver, settings):
    endpoint_for(maker_a, receiver)
    made = [
        notifications.notify_finding_confirmed(confirmed_finding(maker_a))[0].deliveries.get()
        for _ in range(4)
    ]
    lost, stale, fresh, later = made
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    Delivery.objects.filter(pk=lost.pk).update(enqueued_at=long_ago)
    Delivery.objects.filter(pk=stale.pk).update(
        state=DeliveryState.DELIVERING, claimed_at=long_ago, enqueued_at=long_ago, attempts=1
    )
    DeliveryAttempt.objects.create(delivery=stale, at=long_ago, claim_token="dead-worker")
    Delivery.objects.filter(pk=later.pk).update(
        enqueued_at=long_ago, next_attempt_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert notifications.sweep() == {"due": 1, "stale": 1}
    states = dict(Delivery.objects.values_list("pk", "state"))
    assert states[lost.pk] == states[stale.pk] == DeliveryState.DELIVERED
    assert states[fresh.pk] == states[later.pk] == DeliveryState.PENDING
    assert stale.attempt_log.filter(outcome=AttemptOutcome.ABANDONED).count() == 1
    assert notifications.sweep() == {"due": 0, "stale": 0}


def test_a_refusing_broker_leaves_the_outbox_for_the_sweep(maker_a, receiver, caplog):
    endpoint_for(maker_a, receiver)
    [notification] = notifications.notify_finding_confirmed(confirmed_finding(maker_a))
    delivery = notification.deliveries.get()
    from forensics.tasks_notifications import deliver_notifications

    with mock.patch.object(
        deliver_notifications, "apply_async", side_effect=ConnectionError("broker down")
    ):
        assert notifications.enqueue([delivery.pk]) == 0
    assert "the sweep will re-send them" in caplog.text
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING


def test_send_time_ssrf_refusal_fails_at_once(maker_a, receiver, settings):
    endpoint_for(maker_a, receiver)
    [notification] = notifications.notify_finding_confirmed(confirmed_finding(maker_a))
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    delivery = notification.deliveries.get()
    assert notifications.deliver(delivery.pk) == DeliveryState.FAILED
    delivery.refresh_from_db()
    assert "loopback" in delivery.last_error
    assert receiver.records == []


def test_test_event_goes_to_one_endpoint_only(
    maker_a, receiver, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for(maker_a, receiver)
    with WebhookReceiver() as other:
        endpoint_for(maker_a, other)
        receiver.secret = endpoint.secret
        with django_capture_on_commit_callbacks(execute=True):
            notification = notifications.send_test_event(endpoint, None)
        assert other.records == []
    assert notification.kind == NotificationKind.TEST
    [record] = receiver.records
    assert record["valid"] and record["event_type"] == "test"
    assert notification.deliveries.get().state == DeliveryState.DELIVERED


# --- the confirm hook -------------------------------------------------------------------------


def test_confirming_a_finding_notifies_after_commit(
    maker_a, users, receiver, fake_resolver, django_capture_on_commit_callbacks
):
    endpoint_for(maker_a, receiver)
    finding = confirmed_finding(maker_a, status="proposed", confirmed_at=None)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        findings.confirm_finding(finding.pk, users["analyst"])
        assert receiver.records == [], "nothing is sent before the confirmation commits"
    assert callbacks
    [notification] = Notification.objects.filter(finding=finding)
    assert notification.state == NotificationState.DELIVERED
    assert receiver.keys() == [notification.idempotency_key]


def test_a_rolled_back_confirmation_leaves_no_notification(maker_a, users, receiver, fake_resolver):
    endpoint_for(maker_a, receiver)
    finding = confirmed_finding(maker_a, status="proposed", confirmed_at=None)
    with pytest.raises(RuntimeError), transaction.atomic():
        findings.confirm_finding(finding.pk, users["analyst"])
        assert Notification.objects.filter(finding=finding).exists()
        raise RuntimeError("the confirming transaction fails after the hook")
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()


# --- batches ----------------------------------------------------------------------------------


def test_a_batch_sends_concurrently_and_records_each_outcome(maker_a, maker_b, receiver):
    receiver.delay = 0.2
    endpoint_for(maker_a, receiver)
    with WebhookReceiver(statuses=[500]) as failing:
        endpoint_for(maker_b, failing)
        ours = [
            notifications.notify_finding_confirmed(confirmed_finding(maker_a))[0] for _ in range(5)
        ]
        [theirs] = notifications.notify_finding_confirmed(confirmed_finding(maker_b))
        done = ours[0].deliveries.get()
        assert notifications.deliver(done.pk) == DeliveryState.DELIVERED
        ids = list(Delivery.objects.values_list("pk", flat=True))
        started = time.monotonic()
        states = notifications.deliver_batch(ids)
        elapsed = time.monotonic() - started
    assert elapsed < 0.2 * 5, "the five slow requests overlap"
    failed = theirs.deliveries.get().pk
    assert states.pop(failed) == DeliveryState.PENDING
    assert done.pk not in states, "a delivered delivery is not claimed again"
    assert set(states.values()) == {DeliveryState.DELIVERED} and len(states) == 4
    assert sorted(receiver.keys()) == sorted(n.idempotency_key for n in ours)
    assert Delivery.objects.get(pk=failed).last_error.startswith("HTTP 500")
    assert DeliveryAttempt.objects.filter(outcome=AttemptOutcome.IN_PROGRESS).count() == 0


def test_enqueue_sends_ids_in_batches(settings):
    settings.NOTIFICATION_TASK_BATCH = 2
    from forensics.tasks_notifications import deliver_notifications

    with mock.patch.object(deliver_notifications, "apply_async") as send:
        assert notifications.enqueue([5, 6, 7, 8, 9]) == 5
    assert [c.args[0] for c in send.call_args_list] == [([5, 6],), ([7, 8],), ([9],)]


def test_one_transaction_notifying_many_findings_sends_batched_tasks(
    maker_a, receiver, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_TASK_BATCH = 20
    endpoint_for(maker_a, receiver)
    made = [confirmed_finding(maker_a) for _ in range(46)]
    from forensics.tasks_notifications import deliver_notifications

    with (
        mock.patch.object(deliver_notifications, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        notifications.notify_finding_confirmed(made[0])
        with pytest.raises(RuntimeError), transaction.atomic():
            notifications.notify_finding_confirmed(made[1])
            raise RuntimeError("this savepoint rolls back, with the first call's callback")
        for finding in made[2:]:
            notifications.notify_finding_confirmed(finding)
    sent = [c.args[0][0] for c in send.call_args_list]
    assert len(sent) <= 4, "45 deliveries go out in a few tasks, not 45"
    assert all(len(ids) <= 20 for ids in sent)
    expected = set(Delivery.objects.values_list("pk", flat=True))
    assert len(expected) == 45
    all_sent = {pk for ids in sent for pk in ids}
    assert expected <= all_sent, "the rolled-back savepoint did not take the batch with it"
    assert len(all_sent - expected) <= 1, "only the rolled-back delivery's id, which claims nothing"
