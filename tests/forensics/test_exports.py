"""Finding exports (API and CLI): CSV and JSON, the list's filters, redaction for manufacturers."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from forensics.models import FindingStatus, Sharing
from forensics.services.exports import FULL_COLUMNS, REDACTED_COLUMNS

from . import findings_support as support

pytestmark = pytest.mark.django_db

URL = "/api/v1/findings/"


@pytest.fixture
def rows(users, maker_a, maker_b):
    amber = support.recovery(Sharing.AMBER, recovered_on="2024-03-01", oblast="Kharkiv")
    part = support.part_of(maker_a, "ADF4110BRUZ")
    made = {
        "a": support.finding(
            amber,
            "ADF 4110B 323",
            manufacturer=maker_a,
            part=part,
            status=FindingStatus.CONFIRMED,
            analyst=users["analyst"],
            notes="Seen by the EOD team",
            source_url="https://example.org/report",
        ),
        "formula": support.finding(amber, '=HYPERLINK("http://x")', manufacturer=maker_a),
        "b": support.finding(
            amber, "MAX3490", manufacturer=maker_b, status=FindingStatus.CONFIRMED
        ),
    }
    return made


def read_csv(response):
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_export_has_every_column_for_analysts(client_for, rows):
    response = client_for("analyst").get(f"{URL}export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="findings.csv"' in response["Content-Disposition"]
    records = read_csv(response)
    assert list(records[0]) == [name for name, _ in FULL_COLUMNS]
    assert [r["id"] for r in records] == [str(f.pk) for f in rows.values()]
    first = records[0]
    assert first["marking"] == "ADF 4110B 323"
    assert first["mpn"] == "ADF4110BRUZ"
    assert first["manufacturer"] == "Maker A Semiconductors"
    assert first["weapon_system"] == "Test Drone"
    assert first["recovered_on"] == "2024-03-01"
    assert first["analyst"] == "analyst"
    assert first["status"] == "confirmed"
    assert first["after_export_controls"] == "false"
    assert records[1]["marking"].startswith("'=HYPERLINK")  # never a live formula


def test_json_export_with_filters(client_for, rows, maker_b):
    client = client_for("analyst")
    response = client.get(f"{URL}export.json", {"status": "confirmed", "manufacturer": maker_b.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(b"".join(response.streaming_content))
    assert [r["id"] for r in data] == [rows["b"].pk]
    assert data[0]["marking"] == "MAX3490"
    assert data[0]["manufacturer_country"] == "US"

    response = client.get(f"{URL}export/", {"format": "json", "q": "hyperlink"})
    data = json.loads(b"".join(response.streaming_content))
    assert data[0]["marking"] == '=HYPERLINK("http://x")'  # JSON keeps the text as typed


def test_manufacturers_export_their_findings_redacted(client_for, rows):
    records = read_csv(client_for("manufacturer_a").get(f"{URL}export.csv", {"status": ""}))
    assert list(records[0]) == [name for name, _ in REDACTED_COLUMNS]
    # the formula row is Maker A's but unconfirmed: a manufacturer never sees a proposal
    assert {r["id"] for r in records} == {str(rows["a"].pk)}
    for column in ("analyst", "notes", "source_url", "confirmed_by", "external_id"):
        assert column not in records[0]
    data = json.loads(
        b"".join(client_for("manufacturer_a").get(f"{URL}export.json").streaming_content)
    )
    assert "EOD" not in json.dumps(data)


def test_bad_export_filter_is_400(client_for, rows):
    response = client_for("analyst").get(f"{URL}export.csv", {"country": "USA"})
    assert response.status_code == 400
    assert "ISO-2" in response.content.decode()


def test_empty_export_is_valid(client_for, users):
    response = client_for("researcher").get(f"{URL}export.json")
    assert json.loads(b"".join(response.streaming_content)) == []


def test_cli_export(rows, maker_b, tmp_path, users):
    out = io.StringIO()
    call_command("export_findings", "--format", "json", "--filter", "status=confirmed", stdout=out)
    data = json.loads(out.getvalue())
    assert {r["id"] for r in data} == {rows["a"].pk, rows["b"].pk}
    assert data[0]["analyst"] == "analyst"

    target = tmp_path / "mine.csv"
    call_command(
        "export_findings", "--format", "csv", "--user", "maker_a_officer", "--output", str(target)
    )
    with open(target, newline="", encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    assert {r["id"] for r in records} == {str(rows["a"].pk)}  # confirmed ones only
    assert "analyst" not in records[0]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--filter", "colour=red"], "no such filter"),
        (["--filter", "status"], "NAME=VALUE"),
        (["--filter", "status=lost"], "Bad filter"),
        (["--user", "nobody"], "No user"),
    ],
)
def test_cli_export_refuses_bad_arguments(rows, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_findings", "--format", "csv", *args, stdout=io.StringIO())
