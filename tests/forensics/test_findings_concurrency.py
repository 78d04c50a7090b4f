"""Two analysts confirming the same finding at the same moment: exactly one confirmation wins."""

import threading
import time

import pytest
from django.db import connection

from forensics.models import AuditRecord, Finding, FindingStatus, Sharing
from forensics.services import findings as services

from . import findings_support as support


def _finding(maker):
    rec = support.recovery(Sharing.AMBER)
    return support.finding(rec, "LM258 274", manufacturer=maker, status=FindingStatus.PROPOSED)


@pytest.mark.django_db
def test_conditional_update_refuses_a_stale_second_confirmation(
    users, maker_a, maker_b, fake_resolver, monkeypatch
):
    """The guard that holds where row locks do not (SQLite): a confirmation that read the row
    before another one committed finds nothing to update and raises AlreadyConfirmed."""
    finding = _finding(maker_a)
    stale = Finding.objects.get(pk=finding.pk)
    services.confirm_finding(finding.pk, users["analyst"])

    monkeypatch.setattr(services, "_locked", lambda finding_id: stale)
    with pytest.raises(services.AlreadyConfirmed):
        services.confirm_finding(finding.pk, users["admin"], manufacturer=maker_b)
    finding.refresh_from_db()
    assert (finding.confirmed_by, finding.manufacturer) == (users["analyst"], maker_a)
    assert len(fake_resolver.learned) == 1
    assert AuditRecord.objects.filter(object_id=str(finding.pk), action="confirm").count() == 1


def _race(finding_id, actors, makers, slow_learn):
    """Run two confirmations in two threads (two connections); return their outcomes."""
    barrier = threading.Barrier(len(actors))
    outcomes = [None] * len(actors)

    def confirm(i):
        try:
            barrier.wait()
            services.confirm_finding(finding_id, actors[i], manufacturer=makers[i])
            outcomes[i] = "confirmed"
        except services.AlreadyConfirmed:
            outcomes[i] = "conflict"
        except Exception as exc:  # reported by the assertion below
            outcomes[i] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(i,)) for i in range(len(actors))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: two connections writing at once (SQLite serialises writers, "
    "and the in-memory test database is not shared between threads)",
)


@pytest.mark.postgres
@needs_postgres
@pytest.mark.parametrize("row_lock", [True, False], ids=["row-lock", "conditional-update-only"])
@pytest.mark.django_db(transaction=True)
def test_two_threads_confirm_at_once(users, maker_a, maker_b, fake_resolver, monkeypatch, row_lock):
    finding = _finding(maker_a)
    learned = fake_resolver.learn

    def slow_learn(*args):
        time.sleep(0.3)  # hold the transaction open while the other thread arrives
        learned(*args)

    monkeypatch.setattr("catalog.resolver.learn", slow_learn)
    if not row_lock:
        monkeypatch.setattr(services, "_locked", lambda pk: Finding.objects.get(pk=pk))

    outcomes = _race(finding.pk, [users["analyst"], users["admin"]], [maker_a, maker_b], slow_learn)
    assert sorted(outcomes) == ["confirmed", "conflict"], outcomes
    winner = outcomes.index("confirmed")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CONFIRMED
    assert finding.confirmed_by == [users["analyst"], users["admin"]][winner]
    assert finding.manufacturer == [maker_a, maker_b][winner]
    assert len(fake_resolver.learned) == 1
    assert AuditRecord.objects.filter(object_id=str(finding.pk), action="confirm").count() == 1
