"""Date-code decoding: every rule, week edges, decade ambiguity, export-control flags."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.resolver.datecodes import (
    EXPORT_CONTROLS_DATE,
    DateDecoding,
    best,
    decode,
    envelope,
    manufacturer_family,
)

REF = date(2026, 6, 1)


def rules(decodings: list[DateDecoding]) -> list[str]:
    return [d.rule for d in decodings]


# --------------------------------------------------------------------------- YYWW


def test_yyww_reads_year_and_week_as_a_range_covering_every_week_convention():
    (reading,) = decode("2245", reference=REF)
    assert reading.rule == "YYWW"
    iso_monday = date.fromisocalendar(2022, 45, 1)
    assert reading.start <= iso_monday and iso_monday + timedelta(days=6) <= reading.end
    assert reading.start == date(2022, 10, 30)  # "week 1 holds 1 January", Sunday start
    assert reading.end == date(2022, 11, 13)  # ISO week 45 ends on Sunday 13 November
    assert reading.after_export_controls and not reading.possibly_after
    assert "2022" in reading.explanation and "week 45" in reading.explanation


def test_yyww_nineties_and_earliest_year():
    assert decode("9912", reference=REF)[0].start.year == 1999
    assert decode("9001", reference=REF)[0].end.year == 1990
    assert decode("8912", reference=REF) == []  # 1989: before the earliest year read


@pytest.mark.parametrize("code", ["2200", "2254", "2299", "0000", "#2200", "#2254", "2200A"])
def test_week_00_and_54_and_above_are_rejected(code):
    assert decode(code, reference=REF) == []


def test_week_53_in_a_year_without_iso_week_53_is_the_last_days_of_december():
    (reading,) = decode("2253", reference=REF)
    assert (reading.start, reading.end) == (date(2022, 12, 25), date(2022, 12, 31))


def test_week_53_in_an_iso_long_year_reaches_into_january():
    (reading,) = decode("2053", reference=REF)
    assert reading.start == date(2020, 12, 27)
    assert reading.end == date(2021, 1, 3)  # ISO 2020-W53 is 28 Dec 2020 - 3 Jan 2021


def test_future_codes_decode_to_nothing_and_the_current_week_is_cut_at_the_reference():
    assert decode("2530", reference=date(2024, 1, 1)) == []
    (reading,) = decode("2410", reference=date(2024, 3, 5))
    assert reading.end == date(2024, 3, 5)
    assert "cut at the reference date" in reading.explanation


def test_reference_defaults_to_today():
    last_year = (date.today().year - 1) % 100
    assert decode(f"{last_year:02d}20")
    next_year = (date.today().year + 1) % 100
    assert decode(f"{next_year:02d}20") == []


def test_yywwx_suffixes():
    assert rules(decode("2245A", reference=REF)) == ["YYWWx"]
    assert decode("1417MY", reference=REF)[0].start.year == 2014
    assert decode("2118A3", reference=REF)[0].rule == "YYWWx"
    assert decode("2132LF", reference=REF)[0].start.year == 2021


# --------------------------------------------------------------------------- one-digit years


def test_yww_gives_one_reading_per_plausible_decade_newest_first():
    readings = decode("233", reference=REF)
    yww = [d for d in readings if d.rule == "YWW"]
    assert [d.start.year for d in yww] == [2022, 2012, 2002]
    assert [d.confidence for d in yww] == sorted((d.confidence for d in yww), reverse=True)
    assert all("week 33" in d.explanation for d in yww)


def test_yww_decade_in_the_future_is_dropped_and_the_window_is_30_years():
    yww = [d for d in decode("333", reference=date(2023, 6, 1)) if d.rule == "YWW"]
    assert [d.start.year for d in yww] == [2013, 2003]  # 2023 week 33 is after June 2023
    window = [d for d in decode("522", reference=date(2026, 1, 1)) if d.rule == "YWW"]
    assert [d.start.year for d in window] == [2025, 2015, 2005]  # not 1995: > 30 years


def test_best_takes_the_most_recent_decade_and_envelope_spans_all():
    readings = decode("233", reference=REF)
    assert best(readings).start.year == 2022
    first, last = envelope(readings)
    assert first.year == 2002 and last.year == 2022
    assert best([]) is None and envelope([]) is None


def test_best_prefers_a_confident_week_over_a_month():
    readings = decode("323", reference=REF)  # YWW (week) and TI-style YMS (month)
    assert {"YWW", "TI-YMS"} <= set(rules(readings))
    chosen = best(readings)
    assert chosen.rule == "YWW" and chosen.days <= 15


# --------------------------------------------------------------------------- TI


def test_ti_ym_two_characters_needs_the_ti_hint():
    assert decode("91", reference=REF) == []
    readings = decode("91", "Texas Instruments", reference=REF)
    assert rules(readings) == ["TI-YM"] * 3
    assert [(d.start, d.end) for d in readings][0] == (date(2019, 1, 1), date(2019, 1, 31))
    assert [d.start.year for d in readings] == [2019, 2009, 1999]


@pytest.mark.parametrize(
    ("code", "month", "last_day"),
    [("8A", 10, 31), ("8B", 11, 30), ("8C", 12, 31), ("89", 9, 30)],
)
def test_ti_month_characters(code, month, last_day):
    reading = decode(code, "ti", reference=REF)[0]
    assert (reading.start, reading.end) == (date(2018, month, 1), date(2018, month, last_day))


def test_ti_yms_with_site_letter_and_green_suffix():
    readings = decode("2CT", reference=REF)
    assert rules(readings) == ["TI-YMS"] * 3
    assert (readings[0].start, readings[0].end) == (date(2022, 12, 1), date(2022, 12, 31))
    assert decode("06KG4", reference=REF)[0].start == date(2020, 6, 1)
    assert (
        decode("28M", "Texas Instruments", reference=REF)[0].confidence
        > decode("28M", reference=REF)[0].confidence
    )


def test_ti_digit_site_reading_is_weak():
    readings = decode("274", reference=REF)
    assert rules(readings) == ["TI-YMS"] * 3  # week 74 does not exist: no YWW reading
    assert readings[0].start == date(2022, 7, 1)
    assert readings[0].confidence < 0.5


def test_ti_lot_trace_code_needs_the_hint():
    assert decode("86AEX5U", reference=REF) == []
    reading = decode("86AEX5U", "Texas Instruments", reference=REF)[0]
    assert reading.rule == "TI-YMLLLLS"
    assert (reading.start, reading.end) == (date(2018, 6, 1), date(2018, 6, 30))


# --------------------------------------------------------------------------- makers


def test_adi_hash_date_codes():
    (reading,) = decode("#2135", reference=REF)
    assert reading.rule == "adi-#YYWW" and reading.confidence >= 0.9
    assert reading.code == "#2135"
    assert not reading.after_export_controls and not reading.possibly_after
    assert rules(decode("#527", reference=REF)) == ["adi-#YWW"] * 3
    assert decode(" #2216 ", reference=REF)[0].start.year == 2022


def test_microchip_formats_need_the_hint():
    assert decode("07281L7", reference=REF) == []
    assert decode("07281L7", "Microchip Technology Inc.", reference=REF)[0].rule == (
        "microchip-YYWWNNN"
    )
    assert decode("SN1629", "Atmel (Microchip Technology)", reference=REF)[0].start.year == 2016
    assert decode("COA0215", "microchip", reference=REF)[0].rule == "microchip-XXYYWW"
    small = decode("215025", "microchip", reference=REF)
    assert rules(small) == ["microchip-YWWNNN"] * 3
    assert decode("LT1013", reference=REF) == []  # a part number, not "LT, 2010 week 13"


def test_xilinx_package_line_carries_the_date_code():
    (reading,) = decode("PQ208AGQ0525", reference=REF)  # Xilinx DS312 example
    assert reading.rule == "xilinx-YYWW" and reading.start.year == 2005
    assert decode("FGG456EGq1501", reference=REF)[0].end.year == 2015
    assert decode("VQ44DMN1925", "Xilinx Inc. (AMD)", reference=REF)[0].confidence > 0.85


def test_intel_fpga_date_code_needs_the_hint():
    assert decode("CAAAF2043E", reference=REF) == []
    reading = decode("CAAAF2043E", "Altera Corporation (Intel)", reference=REF)[0]
    assert reading.rule == "intel-fpga-YYWW" and reading.start.year == 2020


def test_st_formats():
    assert rules(decode("233", "STMicroelectronics", reference=REF))[:3] == ["st-YWW"] * 3
    assert rules(decode("725A", reference=REF)) == ["st-YWWR"] * 3


def test_origin_prefix_before_yyww():
    (reading,) = decode("TWN2019", reference=REF)
    assert reading.rule == "origin-YYWW" and reading.start.year == 2020
    assert decode("ABC2019", reference=REF) == []  # not a country of assembly


def test_hint_of_another_maker_lowers_confidence():
    plain = decode("#2135", reference=REF)[0].confidence
    assert decode("#2135", "Texas Instruments", reference=REF)[0].confidence < plain
    assert decode("#2135", "Analog Devices", reference=REF)[0].confidence >= plain


@pytest.mark.parametrize(
    ("hint", "family"),
    [
        ("Texas Instruments", "ti"),
        ("National Semiconductor (Texas Instruments)", "ti"),
        ("Maxim Integrated Products (Analog Devices)", "adi"),
        ("Linear Technology Corporation (Analog Devices)", "adi"),
        ("maxim", "adi"),
        ("Atmel (Microchip Technology)", "microchip"),
        ("Xilinx Inc. (AMD)", "xilinx"),
        ("Altera Corporation (Intel)", "intel-fpga"),
        ("STMicroelectronics", "st"),
        ("ST", "st"),
        ("Bosch", None),
        ("", None),
        (None, None),
    ],
)
def test_manufacturer_family(hint, family):
    assert manufacturer_family(hint) == family


# --------------------------------------------------------------------------- export controls


@pytest.mark.parametrize(
    ("code", "after", "possibly"),
    [
        ("2206", False, False),  # 30 Jan - 13 Feb 2022
        ("2208", False, True),  # 13 - 27 Feb 2022: straddles 24 Feb
        ("2210", True, False),  # 27 Feb - 13 Mar 2022
        ("2152", False, False),
        ("2301", True, False),
        ("22K", False, True),  # TI: February 2022, the whole month
    ],
)
def test_export_control_flags_on_both_sides_of_24_february_2022(code, after, possibly):
    reading = decode(code, reference=REF)[0]
    assert (reading.after_export_controls, reading.possibly_after) == (after, possibly)
    assert ("wholly after" in reading.explanation) == after
    assert ("may be before or after" in reading.explanation) == possibly


# --------------------------------------------------------------------------- robustness


@pytest.mark.parametrize("junk", ["", " ", "#", "##", "x" * 1000, "2245" * 10, "\x00", "😀"])
def test_unreadable_input_gives_nothing(junk):
    assert decode(junk, reference=REF) == []


def test_non_string_gives_nothing():
    assert decode(None) == []  # type: ignore[arg-type]
    assert decode(2245) == []  # type: ignore[arg-type]


def test_cyrillic_look_alikes_are_read():
    assert decode("2СТ", reference=REF)[0].rule == "TI-YMS"  # Cyrillic С and Т


REFERENCES = st.dates(min_value=date(1980, 1, 1), max_value=date(2200, 12, 31))
HINTS = st.one_of(
    st.none(),
    st.sampled_from(["ti", "Analog Devices", "Microchip", "Xilinx", "Altera", "ST", "?"]),
    st.text(max_size=20),
)


def _check(reading: DateDecoding, reference: date) -> None:
    assert reading.start <= reading.end <= reference
    assert reading.start.year >= 1990 - 1  # week 1 of 1990 may start in December 1989
    assert reading.after_export_controls == (reading.start > EXPORT_CONTROLS_DATE)
    assert reading.possibly_after == (reading.start <= EXPORT_CONTROLS_DATE < reading.end)
    assert not (reading.after_export_controls and reading.possibly_after)
    assert 0 < reading.confidence <= 1
    assert reading.explanation


@given(st.text(max_size=40), HINTS, REFERENCES)
def test_decode_never_raises_and_ranges_are_consistent(token, hint, reference):
    for reading in decode(token, hint, reference):
        _check(reading, reference)


CODE_ALPHABET = st.sampled_from("0123456789ABCKMTG#")


@given(st.text(CODE_ALPHABET, min_size=2, max_size=10), HINTS, REFERENCES)
def test_code_like_tokens_decode_consistently(token, hint, reference):
    readings = decode(token, hint, reference)
    for reading in readings:
        _check(reading, reference)
    if readings:
        assert best(readings) in readings
        first, last = envelope(readings)
        assert all(first <= r.start and r.end <= last for r in readings)


@given(st.integers(min_value=1990, max_value=2025), st.integers(min_value=1, max_value=52))
def test_yyww_range_holds_the_iso_week(year, week):
    readings = decode(f"{year % 100:02d}{week:02d}", reference=date(2026, 1, 1))
    assert rules(readings) == ["YYWW"]
    thursday = date.fromisocalendar(year, week, 4)
    assert readings[0].start <= thursday <= readings[0].end
    assert 7 <= readings[0].days <= 15
