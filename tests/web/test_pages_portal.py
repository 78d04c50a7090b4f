"""The manufacturer portal and trace-request pages through Django's test client: the role matrix,
"manufacturer A never sees B's anything", the trace request life cycle (open, acknowledge,
answer creating the supply link, follow-up), the right of reply, webhook endpoints with their test
event and delivery log, contacts, form errors beside the fields, and constant query counts."""

import re

import pytest
from django.urls import reverse

from catalog.models import Organisation, SupplyLink
from forensics.celery import app as celery_app
from forensics.models import (
    ComplianceContact,
    DeliveryState,
    FindingComment,
    Notification,
    NotificationKind,
    NotificationPreference,
    TraceRequest,
    TraceState,
    WebhookEndpoint,
)
from forensics.services import notifications, traces, webhooks
from tests.notifications_support import WebhookReceiver

from .conftest import add_finding

pytestmark = pytest.mark.django_db

EVERY_ROLE = (
    "analyst",
    "admin",
    "curator",
    "researcher",
    "manufacturer_a",
    "manufacturer_b",
    "norole",
)


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
def portal(world, users, maker_a, maker_b, receiver):
    """For each maker: a sent trace request, a notification, an endpoint and a contact."""
    made = {}
    for key, maker, finding in (
        ("a", maker_a, world["finding_a"]),
        ("b", maker_b, world["finding_b"]),
    ):
        trace_request = traces.create_trace_request(users["analyst"], [finding.pk], send=True)
        made[key] = {
            "trace": trace_request,
            "notification": Notification.objects.get(organisation=maker),
            "endpoint": WebhookEndpoint.objects.create(
                organisation=maker, url=receiver.url, secret=webhooks.generate_secret()
            ),
            "contact": ComplianceContact.objects.create(
                organisation=maker, name=f"Officer {key}", email=f"officer@{key}.example"
            ),
            "finding": finding,
        }
    return made


def urls_of(rows) -> dict[str, str]:
    return {
        "inbox": reverse("portal:inbox"),
        "notification-detail": reverse(
            "portal:notification-detail", args=[rows["notification"].pk]
        ),
        "finding-list": reverse("portal:finding-list"),
        "finding-detail": reverse("portal:finding-detail", args=[rows["finding"].pk]),
        "trace-list": reverse("portal:trace-list"),
        "trace-detail": reverse("portal:trace-detail", args=[rows["trace"].pk]),
        "webhook-list": reverse("portal:webhook-list"),
        "webhook-detail": reverse("portal:webhook-detail", args=[rows["endpoint"].pk]),
        "contact-list": reverse("portal:contact-list"),
        "contact-edit": reverse("portal:contact-edit", args=[rows["contact"].pk]),
    }


DETAILS = {
    "notification-detail",
    "finding-detail",
    "trace-detail",
    "webhook-detail",
    "contact-edit",
}
LISTS = {"inbox", "finding-list", "trace-list", "webhook-list", "contact-list"}
ALL_PAGES = LISTS | DETAILS
# role -> page -> expected status, for maker A's rows (pages not listed: 200).
EXPECTED = {
    "analyst": {},
    "admin": {},
    "curator": dict.fromkeys(ALL_PAGES, 403),
    "researcher": dict.fromkeys(ALL_PAGES, 403),
    "manufacturer_a": {},
    "manufacturer_b": dict.fromkeys(DETAILS, 404),
    "norole": dict.fromkeys(ALL_PAGES, 403),
}


@pytest.mark.parametrize("role", EVERY_ROLE)
def test_page_matrix(page_client, portal, role):
    client = page_client(role)
    for name, url in urls_of(portal["a"]).items():
        expected = EXPECTED[role].get(name, 200)
        assert client.get(url).status_code == expected, (role, name)


def test_anonymous_visitors_are_sent_to_sign_in(page_client, portal):
    for name, url in urls_of(portal["a"]).items():
        response = page_client(None).get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], name


