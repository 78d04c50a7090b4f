"""The catalog CSV import (catalog.importer) and its command, on SQLite and on PostgreSQL."""

import csv
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection

from catalog import importer, services
from catalog.importer import import_catalog_file
from catalog.models import DistributorOffer, LifecycleStatus, Organisation, Part
from catalog.normalize import name_key, norm
from forensics.demo import shared_data_dir
from forensics.models import AuditRecord

from .curated import build_curated, organisation_named

DIGIKEY = shared_data_dir() / "digikey-parts.csv"
DIGIKEY_ROWS = 1073
HEADER = "mpn,manufacturer,category,description,hs_code,status,distributor,distributor_sku"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reject_dir(tmp_path, settings):
    """Default reject files land under a throwaway VAR_DIR."""
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR / "imports"


def write(tmp_path: Path, *lines: str | bytes, name: str = "parts.csv") -> Path:
    """A CSV file from lines (str lines are UTF-8 encoded), newline-terminated."""
    path = tmp_path / name
    with open(path, "wb") as out:
        for line in lines:
            out.write(line if isinstance(line, bytes) else line.encode("utf-8"))
            out.write(b"\n")
    return path


def rejects_by_line(summary) -> dict[int, str]:
    return {reject.line: reject.reason for reject in summary.rejects}


def part(maker: str, mpn: str) -> Part:
    return Part.objects.get(manufacturer=organisation_named(maker), mpn_norm=norm(mpn))


@pytest.fixture
def curated(db):
    return build_curated()


# --------------------------------------------------------------------------- the Digi-Key file


def test_digikey_file_imports_as_it_is_then_reimports_unchanged(curated):
    parts_before, offers_before = Part.objects.count(), DistributorOffer.objects.count()

    first = import_catalog_file(DIGIKEY)

    assert first.ok, first.refused
    assert (first.rows, first.created, first.rejected) == (DIGIKEY_ROWS, DIGIKEY_ROWS, 0)
    assert (first.updated, first.unchanged) == (0, 0)
    assert first.offers_created == DIGIKEY_ROWS
    assert Part.objects.count() == parts_before + DIGIKEY_ROWS
    assert DistributorOffer.objects.count() == offers_before + DIGIKEY_ROWS
    assert first.reject_path is None
    lm324 = Part.objects.filter(mpn_norm="LM324N").select_related("manufacturer")
    assert {p.manufacturer_id for p in lm324} == {
        curated["Texas Instruments"].id,
        curated["onsemi"].id,
    }
    statuses = dict(
        Part.objects.filter(mpn__in=["LM324N"]).values_list("manufacturer_id", "status")
    )
    assert statuses == {
        curated["Texas Instruments"].id: LifecycleStatus.ACTIVE,
        curated["onsemi"].id: LifecycleStatus.OBSOLETE,  # "Obsolete NonStock"
    }
    stamps = dict(Part.objects.values_list("id", "updated_at"))

    second = import_catalog_file(DIGIKEY)

    assert second.ok
    assert (second.created, second.updated, second.unchanged) == (0, 0, DIGIKEY_ROWS)
    assert (second.offers_created, second.offers_updated) == (0, 0)
    assert second.offers_unchanged == DIGIKEY_ROWS
    assert second.organisations_created == 0
    assert dict(Part.objects.values_list("id", "updated_at")) == stamps


def test_digikey_statuses_and_datasheets_survive(curated):
    import_catalog_file(DIGIKEY)
    counts = {
        status: Part.objects.filter(status=status).count()
        for status in (
            LifecycleStatus.ACTIVE,
            LifecycleStatus.OBSOLETE,
            LifecycleStatus.NRND,
            LifecycleStatus.DISCONTINUED,
            LifecycleStatus.LAST_TIME_BUY,
        )
    }
    assert counts == {
        "active": 1004,
        "obsolete": 47,
        "nrnd": 15,
        "discontinued": 4,
        "last_time_buy": 3,
    }
    # A host name with an underscore is a real datasheet host; the leading space is trimmed.
    assert Part.objects.filter(datasheet__startswith="http://spec_sheets.e-switch.com/").exists()
    assert Part.objects.filter(datasheet__startswith="https://www.flir.com/").exists()


# --------------------------------------------------------------------------- upsert


