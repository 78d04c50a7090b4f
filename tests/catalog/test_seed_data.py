"""catalog/data/manufacturers.json: schema, ownership graph, alias and prefix uniqueness, coverage.

Plain tests, no database: the JSON is checked with the same key functions the loader uses
(``catalog.normalize.name_key`` for names, ``norm`` for prefixes), so what passes here loads
without any alias or prefix silently landing on the wrong organisation.
"""

import csv
import datetime
import json
import os
import re
from pathlib import Path

import pytest

from catalog.normalize import FAMILIES, name_key, norm

DATA = Path(__file__).resolve().parents[2] / "catalog" / "data" / "manufacturers.json"
FIELDS = {
    "name": str,
    "country": str,
    "website": str,
    "roles": list,
    "mpn_family": str,
    "aliases": list,
    "owner": (str, type(None)),
    "acquired": (str, type(None)),
    "prefixes": list,
}
ROLES = {
    "manufacturer",
    "authorized_distributor",
    "independent_distributor",
    "importer",
    "freight_forwarder",
    "end_user",
}

REQUIRED_ACQUISITIONS = [
    ("Maxim Integrated", "Analog Devices", 2021),
    ("Linear Technology", "Analog Devices", 2017),
    ("Xilinx", "AMD", 2022),
    ("Altera", "Intel", 2015),
    ("Atmel", "Microchip Technology", 2016),
    ("Freescale Semiconductor", "NXP Semiconductors", 2015),
    ("International Rectifier", "Infineon Technologies", 2015),
    ("Cypress Semiconductor", "Infineon Technologies", 2020),
    ("National Semiconductor", "Texas Instruments", 2011),
    ("Fairchild Semiconductor", "onsemi", 2016),
    ("Spansion", "Cypress Semiconductor", 2015),
    ("Integrated Device Technology", "Renesas Electronics", 2019),
]

# The 40 most frequent manufacturer spellings of gur-components-dev.csv ("Not identified" left
# out), with the entry each must reach; kept inline so the test runs without the shared data.
GUR_TOP_40 = {
    "Texas Instruments": "Texas Instruments",
    "Analog Devices": "Analog Devices",
    "Maxim Integrated Products (Analog Devices)": "Maxim Integrated",
    "STMicroelectronics": "STMicroelectronics",
    "Xilinx Inc. (AMD)": "Xilinx",
    "Altera Corporation (Intel)": "Altera",
    "Linear Technology Corporation (Analog Devices)": "Linear Technology",
    "Atmel (Microchip Technology)": "Atmel",
    "NXP Semiconductors": "NXP Semiconductors",
    "International Rectifier (Infineon Technologies)": "International Rectifier",
    "Infineon Technologies": "Infineon Technologies",
    "Microchip Technology Inc.": "Microchip Technology",
    "Vishay Intertechnology, Inc.": "Vishay Intertechnology",
    "Micron Technology": "Micron Technology",
    "Cypress Semiconductor (Infineon Technologies)": "Cypress Semiconductor",
    "ON Semiconductor (ONSEMI)": "onsemi",
    "Spansion (Cypress Semiconductor, Infineon Technologies)": "Spansion",
    "National Semiconductor (Texas Instruments)": "National Semiconductor",
    "KYOCERA AVX": "KYOCERA AVX",
    "U-blox": "u-blox",
    "Integrated Device Technology (Renesas)": "Integrated Device Technology",
    "Pulse Electronics Corporation": "Pulse Electronics",
    "Fairchild Semiconductor (ON Semiconductor)": "Fairchild Semiconductor",
    "CTS Corporation": "CTS Corporation",
    "Murata": "Murata Manufacturing",
    "MORNSUN Guangzhou Science & Technology Co., Ltd.": "Mornsun",
    "Traco Power": "Traco Power",
    "Broadcom Corporation": "Broadcom",
    "Semtech Corporation": "Semtech",
    "Intel Corporation": "Intel",
    "Marvell Technology Group": "Marvell Technology",
    "AVX Corporation": "KYOCERA AVX",
    "GigaDevice": "GigaDevice",
    "Renesas": "Renesas Electronics",
    "KEMET": "KEMET",
    "Littelfuse, Inc.": "Littelfuse",
    "Winbond Electronics Corporation": "Winbond Electronics",
    "Integrated Silicon Solution (Ingenic Semiconductor)": "Integrated Silicon Solution",
    "Silicon Laboratories": "Silicon Labs",
    "Samsung Electronics": "Samsung Electronics",
}

