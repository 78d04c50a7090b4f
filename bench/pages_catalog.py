"""The catalog, supply-chain, import and manufacturer-portal pages timed by `bench.bench_pages`.

`prepare(users)` adds, once, what those pages show beyond the findings data set: the supply-chain
graph of `bench.bench_graph` (1,000 organisations, 4,000 links with cycles, a traced finding), 100
trace requests sent to Texas Instruments through the service (each with its notification), a
webhook endpoint of TI with a delivery log of 100 deliveries and 250 attempts, and 30 contacts.
`pages(subjects)` lists the pages, as (role, label, url) rows in bench_pages' format.
"""

from __future__ import annotations

import datetime

QUESTION = "Bench: who bought this lot?"
TRACE_REQUESTS = 100
CONTACTS = 30


def _graph():
    from bench import bench_graph
    from catalog.models import Organisation

    if not Organisation.objects.filter(name__startswith=bench_graph.PREFIX).exists():
        bench_graph.generate(1000, 4000)


def _trace_requests(analyst, ti):
    from forensics.models import Finding, FindingStatus, TraceRequest
    from forensics.models.weapons import SHARED_WITH_MANUFACTURERS
    from forensics.services import traces

    have = TraceRequest.objects.filter(question=QUESTION).count()
    if have >= TRACE_REQUESTS:
        return
    findings = (
        Finding.objects.filter(
            manufacturer=ti,
            status=FindingStatus.CONFIRMED,
            recovery__sharing__in=SHARED_WITH_MANUFACTURERS,
        )
        .exclude(trace_requests__question=QUESTION)
        .order_by("pk")
        .values_list("pk", flat=True)[: TRACE_REQUESTS - have]
    )
    for finding_id in findings:
        traces.create_trace_request(analyst, [finding_id], question=QUESTION, send=True)


def _delivery_log(ti):
    """An inactive endpoint (nothing is sent) with a delivery and attempts per notification."""
    from django.utils import timezone

    from forensics.models import (
        AttemptOutcome,
        ComplianceContact,
        Delivery,
        DeliveryAttempt,
        DeliveryState,
        Notification,
        WebhookEndpoint,
    )
    from forensics.services import webhooks

    endpoint, created = WebhookEndpoint.objects.get_or_create(
        organisation=ti,
        url="https://hooks.bench.invalid/forensics",
        defaults={"secret": webhooks.generate_secret(), "active": False, "description": "bench"},
    )
    if created:
        now = timezone.now()
        deliveries = Delivery.objects.bulk_create(
            Delivery(
                notification=notification,
                channel="webhook",
                endpoint=endpoint,
                state=DeliveryState.DELIVERED if i % 5 else DeliveryState.FAILED,
                attempts=1 + i % 3,
                last_error="" if i % 5 else "HTTP 503 from the receiver",
                delivered_at=now if i % 5 else None,
            )
            for i, notification in enumerate(Notification.objects.filter(organisation=ti))
        )
        DeliveryAttempt.objects.bulk_create(
            DeliveryAttempt(
                delivery=delivery,
                at=now - datetime.timedelta(minutes=n),
                finished_at=now - datetime.timedelta(minutes=n),
                outcome=AttemptOutcome.ERROR if n else AttemptOutcome.SUCCESS,
                status_code=503 if n else 200,
                error="HTTP 503" if n else "",
                duration_ms=120,
                claim_token="bench",
            )
            for delivery in deliveries
            for n in range(delivery.attempts)
        )
    for i in range(CONTACTS - ComplianceContact.objects.filter(organisation=ti).count()):
        ComplianceContact.objects.create(
            organisation=ti, name=f"Bench officer {i}", email=f"officer{i}@ti.bench.invalid"
        )
    return endpoint


