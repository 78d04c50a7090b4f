"""Marking tokenizer: the issue's examples, real GUR rows, joins, bad input, properties.

The marking texts below are rows of ``../shared/data/gur-components-dev.csv`` (HUR/GUR
"War & Sanctions" portal via the Awesome Drone Warfare OSINT dataset, CC BY 4.0) or the
examples quoted in the resolver issue.
"""

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.normalize import norm
from catalog.resolver import datecodes
from catalog.resolver.tokenize import (
    MAX_CHARS,
    MAX_PART_CANDIDATES,
    MAX_TOKENS,
    Tokenized,
    is_description_word,
    tokenize,
)
from catalog.resolver.vocabulary import NOT_DESCRIPTIVE, WORDS_FILE, collect

REF = date(2026, 6, 13)


def run(text: str) -> Tokenized:
    return tokenize(text, reference=REF)


# (text, first part candidate, also expected among part candidates, date codes, lots, words)
CASES = [
    # --- the examples
    ("Transceiver МАХ3490", "MAX3490", (), (), (), ("Transceiver",)),
    ("Diode В540", "B540", (), (), (), ("Diode",)),
    (
        "Secondary operational supporter LM258 274 ZD0XG3",
        "LM258",
        (),
        ("274",),
        ("ZD0XG3",),
        ("Secondary", "operational", "supporter"),
    ),
    ("Frequency synthesizer ADF 4110B 323", "ADF4110B", ("4110B",), ("323",), (), ("Frequency",)),
    (
        "Dual N-channel MOSFET IRF7103TRPBF",
        "IRF7103TRPBF",
        (),
        (),
        (),
        ("Dual", "N-channel", "MOSFET"),
    ),
    ("Chip OAL 67J P8K4", "OAL", ("67J",), ("67J",), ("P8K4",), ("Chip",)),
    (
        "Integrated satellite navigation receiver NV08C-CSM V4.1 1215",
        "NV08CCSM",
        ("NV08C",),
        ("1215",),
        (),
        ("navigation", "V4.1"),
    ),
    (
        "12-bit analog-to-digital converter AD7450BRZ",
        "AD7450BRZ",
        (),
        (),
        (),
        ("12-bit", "analog-to-digital", "converter"),
    ),
    ("LT1013\nACN8", "LT1013", ("LT1013ACN8",), (), (), ()),
    ("LT1013 / ACN8", "LT1013", ("LT1013ACN8",), (), (), ()),
    ("STM32F4O7VGT6", "STM32F4O7VGT6", (), (), (), ()),
    ("5N74HC595N", "5N74HC595N", (), (), (), ()),
    # --- real rows of the GUR file
    ("RS-232 line driver and receiver MAX3221 107", "MAX3221", (), ("107",), (), ("RS-232",)),
    (
        "High-speed two-channel transceiver ADM3202 ARNZ #2135",
        "ADM3202ARNZ",
        ("ADM3202",),
        ("#2135",),
        (),
        ("High-speed", "two-channel"),
    ),
    ("Analogue comparator MAX 999EUK+", "MAX999EUK", (), (), (), ("Analogue",)),
    ("Power management chip ADM 709", "ADM709", (), ("709",), (), ("Power",)),
    (
        "Microcontroller GD32F103 TBU6 GDQN566 DJ2132 GD ARM",
        "GD32F103TBU6",
        ("GD32F103",),
        (),
        ("GDQN566",),
        ("ARM",),
    ),
    (
        "Quad SPST CMOS analog switch MAX331 ESA 730",
        "MAX331ESA",
        ("MAX331",),
        ("730",),
        (),
        ("SPST",),
    ),
    ("PWM controller MAX1715 EEI 1936", "MAX1715EEI", ("MAX1715",), ("1936",), (), ("PWM",)),
    (
        "3.3V CAN bus transceiver VP230 28M AOG9 G4",
        "VP230",
        (),
        ("28M",),
        ("AOG9",),
        ("3.3V", "CAN"),
    ),
    (
        "Programmable logic integrated circuit on the Virtex-II FPGA platform "
        "XC2V500  FG256AFT1441 D5032013A 5I",
        "XC2V500",
        (),
        ("FG256AFT1441",),
        ("D5032013A",),
        ("FPGA", "Virtex-II"),
    ),
    (
        "Charge meter interface and digital battery management MAХ1660ЕЕЕ 345",
        "MAX1660EEE",
        (),
        ("345",),
        (),
        ("battery",),
    ),
    ("Microcontroller STM32 F100CBT6Q48", "STM32F100CBT6Q48", ("STM32",), (), (), ()),
    ("Relay РЕС49", "PEC49", (), (), (), ("Relay",)),
    ("Frequency synthesizer ADF 4112 BRUZ", "ADF4112BRUZ", ("ADF4112",), (), (), ()),
    ("Microcircuit ЦАП AD9717", "AD9717", (), (), (), ("Microcircuit", "ЦАП")),
    ("Transceiver MAX 490 ESA", "MAX490ESA", ("MAX490",), (), (), ()),
    ("Chip SX 1276", "SX1276", (), (), (), ("Chip",)),
    ("Radio frequency mixer AD 6636 CBCZ", "AD6636CBCZ", ("AD6636",), (), (), ()),
    (
        "Serial Port Transceivers ADM 3315EA  #2216",
        "ADM3315EA",
        (),
        ("#2216",),
        (),
        ("Transceivers",),
    ),
    ("Microcircuit ATMEGA 2560", "ATMEGA2560", (), (), (), ()),
    ("ATmega 324", "ATMEGA324", (), ("324",), (), ()),
    ("Linear amplifier 33N7, LM, 2904M", "LM2904M", (), (), (), ("Linear",)),
    ("microcircuit 74HCT 4066D", "74HCT4066D", (), (), (), ()),
    ("Permanent memory device LC 244 A", "LC244A", ("LC244",), ("244",), (), ()),
    (
        "High performance clock generator Si 5338 A OCS0C8 1504",
        "SI5338A",
        ("SI5338",),
        ("1504",),
        ("OCS0C8",),
        ("clock",),
    ),
    (
        "14-bit analog-to-digital converter AD9243ASZ #1719 38335315.1",
        "AD9243ASZ",
        (),
        ("#1719",),
        ("383353151",),
        ("14-bit",),
    ),
    (
        "PLD XILINX® SPARTAN®-6 XC6SLX16™ FTG256DIV2017 D5891797A 3I TAIWAN",
        "XC6SLX16",
        (),
        ("FTG256DIV2017",),
        ("D5891797A",),
        ("PLD", "TAIWAN"),
    ),
    (
        "Microcontroller STM32F405  RGT6  7B29N  VG  PHL  7B  233  (D15)",
        "STM32F405RGT6",
        ("STM32F405",),
        ("233",),
        ("7B29N",),
        ("PHL",),
    ),
    (
        "Voltage stabilization chip 0.5V to 3.4V 4A 16pin MAX8556ETE415 +BTES",
        "MAX8556ETE415",
        (),
        (),
        ("BTES",),
        ("0.5V", "3.4V", "4A", "16pin"),
    ),
    (
        "DC-DC converter 36V to 15V, 5A LTM4612V mModule N36082 e4 1343MY",
        "LTM4612V",
        (),
        ("1343MY",),
        ("N36082",),
        ("DC-DC", "mModule", "e4"),
    ),
    ("Microcontroller 10F202 I/P Q8J 1636", "10F202IP", ("10F202",), ("1636",), ("Q8J",), ()),
    (
        "Multichannel driver/receiver of RS-232 line MB3238Q 14T G4 C6H3",
        "MB3238Q",
        (),
        ("14T",),
        ("C6H3",),
        ("driver/receiver",),
    ),
    (
        "GNSS module NEO-M8N based on the receiver M8030-KT M8030-KT 83000A 08109973 2118A3",
        "M8030KT",
        ("NEOM8N",),
        ("2118A3",),
        ("08109973",),
        ("GNSS",),
    ),
    (
        "Main memory CY7C1381KV33 133AXI TWN2019 K 33 618251",
        "CY7C1381KV33133AXI",
        ("CY7C1381KV33",),
        ("TWN2019",),
        ("618251",),
        (),
    ),
    (
        "Flash memory Winbond 25Q16JVIQ  2217 6203 DL900ZZ",
        "25Q16JVIQ",
        (),
        ("2217",),
        ("DL900ZZ",),
        ("Winbond",),
    ),
    ("Hexagonal inverter with Schmitt trigger input PCUAB 74AC14", "74AC14", (), (), (), ()),
    (
        "Microcircuit 88SA8052-TBC2 QGV9581.5 1431 A1P TW",
        "88SA8052TBC2",
        ("88SA8052",),
        ("1431",),
        ("QGV95815",),
        ("TW",),
    ),
    ("Digital signal converter HALO  TG1G-E001NY  2132LF", "TG1GE001NY", (), ("2132LF",), (), ()),
    (
        "Quadrature modulator/demodulator RF2713     RFMD  1241",
        "RF2713RFMD",
        ("RF2713",),
        ("1241",),
        (),
        (),
    ),
    (
        "14-bit analog-to-digital converter 2018 LTC2174 UKG-14 BT30267",
        "LTC2174UKG14",
        ("LTC2174",),
        ("2018",),
        ("BT30267",),
        (),
    ),
    ("Infrared module FLIR Tau 640", "TAU640", (), (), (), ("Infrared",)),
    ("P-channel 60 V (DS) MOSFET FR5305", "FR5305", (), (), (), ("P-channel", "60", "V")),
    ("Operational amplifier OP-26", "OP26", (), (), (), ()),
    ("Voltage converter (VI-JOM-IY)", "VIJOMIY", (), (), (), ()),
    ("Integrated circuit ЕРС2LI20   U   HAF4B1825A", "EPC2LI20U", ("EPC2LI20",), (), (), ()),
    ("Microcircuit XC2S600E-6FG456Q", "XC2S600E6FG456Q", ("XC2S600E",), (), (), ()),
    ("Tantalum capacitors 156V T 0300", "0300", (), (), (), ("156V",)),
]