def test_upsert_updates_only_the_changed_field(tmp_path, curated):
    rows = [
        "LM358DR,Texas Instruments,ICs,Dual op amp,854233,Active,,",
        "LM393DR,Texas Instruments,ICs,Dual comparator,854233,Active,,",
    ]
    import_catalog_file(write(tmp_path, HEADER, *rows))
    untouched = part("Texas Instruments", "LM393DR").updated_at
    rows[0] = rows[0].replace("Dual op amp", "Dual operational amplifier")

    summary = import_catalog_file(write(tmp_path, HEADER, *rows))

    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1)
    lm358 = part("Texas Instruments", "LM358DR")
    assert lm358.description == "Dual operational amplifier"
    assert (lm358.category, lm358.hs_code, lm358.status) == ("ICs", "854233", "active")
    assert part("Texas Instruments", "LM393DR").updated_at == untouched


def test_missing_column_or_empty_cell_never_blanks_a_stored_value(tmp_path, curated):
    import_catalog_file(write(tmp_path, HEADER, "LM358DR,TI,ICs,Dual op amp,854233,Active,,"))

    thin = import_catalog_file(write(tmp_path, "mpn,manufacturer", "LM358DR,TI"))
    empty = import_catalog_file(write(tmp_path, HEADER, "LM358DR,TI,,,,,,"))

    assert (thin.updated, thin.unchanged, empty.updated, empty.unchanged) == (0, 1, 0, 1)
    lm358 = part("Texas Instruments", "LM358DR")
    assert (lm358.description, lm358.hs_code, lm358.status) == ("Dual op amp", "854233", "active")


def test_derived_keys_and_chpl_tier(tmp_path, curated):
    tiers = services.chpl_tiers()
    code = next(iter(tiers)) if tiers else "854231"
    import_catalog_file(
        write(
            tmp_path,
            "mpn,manufacturer,hs_code",
            f"MAX3490EESA+T,Maxim Integrated,{code}",
            "ltc3414efe#trpbf,Linear Technology,8542.39",
        )
    )
    maxim = part("Maxim Integrated", "MAX3490EESA+T")
    family = curated["Maxim Integrated"].mpn_family
    assert (maxim.mpn_norm, maxim.mpn_base, maxim.mpn_fold) == services.part_keys(
        "MAX3490EESA+T", family
    )
    assert maxim.mpn_base == "MAX3490EESA"
    assert maxim.chpl_tier == tiers.get(code, "")
    linear = part("Linear Technology", "LTC3414EFE#TRPBF")
    assert (linear.mpn, linear.mpn_base, linear.hs_code) == (
        "ltc3414efe#trpbf",
        "LTC3414EFE",
        "854239",
    )


def test_small_batches_give_the_same_result(tmp_path, curated):
    lines = [f"TST{n:04d}A,Texas Instruments,,,,,Digi-Key,{n}-ND" for n in range(25)]
    lines.insert(10, "TST0003A,TI,,,,,Digi-Key,dup-ND")  # a repeat across batch boundaries
    summary = import_catalog_file(write(tmp_path, HEADER, *lines), batch_size=4)
    assert (summary.rows, summary.created, summary.rejected) == (26, 25, 1)
    assert rejects_by_line(summary) == {12: "duplicate of line 5 (same manufacturer and MPN)"}
    assert summary.offers_created == 25


# --------------------------------------------------------------------------- organisations