# Spellings the issue names explicitly.
ISSUE_SPELLINGS = {
    "Texas I": "Texas Instruments",
    "TI": "Texas Instruments",
    "ADI/MAXIM": "Maxim Integrated",
    "AMD/XILINX": "Xilinx",
    "Linear Technology/Analog Devices": "Linear Technology",
    "Digi-Key": "Digi-Key Electronics",
    "DigiKey": "Digi-Key Electronics",
}

# Manufacturer values of the shared data that deliberately map to nothing (see
# catalog/data/README.md): no maker named, supplier text, or an identity too ambiguous to curate.
UNMAPPED = {
    "Not identified",
    "International standard",
    "Nvidia Importers CHIMEVRASIA LLC",
    "Murata Suppliers JSC CHIP AND DIP",
    "ECS Inc. International Suppliers JSC CHIP AND DIP",
    "Toshiba Suppliers JSC CHIP AND DIP",
    "STMicroelectronics Suppliers JSC CHIP AND DIP",
    "Helishun Suppliers JSC CHIP AND DIP",
    "Easy World Automation LLC",
    "PANWOO Equipment Consulting Co., Ltd.",
    "Baoter XCHC Electron / Bourns",
    "MCL Electronic Materials Co., Ltd.",
    "SMC Corporation",
    "Chandler",
    "ETK2",
    "Huaban",
    "Mercury",
    "Nelson",
}