@pytest.mark.parametrize(("text", "first", "also", "dates", "lots", "words"), CASES)
def test_marking_rows(text, first, also, dates, lots, words):
    result = run(text)
    assert result.part_candidates[0] == first
    assert set(also) <= set(result.part_candidates)
    assert set(dates) <= set(result.date_code_candidates)
    assert set(lots) <= set(result.lot_candidates)
    assert set(words) <= set(result.words)
    assert first not in result.lot_candidates


@pytest.mark.parametrize(
    "text",
    [
        "Video transmitter ReadyToSky VTX 1.2-1.3GHz 9CH 1W",
        "Electrolytic capacitor 560uF 80v",
        "Capacitor 330uF25V",
        "Electrolytic capacitor 47µF 35V",
        "Single-phase solid-state DC relay",
        "RS-232 line driver/receiver",
        "Schmitt Inverter Trigger 6-element CMOS 14-pin TSSOP",
        "50 kΩ, potentiometer 0.25 W",
        "(unspecified)",
        "not identified",
        "Quartz resonator 12.000",
        "Network module 1000BASE-T",
        "Watchdog RTC 32-bit Binary Counter",
    ],
)
def test_description_only_rows_have_no_part_candidates(text):
    result = run(text)
    assert result.part_candidates == ()
    assert result.tokens == ()
    assert result.words


