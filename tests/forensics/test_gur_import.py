"""The GUR import (a 100-row slice of the real file) and its re-run; the plain layout and its rejects."""

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from catalog.services import add_alias, create_organisation, resolve_manufacturer
from forensics.models import (
    AuditRecord,
    CustodyAction,
    Finding,
    FindingStatus,
    Recovery,
    Sharing,
)
from forensics.services.imports import FindingImportError, gur_reference, import_gur, import_plain

from . import findings_support as support

pytestmark = pytest.mark.django_db

SLICE = Path(__file__).resolve().parent.parent / "fixtures" / "gur-components-slice.csv"


def maker(name, country="US", owner=None, aliases=()):
    org = resolve_manufacturer(name) or create_organisation(
        name, is_manufacturer=True, country=country
    )
    for alias in aliases:
        add_alias(org, alias)
    if owner is not None and org.owner_id != owner.pk:
        org.owner = owner
        org.save()
    return org


@pytest.fixture
def catalog(db):
    adi = maker("Analog Devices")
    return {
        "ti": maker("Texas Instruments"),
        "adi": adi,
        "maxim": maker("Maxim Integrated", owner=adi, aliases=["Maxim Integrated Products"]),
    }


@pytest.fixture
def scripted(fake_resolver, catalog):
    ref = support.part_of(catalog["ti"], "REF5025IDGKR")
    other = support.part_of(maker("Other Maker", "FR"), "MAX407")
    fake_resolver.answer(
        "Voltage regulator REF5025",
        status="confident",
        candidates=[support.candidate(ref, 0.93)],
        date_code=support.FakeDateCode(
            "2231", "YYWW", datetime.date(2022, 8, 1), datetime.date(2022, 8, 7), True
        ),
    )
    fake_resolver.answer(
        "Linear amplifier MAX407ESА", status="confident", candidates=[support.candidate(other)]
    )
    near = support.part_of(catalog["ti"], "LM22670MR")
    fake_resolver.answer(
        "Voltage regulator LM22672",
        status="confident",
        candidates=[support.candidate(near, 0.95, match="fuzzy")],
    )
    fake_resolver.answer(
        "Operational amplifier LM321",
        status="ambiguous",
        candidates=[support.candidate(manufacturer=catalog["ti"], score=0.7)],
    )
    return {"ref": ref}


def run_gur(django_capture_on_commit_callbacks, path=SLICE, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return import_gur(path, **kwargs)


def test_gur_import(scripted, catalog, fake_resolver, django_capture_on_commit_callbacks):
    report = run_gur(django_capture_on_commit_callbacks)
    assert (report.rows, report.created, report.updated, report.unchanged) == (100, 100, 0, 0)
    assert Finding.objects.count() == 100
    assert report.recoveries_created == Recovery.objects.count() == 84
    assert set(Recovery.objects.values_list("sharing", flat=True)) == {Sharing.GREEN}
    assert report.not_identified == 3
    assert not report.unknown_manufacturers  # every published name is a seeded alias

    ref = Finding.objects.get(external_id="gur-4182")
    assert ref.marking == "Voltage regulator REF5025"
    assert ref.status == FindingStatus.CONFIRMED
    assert ref.manufacturer == catalog["ti"]
    assert ref.part == scripted["ref"]  # the resolver's part, made by the published maker
    assert ref.source_url == "https://war-sanctions.gur.gov.ua/en/components/4182"
    assert ref.after_export_controls is True
    assert ref.date_code == "2231"
    assert ref.recovery.weapon_system.name
    assert ref.recovery.reference == "GUR-granat-4-uav"

    maxim = Finding.objects.get(external_id="gur-2332")
    assert maxim.manufacturer == catalog["maxim"]  # the brand, its owner derived
    assert maxim.part is None  # the resolver's part was another maker's: not adopted
    near = Finding.objects.get(external_id="gur-4278")
    assert (near.manufacturer, near.part) == (catalog["ti"], None)  # a fuzzy guess: no part
    assert ("Voltage regulator LM22672", None, catalog["ti"].pk, near.pk) in fake_resolver.learned

    assert Finding.objects.get(external_id="gur-6580").marking == ""  # (unspecified) kept
    assert Finding.objects.get(external_id="gur-6580").status == FindingStatus.CONFIRMED
    assert Finding.objects.get(external_id="gur-6963").status == FindingStatus.UNIDENTIFIABLE
    lm321 = Finding.objects.get(external_id="gur-4810")  # "Not identified" with a marking
    assert lm321.status == FindingStatus.PROPOSED
    assert lm321.manufacturer == catalog["ti"]
    assert Finding.objects.get(external_id="gur-7053").status == FindingStatus.UNRESOLVED

    taught = {row[0] for row in fake_resolver.learned}
    assert "Voltage regulator REF5025" in taught
    assert "Linear amplifier MAX407ESА" in taught
    assert "Operational amplifier LM321" not in taught  # not confirmed: nothing taught
    assert all(row[2] for row in fake_resolver.learned)
    assert report.taught == len(fake_resolver.learned)

    recovery = Recovery.objects.get(external_id="gur:geran-2-uav")
    assert recovery.custody.get().action == CustodyAction.IMPORTED
    assert AuditRecord.objects.filter(action="import").count() == 100 + 84


def test_gur_rerun_changes_nothing(
    scripted, catalog, fake_resolver, django_capture_on_commit_callbacks
):
    run_gur(django_capture_on_commit_callbacks)
    learned, calls = len(fake_resolver.learned), len(fake_resolver.calls)
    audit = AuditRecord.objects.count()
    snapshot = list(Finding.objects.order_by("id").values())

    report = run_gur(django_capture_on_commit_callbacks)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 100)
    assert report.recoveries_created == 0
    assert not report.changed
    assert "Nothing changed" in report.summary()
    assert list(Finding.objects.order_by("id").values()) == snapshot
    assert (len(fake_resolver.learned), len(fake_resolver.calls)) == (learned, calls)
    assert AuditRecord.objects.count() == audit