def test_manufacturer_a_never_sees_b_anything(page_client, portal, maker_b):
    client = page_client("manufacturer_a")
    seen = "".join(
        client.get(url).content.decode()
        for url in (
            reverse("portal:inbox"),
            reverse("portal:finding-list"),
            reverse("portal:trace-list"),
            reverse("portal:webhook-list"),
            reverse("portal:contact-list"),
        )
    )
    b = portal["b"]
    assert maker_b.name not in seen
    assert "officer@b.example" not in seen and "Officer b" not in seen
    assert f"Trace request {b['trace'].pk}<" not in seen
    assert "MAKER-B" not in seen
    assert reverse("portal:webhook-detail", args=[b["endpoint"].pk]) not in seen
    assert set(client.get(reverse("portal:inbox")).context["page"]) == set(
        Notification.objects.filter(organisation=portal["a"]["trace"].organisation)
    )
    for name, url in urls_of(b).items():
        if name in DETAILS:
            assert client.get(url).status_code == 404, name
    posts = [
        reverse("portal:trace-acknowledge", args=[b["trace"].pk]),
        reverse("portal:trace-answer", args=[b["trace"].pk]),
        reverse("portal:webhook-test", args=[b["endpoint"].pk]),
        reverse("portal:webhook-delete", args=[b["endpoint"].pk]),
        reverse("portal:contact-delete", args=[b["contact"].pk]),
        reverse("portal:finding-detail", args=[b["finding"].pk]),
    ]
    for url in posts:
        assert client.post(url, {"text": "x", "kind": "not_traceable"}).status_code == 404, url
    assert WebhookEndpoint.objects.filter(pk=b["endpoint"].pk).exists()
    assert ComplianceContact.objects.filter(pk=b["contact"].pk).exists()


def test_redacted_findings_are_the_api_fields(page_client, client_for, portal, world):
    response = page_client("manufacturer_a").get(reverse("portal:finding-list"))
    rows = response.context["rows"]
    api = client_for("manufacturer_a").get("/api/v1/findings/").json()["results"]
    assert [row["id"] for row in rows] == [row["id"] for row in api]
    assert set(rows[0]) - {"comment_count", "rec"} == set(api[0])
    body = response.content.decode()
    for secret in ("recovering_unit", "notes", "source_url"):
        assert secret not in rows[0]
    assert world["finding_red"].marking not in body


# --- trace requests ---------------------------------------------------------------------------------


def test_analyst_opens_a_trace_request_from_the_finding(page_client, world, maker_a):
    finding = world["finding_amber"]
    url = reverse("portal:trace-open")
    back = reverse("forensics:finding-detail", args=[finding.pk])
    assert page_client("curator").post(url, {"finding": finding.pk}).status_code == 403
    response = page_client("analyst").post(url, {"finding": finding.pk, "send": "on", "next": back})
    trace_request = TraceRequest.objects.get(findings=finding)
    assert response["Location"] == reverse("portal:trace-detail", args=[trace_request.pk])
    assert trace_request.state == TraceState.SENT and trace_request.organisation == maker_a
    assert Notification.objects.filter(
        organisation=maker_a, kind=NotificationKind.TRACE_REQUEST
    ).exists()
    red = page_client("analyst").post(
        url, {"finding": world["finding_red"].pk, "send": "on", "next": back}
    )
    assert red["Location"] == back  # refused: TLP:RED, said in a message
    assert not TraceRequest.objects.filter(findings=world["finding_red"]).exists()


def test_manufacturer_acknowledges_and_answers_a_first_sale(page_client, portal, maker_a):
    trace_request = portal["a"]["trace"]
    client = page_client("manufacturer_a")
    detail = reverse("portal:trace-detail", args=[trace_request.pk])
    page = client.get(detail).content.decode()
    assert "Acknowledge" in page and "MAKER-A AAA1000X 2231" in page
    assert "REC-GREEN" not in page  # the recovery's reference stays with the analysts
    client.post(reverse("portal:trace-acknowledge", args=[trace_request.pk]))
    trace_request.refresh_from_db()
    assert trace_request.state == TraceState.ACKNOWLEDGED
    response = client.post(
        reverse("portal:trace-answer", args=[trace_request.pk]),
        {
            "kind": "first_sale",
            "distributor_name": "Pages First Buyer GmbH",
            "distributor_country": "de",
            "sale_date": "2023-02-01",
            "quantity": "3000",
            "invoice_reference": "INV-77",
        },
    )
    assert response.status_code == 302
    trace_request.refresh_from_db()
    assert trace_request.state == TraceState.ANSWERED
    buyer = Organisation.objects.get(name="Pages First Buyer GmbH")
    assert buyer.country == "DE" and buyer.needs_review
    link = SupplyLink.objects.get(seller=maker_a, buyer=buyer)
    assert link.confidence == "confirmed" and link.evidence_kind == "manufacturer_trace"
    after = client.get(detail).content.decode()
    assert "Pages First Buyer GmbH" in after and "INV-77" in after
    analyst = page_client("analyst").get(detail).content.decode()
    assert reverse("portal:trace-follow-up", args=[trace_request.pk]) in analyst
    follow = page_client("analyst").post(
        reverse("portal:trace-follow-up", args=[trace_request.pk]), {"send": "on"}
    )
    child = TraceRequest.objects.get(parent=trace_request)
    assert follow["Location"] == reverse("portal:trace-detail", args=[child.pk])
    assert child.organisation == buyer and child.state == TraceState.SENT


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "first_sale", "distributor_name": "X Ltd"}, "sale_date", "date of the sale"),
        (
            {"kind": "first_sale", "sale_date": "2023-01-01"},
            "distributor_name",
            "Give the buyer",
        ),
        (
            {"kind": "first_sale", "distributor_name": "X", "sale_date": "2999-01-01"},
            "sale_date",
            "future",
        ),
        ({"kind": "not_traceable"}, "reason", "Say why"),
        ({"kind": "not_traceable", "reason": "other"}, "reason_text", "Say why"),
        ({}, "kind", "required"),
        (
            {
                "kind": "first_sale",
                "distributor_name": "New Buyer Pages",
                "distributor_country": "Germany",
                "sale_date": "2023-01-01",
            },
            "distributor_country",
            "",
        ),
    ],
)
def test_answer_errors_are_shown_beside_the_field(page_client, portal, data, field, message):
    trace_request = portal["a"]["trace"]
    response = page_client("manufacturer_a").post(
        reverse("portal:trace-answer", args=[trace_request.pk]), data
    )
    assert response.status_code == 400
    errors = response.context["answer_form"].errors
    assert field in errors and message in " ".join(errors[field])
    html = response.content.decode()
    assert re.search(r'class="field has-error"|answer-choice has-error', html)
    trace_request.refresh_from_db()
    assert trace_request.state == TraceState.SENT