def test_cyrillic_look_alikes_inside_a_token_do_not_make_it_a_word():
    result = run("Transceiver МАХ3490")  # Cyrillic М, А, Х
    assert [t.raw for t in result.tokens] == ["МАХ3490"]
    assert result.tokens[0].norm == "MAX3490"
    spaced = run("Transceiver МАХ 3490")
    assert spaced.part_candidates[0] == "MAX3490"
    assert "МАХ" not in spaced.words


def test_words_in_other_scripts_stay_description():
    result = run("Процессор 35M240BD01 P32217 1816 в корпусі")
    assert {"Процессор", "в", "корпусі"} <= set(result.words)
    assert result.part_candidates[0] == "35M240BD01"
    assert "1816" in result.date_code_candidates


def test_lines_and_join_across_them():
    result = run("LT1013\nACN8")
    assert [(t.norm, t.line) for t in result.tokens] == [("LT1013", 1), ("ACN8", 2)]
    join = next(c for c in result.candidates if c.text == "LT1013ACN8")
    assert join.kind == "join" and join.tokens == (0, 1)
    assert run("LT1013\r\nACN8").part_candidates == result.part_candidates
    assert run("LT1013 | ACN8").part_candidates == result.part_candidates
    assert run("LT1013\\nACN8").tokens[1].line == 2  # a literal backslash-n, as exported


