"""`relearn_markings` rebuilds the resolver's learned markings from the confirmed findings: one
confirmation per finding, orphans deleted, missing rows made, every change audited."""

import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection

from catalog.models import KnownMarking
from forensics.models import AuditRecord, Sharing
from forensics.services import findings as services

from . import findings_support as support

pytestmark = pytest.mark.django_db

MARKING = "LM258 274 ZD0XG3"


@pytest.fixture
def taught(maker_a, users):
    """Two findings with one marking, confirmed as LM258DR: each learning key counts 2."""
    recovery = support.recovery(Sharing.AMBER)
    part = support.part_of(maker_a, "LM258DR")
    findings = [support.finding(recovery, MARKING) for _ in range(2)]
    for finding in findings:
        services.confirm_finding(finding.pk, users["analyst"], part=part)
    return {"part": part, "findings": findings, "recovery": recovery}


def rows():
    return {
        (row.text_key, row.manufacturer_id, row.part_id): row.confirmations
        for row in KnownMarking.objects.all()
    }


def test_learned_rows_already_right_are_left_alone(taught):
    before = rows()
    assert before and set(before.values()) == {2}
    report = services.relearn_from_confirmed()
    assert (report.lessons, report.changed, report.unchanged) == (2, 0, len(before))
    assert rows() == before
    assert not AuditRecord.objects.filter(action="relearn").exists()


def test_inflated_counts_are_set_back_and_audited(taught, users):
    expected = rows()
    KnownMarking.objects.update(confirmations=7)  # as GUR re-imports once counted every run
    report = services.relearn_from_confirmed(users["admin"])
    assert report.updated == len(expected) and report.created == report.deleted == 0
    assert rows() == expected
    record = AuditRecord.objects.filter(action="relearn").first()
    assert record.actor == users["admin"]
    assert (record.before["confirmations"], record.after["confirmations"]) == (7, 2)


def test_rows_nobody_vouches_for_go_and_missing_ones_come_back(taught, maker_b):
    expected = rows()
    KnownMarking.objects.filter(pk=KnownMarking.objects.order_by("pk").first().pk).delete()
    orphan = KnownMarking.objects.create(text_key="MAX3490", manufacturer=maker_b, confirmations=3)
    report = services.relearn_from_confirmed()
    assert (report.created, report.deleted) == (1, 1)
    assert rows() == expected
    assert not KnownMarking.objects.filter(pk=orphan.pk).exists()
    deleted = AuditRecord.objects.get(action="relearn", object_id=str(orphan.pk))
    assert deleted.before["text_key"] == "MAX3490" and deleted.after is None
    made = AuditRecord.objects.get(action="relearn", before__isnull=True)
    row = KnownMarking.objects.get(pk=int(made.object_id))
    assert made.after["confirmations"] == row.confirmations == 2
    assert made.object_repr == str(row) and "LM258DR" in made.object_repr


def test_findings_no_longer_confirmed_teach_nothing(taught, users):
    KnownMarking.objects.update(confirmations=2)
    first = taught["findings"][0]
    services.reject_finding(first.pk, users["analyst"], "Wrong package")
    assert set(rows().values()) == {1}  # unlearn took one back
    KnownMarking.objects.update(confirmations=2, last_finding_id=first.pk)
    report = services.relearn_from_confirmed()
    assert report.lessons == 1 and report.updated == len(rows())
    assert set(rows().values()) == {1}
    assert set(KnownMarking.objects.values_list("last_finding_id", flat=True)) == {
        taught["findings"][1].pk
    }


def test_dry_run_reports_and_changes_nothing(taught):
    KnownMarking.objects.update(confirmations=9)
    report = services.relearn_from_confirmed(dry_run=True)
    assert report.updated == len(rows())
    assert set(rows().values()) == {9}
    assert not AuditRecord.objects.filter(action="relearn").exists()


def test_command_prints_what_it_did(taught, capsys):
    KnownMarking.objects.update(confirmations=4)
    count = KnownMarking.objects.count()
    call_command("relearn_markings", "--dry-run")
    assert f"0 would be created, {count} would be corrected" in capsys.readouterr().out
    call_command("relearn_markings")
    out = capsys.readouterr().out
    assert out.startswith("2 confirmed findings teach the resolver")
    assert f"{count} were corrected, 0 were deleted, 0 already right" in out
    assert set(rows().values()) == {2}


def test_the_rebuilt_lessons_resolve_as_learned(taught, maker_a):
    from catalog import resolver

    KnownMarking.objects.all().delete()
    services.relearn_from_confirmed()
    answer = resolver.resolve(MARKING)
    assert answer.candidates[0].part_id == taught["part"].pk
    assert "learned" in " ".join(answer.candidates[0].reasons).lower()


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: a confirmation on a second connection during the rebuild",
)
@pytest.mark.django_db(transaction=True)
def test_a_confirmation_during_the_rebuild_is_counted_once(taught, users, monkeypatch):
    """The rebuild locks the table before it reads the confirmed findings, so a confirmation
    arriving meanwhile waits and then adds its own confirmation to the rebuilt count."""
    from catalog.resolver import service

    third = support.finding(taught["recovery"], MARKING)
    locked, confirming = threading.Event(), threading.Event()
    read_lessons = service._wanted_rows

    def slow_read(lessons, report):
        locked.set()
        confirming.wait(10)
        time.sleep(0.5)  # the confirmation reaches `learn` and waits for the lock
        return read_lessons(lessons, report)

    monkeypatch.setattr(service, "_wanted_rows", slow_read)
    outcome = []

    def confirm():
        try:
            locked.wait(10)
            confirming.set()
            services.confirm_finding(third.pk, users["analyst"], part=taught["part"])
            outcome.append("confirmed")
        except Exception as exc:  # reported by the assertion below
            outcome.append(repr(exc))
        finally:
            connection.close()

    KnownMarking.objects.update(confirmations=5)
    thread = threading.Thread(target=confirm)
    thread.start()
    report = services.relearn_from_confirmed()
    thread.join(30)
    assert outcome == ["confirmed"]
    assert report.lessons == 2  # the third was not committed when the rebuild read the findings
    assert set(rows().values()) == {3}
    assert services.relearn_from_confirmed().changed == 0
