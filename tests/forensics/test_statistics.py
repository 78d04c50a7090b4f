"""Statistics on a known set: by country, by manufacturer grouped by owner, by CHPL tier, dates."""

import datetime

import pytest

from catalog.models import HsCode
from forensics.models import FindingStatus, Sharing

from . import findings_support as support

pytestmark = pytest.mark.django_db

URL = "/api/v1/statistics/"
CONFIRMED = FindingStatus.CONFIRMED


@pytest.fixture
def known(users, maker_a, maker_b):
    for code, tier in (("854231", "1"), ("852691", "2"), ("850440", "3A")):  # as the CHPL has them
        HsCode.objects.update_or_create(code=code, defaults={"tier": tier, "description": code})
    maker_b.country = "JP"
    maker_b.save()
    brand = support.brand_of(maker_a)
    pa = support.part_of(maker_a, "PA100", "854231")
    pbrand = support.part_of(brand, "PB200", "852691")
    pb = support.part_of(maker_b, "PC300", "850440")
    green = support.recovery(Sharing.GREEN)
    red = support.recovery(Sharing.RED)
    other = support.recovery(Sharing.GREEN, system=support.weapon_system("Other Drone"))
    before = {
        "manufactured_from": datetime.date(2019, 1, 1),
        "manufactured_to": datetime.date(2020, 1, 1),
    }
    add = support.finding
    add(green, "1", manufacturer=maker_a, part=pa, status=CONFIRMED, after_export_controls=True)
    add(
        green,
        "2",
        manufacturer=maker_a,
        part=pa,
        status=CONFIRMED,
        possibly_after_export_controls=True,
    )
    add(green, "3", manufacturer=brand, part=pbrand, status=CONFIRMED, **before)
    add(green, "4", manufacturer=maker_b, part=pb, status=CONFIRMED)
    add(green, "5", manufacturer=maker_b, status=CONFIRMED, after_export_controls=True)
    add(green, "6", status=CONFIRMED)
    add(
        green,
        "7",
        manufacturer=maker_a,
        part=pa,
        status=FindingStatus.PROPOSED,
        after_export_controls=True,
    )
    add(red, "8", manufacturer=maker_b, status=CONFIRMED)
    add(other, "9", manufacturer=maker_a, part=pa, status=CONFIRMED)
    return {"brand": brand, "test_drone": green.weapon_system, "other": other.weapon_system}


def test_overall_statistics_count_confirmed_findings(client_for, known, maker_a, maker_b):
    body = client_for("analyst").get(URL).json()
    assert body["filters"] == {"status": ["confirmed"]}
    assert body["total"] == 8
    assert body["by_country"] == [
        {"country": "JP", "count": 3},
        {"country": "US", "count": 3},
        {"country": "DE", "count": 1},
        {"country": None, "count": 1},
    ]
    groups = body["by_manufacturer"]
    assert [(g["owner"]["name"], g["count"]) for g in groups] == [
        ("Maker A Semiconductors", 4),
        ("Maker B Devices", 3),
    ]
    assert [(m["name"], m["count"]) for m in groups[0]["manufacturers"]] == [
        ("Maker A Semiconductors", 3),
        ("Brand Of A", 1),
    ]
    assert body["unidentified_manufacturer"] == 1
    assert body["by_chpl_tier"] == [
        {"tier": "1", "count": 3},
        {"tier": "2", "count": 1},
        {"tier": "3A", "count": 1},
        {"tier": None, "count": 3},
    ]
    assert body["export_controls"] == {
        "after": 2,
        "possibly_after": 1,
        "before": 1,
        "unknown": 4,
        "share_after": 0.25,
        "share_possibly_after": 0.125,
        "share_before": 0.125,
        "share_unknown": 0.5,
    }


def test_per_weapon_system_and_status(client_for, known):
    client = client_for("analyst")
    body = client.get(URL, {"weapon_system": known["test_drone"].pk}).json()
    assert body["total"] == 7
    assert body["filters"]["weapon_system"] == {"id": known["test_drone"].pk, "name": "Test Drone"}
    assert client.get(URL, {"weapon_system": known["other"].pk}).json()["total"] == 1
    assert client.get(URL, {"status": "all"}).json()["total"] == 9
    body = client.get(URL, {"status": "confirmed,proposed"}).json()
    assert body["total"] == 9
    assert body["export_controls"]["after"] == 3
    assert client.get(URL, {"status": "proposed"}).json()["total"] == 1


def test_statistics_respect_visibility(client_for, known, maker_a):
    assert client_for("researcher").get(URL).json()["total"] == 7  # the RED one is hidden
    body = client_for("manufacturer_a").get(URL).json()
    assert body["total"] == 4
    assert [g["owner"]["id"] for g in body["by_manufacturer"]] == [maker_a.pk]
    assert client_for("manufacturer_b").get(URL).json()["total"] == 2
    assert client_for("norole").get(URL).status_code == 403


@pytest.mark.parametrize(
    "params", [{"status": "bogus"}, {"weapon_system": "x"}, {"weapon_system": 10**9}]
)
def test_bad_statistics_parameters_are_400(client_for, known, params):
    response = client_for("analyst").get(URL, params)
    assert response.status_code == 400


def test_empty_statistics(client_for, users):
    body = client_for("analyst").get(URL).json()
    assert body["total"] == 0
    assert body["export_controls"]["share_after"] is None
    assert body["by_manufacturer"] == []


def test_statistics_query_count_does_not_grow_with_data(client_for, known, count_queries):
    client = client_for("analyst")
    client.get(URL)
    with count_queries() as small:
        client.get(URL)
    rec = support.recovery(Sharing.GREEN)
    for i in range(30):
        support.finding(rec, f"x{i}", manufacturer=known["brand"], status=CONFIRMED)
    with count_queries() as large:
        client.get(URL)
    assert len(small.captured_queries) == len(large.captured_queries)