def test_unknown_manufacturer_is_reported_then_filled_by_a_rerun(
    tmp_path, catalog, fake_resolver, django_capture_on_commit_callbacks
):
    header = SLICE.read_text(encoding="utf-8").splitlines()[0]
    row = (
        "gur-99001,Flight controller board FC-7,unknown,,Acme Rocket Chips Ltd,XX,,,"
        '"[""uav-test-99""]",unknown,False,[],,https://war-sanctions.gur.gov.ua/en/components/99001,'
        ",2026-06-13,Linked weapon as published by GUR: Test UAV 99"
    )
    path = write(tmp_path, f"{header}\n{row}\n")
    report = run_gur(django_capture_on_commit_callbacks, path)
    assert report.unknown_manufacturers == {"Acme Rocket Chips Ltd": 1}
    assert "1 rows name 1 manufacturers the catalog does not know" in report.summary()
    finding = Finding.objects.get(external_id="gur-99001")
    assert (finding.status, finding.manufacturer) == (FindingStatus.CONFIRMED, None)
    assert finding.recovery.weapon_system.name == "Test UAV 99"  # a new system, named as published
    assert report.weapon_systems_created == 1

    acme = maker("Acme Rocket Chips", "XX", aliases=["Acme Rocket Chips Ltd"])
    report = run_gur(django_capture_on_commit_callbacks, path)
    assert (report.created, report.updated) == (0, 1)  # the new alias fills the gap on re-run
    finding.refresh_from_db()
    assert finding.manufacturer == acme
    assert fake_resolver.learned[-1][0] == "Flight controller board FC-7"


def test_gur_import_never_overrides_an_analyst(
    scripted, catalog, users, django_capture_on_commit_callbacks
):
    run_gur(django_capture_on_commit_callbacks)
    lm321 = Finding.objects.get(external_id="gur-4810")
    from forensics.services.findings import confirm_finding

    confirm_finding(lm321.pk, users["analyst"], manufacturer=catalog["adi"])
    report = run_gur(django_capture_on_commit_callbacks)
    assert report.updated == 0
    assert Finding.objects.get(pk=lm321.pk).manufacturer == catalog["adi"]