def test_join_details_and_no_join_across_description_words():
    result = run("Frequency synthesizer ADF 4110B 323")
    join = result.candidates[0]
    assert (join.text, join.kind, join.tokens) == ("ADF4110B", "join", (0, 1))
    separated = run("ADF synthesizer 4110B")
    assert "ADF4110B" not in separated.part_candidates


def test_date_code_after_a_name_is_not_joined():
    assert "RFMD1241" not in run("RF2713 RFMD 1241").part_candidates
    assert "OAL67J" not in run("Chip OAL 67J P8K4").part_candidates
    assert "HALO0833RL" not in run("HALO 0833RL TG110-E050N5").part_candidates


def test_ordering_puts_part_numbers_before_lots_and_dates():
    result = run("Secondary operational supporter LM258 274 ZD0XG3")
    weights = [c.weight for c in result.candidates]
    assert weights == sorted(weights, reverse=True)
    assert result.part_candidates.index("LM258") < result.part_candidates.index("ZD0XG3")


def test_hyphen_head_candidate():
    result = run("32-bit processor XC7Z020-CLG484")
    assert result.part_candidates[:2] == ("XC7Z020CLG484", "XC7Z020")
    assert result.candidates[1].kind == "head"


def test_symbols_and_invisible_characters_are_dropped():
    result = run("PLD XILINX® SPARTAN®-6 XC6SLX16™")
    assert "XC6SLX16" in result.part_candidates
    assert "XC6SLX16TM" not in result.part_candidates  # ™ is not read as "TM"
    hidden = run("CMOS non-volatile EEPROM (High Speed \u200b\u200bMemory) 93C66WP")
    assert hidden.part_candidates == ("93C66WP",)
    assert "Memory" in hidden.words


def test_date_candidates_follow_the_reference_date():
    assert "2530" not in tokenize("MAX3221 2530", reference=date(2024, 1, 1)).date_code_candidates
    assert "2530" in tokenize("MAX3221 2530", reference=date(2026, 1, 1)).date_code_candidates


def test_every_date_candidate_decodes():
    for text, *_ in CASES:
        for code in run(text).date_code_candidates:
            assert datecodes.decode(code, reference=REF), (text, code)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "text",
    ["", " ", "\n\n\t", "\x00\x01\x02", "😀🔥", "\u200b\u200b", "#", "+ - / .", "(unspecified)"],
)
def test_empty_and_junk_input_gives_an_empty_result(text):
    result = run(text)
    assert result.tokens == () and result.part_candidates == ()
    assert result.date_code_candidates == () and result.lot_candidates == ()
    assert result.warnings == ()


def test_control_characters_and_emoji_inside_a_marking():
    result = run("Transceiver\x00 MAX3490\x07 😀 ESA\x1b")
    assert result.part_candidates[0] == "MAX3490ESA"
    assert "\x00" not in result.text and "😀" not in result.text


def test_ten_kilobytes_are_cut_with_a_warning():
    result = run("Transceiver MAX3490 LM258 274 ZD0XG3 " * 300)
    assert len(result.text) <= MAX_CHARS
    assert len(result.tokens) <= MAX_TOKENS
    assert any("cut" in warning for warning in result.warnings)
    assert result.part_candidates[0] == "MAX3490"


def test_token_cap_is_reported():
    result = run(" ".join(f"A{i}B{i}" for i in range(100)))
    assert len(result.tokens) == MAX_TOKENS
    assert any(f"first {MAX_TOKENS}" in warning for warning in result.warnings)