def test_manufacturer_answers_not_traceable_and_declines(page_client, portal):
    client = page_client("manufacturer_a")
    trace_request = portal["a"]["trace"]
    client.post(
        reverse("portal:trace-answer", args=[trace_request.pk]),
        {"kind": "not_traceable", "reason": "no_lot_code"},
    )
    trace_request.refresh_from_db()
    assert trace_request.answer.reason == "no_lot_code"
    again = client.post(
        reverse("portal:trace-answer", args=[trace_request.pk]),
        {"kind": "not_traceable", "reason": "no_lot_code"},
    )
    assert again.status_code == 302  # refused move: a message, nothing changes
    other = page_client("manufacturer_b")
    b_request = portal["b"]["trace"]
    empty = other.post(reverse("portal:trace-decline", args=[b_request.pk]), {"reason": ""})
    assert empty.status_code == 400 and "reason" in empty.context["decline_form"].errors
    other.post(reverse("portal:trace-decline", args=[b_request.pk]), {"reason": "Not ours."})
    b_request.refresh_from_db()
    assert b_request.state == TraceState.DECLINED


def test_analyst_actions_are_not_for_manufacturers(page_client, portal):
    trace_request = portal["a"]["trace"]
    client = page_client("manufacturer_a")
    for name in ("trace-send", "trace-close", "trace-follow-up"):
        assert client.post(reverse(f"portal:{name}", args=[trace_request.pk])).status_code == 403
    assert client.post(reverse("portal:trace-open"), {"finding": 1}).status_code == 403
    page_client("analyst").post(reverse("portal:trace-close", args=[trace_request.pk]), {})
    trace_request.refresh_from_db()
    assert trace_request.state == TraceState.CLOSED


# --- right of reply -----------------------------------------------------------------------------------


def test_right_of_reply(page_client, portal, maker_a):
    finding = portal["a"]["finding"]
    url = reverse("portal:finding-detail", args=[finding.pk])
    empty = page_client("manufacturer_a").post(url, {"text": "   "})
    assert empty.status_code == 400 and "text" in empty.context["form"].errors
    assert 'class="field has-error"' in empty.content.decode()
    page_client("manufacturer_a").post(url, {"text": "This lot went to a repair shop."})
    comment = FindingComment.objects.get(finding=finding)
    assert comment.from_manufacturer and comment.organisation == maker_a
    page_client("analyst").post(url, {"text": "Thank you.", "organisation": maker_a.pk})
    thread = page_client("manufacturer_a").get(url).content.decode()
    assert "repair shop" in thread and "Thank you." in thread
    assert page_client("manufacturer_b").get(url).status_code == 404


# --- webhooks and contacts ------------------------------------------------------------------------------