@pytest.fixture(scope="module")
def entries():
    return json.loads(DATA.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def by_name(entries):
    return {entry["name"]: entry for entry in entries}


@pytest.fixture(scope="module")
def key_index(entries):
    """name_key of every name and alias -> the entry name it belongs to."""
    index = {}
    for entry in entries:
        for spelling in [entry["name"], *entry["aliases"]]:
            index.setdefault(name_key(spelling), entry["name"])
    return index


def _resolve(spelling, key_index):
    return key_index.get(name_key(spelling))


def _ultimate_owner(name, by_name):
    seen = {name}
    while (owner := by_name[name]["owner"]) is not None:
        assert owner not in seen, f"ownership cycle through {name!r}"
        seen.add(owner)
        name = owner
    return name


def test_schema(entries):
    assert isinstance(entries, list)
    assert len(entries) >= 150
    for entry in entries:
        assert set(entry) == set(FIELDS), entry.get("name")
        for field, kind in FIELDS.items():
            assert isinstance(entry[field], kind), (entry["name"], field)
        assert entry["name"].strip() == entry["name"] != ""
        assert entry["roles"] and set(entry["roles"]) <= ROLES, entry["name"]
        assert entry["country"] == "" or re.fullmatch(r"[A-Z]{2}", entry["country"]), entry["name"]
        assert entry["website"] == "" or entry["website"].startswith("https://"), entry["name"]
        assert entry["mpn_family"] == "" or entry["mpn_family"] in FAMILIES, entry["name"]
        assert all(isinstance(a, str) and a.strip() == a != "" for a in entry["aliases"])
        assert all(isinstance(p, str) and p.strip() == p != "" for p in entry["prefixes"])


def test_names_unique(entries):
    names = [entry["name"] for entry in entries]
    assert len(names) == len(set(names))
    keys = [name_key(name) for name in names]
    assert len(keys) == len(set(keys))


def test_every_alias_key_is_unique(entries):
    """One key, one organisation; and no alias repeats its own entry's name or another alias."""
    seen = {}
    for entry in entries:
        for spelling in [entry["name"], *entry["aliases"]]:
            key = name_key(spelling)
            assert key not in seen, f"{spelling!r} ({entry['name']}) duplicates {seen[key]!r}"
            seen[key] = f"{spelling} ({entry['name']})"


def test_owners_exist_and_dates_parse(entries, by_name):
    for entry in entries:
        owner = entry["owner"]
        if owner is not None:
            assert owner in by_name, f"{entry['name']}: unknown owner {owner!r}"
            assert owner != entry["name"]
        if entry["acquired"] is not None:
            assert owner is not None, f"{entry['name']}: acquisition date without an owner"
            acquired = datetime.date.fromisoformat(entry["acquired"])
            assert datetime.date(1950, 1, 1) < acquired <= datetime.date.today()


def test_no_ownership_cycles(entries, by_name):
    for entry in entries:
        _ultimate_owner(entry["name"], by_name)


@pytest.mark.parametrize(("brand", "owner", "year"), REQUIRED_ACQUISITIONS)
def test_required_acquisitions(by_name, brand, owner, year):
    entry = by_name[brand]
    assert entry["owner"] == owner
    assert datetime.date.fromisoformat(entry["acquired"]).year == year


@pytest.mark.parametrize(
    ("brand", "ultimate"),
    [
        ("Spansion", "Infineon Technologies"),
        ("Dallas Semiconductor", "Analog Devices"),
        ("Actel", "Microchip Technology"),
        ("Zilog", "Littelfuse"),
        ("Adesto Technologies", "Renesas Electronics"),
        ("Texas Instruments", "Texas Instruments"),
    ],
)
def test_ownership_chains(by_name, brand, ultimate):
    assert _ultimate_owner(brand, by_name) == ultimate


def test_distributors(by_name):
    digikey = by_name["Digi-Key Electronics"]
    assert digikey["roles"] == ["authorized_distributor"]
    assert digikey["country"] == "US"
    distributors = [e for e in by_name.values() if "authorized_distributor" in e["roles"]]
    assert {
        "Mouser Electronics",
        "Arrow Electronics",
        "Avnet",
        "Farnell",
        "RS Components",
        "TME",
    } <= {e["name"] for e in distributors}
    assert all(not e["prefixes"] for e in distributors)


@pytest.mark.parametrize(
    ("brand", "family"),
    [
        ("Maxim Integrated", "maxim"),
        ("Linear Technology", "linear"),
        ("Analog Devices", "adi"),
        ("Infineon Technologies", "infineon"),
        ("International Rectifier", "infineon"),
        ("Texas Instruments", "ti"),
        ("National Semiconductor", "ti"),
        ("NXP Semiconductors", "nxp"),
        ("Freescale Semiconductor", "nxp"),
        ("Microchip Technology", "microchip"),
        ("Atmel", "microchip"),
    ],
)
def test_mpn_families(by_name, brand, family):
    assert by_name[brand]["mpn_family"] == family


@pytest.mark.parametrize(
    ("spelling", "expected"), sorted({**GUR_TOP_40, **ISSUE_SPELLINGS}.items())
)
def test_known_spellings_map(key_index, spelling, expected):
    assert _resolve(spelling, key_index) == expected


def test_junk_is_never_an_alias(key_index):
    for spelling in UNMAPPED:
        assert _resolve(spelling, key_index) is None, spelling


def _shared_manufacturer_values(filename):
    default = Path(__file__).resolve().parents[3] / "shared" / "data"
    path = Path(os.environ.get("SHARED_DATA_DIR") or default) / filename
    if not path.exists():
        pytest.skip(f"shared data file {path} is not present")
    with path.open(encoding="utf-8", newline="") as handle:
        return sorted({row["manufacturer"] for row in csv.DictReader(handle)})


@pytest.mark.parametrize("filename", ["gur-components-dev.csv", "digikey-parts.csv"])
def test_every_real_spelling_in_the_shared_data_maps(key_index, filename):
    values = _shared_manufacturer_values(filename)
    missing = [v for v in values if v not in UNMAPPED and _resolve(v, key_index) is None]
    assert missing == []


def test_prefixes_are_distinctive(entries):
    owner_of = {}
    for entry in entries:
        for prefix in entry["prefixes"]:
            key = norm(prefix)
            assert len(key) >= 2, f"{entry['name']}: prefix {prefix!r} is too short"
            assert key not in owner_of, f"prefix {prefix!r}: {entry['name']} and {owner_of[key]}"
            owner_of[key] = entry["name"]


@pytest.mark.parametrize(
    ("mpn", "maker"),
    [
        ("MAX3490EESA+T", "Maxim Integrated"),
        ("MAX-M8Q-0", "u-blox"),
        ("LTC3414EFE#PBF", "Linear Technology"),
        ("ADF4110BRUZ", "Analog Devices"),
        ("HMC624ALP4E", "Hittite Microwave"),
        ("XC7A35T-1CSG324C", "Xilinx"),
        ("XC6206P332MR", "Torex Semiconductor"),
        ("STM32F103C8T6", "STMicroelectronics"),
        ("ATMEGA328P-AU", "Atmel"),
        ("IRF7103TRPBF", "International Rectifier"),
        ("MC9S08QG8CDTE", "Freescale Semiconductor"),
        ("MC7805CTG", "onsemi"),
        ("LMV358IDR", "National Semiconductor"),
        ("LM358DR", "Texas Instruments"),
        ("S25FL128SAGMFI001", "Spansion"),
        ("DSPIC33FJ128GP802-I/SP", "Microchip Technology"),
        ("DS18B20+", "Maxim Integrated"),
        ("DS90LV047ATMTC", "National Semiconductor"),
    ],
)
def test_longest_prefix_names_the_maker(entries, mpn, maker):
    """Prefixes are meant for longest-match inference; a few real parts that need the longest."""
    key = norm(mpn)
    best = max(
        ((norm(p), e["name"]) for e in entries for p in e["prefixes"] if key.startswith(norm(p))),
        key=lambda pair: len(pair[0]),
    )
    assert best[1] == maker