def test_only_words():
    result = run("Only some ordinary words here")
    assert result.tokens == () and result.part_candidates == ()
    assert result.words == ("Only", "some", "ordinary", "words", "here")


def test_non_string_is_a_type_error():
    with pytest.raises(TypeError):
        tokenize(None)  # type: ignore[arg-type]


def test_result_is_frozen_and_deterministic():
    first = run("Frequency synthesizer ADF 4110B 323")
    assert first == run("Frequency synthesizer ADF 4110B 323")
    with pytest.raises(AttributeError):
        first.text = "x"  # type: ignore[misc]


# --------------------------------------------------------------------------- vocabulary


def test_vocabulary_file_is_sorted_lower_case_words():
    lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()
    words = [line for line in lines if not line.startswith("#")]
    assert words == sorted(set(words))
    assert all(re.fullmatch(r"[a-z]{3,}", word) for word in words)
    assert not set(words) & NOT_DESCRIPTIVE


def test_vocabulary_builder_keeps_ordinary_words_only():
    rows = [
        {"category": "mcu", "function": "", "name_marking": "Microcontroller ATmega128A MAX II"},
        {"category": "", "function": "", "name_marking": "Transceiver МАХ3490 Xilinx spartan"},
    ]
    assert collect(rows) == ["mcu", "microcontroller", "transceiver"]


@pytest.mark.parametrize(
    ("word", "expected"),
    [("Transceiver", True), ("TRANSCEIVERS", True), ("MOSFET", True), ("TSSOP", True),
     ("OAL", False), ("MAX", False), ("XILINX", False)],
)  # fmt: skip
def test_is_description_word(word, expected):
    assert is_description_word(word) is expected


# --------------------------------------------------------------------------- properties

_NORM = re.compile(r"[A-Z0-9]+")


def _check_invariants(result: Tokenized) -> None:
    assert len(result.text) <= MAX_CHARS
    assert len(result.tokens) <= MAX_TOKENS
    assert len(result.part_candidates) <= MAX_PART_CANDIDATES
    for position, token in enumerate(result.tokens):
        assert token.index == position
        assert _NORM.fullmatch(token.norm)
        assert token.norm == norm(token.raw)
        assert token.line >= 1
    assert [t.line for t in result.tokens] == sorted(t.line for t in result.tokens)
    assert len(set(result.part_candidates)) == len(result.part_candidates)
    assert result.part_candidates == tuple(c.text for c in result.candidates)
    for candidate in result.candidates:
        assert _NORM.fullmatch(candidate.text)
        indexes = candidate.tokens
        assert list(indexes) == list(range(indexes[0], indexes[0] + len(indexes)))
        parts = "".join(result.tokens[i].norm for i in indexes)
        if candidate.kind == "join":
            assert len(indexes) >= 2 and candidate.text == parts
        elif candidate.kind == "token":
            assert candidate.text == parts
        else:
            assert candidate.kind == "head" and parts.startswith(candidate.text)
    norms = {t.norm for t in result.tokens}
    assert set(result.lot_candidates) <= norms
    assert {code.lstrip("#") for code in result.date_code_candidates} <= norms


@given(st.text(max_size=300))
def test_tokenize_never_raises_on_arbitrary_text(text):
    _check_invariants(run(text))


MARKING_ALPHABET = st.sampled_from(
    list("ABCDEFGHKLMNOPRSTXZ0123456789 -/#+.,()\n") + ["МАХ", "В", "Е", "ЦАП", " / ", "™", "µF"]
)


@given(st.lists(MARKING_ALPHABET, max_size=60).map("".join))
def test_tokenize_marking_like_text(text):
    _check_invariants(run(text))


@given(st.text(min_size=600, max_size=3000))
def test_long_text_is_bounded(text):
    result = run(text)
    _check_invariants(result)
    if len(text) > 4 * MAX_CHARS:
        assert result.warnings


def test_many_short_lines_cut_with_a_warning():
    result = run("\n".join("A1" for _ in range(300)))
    assert len(result.text) <= MAX_CHARS
    assert result.warnings
