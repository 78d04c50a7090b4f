"""The GUR import keeps the real resolver's lessons in step with its rows: a row is learned once,
when first confirmed; a re-run that changes its marking, part or manufacturer moves the lesson;
any other change (notes, source URL) leaves `KnownMarking` alone."""

import csv
import io

import pytest
from django.contrib.contenttypes.models import ContentType

from catalog.models import KnownMarking
from forensics.models import AuditRecord, Finding, FindingStatus
from forensics.services.imports import import_gur
from tests.resolver.resolver_support import build_catalog, org

from .test_gur_import import SLICE

pytestmark = pytest.mark.django_db

with open(SLICE, newline="", encoding="utf-8") as _handle:
    HEADER = csv.DictReader(_handle).fieldnames


@pytest.fixture
def parts(db):
    return build_catalog()


def gur_row(component_id, marking, manufacturer, **fields):
    return {
        "component_id": component_id,
        "name_marking": marking,
        "category": "Integrated circuits",
        "manufacturer": manufacturer,
        "found_in_drones": '["geran-2-uav"]',
        "source_url": f"https://war-sanctions.gur.gov.ua/en/components/{component_id[4:]}",
        "notes": "Linked weapon as published by GUR: Geran-2 UAV",
        **fields,
    }


def run(tmp_path, *rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, HEADER)
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "gur.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return import_gur(path)


def lessons():
    return {
        (row.text_key, row.part_id, row.manufacturer_id): row.confirmations
        for row in KnownMarking.objects.all()
    }


