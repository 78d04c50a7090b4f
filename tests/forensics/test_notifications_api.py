"""Notification API: the role × endpoint matrix, manufacturer isolation, endpoint secrets shown
once, test events, delivery logs, retries, and constant query counts."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from forensics.celery import app as celery_app
from forensics.models import (
    AuditRecord,
    ComplianceContact,
    Delivery,
    DeliveryState,
    Notification,
    NotificationPreference,
    WebhookEndpoint,
)
from forensics.services import notifications, webhooks
from tests.notifications_support import WebhookReceiver, confirmed_finding

pytestmark = pytest.mark.django_db

ROLES = ["analyst", "curator", "researcher", "admin", "manufacturer_a", "manufacturer_b", "norole"]
ALLOWED = {"analyst", "admin", "manufacturer_a", "manufacturer_b"}
LISTS = [
    "/api/v1/notifications/",
    "/api/v1/deliveries/",
    "/api/v1/webhook-endpoints/",
    "/api/v1/compliance-contacts/",
    "/api/v1/notification-preferences/",
]


@pytest.fixture(autouse=True)
def local_webhooks(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = ["127.0.0.1"]
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def receiver():
    with WebhookReceiver() as server:
        yield server


@pytest.fixture
def rows(users, maker_a, maker_b, receiver):
    """For each maker: an endpoint, a contact, preferences and a notification with deliveries."""
    made = {}
    for key, maker in (("a", maker_a), ("b", maker_b)):
        endpoint = WebhookEndpoint.objects.create(
            organisation=maker, url=receiver.url, secret=webhooks.generate_secret()
        )
        contact = ComplianceContact.objects.create(
            organisation=maker, name=f"Officer {key}", email=f"officer@{key}.example"
        )
        preference = NotificationPreference.objects.create(organisation=maker)
        [notification] = notifications.notify_finding_confirmed(confirmed_finding(maker))
        made[key] = {
            "webhook-endpoints": endpoint,
            "compliance-contacts": contact,
            "notification-preferences": preference,
            "notifications": notification,
            "deliveries": notification.deliveries.order_by("id").first(),
        }
    return made


def _ids(response):
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("role", [*ROLES, None])
@pytest.mark.parametrize("url", LISTS)
def test_read_matrix(client_for, rows, role, url):
    response = client_for(role).get(url)
    expected = 200 if role in ALLOWED else 401 if role is None else 403
    assert response.status_code == expected, response.content
    if expected != 200:
        return
    resource = url.split("/")[3]
    ids_a, ids_b = rows["a"][resource].pk, rows["b"][resource].pk
    seen = _ids(response)
    if role == "manufacturer_a":
        assert ids_a in seen and ids_b not in seen
    elif role == "manufacturer_b":
        assert ids_b in seen and ids_a not in seen
    else:
        assert {ids_a, ids_b} <= seen


@pytest.mark.parametrize("resource", [u.split("/")[3] for u in LISTS])
def test_manufacturer_a_never_sees_b_in_detail(client_for, rows, resource):
    url = f"/api/v1/{resource}/{rows['b'][resource].pk}/"
    assert client_for("manufacturer_a").get(url).status_code == 404
    assert client_for("manufacturer_b").get(url).status_code == 200
    assert client_for("analyst").get(url).status_code == 200


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("analyst", 201),
        ("admin", 201),
        ("manufacturer_a", 201),
        ("curator", 403),
        ("researcher", 403),
        ("norole", 403),
        (None, 401),
    ],
)
@pytest.mark.parametrize(
    ("resource", "body"),
    [
        ("compliance-contacts", {"name": "New Officer", "email": "new@x.example"}),
        ("webhook-endpoints", {"description": "SIEM"}),
        ("notification-preferences", {"digest_only": True}),
    ],
)
def test_write_matrix(client_for, users, maker_a, receiver, role, expected, resource, body):
    body = dict(body)
    if resource == "webhook-endpoints":
        body["url"] = receiver.url
    if role in ("analyst", "admin"):
        body["organisation"] = maker_a.pk
    response = client_for(role).post(f"/api/v1/{resource}/", body, format="json")
    assert response.status_code == expected, response.content
    if expected == 201:
        assert response.json()["organisation"] == maker_a.pk


def test_manufacturer_cannot_write_for_another_organisation(client_for, rows, maker_b, receiver):
    client = client_for("manufacturer_a")
    body = {"organisation": maker_b.pk, "url": receiver.url}
    response = client.post("/api/v1/webhook-endpoints/", body, format="json")
    assert response.status_code == 400
    assert "organisation" in response.json()
    theirs = rows["b"]["webhook-endpoints"]
    response = client.patch(
        f"/api/v1/webhook-endpoints/{theirs.pk}/", {"active": False}, format="json"
    )
    assert response.status_code == 404
    response = client.delete(f"/api/v1/compliance-contacts/{rows['b']['compliance-contacts'].pk}/")
    assert response.status_code == 404
    assert ComplianceContact.objects.filter(organisation=maker_b).exists()


def test_manufacturer_manages_its_own_endpoint(client_for, rows, maker_a):
    client = client_for("manufacturer_a")
    mine = rows["a"]["webhook-endpoints"]
    response = client.patch(
        f"/api/v1/webhook-endpoints/{mine.pk}/", {"active": False}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert client.delete(f"/api/v1/webhook-endpoints/{mine.pk}/").status_code == 204


def test_secret_is_shown_once_and_never_audited(client_for, users, maker_a, receiver):
    client = client_for("manufacturer_a")
    response = client.post(
        "/api/v1/webhook-endpoints/", {"url": receiver.url, "description": "x"}, format="json"
    )
    assert response.status_code == 201
    secret = response.json()["secret"]
    endpoint = WebhookEndpoint.objects.get(pk=response.json()["id"])
    assert endpoint.secret == secret
    assert endpoint.created_by == users["manufacturer_a"]
    detail = client.get(f"/api/v1/webhook-endpoints/{endpoint.pk}/").json()
    assert "secret" not in detail
    assert secret not in str(client.get("/api/v1/webhook-endpoints/").json())

    rotated = client.post(f"/api/v1/webhook-endpoints/{endpoint.pk}/rotate-secret/")
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret != secret
    endpoint.refresh_from_db()
    assert endpoint.secret == new_secret

    records = AuditRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(WebhookEndpoint), object_id=str(endpoint.pk)
    )
    assert set(records.values_list("action", flat=True)) == {"create", "rotate_secret"}
    dump = str(list(records.values("before", "after")))
    assert secret not in dump and new_secret not in dump


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hooks.example.com/in", "https"),
        ("https://10.0.0.8/in", "private"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
    ],
)
def test_unsafe_urls_are_refused_with_a_reason(client_for, users, url, reason):
    response = client_for("manufacturer_a").post(
        "/api/v1/webhook-endpoints/", {"url": url}, format="json"
    )
    assert response.status_code == 400
    assert reason in str(response.json()["url"])
    assert not WebhookEndpoint.objects.exists()


def test_send_test_event_and_read_the_delivery_log(
    client_for, rows, receiver, django_capture_on_commit_callbacks
):
    endpoint = rows["a"]["webhook-endpoints"]
    receiver.secret = endpoint.secret
    client = client_for("manufacturer_a")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/webhook-endpoints/{endpoint.pk}/test/")
    assert response.status_code == 202, response.content
    delivery_id = response.json()["id"]
    assert response.json()["kind"] == "test"
    [record] = [r for r in receiver.records if r["event_type"] == "test"]
    assert record["valid"]
    assert record["key"] == Delivery.objects.get(pk=delivery_id).notification.idempotency_key

    log = client.get(f"/api/v1/webhook-endpoints/{endpoint.pk}/deliveries/").json()
    by_id = {row["id"]: row for row in log["results"]}
    assert by_id[delivery_id]["state"] == DeliveryState.DELIVERED
    [attempt] = by_id[delivery_id]["attempt_log"]
    assert (attempt["outcome"], attempt["status_code"]) == ("success", 200)
    assert rows["a"]["deliveries"].pk in by_id

    other = rows["b"]["webhook-endpoints"]
    assert client.post(f"/api/v1/webhook-endpoints/{other.pk}/test/").status_code == 404
    assert client.get(f"/api/v1/webhook-endpoints/{other.pk}/deliveries/").status_code == 404
    for role in ("curator", "researcher", "norole"):
        assert (
            client_for(role).post(f"/api/v1/webhook-endpoints/{endpoint.pk}/test/").status_code
            == 403
        )


def test_test_event_on_inactive_endpoint_is_a_400(client_for, rows):
    endpoint = rows["a"]["webhook-endpoints"]
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
    response = client_for("manufacturer_a").post(f"/api/v1/webhook-endpoints/{endpoint.pk}/test/")
    assert response.status_code == 400
    assert "inactive" in str(response.json())


def test_failed_delivery_shows_its_error_and_can_be_retried(
    client_for, rows, receiver, django_capture_on_commit_callbacks
):
    delivery = rows["a"]["deliveries"]
    Delivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.FAILED, last_error="HTTP 410: gone", attempts=9
    )
    client = client_for("manufacturer_a")
    shown = client.get(f"/api/v1/deliveries/{delivery.pk}/").json()
    assert (shown["state"], shown["last_error"]) == ("failed", "HTTP 410: gone")
    receiver.secret = delivery.endpoint.secret
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/deliveries/{delivery.pk}/retry/")
    assert response.status_code == 200, response.content
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED
    assert client.post(f"/api/v1/deliveries/{delivery.pk}/retry/").status_code == 400
    theirs = rows["b"]["deliveries"]
    assert client.post(f"/api/v1/deliveries/{theirs.pk}/retry/").status_code == 404
    assert (
        client_for("researcher").post(f"/api/v1/deliveries/{theirs.pk}/retry/").status_code == 403
    )


def test_contact_email_is_unique_per_organisation(client_for, rows):
    client = client_for("manufacturer_a")
    body = {"name": "Dup", "email": "OFFICER@a.example"}
    response = client.post("/api/v1/compliance-contacts/", body, format="json")
    assert response.status_code == 400
    assert "email" in response.json()


def test_preferences_are_one_per_organisation(client_for, rows, maker_a):
    response = client_for("analyst").post(
        "/api/v1/notification-preferences/", {"organisation": maker_a.pk}, format="json"
    )
    assert response.status_code == 400


def test_notification_filters(client_for, rows, maker_a):
    client = client_for("analyst")
    response = client.get(f"/api/v1/notifications/?organisation={maker_a.pk}&state=pending")
    assert _ids(response) == {rows["a"]["notifications"].pk}
    assert _ids(client.get("/api/v1/notifications/?state=failed")) == set()


@pytest.mark.parametrize("url", LISTS)
def test_lists_cost_the_same_queries_whatever_the_page_size(
    client_for, users, maker_a, receiver, count_queries, url
):
    with transaction.atomic():
        for n in range(12):
            WebhookEndpoint.objects.create(
                organisation=maker_a, url=f"{receiver.url}/{n}", secret="s"
            )
            ComplianceContact.objects.create(organisation=maker_a, name=f"C{n}", email=f"{n}@a.ex")
        NotificationPreference.objects.create(organisation=maker_a)
        for _ in range(12):
            notifications.notify_finding_confirmed(confirmed_finding(maker_a))
    for delivery in Delivery.objects.all()[:20]:
        notifications.claim(delivery.pk)
    assert Notification.objects.count() == 12
    client = client_for("manufacturer_a")
    client.get(url)  # the user's roles and organisation are cached after the first request
    counts = []
    for size in (5, 50):
        with count_queries() as ctx:
            response = client.get(f"{url}?page_size={size}")
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_endpoint_delivery_log_costs_the_same_queries_whatever_the_page_size(
    client_for, users, maker_a, receiver, count_queries
):
    endpoint = WebhookEndpoint.objects.create(organisation=maker_a, url=receiver.url, secret="s")
    for _ in range(12):
        notifications.notify_finding_confirmed(confirmed_finding(maker_a))
    for delivery in Delivery.objects.all()[:8]:
        notifications.claim(delivery.pk)
    url = f"/api/v1/webhook-endpoints/{endpoint.pk}/deliveries/"
    client = client_for("manufacturer_a")
    client.get(url)
    counts = []
    for size in (5, 50):
        with count_queries() as ctx:
            response = client.get(f"{url}?page_size={size}")
        assert len(response.json()["results"]) == min(size, 12)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