def write(tmp_path, text, name="in.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_gur_rejects_are_listed_and_nothing_is_written(tmp_path, catalog, fake_resolver):
    with open(SLICE, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, good = reader.fieldnames, [next(reader) for _ in range(3)]
    bad_json = {**good[1], "found_in_drones": "uav-shahed-136"}
    out = io.StringIO()
    writer = csv.DictWriter(out, fields)
    writer.writeheader()
    writer.writerows([good[0], bad_json, good[0], good[2]])
    path = write(tmp_path, out.getvalue())
    with pytest.raises(FindingImportError) as info:
        import_gur(path)
    assert [line for line, _ in info.value.report.rejects] == [3, 4]
    assert "not a JSON list" in info.value.report.rejects[0][1]
    assert "appears twice" in info.value.report.rejects[1][1]
    assert Finding.objects.count() == Recovery.objects.count() == 0

    err = io.StringIO()
    with pytest.raises(CommandError, match="2 rows rejected"):
        call_command("import_findings", str(path), "--format", "gur", stderr=err)
    assert "line 3: found_in_drones is not a JSON list" in err.getvalue()


@pytest.mark.parametrize(
    "content, message",
    [
        ("component_id,name_marking\ngur-1,x\n", "missing columns"),
        ("", "empty"),
        (b"component_id\n\xff\xfe\n", "not UTF-8"),
    ],
)
def test_gur_bad_files(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("import_findings", str(path), "--format", "gur")


def test_gur_dry_run_writes_nothing(scripted, catalog):
    report = import_gur(SLICE, dry_run=True)
    assert report.created == 100
    assert "Dry run" in report.summary()
    assert Finding.objects.count() == 0


def test_gur_reference_fits_and_stays_unique():
    long_a = "x" * 150 + "a"
    long_b = "x" * 150 + "b"
    assert len(gur_reference(long_a)) <= 80
    assert gur_reference(long_a) != gur_reference(long_b)
    assert gur_reference("kh-101-missile") == "GUR-kh-101-missile"


# --- plain layout ---------------------------------------------------------------------------


def plain(rows, header=("recovery_reference", "weapon_system", "marking", "category", "board",
                         "position", "quantity", "manufacturer", "mpn", "notes")):  # fmt: skip
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def test_plain_import_rows_go_in_unresolved_and_get_proposals(
    tmp_path, users, catalog, fake_resolver, django_capture_on_commit_callbacks
):
    existing = support.recovery(Sharing.AMBER, reference="UA-2024-017")
    lt = support.part_of(catalog["adi"], "LT1013")
    fake_resolver.answer("LT1013 ACN8", candidates=[support.candidate(lt, 0.9)])
    fake_resolver.answer("TPS54331", candidates=[support.candidate(manufacturer=catalog["ti"])])
    path = write(
        tmp_path,
        plain(
            [
                ["UA-2024-017", "", "LT1013 ACN8", "opamp", "Autopilot", "U3", "2", "", "", ""],
                ["UA-2024-018", "Kh-101", "TPS54331", "", "PSU", "U1", "", "", "", "new"],
                ["UA-2024-018", "", "", "", "PSU", "U2", "", "Texas Instruments", "XYZ1", ""],
            ]
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = import_plain(path, actor=users["analyst"])
    assert (report.created, report.recoveries_created, report.to_resolve) == (3, 1, 3)
    assert report.unknown_mpns == 1
    first = Finding.objects.get(recovery=existing)
    assert (first.status, first.part, first.quantity, first.analyst) == (
        FindingStatus.PROPOSED, lt, 2, users["analyst"]
    )  # fmt: skip
    new = Recovery.objects.get(reference="UA-2024-018")
    assert new.sharing == Sharing.RED
    assert new.weapon_system.name == "Kh-101"
    hinted = Finding.objects.get(position="U2")
    assert hinted.marking == "XYZ1"  # the MPN stands in for a missing marking
    assert hinted.status == FindingStatus.PROPOSED  # the analyst's own reading is proposed
    assert hinted.manufacturer == catalog["ti"]

    again = import_plain(path, actor=users["analyst"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_plain_import_rejects_with_line_numbers(tmp_path, users, catalog):
    support.recovery(Sharing.AMBER, reference="UA-1", system=support.weapon_system("Kh-555"))
    rows = [
        ["UA-1", "", "LM358", "", "", "", "1", "", "", ""],  # line 2: fine
        ["", "", "LM358", "", "", "", "", "", "", ""],  # 3
        ["UA-2", "Flying Teapot", "LM358", "", "", "", "", "", "", ""],  # 4
        ["UA-1", "", "LM358", "", "", "", "two", "", "", ""],  # 5
        ["UA-1", "", "LM358", "", "", "", "", "Acme Rockets", "", ""],  # 6
        ["UA-1", "", "", "", "", "", "", "", "", ""],  # 7
        ["UA-1", "Kh-101", "LM358", "", "", "", "", "", "", ""],  # 8
        ["UA-3", "", "LM358", "", "", "", "", "", "", ""],  # 9
        ["UA-1", "", "LM358", "", "", "P" * 41, "", "", "", ""],  # 10
    ]
    path = write(tmp_path, plain(rows))
    with pytest.raises(FindingImportError) as info:
        import_plain(path, actor=users["analyst"])
    rejects = dict(info.value.report.rejects)
    assert sorted(rejects) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "recovery_reference is empty" in rejects[3]
    assert "unknown weapon system" in rejects[4]
    assert "not a whole number" in rejects[5]
    assert "unknown manufacturer" in rejects[6]
    assert "marking (or mpn) is empty" in rejects[7]
    assert "is a Kh-555, not a Kh-101" in rejects[8]
    assert "does not exist" in rejects[9]
    assert "position is longer" in rejects[10]
    assert Finding.objects.count() == 0  # all or nothing
    assert not Recovery.objects.filter(reference="UA-2").exists()


def test_plain_import_refuses_unknown_columns(tmp_path):
    path = write(tmp_path, plain([], header=("recovery_reference", "marking", "manufacurer")))
    with pytest.raises(CommandError, match="unknown columns: manufacurer"):
        call_command("import_findings", str(path), "--format", "plain")


def test_import_command_reports_and_checks_the_user(tmp_path, catalog, scripted, users):
    out = io.StringIO()
    call_command("import_findings", str(SLICE), "--format", "gur", "--user", "analyst", stdout=out)
    assert "100 rows: 100 created" in out.getvalue()
    with pytest.raises(CommandError, match="No user"):
        call_command("import_findings", str(SLICE), "--format", "gur", "--user", "ghost")