def test_unknown_manufacturer_is_created_for_review_and_resolves_next_time(tmp_path, curated):
    first = import_catalog_file(
        write(tmp_path, "mpn,manufacturer", "ZX100,Zyxwvut Microdevices Ltd. (Qwerty Holdings)")
    )
    org = organisation_named("Zyxwvut Microdevices Ltd. (Qwerty Holdings)")

    assert first.organisations_created == 1
    assert first.organisation_names == ["Zyxwvut Microdevices Ltd."]
    assert org.needs_review and org.is_manufacturer
    assert not (org.is_authorized_distributor or org.is_independent_distributor)
    assert organisation_named("Zyxwvut Microdevices") == org
    assert "catalog import" in org.notes

    second = import_catalog_file(
        write(tmp_path, "mpn,manufacturer", "ZX200,ZYXWVUT MICRODEVICES", name="more.csv")
    )
    assert (second.organisations_created, second.created) == (0, 1)
    assert set(Part.objects.filter(manufacturer=org).values_list("mpn", flat=True)) == {
        "ZX100",
        "ZX200",
    }


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("Maxim Integrated Products (Analog Devices)", "Maxim Integrated"),
        ("ADI/MAXIM", "Maxim Integrated"),
        ("Linear Technology/Analog Devices", "Linear Technology"),
        ("Texas I", "Texas Instruments"),
        ("ON Semiconductor (ONSEMI)", "onsemi"),
        ("Analog Devices Inc.", "Analog Devices"),
    ],
)
def test_manufacturer_spellings_resolve_through_aliases(tmp_path, curated, spelling, expected):
    quoted = f'"{spelling}"' if "," in spelling else spelling
    summary = import_catalog_file(write(tmp_path, "mpn,manufacturer", f"ABC123,{quoted}"))
    assert (summary.created, summary.organisations_created) == (1, 0)
    assert Part.objects.get(mpn="ABC123").manufacturer == curated[expected]


def test_distributors_resolve_or_are_created_with_the_right_flags(tmp_path, curated):
    summary = import_catalog_file(
        write(
            tmp_path,
            HEADER,
            "LM358DR,TI,,,,,Digi-Key,296-1-ND",
            "LM393DR,TI,,,,,Mouser Electronics,595-LM393DR",
            "LM324DR,TI,,,,,Shady Parts Trading (HK) Co,SPT-1",
        )
    )
    assert summary.offers_created == 3
    offers = {o.sku: o for o in DistributorOffer.objects.select_related("distributor")}
    assert offers["296-1-ND"].is_authorized and offers["595-LM393DR"].is_authorized
    broker = offers["SPT-1"].distributor
    assert not offers["SPT-1"].is_authorized
    assert broker.needs_review and broker.is_independent_distributor
    assert not (broker.is_manufacturer or broker.is_authorized_distributor)
    assert offers["SPT-1"].part == part("Texas Instruments", "LM324DR")


def test_offer_moves_to_another_part_when_its_sku_does(tmp_path, curated):
    import_catalog_file(write(tmp_path, HEADER, "LM358DR,TI,,,,,Digi-Key,296-1-ND"))
    summary = import_catalog_file(write(tmp_path, HEADER, "LM358DRG4,TI,,,,,Digi-Key,296-1-ND"))
    assert (summary.created, summary.offers_updated, summary.offers_created) == (1, 1, 0)
    assert DistributorOffer.objects.get(sku="296-1-ND").part.mpn == "LM358DRG4"


# --------------------------------------------------------------------------- rejects