def resolver_audit():
    content_type = ContentType.objects.get_for_model(KnownMarking)
    return list(
        AuditRecord.objects.filter(content_type=content_type)
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_first_import_teaches_each_confirmed_row_once(tmp_path, parts):
    report = run(
        tmp_path,
        gur_row("gur-1", "Transceiver MAX3490EESA+ 2231", "Maxim Integrated"),
        gur_row("gur-2", "Transceiver MAX3490EESA+ 2231", "Maxim Integrated"),
    )
    assert report.taught == 2
    first = Finding.objects.get(external_id="gur-1")
    assert first.status == FindingStatus.CONFIRMED
    assert first.part == parts["MAX3490EESA+"]
    maxim = org("Maxim Integrated").pk
    assert lessons()
    assert set(lessons().values()) == {2}  # two findings, each key confirmed twice
    assert all(key[1:] == (first.part_id, maxim) for key in lessons())


def test_rerunning_an_unchanged_file_teaches_nothing_more(tmp_path, parts):
    rows = (
        gur_row("gur-1", "Transceiver MAX3490EESA+ 2231", "Maxim Integrated"),
        gur_row("gur-2", "AD7450BRZ 2245", "Analog Devices"),
        gur_row("gur-3", "Chip QZX 4417 HX", "Texas Instruments"),  # no part: maker only
    )
    first = run(tmp_path, *rows)
    assert first.taught == 3
    taught, audit = lessons(), resolver_audit()
    assert taught and set(taught.values()) == {1}

    again = run(tmp_path, *rows)
    assert (again.created, again.updated, again.unchanged, again.taught) == (0, 0, 3, 0)
    assert lessons() == taught
    assert resolver_audit() == audit


def test_notes_and_source_changes_leave_the_resolver_alone(tmp_path, parts):
    row = gur_row("gur-1", "AD7450BRZ 2245", "Analog Devices")
    run(tmp_path, row)
    taught, audit = lessons(), resolver_audit()

    for changes in (
        {"function": "ADC for the seeker"},
        {"source_url": "https://war-sanctions.gur.gov.ua/en/components/1?v=2"},
        {"category": "ADC", "function": ""},
    ):
        report = run(tmp_path, {**row, **changes})
        assert (report.updated, report.taught) == (1, 0), changes
        assert lessons() == taught  # confirmations not counted again
        assert resolver_audit() == audit
    finding = Finding.objects.get(external_id="gur-1")
    assert finding.category == "ADC"
    assert finding.status == FindingStatus.CONFIRMED


def test_a_changed_marking_moves_the_lesson(tmp_path, parts):
    row = gur_row("gur-1", "AD7450BRZ 2245", "Analog Devices")
    run(tmp_path, row, gur_row("gur-2", "ADF4110BRUZ 2301", "Analog Devices"))
    adi = org("Analog Devices").pk
    finding = Finding.objects.get(external_id="gur-1")
    assert finding.part == parts["AD7450BRZ"]
    old = {key for key in lessons() if key[1] == parts["AD7450BRZ"].pk}
    assert ("AD7450BRZ2245", parts["AD7450BRZ"].pk, adi) in old
    others = {key: n for key, n in lessons().items() if key not in old}

    report = run(
        tmp_path,
        {**row, "name_marking": "ADF4110BRUZ 2301"},
        gur_row("gur-2", "ADF4110BRUZ 2301", "Analog Devices"),
    )
    assert (report.updated, report.taught) == (1, 1)
    finding.refresh_from_db()
    assert finding.part == parts["ADF4110BRUZ"]
    now = lessons()
    assert not old & set(now)  # the old marking taught only this finding: its keys are gone
    assert ("ADF4110BRUZ2301", parts["ADF4110BRUZ"].pk, adi) in now
    assert {key: now[key] for key in others} == {key: n + 1 for key, n in others.items()}
    moved = resolver_audit()[-len(old) - len(others) :]
    assert sorted(moved) == sorted(["unlearn"] * len(old) + ["learn"] * len(others))


def test_a_changed_marking_decrements_a_lesson_another_row_shares(tmp_path, parts):
    row = gur_row("gur-1", "AD7450BRZ 2245", "Analog Devices")
    twin = gur_row("gur-2", "AD7450BRZ 2245", "Analog Devices")
    run(tmp_path, row, twin)
    shared = {key for key, n in lessons().items() if n == 2}
    assert shared

    run(tmp_path, {**row, "name_marking": "Chip QZX 4417 HX"}, twin)
    now = lessons()
    assert {now[key] for key in shared} == {1}  # the twin still vouches for it
    adi = org("Analog Devices").pk
    assert any(key[1:] == (None, adi) for key in now)  # the new marking, maker only


def test_a_changed_manufacturer_moves_the_lesson(tmp_path, parts):
    row = gur_row("gur-1", "Chip QZX 4417 HX", "Texas Instruments")
    run(tmp_path, row)
    ti, holt = org("Texas Instruments").pk, org("Holt Integrated Circuits").pk
    assert {key[2] for key in lessons()} == {ti}

    report = run(tmp_path, {**row, "manufacturer": "Holt Integrated Circuits"})
    assert (report.updated, report.taught) == (1, 1)
    assert Finding.objects.get(external_id="gur-1").manufacturer_id == holt
    assert {key[2] for key in lessons()} == {holt}
    assert set(lessons().values()) == {1}


def test_a_row_no_longer_identified_is_unlearned(tmp_path, parts):
    row = gur_row("gur-1", "AD7450BRZ 2245", "Analog Devices")
    run(tmp_path, row)
    assert lessons()

    report = run(tmp_path, {**row, "name_marking": "AD7450BRZ 2301", "manufacturer": "unknown"})
    assert report.taught == 0
    assert Finding.objects.get(external_id="gur-1").status == FindingStatus.UNRESOLVED
    assert not lessons()


def test_a_dry_run_rerun_leaves_the_lessons(tmp_path, parts):
    row = gur_row("gur-1", "AD7450BRZ 2245", "Analog Devices")
    run(tmp_path, row)
    taught = lessons()
    out = io.StringIO()
    writer = csv.DictWriter(out, HEADER)
    writer.writeheader()
    writer.writerow({**row, "name_marking": "ADF4110BRUZ 2301"})
    path = tmp_path / "dry.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    report = import_gur(path, dry_run=True)
    assert report.updated == 1
    assert lessons() == taught
