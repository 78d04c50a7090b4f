"""Resolving markings survives a lost queue and duplicate deliveries (real Redis, real worker).

Findings are recorded through the API, each commit publishing its `resolve_finding` task; the
broker then loses every queued message. A worker starts, the sweep re-enqueues what the outbox
still holds (twice, so most findings get two deliveries), and every finding must end proposed by
the real resolver with exactly one `resolve` audit record.
"""

import datetime
import time

import pytest
from django.contrib.contenttypes.models import ContentType
from rest_framework.test import APIClient

from catalog.services import resolve_manufacturer
from forensics.models import AuditRecord, Finding, FindingStatus, Sharing
from forensics.services import findings as finding_services
from tests.factories import OrganisationFactory, PartFactory
from tests.forensics import findings_support as support
from tests.notifications_support import Worker

from .conftest import lose_broker_queue, queued_messages

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

FINDINGS = 20


def wait_for(condition, timeout, what, every=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    pytest.fail(f"Timed out after {timeout} s waiting for {what}")


def test_lost_queue_and_duplicates_resolve_each_finding_once(real_broker, users, tmp_path):
    # The seeded maker, or one like it when an earlier transactional test flushed the seed.
    maxim = resolve_manufacturer("Maxim Integrated") or OrganisationFactory(
        name="Maxim Integrated", slug="maxim-integrated-worker", mpn_family="maxim"
    )
    part = PartFactory(manufacturer=maxim, mpn="MAX3490EESA+", hs_code="854239")
    rec = support.recovery(Sharing.AMBER)
    client = APIClient()
    client.force_authenticate(users["analyst"])
    for index in range(FINDINGS):
        body = {"recovery": rec.pk, "marking": f"Transceiver МАХ3490 U{index}"}
        assert client.post("/api/v1/findings/", body, format="json").status_code == 201
    assert queued_messages() == FINDINGS  # published on commit, nothing ran in-process
    assert finding_services.pending_resolution().count() == FINDINGS
    lose_broker_queue()

    worker = Worker(real_broker, tmp_path / "worker.log", concurrency=2).start()
    try:
        for _ in range(2):  # the second sweep duplicates whatever the worker has not done yet
            finding_services.sweep_unresolved(older_than=datetime.timedelta(0))

        def done():
            return not finding_services.pending_resolution().exists()

        wait_for(done, 120, "every finding resolved by the worker")
    finally:
        worker.stop()

    findings = list(Finding.objects.all())
    assert {f.status for f in findings} == {FindingStatus.PROPOSED}
    assert {f.part_id for f in findings} == {part.pk}
    content_type = ContentType.objects.get_for_model(Finding)
    resolves = AuditRecord.objects.filter(content_type=content_type, action="resolve")
    assert resolves.count() == FINDINGS
    assert resolves.values("object_id").distinct().count() == FINDINGS