def test_each_bad_row_is_rejected_with_its_line_and_reason(tmp_path, curated, reject_dir):
    path = write(
        tmp_path,
        "mpn,manufacturer,hs_code,eccn,status,datasheet,distributor,distributor_sku",
        "GOOD1,TI,854231,EAR99,Active,https://ti.com/lit/ds/good1.pdf,Digi-Key,G1-ND",  # 2
        ",TI,,,,,,",  # 3
        "GOOD2,,,,,,,",  # 4
        "BAD3,TI,85423100,,,,,",  # 5
        "BAD4,TI,8542X1,,,,,",  # 6
        "BAD5,TI,,3Z999,,,,",  # 7
        "BAD6,TI,,,Sometimes,,,",  # 8
        "BAD7,TI,,,,ftp://ti.com/x.pdf,,",  # 9
        "BAD8,TI,,,,,Digi-Key,",  # 10
        "BAD9,TI,,,,,,SKU-9",  # 11
        "BAD10,TI,,,",  # 12
        'BAD11,"TI,,,,,,,',  # 13
        "good1,TI,,,,,,",  # 14: the same part as line 2 once normalised
        "GOOD3,TI,,,,,Digi-Key,G1-ND",  # 15: another part under line 2's SKU
        "---,TI,,,,,,",  # 16
        "GOOD4,Unknown,,,,,,",  # 17
        "GOOD5,TI,854231,5a992.c,Obsolete NonStock,http://spec_sheets.example.com/a.pdf,,",  # 18
        "",  # blank lines are skipped, not rejected
    )

    summary = import_catalog_file(path)

    assert summary.ok
    assert (summary.rows, summary.created, summary.rejected) == (17, 2, 15)
    reasons = rejects_by_line(summary)
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]
    assert reasons[3] == "missing MPN"
    assert reasons[4] == "missing manufacturer"
    assert "8 digits" in reasons[5] and "6-digit" in reasons[5]
    assert "not a 6-digit HS code" in reasons[6]
    assert "ECCN '3Z999'" in reasons[7]
    assert "unknown status 'Sometimes'" in reasons[8]
    assert "not an http(s) URL" in reasons[9]
    assert reasons[10] == "distributor given without a distributor_sku"
    assert reasons[11] == "distributor_sku given without a distributor"
    assert reasons[12] == "expected 8 fields, found 5"
    assert reasons[13].startswith("malformed CSV")
    assert reasons[14] == "duplicate of line 2 (same manufacturer and MPN)"
    assert reasons[15] == "distributor SKU 'G1-ND' is already used on line 2"
    assert "no letters or digits" in reasons[16]
    assert "does not name an organisation" in reasons[17]
    good5 = part("Texas Instruments", "GOOD5")
    assert (good5.eccn, good5.status) == ("5A992.c", "obsolete")

    reject_file = Path(summary.reject_path)
    assert reject_file.parent == reject_dir
    with open(reject_file, newline="", encoding="utf-8") as fh:
        written = list(csv.reader(fh))
    assert written[0] == ["line", "reason", "excerpt"]
    assert [int(row[0]) for row in written[1:]] == sorted(reasons)  # in line order, merged
    assert written[1][2] == ",TI,,,,,,"
    excerpts = {int(row[0]): row[2] for row in written[1:]}
    assert excerpts[14] == "good1 (Texas Instruments)"


def test_rejects_go_where_asked(tmp_path, curated):
    target = tmp_path / "out" / "bad.csv"
    summary = import_catalog_file(write(tmp_path, HEADER, ",TI,,,,,,"), reject_path=target)
    assert summary.reject_path == str(target)
    assert target.read_text(encoding="utf-8").splitlines()[1] == '2,missing MPN,",TI,,,,,,"'


def test_broken_utf8_line_is_one_reject_and_the_rest_imports(tmp_path, curated):
    path = write(
        tmp_path,
        "mpn,manufacturer,description",
        "GOOD1,TI,Ω resistor network",
        b"BAD1,TI,caf\xe9 \xff\xfe",
        "GOOD2,TI,plain",
    )
    summary = import_catalog_file(path)
    assert (summary.created, summary.rejected) == (2, 1)
    assert summary.rejects[0].line == 3
    assert summary.rejects[0].reason == "invalid UTF-8 at byte 12 of the line"
    assert summary.rejects[0].excerpt == "BAD1,TI,caf\\xe9 \\xff\\xfe"
    assert part("Texas Instruments", "GOOD1").description == "Ω resistor network"


def test_nul_character_is_a_reject(tmp_path, curated):
    summary = import_catalog_file(write(tmp_path, "mpn,manufacturer", b"A\x00B,TI", "OK1,TI"))
    assert summary.created == 1
    assert rejects_by_line(summary) == {2: "NUL character in the line (binary content)"}
    assert summary.rejects[0].excerpt == "A\\x00B,TI"


def test_ten_megabyte_line_is_skipped_without_losing_its_neighbours(tmp_path, curated):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as out:
        out.write(b"mpn,manufacturer,description\nGOOD1,TI,first\n")
        out.write(b"HUGE,TI," + b"x" * (10 * 1024 * 1024) + b"\n")
        out.write(b"GOOD2,TI,after\n")
    summary = import_catalog_file(path)
    assert (summary.rows, summary.created, summary.rejected) == (3, 2, 1)
    reject = summary.rejects[0]
    assert reject.line == 3
    assert reject.reason.startswith("line longer than 1,048,576 bytes (10,485,769 bytes")
    assert len(reject.excerpt) <= importer.EXCERPT_CHARS
    assert part("Texas Instruments", "GOOD2").description == "after"
    assert summary.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_overlong_last_line_without_newline(tmp_path, curated, monkeypatch):
    monkeypatch.setattr(importer, "MAX_LINE_BYTES", 64)
    path = tmp_path / "tail.csv"
    path.write_bytes(b"mpn,manufacturer\nGOOD1,TI\nLONG," + b"y" * 200)
    summary = import_catalog_file(path)
    assert (summary.created, rejects_by_line(summary)) == (
        1,
        {3: "line longer than 64 bytes (205 bytes); skipped"},
    )


