"""catalog.normalize: table-driven cases, every real spelling in the shared data, properties."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.normalize import (
    FAMILIES,
    SUFFIX_RULES,
    SuffixRule,
    base,
    fold,
    name_key,
    norm,
    split_brand_owner,
)

# --------------------------------------------------------------------------- norm

NORM_CASES = [
    ("Transceiver МАХ3490", "TRANSCEIVERMAX3490"),  # Cyrillic М, А, Х
    ("МАХ3490", "MAX3490"),
    ("В540", "B540"),  # Cyrillic В
    ("max3490", "MAX3490"),
    ("мах3490", "MAX3490"),  # lower-case Cyrillic look-alikes
    ("ADF 4110B 323", "ADF4110B323"),
    ("LM258 274 ZD0XG3", "LM258274ZD0XG3"),
    ("MAX3490EESA+T", "MAX3490EESAT"),
    ("PIC16F877A-I/P", "PIC16F877AIP"),
    ("BAS16,215", "BAS16215"),
    ("ＭＡＸ３４９０", "MAX3490"),  # full-width (NFKC compatibility forms)
    ("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX"),  # Greek capitals
    ("μ", "M"),  # Greek small mu
    ("µ", "M"),  # micro sign
    ("СЕНКОРТУХ", "CEHKOPTYX"),
    ("ЅІЈ", "SIJ"),  # Macedonian/Ukrainian/Serbian look-alikes
    ("ÉPCOS", "EPCOS"),  # accent dropped, base letter kept
    ("Ø", "0"),  # slashed zero on markings
    ("①②", "12"),
    ("\t\n", ""),
    ("", ""),
    ("ДЖЯ", ""),  # Cyrillic letters that look like no Latin letter are dropped
]


@pytest.mark.parametrize(("text", "expected"), NORM_CASES)
def test_norm(text, expected):
    assert norm(text) == expected
    assert norm(expected) == expected


# --------------------------------------------------------------------------- base

BASE_CASES = [
    # Maxim lead-free "+" and tape-and-reel options
    ("MAX3490EESA+", None, "MAX3490EESA"),
    ("MAX3490EESA+T", None, "MAX3490EESA"),
    ("MAX6675ISA+TG", "maxim", "MAX6675ISA"),
    ("DS18B20+T&R", None, "DS18B20"),
    ("МАХ3490ЕЕSА+Т", None, "MAX3490EESA"),  # Cyrillic look-alikes, Cyrillic Т after +
    ("MAX3490EESA +T", None, "MAX3490EESA"),  # spaces as transcribed
    # Linear '#' options (and Dallas '#')
    ("LTC2400CS8#PBF", "linear", "LTC2400CS8"),
    ("LTC2400CS8#TR", None, "LTC2400CS8"),
    ("LTC2400CS8#TRPBF", None, "LTC2400CS8"),
    ("LT1763CS8-3.3#PBF", None, "LT1763CS833"),  # voltage option stays
    ("DS3231SN#", None, "DS3231SN"),
    # ADI reels: the RoHS Z stays
    ("AD7450BRZ-REEL7", None, "AD7450BRZ"),
    ("AD7450BRZ-REEL", "adi", "AD7450BRZ"),
    ("ADXL335BCPZ-RL7", None, "ADXL335BCPZ"),
    ("ADXL335BCPZ-RL", None, "ADXL335BCPZ"),
    ("ADP3338AKCZ-3.3-R7", None, "ADP3338AKCZ33"),
    ("FT232RL-REEL", None, "FT232RL"),
    # Infineon/IR: letter-only suffixes need the family
    ("IRF7103TRPBF", "infineon", "IRF7103"),
    ("IRF7103PBF", "infineon", "IRF7103"),
    ("IRF7103TR", "infineon", "IRF7103"),
    ("IRFR024NTRLPBF", "infineon", "IRFR024N"),
    ("IRF7103TRPBF", None, "IRF7103TRPBF"),
    ("IRF7103TRPBF", "ti", "IRF7103TRPBF"),
    ("IRF7103TRPBF", "", "IRF7103TRPBF"),
    ("TR", "infineon", "TR"),  # never stripped to nothing
    ("A1PBF", "infineon", "A1PBF"),  # stem too short to be a part number
    # TI / National
    ("LM386MX-1/NOPB", None, "LM386MX1"),
    ("LM1117MPX-3.3/NOPB", "ti", "LM1117MPX33"),
    # NXP 12NC packing
    ("BAS16,118", None, "BAS16"),
    ("BAS16,215", "nxp", "BAS16"),
    ("PMEG3005EB,115", None, "PMEG3005EB"),
    # Microchip: '/' is grade and package, never stripped
    ("PIC16F877A-I/P", "microchip", "PIC16F877AIP"),
    ("PIC16F877A-I/SN", None, "PIC16F877AISN"),
    ("MCP23018-E/SP", "microchip", "MCP23018ESP"),
    ("ATMEGA328P-AU", "microchip", "ATMEGA328PAU"),
    # Digi-Key order codes: a SKU is not an MPN
    ("296-1234-1-ND", None, "2961234"),
    ("296-1234-2-ND", "digikey", "2961234"),
    ("296-1234-6-ND", None, "2961234"),
    ("296-1411-5-ND", None, "2961411"),
    ("296-2058-ND", None, "2962058"),
    ("LM358NFS-ND", None, "LM358NFS"),
    ("ATMEGA328PB-AU-ND", None, "ATMEGA328PBAU"),
    ("1909763-1-ND", None, "19097631"),  # TE's "-1" is part of the MPN
    ("ADXL335BCPZ-RL7CT-ND", None, "ADXL335BCPZ"),
    ("LM386MX-1/NOPBCT-ND", None, "LM386MX1"),
    ("MAX3490EESA+-ND", None, "MAX3490EESA"),
    ("PIC16F690-I/P-ND", None, "PIC16F690IP"),
    # MaxLinear/Exar, ST
    ("SP3485EN-L/TR", None, "SP3485ENL"),
    ("L7805CD2T-TR", None, "L7805CD2T"),
    ("STM32F407VGT6TR", "st", "STM32F407VGT6"),
    ("STM32F407VGT6TR", None, "STM32F407VGT6TR"),
    # no suffix, or nothing but a suffix
    ("STM32F407VGT6", None, "STM32F407VGT6"),
    ("+T", None, "T"),
    ("-ND", None, "ND"),
    ("", None, ""),
]


@pytest.mark.parametrize(("mpn", "family", "expected"), BASE_CASES)
def test_base(mpn, family, expected):
    assert base(mpn, family) == expected
    assert base(expected, family) == expected


@pytest.mark.parametrize("rule", SUFFIX_RULES, ids=lambda rule: f"{rule.family}:{rule.label}")
def test_every_rule_example(rule: SuffixRule):
    assert rule.family in FAMILIES
    assert base(rule.example, rule.family) == rule.expected
    assert norm(rule.example) != rule.expected, "the example must exercise the rule"
    if rule.cued:
        assert base(rule.example) == rule.expected, "cued rules apply whatever the family"
    else:
        assert base(rule.example) == norm(rule.example), "uncued rules need their family"
        assert re.fullmatch(r"[A-Z0-9]*", rule.example), "uncued examples carry no punctuation"


@pytest.mark.parametrize("rule", [r for r in SUFFIX_RULES if r.cued], ids=lambda r: r.label)
def test_cued_rule_examples_remove_punctuation(rule: SuffixRule):
    removed = re.search(rule.suffix, rule.example.upper()).group()
    assert re.search(r"[^A-Z0-9]", removed)


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=20))
def test_cued_rules_never_match_without_punctuation(text):
    """Why cued rules are safe for every family, and why base() is idempotent."""
    for rule in SUFFIX_RULES:
        if rule.cued:
            assert re.search(rule.suffix, text) is None


def test_families_and_rules_are_exported():
    assert {"maxim", "linear", "adi", "infineon", "ti", "nxp", "microchip", "digikey"} <= FAMILIES
    assert isinstance(FAMILIES, frozenset)
    assert isinstance(SUFFIX_RULES, tuple)
    assert {rule.family for rule in SUFFIX_RULES} <= FAMILIES


def test_base_rejects_unknown_family():
    with pytest.raises(ValueError, match="unknown part-number family 'xilinx'"):
        base("XC7A35T", "xilinx")


# --------------------------------------------------------------------------- fold

FOLD_EQUAL = [
    ("STM32F4O7VGT6", "STM32F407VGT6"),
    ("5N74HC595N", "SN74HC595N"),
    ("LM1117", "LMI117"),
    ("LM1117", "LML117"),
    ("AD8605", "A08605"),
    ("AQ8605", "AD8605"),
    ("BAS16", "8A516"),
    ("Z80", "280"),
    ("G6", "66"),
    ("UV", "VU"),
    ("stm32f4o7vgt6", "STM32F407VGT6"),
    ("МАХ3490", "MAX349O"),
]
FOLD_DIFFERENT = [("MAX3490", "MAX3491"), ("LM358", "LM385"), ("TL072", "TL074"), ("A", "H")]


@pytest.mark.parametrize(("left", "right"), FOLD_EQUAL)
def test_fold_merges_ocr_lookalikes(left, right):
    assert fold(left) == fold(right)


@pytest.mark.parametrize(("left", "right"), FOLD_DIFFERENT)
def test_fold_keeps_real_differences(left, right):
    assert fold(left) != fold(right)


def test_fold_representatives():
    assert fold("ODQ ILS BZG UV") == "000" + "115" + "826" + "UU"
    assert fold("0125 86") == "012586"


# --------------------------------------------------------------------------- name_key

LEGAL_FORMS = [
    "Inc", "Inc.", "Incorporated", "Corp", "Corp.", "Corporation", "Co", "Co.", "Company",
    "Ltd", "Ltd.", "Limited", "GmbH", "LLC", "L.L.C.", "AG", "S.A.", "S. A.", "SA", "SAS",
    "BV", "B.V.", "NV", "N.V.", "PLC", "KK", "Oy", "AB", "SpA", "S.p.A.", "Srl", "Pte", "Pty",
    "LLP", "Co., Ltd.", "Co.,Ltd.", "Co. Ltd", "Pte. Ltd.", "Pty Ltd", "GmbH & Co. KG", "A/S",
    "ASA", "OOO", "AO", "ZAO", "OAO", "PAO", "JSC", "CJSC", "OJSC", "PJSC", "ООО", "АО",
]  # fmt: skip


@pytest.mark.parametrize("form", LEGAL_FORMS)
def test_name_key_drops_trailing_legal_form(form):
    assert name_key(f"Acme Widgets {form}") == "acme widgets"
    assert name_key(f"Acme Widgets, {form}") == "acme widgets"
    assert name_key(f"Acme Widgets {form} (Beta Holdings {form})") == "acme widgets beta holdings"


@pytest.mark.parametrize("form", ["OOO", "AO", "ZAO", "OAO", "PAO", "JSC", "CJSC", "OJSC", "PJSC"])
def test_name_key_drops_leading_russian_legal_form(form):
    assert name_key(f"{form} Acme") == "acme"
    assert name_key(f'{form} "Acme"') == "acme"


NAME_KEY_CASES = [
    ("Texas Instruments Inc.", "texas instruments"),
    ("ON Semiconductor Corp.", "on semiconductor"),
    ("TEXAS   INSTRUMENTS,  INC.", "texas instruments"),
    ("Texas I", "texas i"),
    ("Alpha & Omega Semiconductor Inc.", "alpha and omega semiconductor"),
    ("DM&P Electronics", "dm and p electronics"),
    ("Würth Elektronik GmbH & Co. KG", "wurth elektronik"),
    ("Société Générale S.A.", "societe generale"),
    ("Sankyo Shoji (H.K.) Limited", "sankyo shoji hk"),
    ("Xilinx Inc. (AMD)", "xilinx amd"),
    ("Axsem AG (ON Semiconductor)", "axsem on semiconductor"),
    ("Mile Haoxiang Technology Co., Ltd. (DLE)", "mile haoxiang technology dle"),
    ("Xi'an UnilC Semiconductors Co., Ltd.", "xian unilc semiconductors"),
    ("Fathi Mohammed QAR'AWI", "fathi mohammed qarawi"),
    ("M/A-Com Technology Solutions", "m a com technology solutions"),
    ("3M", "3m"),
    # legal-form words inside a name, or as part of a word, stay
    ("Agco", "agco"),
    ("Company Store Electronics", "company store electronics"),
    ("AB Electronics Ltd", "ab electronics"),
    ("ECS Inc. International", "ecs inc international"),
    # Cyrillic: transliterated; look-alikes inside Latin words read as Latin
    ("АО Радиант", "radiant"),
    ("ООО АЭК", "aek"),
    ("ОАО «Интеграл»", "integral"),
    ("АО ДЕЛЬТА-С", "delta s"),
    ("СКБ Запад", "skb zapad"),
    ("Ереванский релейный завод", "erevanskiy releynyy zavod"),
    ("Радіореле", "radiorele"),
    ("Щёлковский ЖЮЯ", "shchelkovskiy zhyuya"),
    ("ТОВ Їжак Ґанок Єва", "yizhak ganok yeva"),
    ("LATTEPANDA Сomp.", "lattepanda comp"),  # Cyrillic С
    ("Peak Еlectronics", "peak electronics"),  # Cyrillic Е
    ("АМС Technology", "amc technology"),  # all look-alikes, in a Latin name
    ("AKTSIONERNOE OBSHCHESTVO ROSSISKI BANK", "rossiski bank"),
    ("MSP BANK AO", "msp bank"),
    # nothing but a legal form: its words; no words at all: the stripped input
    ("Inc.", "inc"),
    ("Co., Ltd.", "co ltd"),
    ("  ---  ", "---"),
    ("", ""),
]


@pytest.mark.parametrize(("name", "expected"), NAME_KEY_CASES)
def test_name_key(name, expected):
    assert name_key(name) == expected
    assert name_key(expected) == expected


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Peak Еlectronics", "Peak Electronics"),
        ("Würth Elektronik", "Wurth Elektronik"),
        ("Alpha & Omega Semiconductor Inc.", "Alpha and Omega Semiconductor"),
        ("TNK Trading International S.A.", "TNK TRADING INTERNATIONAL"),
        ("JSC SME BANK", "SME Bank"),
        ("Maxim Integrated Products, Inc.", "MAXIM INTEGRATED PRODUCTS"),
        ("Analog Devices Inc.", "Analog Devices"),
    ],
)
def test_name_key_equal_spellings(left, right):
    assert name_key(left) == name_key(right)


# --------------------------------------------------------------------------- split_brand_owner

SPLIT_CASES = [
    (
        "Maxim Integrated Products (Analog Devices)",
        ("Maxim Integrated Products", ["Analog Devices"]),
    ),
    (
        "Spansion (Cypress Semiconductor, Infineon Technologies)",
        ("Spansion", ["Cypress Semiconductor", "Infineon Technologies"]),
    ),
    ("ON Semiconductor (ONSEMI)", ("ON Semiconductor", ["ONSEMI"])),
    ("ADI/MAXIM", ("ADI", ["MAXIM"])),
    ("AMD/XILINX", ("AMD", ["XILINX"])),
    ("Mile Haoxiang Technology Co., Ltd. (DLE)", ("Mile Haoxiang Technology Co., Ltd.", ["DLE"])),
    (
        "Linear Technology Corporation (Analog Devices)",
        ("Linear Technology Corporation", ["Analog Devices"]),
    ),
    ("Xilinx Inc. (AMD)", ("Xilinx Inc.", ["AMD"])),
    ("Wolfspeed, Inc. (Cree, Inc.)", ("Wolfspeed, Inc.", ["Cree, Inc."])),
    (
        "Jiashan Jinchang Electron (Zhejiang JC Antenna Co., Ltd)",
        ("Jiashan Jinchang Electron", ["Zhejiang JC Antenna Co., Ltd"]),
    ),
    (
        "Adesto Technologies (Dialog Semiconductor - Renesas Electronics)",
        ("Adesto Technologies", ["Dialog Semiconductor", "Renesas Electronics"]),
    ),
    ("Linear Technology/Analog Devices", ("Linear Technology", ["Analog Devices"])),
    ("Baoter XCHC Electron / Bourns", ("Baoter XCHC Electron", ["Bourns"])),
    ("ADI/MAXIM (Analog Devices)", ("ADI", ["MAXIM", "Analog Devices"])),
    ("  Texas Instruments  ", ("Texas Instruments", [])),
    # no brand/owner structure
    ("Sankyo Shoji (H.K.) Limited", ("Sankyo Shoji (H.K.) Limited", [])),
    (
        "Jiukai Special Cable (Shanghai) Co., Ltd.",
        ("Jiukai Special Cable (Shanghai) Co., Ltd.", []),
    ),
    ("M/A-Com Technology Solutions", ("M/A-Com Technology Solutions", [])),
    ("Lumex Opto/Components Inc.", ("Lumex Opto/Components Inc.", [])),
    ("Danfoss A/S", ("Danfoss A/S", [])),
    ("I/O Magic", ("I/O Magic", [])),
    ("Acme ()", ("Acme ()", [])),
    ("(Analog Devices)", ("(Analog Devices)", [])),
    ("", ("", [])),
]


@pytest.mark.parametrize(("name", "expected"), SPLIT_CASES)
def test_split_brand_owner(name, expected):
    assert split_brand_owner(name) == expected


# --------------------------------------------------------------------------- real data


def _data_dir() -> Path:
    default = Path(__file__).resolve().parents[3] / "shared" / "data"
    return Path(os.environ.get("SHARED_DATA_DIR") or default)


def _column(filename: str, *columns: str) -> list[str]:
    path = _data_dir() / filename
    if not path.exists():
        pytest.skip(f"shared data file {path} is not present")
    with path.open(encoding="utf-8", newline="") as handle:
        values = {row[column] for row in csv.DictReader(handle) for column in columns}
    return sorted(value for value in values if value)


def _organisation_names() -> list[str]:
    names = _column("gur-components-dev.csv", "manufacturer")
    assert len(names) == 326
    names += _column("digikey-parts.csv", "manufacturer")
    for value in _column("csl-sample.csv", "name", "alt_names"):
        names.extend(part for part in value.split("; ") if part)
    return names


def test_every_real_organisation_name():
    for name in _organisation_names():
        key = name_key(name)
        assert key, name
        assert key == key.strip() and "  " not in key, name
        assert key == key.casefold(), name
        assert name_key(key) == key, name
        assert not re.search(r"[\u0400-\u04ff]", key), f"Cyrillic left in {key!r}"
        brand, others = split_brand_owner(name)
        assert brand and all(others), name
        assert split_brand_owner(brand)[0] == brand, name
        for part in (brand, *others):
            assert name_key(part), name


def test_real_names_resolve_to_their_owner_spellings():
    names = set(_column("gur-components-dev.csv", "manufacturer"))
    keys = {}
    for name in names:
        brand, others = split_brand_owner(name)
        keys[name] = (name_key(brand), [name_key(other) for other in others])
    assert keys["Maxim Integrated Products (Analog Devices)"] == (
        "maxim integrated products",
        ["analog devices"],
    )
    assert keys["Xilinx Inc. (AMD)"] == ("xilinx", ["amd"])
    assert keys["Linear Technology Corporation (Analog Devices)"][1] == [name_key("Analog Devices")]
    assert keys["Atmel (Microchip Technology)"][1] == [name_key("Microchip Technology Inc.")]
    assert keys["Burr-Brown Corporation (Texas Instruments)"] == (
        "burr brown",
        ["texas instruments"],
    )
    assert keys["АО ДЕЛЬТА-С"] == ("delta s", [])


def test_every_real_part_number_and_marking():
    values = _column("digikey-parts.csv", "mpn", "distributor_sku")
    values += _column("gur-components-dev.csv", "name_marking", "oem_part_number")
    assert len(values) > 2000
    for value in values:
        normed = norm(value)
        assert re.fullmatch(r"[A-Z0-9]*", normed), value
        assert norm(normed) == normed, value
        assert fold(value) == fold(normed) == fold(fold(value)), value
        for family in (None, *FAMILIES):
            stripped = base(value, family)
            assert base(stripped, family) == stripped, (value, family)
            assert norm(stripped) == stripped, (value, family)
            assert normed.startswith(stripped), (value, family)


def test_digikey_skus_lose_their_order_code():
    skus = _column("digikey-parts.csv", "distributor_sku")
    assert all(not base(sku).endswith("ND") for sku in skus if sku.endswith("-ND"))


# --------------------------------------------------------------------------- properties

LOOKALIKES = {
    "A": "АΑ", "B": "ВΒ", "C": "С", "E": "ЕΕ", "H": "НΗ", "I": "ІΙ", "J": "Ј", "K": "КΚ",
    "M": "МΜ", "N": "Ν", "O": "ОΟ", "P": "РΡ", "S": "Ѕ", "T": "ТΤ", "X": "ХΧ", "Y": "УΥ",
    "Z": "Ζ", "a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у",
    "i": "і", "j": "ј", "s": "ѕ", "k": "к", "m": "м", "h": "н", "t": "т", "b": "в",
}  # fmt: skip

part_numbers = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 +#-/,.&", max_size=30
)
families = st.sampled_from([None, "", *sorted(FAMILIES)])
suffixes = st.sampled_from(
    ["", "+", "+T", "#PBF", "#TRPBF", "-REEL7", "-RL", "/NOPB", ",118", "-ND", "-1-ND", "TRPBF"]
)


@given(st.text())
def test_norm_properties(text):
    normed = norm(text)
    assert re.fullmatch(r"[A-Z0-9]*", normed)
    assert norm(normed) == normed
    assert fold(normed) == fold(text)
    assert fold(fold(text)) == fold(text)


@given(st.text(), families)
def test_base_properties_any_text(text, family):
    stripped = base(text, family)
    assert base(stripped, family) == stripped
    assert norm(stripped) == stripped
    assert norm(text).startswith(stripped)


@given(part_numbers, suffixes, families)
def test_base_properties_part_numbers(stem, suffix, family):
    mpn = stem + suffix
    stripped = base(mpn, family)
    assert base(stripped, family) == stripped
    assert norm(mpn).startswith(stripped)


@given(st.data(), st.text(alphabet="".join(LOOKALIKES) + "0123456789 -", max_size=30))
def test_lookalike_substitution_never_changes_norm(data, latin):
    mixed = "".join(
        data.draw(st.sampled_from(LOOKALIKES[ch])) if ch in LOOKALIKES and data.draw(st.booleans())
        else ch
        for ch in latin
    )  # fmt: skip
    assert norm(mixed) == norm(latin)
    assert fold(mixed) == fold(latin)


@settings(max_examples=300)
@given(st.text())
def test_name_key_properties(name):
    key = name_key(name)
    assert name_key(key) == key
    assert key == key.strip()
    assert "  " not in key
    assert bool(key) == bool(name.strip())


NAME_PIECES = [
    "Acme", "Радиант", "Сomp", "Inc", "Co.", "Ltd", "GmbH", "&", "and", "co", "KG", "S", "A",
    "S.A.", "A/S", "H.K.", "АО", "ООО", "JSC", "(", ")", ",", "/", "-", "'", ".", "Һ", "ѐ", "ß",
]  # fmt: skip
structured_names = st.lists(st.sampled_from(NAME_PIECES), max_size=10).flatmap(
    lambda pieces: st.sampled_from([" ".join(pieces), "".join(pieces)])
)


@settings(max_examples=300)
@given(structured_names)
def test_name_key_properties_on_name_like_text(name):
    key = name_key(name)
    assert name_key(key) == key
    assert bool(key) == bool(name.strip())
    brand, others = split_brand_owner(name)
    assert brand == brand.strip()
    assert all(other and other == other.strip() for other in others)


@given(st.text())
def test_split_brand_owner_never_fails(name):
    brand, others = split_brand_owner(name)
    assert isinstance(brand, str) and isinstance(others, list)
    assert all(other and other == other.strip() for other in others)