def prepare(users) -> dict:
    """Fill what the pages need (idempotent) and return the subjects the URLs name."""
    from django.db.models import Count

    from bench import bench_graph
    from catalog.models import Organisation, Part
    from forensics.models import Finding, TraceRequest

    ti = Organisation.objects.get(name="Texas Instruments")
    _graph()
    _trace_requests(users["analyst"], ti)
    endpoint = _delivery_log(ti)
    busiest_part = (
        Part.objects.annotate(n=Count("findings")).order_by("-n").values_list("pk", flat=True)
    ).first()
    ti_part = Part.objects.filter(manufacturer=ti).order_by("pk").values_list("pk", flat=True)
    graph_maker = Organisation.objects.get(name=f"{bench_graph.PREFIX} manufacturer 0")
    broker = Organisation.objects.get(name=f"{bench_graph.PREFIX} independent_distributor 0")
    return {
        "ti": ti.pk,
        "part": busiest_part,
        "ti_part": ti_part.first(),
        "graph_maker": graph_maker.pk,
        "broker": broker.pk,
        "graph_finding": Finding.objects.get(external_id="bench-graph-finding").pk,
        "trace_request": TraceRequest.objects.filter(question=QUESTION).order_by("pk")[0].pk,
        "ti_finding": TraceRequest.objects.filter(question=QUESTION)
        .order_by("pk")[0]
        .findings.get()
        .pk,
        "endpoint": endpoint.pk,
    }


def pages(s: dict) -> list[tuple[str, str, str]]:
    from django.urls import reverse

    search = reverse("catalog:search")
    return [
        ("analyst", "catalog: search LM258 274 ZD0XG3", f"{search}?q=LM258+274+ZD0XG3"),
        ("analyst", "catalog: search Cyrillic МАХ3490", f"{search}?q=%D0%9C%D0%90%D0%A53490"),
        ("analyst", "catalog: search BX004 (MPN prefix)", f"{search}?q=BX004"),
        ("analyst", "catalog: part (busiest)", reverse("catalog:part-detail", args=[s["part"]])),
        ("analyst", "catalog: manufacturers", reverse("catalog:manufacturer-list")),
        ("analyst", "catalog: manufacturer TI", reverse("catalog:manufacturer-detail", args=[s["ti"]])),
        ("analyst", "catalog: organisations", reverse("catalog:organisation-list")),
        ("analyst", "catalog: organisation (broker)", reverse("catalog:organisation-detail", args=[s["broker"]])),
        ("analyst", "supply chain: links", reverse("catalog:supply-chain")),
        ("analyst", "supply chain: organisation graph", reverse("catalog:organisation-graph", args=[s["graph_maker"]])),
        ("analyst", "supply chain: finding trace, 5 hops", reverse("catalog:finding-trace", args=[s["graph_finding"]]) + "?depth=5"),
        ("analyst", "trace requests", reverse("portal:trace-list")),
        ("analyst", "trace request", reverse("portal:trace-detail", args=[s["trace_request"]])),
        ("curator", "imports", reverse("catalog:imports")),
        ("manufacturer", "portal: inbox (TI)", reverse("portal:inbox")),
        ("manufacturer", "portal: findings (TI)", reverse("portal:finding-list")),
        ("manufacturer", "portal: finding (TI)", reverse("portal:finding-detail", args=[s["ti_finding"]])),
        ("manufacturer", "portal: trace requests (TI)", reverse("portal:trace-list")),
        ("manufacturer", "portal: trace request (TI)", reverse("portal:trace-detail", args=[s["trace_request"]])),
        ("manufacturer", "portal: webhook + delivery log", reverse("portal:webhook-detail", args=[s["endpoint"]])),
        ("manufacturer", "portal: contacts (TI)", reverse("portal:contact-list")),
        ("manufacturer", "catalog: search BX004 (own parts)", f"{search}?q=BX004"),
        ("manufacturer", "catalog: manufacturer TI", reverse("catalog:manufacturer-detail", args=[s["ti"]])),
    ]  # fmt: skip