def test_bom_crlf_quotes_and_case_insensitive_header(tmp_path, curated):
    path = tmp_path / "excel.csv"
    path.write_bytes(
        b"\xef\xbb\xbfMPN,Manufacturer,Description,Distributor SKU,Distributor\r\n"
        b'"LM358DR","Texas Instruments","Op amp, dual ""rail""",296-1-ND,Digi-Key\r\n'
    )
    summary = import_catalog_file(path)
    assert (summary.created, summary.rejected, summary.offers_created) == (1, 0, 1)
    assert part("Texas Instruments", "LM358DR").description == 'Op amp, dual "rail"'


# --------------------------------------------------------------------------- refused files


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"mpn,manufacturer,price\nLM358,TI,1.0\n", "unknown column(s) 'price'"),
        (b"mpn,category\nLM358,ICs\n", "required column(s) missing: manufacturer"),
        (b"mpn,manufacturer,mpn\nA,B,C\n", "column 'mpn' appears twice"),
        (b"mpn;manufacturer\nLM358;TI\n", "separated by semicolons"),
        (b"mpn\tmanufacturer\nLM358\tTI\n", "separated by tabs"),
        (b"mpn,manufacturer\x00\n", "not a CSV text file: header line: NUL character"),
        (b"", "the file is empty"),
        (b"\n\n", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV text file"),
        (b"mpn,manuf\xe9cturer\nA,B\n", "not a CSV text file: header line: invalid UTF-8"),
        (b"mpn,,manufacturer\n", "column 2 of the header has no name"),
    ],
)
def test_bad_files_are_refused_whole(tmp_path, curated, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    audits = AuditRecord.objects.count()
    summary = import_catalog_file(path)
    assert not summary.ok
    assert message in summary.refused
    assert (summary.created, summary.rows) == (0, 0)
    assert AuditRecord.objects.count() == audits


def test_missing_file_is_refused(tmp_path):
    summary = import_catalog_file(tmp_path / "nope.csv")
    assert summary.refused == f"file not found: {tmp_path / 'nope.csv'}"


def test_strict_mode_changes_nothing(tmp_path, curated):
    path = write(
        tmp_path,
        HEADER,
        "NEW1,Brand New Semiconductor Co,,,,,Fresh Broker Ltd,FB-1",
        "LM358DR,TI,,,85423100,,,",
        "NEW2,TI,,,,,,",
    )
    counts = (
        Part.objects.count(),
        Organisation.objects.count(),
        DistributorOffer.objects.count(),
        AuditRecord.objects.count(),
    )

    summary = import_catalog_file(path, strict=True)

    assert summary.refused == "strict mode: 1 of 3 rows rejected"
    assert (summary.created, summary.organisations_created, summary.rejected) == (0, 0, 1)
    assert summary.rejects[0].line == 3
    assert Path(summary.reject_path).exists()
    after = (
        Part.objects.count(),
        Organisation.objects.count(),
        DistributorOffer.objects.count(),
        AuditRecord.objects.count(),
    )
    assert after == counts
    assert organisation_named("Brand New Semiconductor") is None


def test_strict_mode_refuses_a_file_with_repeated_rows(tmp_path, curated):
    path = write(tmp_path, "mpn,manufacturer", "LM358DR,TI", "lm358-dr,Texas Instruments")
    summary = import_catalog_file(path, strict=True)
    assert summary.refused == "strict mode: 1 of 2 rows rejected"
    assert not Part.objects.filter(mpn_norm="LM358DR").exists()


def test_strict_mode_imports_a_clean_file(tmp_path, curated):
    summary = import_catalog_file(write(tmp_path, "mpn,manufacturer", "LM358DR,TI"), strict=True)
    assert summary.ok and summary.created == 1


# --------------------------------------------------------------------------- audit


def test_one_audit_record_per_run(tmp_path, curated, users):
    path = write(tmp_path, HEADER, "LM358DR,TI,,,,,Digi-Key,1-ND", "LM393DR,TI,,,,,Digi-Key,2-ND")
    before = AuditRecord.objects.filter(action="import").count()

    summary = import_catalog_file(path, actor=users["curator"])
    import_catalog_file(path)

    runs = AuditRecord.objects.filter(action="import").order_by("id")[before:]
    assert len(runs) == 2
    first = runs[0]
    assert (first.actor, first.actor_name) == (users["curator"], "curator")
    assert first.object_id == hashlib.sha256(path.read_bytes()).hexdigest() == summary.sha256
    assert first.after["file"] == "parts.csv"
    assert (first.after["created"], first.after["offers_created"]) == (2, 2)
    assert runs[1].after["unchanged"] == 2 and runs[1].actor_name == "system"


# --------------------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Active", "active"),
        ("Active NonStock", "active"),
        ("Obsolete NonStock", "obsolete"),
        ("Not For New Designs", "nrnd"),
        ("Last Time Buy NonStock", "last_time_buy"),
        ("Discontinued at Digi-Key NonStock", "discontinued"),
        ("NRND", "nrnd"),
        ("last_time_buy", "last_time_buy"),
        ("Not recommended for new designs", "nrnd"),
    ],
)
def test_status_spellings(raw, expected):
    assert importer.parse_status(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("854231", "854231"), ("8542.31", "854231"), ("8542 31", "854231")],
)
def test_hs_code_forms(raw, expected):
    assert importer.parse_hs_code(raw) == expected