def test_webhook_endpoint_secret_test_event_and_delivery_log(
    page_client, portal, receiver, maker_a, django_capture_on_commit_callbacks
):
    client = page_client("manufacturer_a")
    response = client.post(
        reverse("portal:webhook-list"), {"url": receiver.url, "description": "SOC", "active": "on"}
    )
    endpoint = WebhookEndpoint.objects.get(description="SOC")
    assert endpoint.organisation == maker_a
    page = client.get(response["Location"]).content.decode()
    assert endpoint.secret in page
    assert endpoint.secret not in client.get(response["Location"]).content.decode()  # once
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:webhook-test", args=[endpoint.pk]))
    assert receiver.events() and receiver.events()[-1]["type"] == "test"
    log = client.get(reverse("portal:webhook-detail", args=[endpoint.pk]))
    [delivery] = log.context["deliveries"]
    assert delivery.state == DeliveryState.DELIVERED
    assert "HTTP 200" in log.content.decode()
    old = endpoint.secret
    client.post(reverse("portal:webhook-rotate", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret != old


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://10.0.0.8/in", "private"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("not a url", "valid URL"),
    ],
)
def test_unsafe_webhook_addresses_are_refused_beside_the_field(
    page_client, db, users, url, message
):
    response = page_client("manufacturer_a").post(reverse("portal:webhook-list"), {"url": url})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["url"])
    assert not WebhookEndpoint.objects.exists()


def test_failed_delivery_can_be_retried(page_client, portal):
    notification = notifications.send_test_event(portal["a"]["endpoint"], None)
    delivery = notification.deliveries.get()
    delivery.state = DeliveryState.FAILED
    delivery.save()
    page_client("manufacturer_a").post(reverse("portal:delivery-retry", args=[delivery.pk]))
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING


def test_contacts_and_preferences(page_client, portal, maker_a):
    client = page_client("manufacturer_a")
    url = reverse("portal:contact-list")
    client.post(url, {"name": "Second Officer", "email": "second@a.example"})
    contact = ComplianceContact.objects.get(email="second@a.example")
    assert contact.organisation == maker_a
    duplicate = client.post(url, {"name": "Again", "email": "SECOND@a.example"})
    assert duplicate.status_code == 400
    assert "has that contact" in " ".join(duplicate.context["form"].errors["email"])
    bad = client.post(url, {"name": "", "email": "nope"})
    assert set(bad.context["form"].errors) == {"name", "email"}
    client.post(
        reverse("portal:contact-edit", args=[contact.pk]),
        {"name": "Second Officer", "email": "second@a.example", "receives_digest": "on"},
    )
    contact.refresh_from_db()
    assert contact.receives_digest
    client.post(reverse("portal:contact-delete", args=[contact.pk]))
    assert not ComplianceContact.objects.filter(pk=contact.pk).exists()
    client.post(reverse("portal:preferences"), {"digest_only": "on"})
    assert NotificationPreference.objects.get(organisation=maker_a).digest_only
    assert page_client("analyst").post(reverse("portal:preferences"), {}).status_code == 403


def test_analysts_choose_the_organisation_of_a_contact(page_client, portal, maker_b):
    client = page_client("analyst")
    missing = client.post(reverse("portal:contact-list"), {"name": "N", "email": "n@x.example"})
    assert "organisation" in missing.context["form"].errors
    client.post(
        reverse("portal:contact-list"),
        {"organisation": maker_b.pk, "name": "N", "email": "n@x.example"},
    )
    assert ComplianceContact.objects.get(email="n@x.example").organisation == maker_b


# --- query counts ---------------------------------------------------------------------------------------


def _queries(count_queries, client, url):
    with count_queries() as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_portal_lists_issue_the_same_queries_whatever_the_rows(
    page_client, count_queries, portal, world, users, maker_a
):
    client = page_client("manufacturer_a")
    endpoint = portal["a"]["endpoint"]
    pages = [
        reverse("portal:inbox"),
        reverse("portal:finding-list"),
        reverse("portal:trace-list"),
        reverse("portal:webhook-list"),
        reverse("portal:contact-list"),
        reverse("portal:webhook-detail", args=[endpoint.pk]),
    ]

    def grow(n):
        for i in range(n):
            finding = add_finding(world["amber"], f"MAKER-A grow {i}", maker_a, world["part_a"])
            traces.create_trace_request(users["analyst"], [finding.pk], send=True)
            notifications.send_test_event(endpoint, None)
            ComplianceContact.objects.create(
                organisation=maker_a, name=f"C{i}", email=f"c{i}-{n}@a.example"
            )
            FindingComment.objects.create(
                finding=finding, organisation=maker_a, author_name="x", text="y"
            )

    grow(1)
    before = [_queries(count_queries, client, url) for url in pages]
    grow(6)
    after = [_queries(count_queries, client, url) for url in pages]
    assert after == before
