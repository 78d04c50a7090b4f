"""Each filter of the finding list, and ordering."""

import datetime

import pytest

from catalog.models import HsCode
from forensics.models import FindingStatus, Sharing

from . import findings_support as support

pytestmark = pytest.mark.django_db

URL = "/api/v1/findings/"


@pytest.fixture
def rows(users, maker_a, maker_b):
    HsCode.objects.update_or_create(code="854231", defaults={"tier": "1", "description": "ICs"})
    maker_b.country = "JP"
    maker_b.save()
    brand = support.brand_of(maker_a)
    drone = support.recovery(Sharing.GREEN, recovered_on=datetime.date(2023, 5, 1))
    missile = support.recovery(
        Sharing.GREEN,
        system=support.weapon_system("Test Missile"),
        recovered_on=datetime.date(2024, 9, 1),
    )
    tier1 = support.part_of(maker_a, "STM32F407VGT6", "854231")
    return {
        "a": support.finding(
            drone,
            "STM32F407VGT6",
            manufacturer=maker_a,
            part=tier1,
            status=FindingStatus.CONFIRMED,
            after_export_controls=True,
            manufactured_from=datetime.date(2022, 6, 1),
            manufactured_to=datetime.date(2022, 6, 7),
        ),
        "brand": support.finding(
            drone,
            "Transceiver MAX3490",
            manufacturer=brand,
            status=FindingStatus.PROPOSED,
            possibly_after_export_controls=True,
            manufactured_from=datetime.date(2017, 1, 1),
            manufactured_to=datetime.date(2027, 1, 1),
            category="transceiver",
        ),
        "b": support.finding(
            missile,
            "LT1013 ACN8",
            manufacturer=maker_b,
            status=FindingStatus.CONFIRMED,
            manufactured_from=datetime.date(2015, 1, 1),
            manufactured_to=datetime.date(2015, 12, 31),
        ),
        "none": support.finding(missile, "Chip OAL 67J"),
        "drone": drone,
        "missile": missile,
        "tier1": tier1,
    }


def ids(client, **params):
    response = client.get(URL, {"page_size": 100, **params})
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def test_each_filter(client_for, rows, maker_a, maker_b):
    c = client_for("analyst")
    a, brand, b, none = (rows[k].pk for k in ("a", "brand", "b", "none"))
    assert ids(c, weapon_system=rows["missile"].weapon_system_id) == {b, none}
    assert ids(c, recovery=rows["drone"].pk) == {a, brand}
    assert ids(c, manufacturer=maker_a.pk) == {a, brand}  # its brand's findings too
    assert ids(c, owner=maker_a.pk) == {a, brand}
    assert ids(c, manufacturer=rows["brand"].manufacturer_id) == {brand}
    assert ids(c, country="jp") == {b}
    assert ids(c, status="confirmed") == {a, b}
    assert ids(c, status="proposed,unresolved") == {brand, none}
    assert ids(c, chpl_tier="1") == {a}
    assert ids(c, part=rows["tier1"].pk) == {a}
    assert ids(c, after_export_controls="true") == {a}
    assert ids(c, after_export_controls="false") == {brand, b, none}
    assert ids(c, possibly_after_export_controls="true") == {brand}
    assert ids(c, recovered_after="2024-01-01") == {b, none}
    assert ids(c, recovered_before="2023-12-31") == {a, brand}
    assert ids(c, manufactured_after="2022-02-24") == {a, brand}  # ranges overlapping the bound
    assert ids(c, manufactured_before="2016-01-01") == {b}
    assert ids(c, category="TRANSCEIVER") == {brand}
    assert ids(c, q="max3490") == {brand}
    assert ids(c, q="max3490", status="confirmed") == set()


@pytest.mark.parametrize(
    "params",
    [
        {"status": "lost"},
        {"country": "USA"},
        {"after_export_controls": "maybe"},
        {"recovered_after": "yesterday"},
        {"weapon_system": "kh-101"},
    ],
)
def test_bad_filter_values_are_400(client_for, rows, params):
    assert client_for("analyst").get(URL, params).status_code == 400


def test_ordering(client_for, rows):
    c = client_for("analyst")
    default = [r["id"] for r in c.get(URL).json()["results"]]
    assert default == sorted(default, reverse=True)  # newest first
    by_recovery = [
        r["id"] for r in c.get(URL, {"ordering": "recovery__recovered_on,id"}).json()["results"]
    ]
    assert by_recovery == [rows["a"].pk, rows["brand"].pk, rows["b"].pk, rows["none"].pk]
    by_made = c.get(URL, {"ordering": "-manufactured_from"}).json()["results"]
    assert [r["id"] for r in by_made][:3] in (
        [rows["a"].pk, rows["brand"].pk, rows["b"].pk],
        [rows["none"].pk, rows["a"].pk, rows["brand"].pk],  # NULLs first on PostgreSQL
    )