@pytest.mark.parametrize("raw", ["85423", "8542310000", "85423100", "ABCDEF", "８５４２３１"])
def test_hs_code_rejects(raw):
    with pytest.raises(importer._RowError):
        importer.parse_hs_code(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("EAR99", "EAR99"), ("ear99", "EAR99"), ("3a001.A.7", "3A001.a.7"), ("5A992.c", "5A992.c")],
)
def test_eccn_forms(raw, expected):
    assert importer.parse_eccn(raw) == expected


@pytest.mark.parametrize("raw", ["3A0011", "EAR", "9Z999", "3A001.a.7.b.c.d"])
def test_eccn_rejects(raw):
    with pytest.raises(importer._RowError):
        importer.parse_eccn(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "https://www.ti.com/lit/ds/symlink/lm358.pdf",
        "http://spec_sheets.e-switch.com/specs/P700000.pdf",
        "HTTPS://example.com:8443/a?b=c#d",
    ],
)
def test_datasheet_urls(raw):
    assert importer.parse_url(raw) == raw


@pytest.mark.parametrize(
    "raw",
    ["www.ti.com/x.pdf", "ftp://ti.com/x", "https://", "https://localhost/x", "https://a b.com/"],
)
def test_datasheet_url_rejects(raw):
    with pytest.raises(importer._RowError):
        importer.parse_url(raw)


# --------------------------------------------------------------------------- PostgreSQL bulk load


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL bulk-load path")
def test_bulk_load_rebuilds_every_index(tmp_path, curated, monkeypatch):
    monkeypatch.setattr(importer, "BULK_MIN_ROWS", 10)

    def indexes():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN (%s, %s) ORDER BY 1",
                [Part._meta.db_table, DistributorOffer._meta.db_table],
            )
            return cursor.fetchall()

    before = indexes()
    lines = [f"BULK{n:03d},TI,,,,,Digi-Key,B{n}-ND" for n in range(40)]
    summary = import_catalog_file(write(tmp_path, HEADER, *lines))
    assert (summary.created, summary.offers_created) == (40, 40)
    assert indexes() == before
    assert Part.objects.filter(mpn_norm__startswith="BULK").count() == 40


# --------------------------------------------------------------------------- the command


def test_command_prints_the_summary(tmp_path, curated, capsys):
    path = write(tmp_path, HEADER, "LM358DR,TI,,,,,Digi-Key,1-ND", ",TI,,,,,,")
    out, err = io.StringIO(), io.StringIO()

    call_command("import_catalog", str(path), stdout=out, stderr=err)

    text = out.getvalue()
    assert "parts.csv: 2 rows read" in text
    assert "parts:  1 created, 0 updated, 0 unchanged, 1 rejected" in text
    assert "offers: 1 created, 0 updated, 0 unchanged" in text
    assert "line 3: missing MPN" in err.getvalue()
    assert "rejected rows written to" in err.getvalue()
    assert "%|" not in capsys.readouterr().err  # no progress bar when stdout is not a terminal

    again = io.StringIO()
    call_command("import_catalog", str(path), stdout=again, stderr=io.StringIO())
    assert "nothing changed" in again.getvalue()


def test_command_shows_a_progress_bar_on_a_terminal(tmp_path, curated, capsys):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    call_command(
        "import_catalog", str(write(tmp_path, HEADER, "LM358DR,TI,,,,,,")), stdout=Terminal()
    )
    assert "parts.csv" in capsys.readouterr().err


def test_command_rejects_path_and_batch_size(tmp_path, curated):
    target = tmp_path / "rejects.csv"
    call_command(
        "import_catalog",
        str(write(tmp_path, HEADER, ",TI,,,,,,")),
        rejects=str(target),
        batch_size=1,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert target.exists()
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        call_command("import_catalog", str(target), batch_size=0)


@pytest.mark.parametrize(
    ("lines", "strict", "message"),
    [
        (["mpn,maker", "A,B"], False, "unknown column(s) 'maker'"),
        (["mpn,manufacturer", ",TI"], True, "strict mode: 1 of 1 rows rejected"),
    ],
)
def test_command_refusals_raise(tmp_path, curated, lines, strict, message):
    path = write(tmp_path, *lines)
    with pytest.raises(CommandError) as caught:
        call_command(
            "import_catalog", str(path), strict=strict, stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert message in str(caught.value)
    assert "refused, nothing changed" in str(caught.value)
    assert caught.value.returncode == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "file not found"), (b"mpn,maker\nA,B\n", "unknown column(s) 'maker'")],
)
def test_command_exit_status_in_a_real_process(tmp_path, content, message):
    """The refusal happens before any database access, so an empty database file will do."""
    path = tmp_path / "file.csv"
    if content is not None:
        path.write_bytes(content)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "forensics.test_settings",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "import_catalog", str(path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert message in done.stderr
    assert done.stdout == ""


def test_name_keys_of_unknown_names_are_indexed(tmp_path, curated):
    """Both the brand and the full spelling become aliases of a created organisation."""
    import_catalog_file(write(tmp_path, "mpn,manufacturer", "ZZ1,Qortex Fabless (Holdco Group)"))
    org = Part.objects.get(mpn="ZZ1").manufacturer
    keys = set(org.aliases.values_list("key", flat=True))
    assert {name_key("Qortex Fabless"), name_key("Qortex Fabless (Holdco Group)")} <= keys


def test_values_that_grow_when_normalised_are_rejected_not_crashing(tmp_path, curated):
    path = write(
        tmp_path,
        "mpn,manufacturer",
        "ﬀ" * 120 + ",TI",  # each ligature normalises to two letters
        "OK1," + "щ" * 200,  # transliterated to "shch" each: longer than an alias key
        "OK2,TI",
    )
    summary = import_catalog_file(path)
    assert summary.created == 1
    assert rejects_by_line(summary) == {
        2: "MPN longer than 120 characters once normalised",
        3: "manufacturer name too long once normalised",
    }


def test_demo_step_imports_digikey_once(curated):
    from catalog.demo import load_catalog_demo

    first = load_catalog_demo(shared_data_dir())
    again = load_catalog_demo(shared_data_dir())
    assert first.startswith("digikey-parts.csv: 1,073 rows: 1,073 created,")
    assert "0 created, 0 updated, 1,073 unchanged, 0 rejected" in again


def test_a_clash_with_a_concurrent_writer_is_refused_cleanly(tmp_path, curated, monkeypatch):
    def clash(self, now):
        raise IntegrityError('duplicate key value violates unique constraint "part_unique_mpn"')

    monkeypatch.setattr(importer._Stage, "write_parts", clash)
    summary = import_catalog_file(write(tmp_path, "mpn,manufacturer", "NEW1,Clashing Maker Inc"))
    assert summary.refused.startswith("the catalog changed while the file was being imported")
    assert organisation_named("Clashing Maker") is None
