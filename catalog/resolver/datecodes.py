"""Manufacture date codes read off chip markings, decoded into honest date ranges.

A date code rarely names one day: a work week is seven days (and manufacturers number weeks
differently), a month is a month, and a one-digit year repeats every decade. So
:func:`decode` returns every plausible reading as a :class:`DateDecoding` with an inclusive
``start``/``end`` range, the rule used and a sentence saying why, and flags whether the part
was certainly (``after_export_controls``) or possibly (``possibly_after``) made after the
export controls of 24 February 2022. Nothing decodes to the future of ``reference``.

The rules, their sources and their ambiguities are tabled in ``docs/date-codes.md``.
Pure Python, no Django: the resolver, importers and tests all call it directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from catalog.normalize import norm

__all__ = [
    "EARLIEST_YEAR",
    "BEST_CONFIDENCE_MARGIN",
    "EXPORT_CONTROLS_DATE",
    "YEAR_DIGIT_WINDOW",
    "DateDecoding",
    "best",
    "decode",
    "envelope",
    "manufacturer_family",
]

EXPORT_CONTROLS_DATE = date(2022, 2, 24)
"""US/EU export controls on Russia; parts made after this day are the ones that matter most."""

EARLIEST_YEAR = 1990
"""No code is read as a year before this: older parts are not what investigators find."""

YEAR_DIGIT_WINDOW = 30
"""A one-digit year is read in every decade of the last 30 years up to the reference date."""

BEST_CONFIDENCE_MARGIN = 0.05
"""How far below the top confidence a reading may be and still be chosen by :func:`best`."""

MAX_CODE_LENGTH = 24
"""Longer input is not a date code; refused without scanning it."""

_MONTH_CODES = {**{str(m): m for m in range(1, 10)}, "A": 10, "B": 11, "C": 12}
"""TI's month character: 1-9 for January to September, A/B/C for October to December."""

_ORIGIN_PREFIXES = frozenset(
    {"TWN", "TAIWAN", "TW", "PHL", "PH", "CHN", "CN", "MYS", "MY", "KOR", "KR", "THA", "TH",
     "JPN", "JP", "USA", "MEX", "SGP", "SG", "IDN", "VNM", "MLT", "DEU", "FRA", "ITA"}
)  # fmt: skip
"""Country-of-assembly prefixes seen in front of a YYWW code (``TWN2019``)."""

# Manufacturer hint -> family. Organisation names, aliases and catalog mpn_family slugs.
_FAMILY_WORDS: tuple[tuple[str, str], ...] = (
    ("texas", "ti"),
    ("national semi", "ti"),
    ("burr", "ti"),
    ("analog devices", "adi"),
    ("linear tech", "adi"),
    ("maxim", "adi"),
    ("dallas", "adi"),
    ("microchip", "microchip"),
    ("atmel", "microchip"),
    ("micrel", "microchip"),
    ("xilinx", "xilinx"),
    ("altera", "intel-fpga"),
    ("intel", "intel-fpga"),
    ("stmicro", "st"),
    ("st micro", "st"),
)
_FAMILY_SLUGS = {
    "ti": "ti",
    "adi": "adi",
    "linear": "adi",
    "maxim": "adi",
    "microchip": "microchip",
    "xilinx": "xilinx",
    "amd": "xilinx",
    "altera": "intel-fpga",
    "intel": "intel-fpga",
    "intel-fpga": "intel-fpga",
    "st": "st",
    "stm": "st",
}


@dataclass(frozen=True, slots=True)
class DateDecoding:
    """One reading of a date code: the inclusive range of possible manufacture dates."""

    code: str
    rule: str
    start: date
    end: date
    after_export_controls: bool
    possibly_after: bool
    confidence: float
    explanation: str

    @property
    def days(self) -> int:
        """Width of the range in days (1 for a single day)."""
        return (self.end - self.start).days + 1


def manufacturer_family(hint: str | None) -> str | None:
    """Date-code family of a manufacturer name or slug (``"Maxim Integrated"`` -> ``"adi"``).

    Brands keep their own family after an acquisition when their marking scheme survived
    it (Xilinx parts keep the Xilinx top mark under AMD), so the brand is what to pass.
    """
    if not hint:
        return None
    text = " ".join(hint.casefold().split())
    if text in _FAMILY_SLUGS:
        return _FAMILY_SLUGS[text]
    for word, family in _FAMILY_WORDS:
        if word in text:
            return family
    first = re.split(r"[^a-z0-9-]+", text, maxsplit=1)[0]
    return _FAMILY_SLUGS.get(first)


# --------------------------------------------------------------------------- date arithmetic


def _week_range(year: int, week: int) -> tuple[date, date] | None:
    """Days that work week ``week`` of ``year`` can cover, whatever the numbering convention.

    Union of ISO 8601 weeks and the "week 1 contains 1 January" convention (Microchip,
    JEDEC-style) with Monday or Sunday starts; the latter's last week stops on 31 December.
    So a week spans 7 to 10 days, and week 1 may begin in the previous December.
    """
    if not 1 <= week <= 53 or not 1 <= year <= 9998:
        return None
    jan1 = date(year, 1, 1)
    dec31 = date(year, 12, 31)
    spans: list[tuple[date, date]] = []
    for back in (jan1.weekday(), (jan1.weekday() + 1) % 7):  # Monday start, Sunday start
        first = jan1 - timedelta(days=back) + timedelta(weeks=week - 1)
        last = min(first + timedelta(days=6), dec31)
        if first <= dec31:
            spans.append((first, last))
    try:
        iso_first = date.fromisocalendar(year, week, 1)
    except ValueError:
        iso_first = None
    if iso_first is not None:
        spans.append((iso_first, iso_first + timedelta(days=6)))
    if not spans:
        return None
    return min(s for s, _ in spans), max(e for _, e in spans)


def _month_range(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return first, following - timedelta(days=1)


def _two_digit_year(yy: int) -> int:
    return 1900 + yy if yy >= 90 else 2000 + yy


def _decade_years(digit: int, reference: date) -> list[int]:
    """Years ending in ``digit`` within the window, newest first."""
    low = max(EARLIEST_YEAR, reference.year - YEAR_DIGIT_WINDOW + 1)
    return [y for y in range(reference.year, low - 1, -1) if y % 10 == digit]


def _fmt(day: date) -> str:
    return f"{day.day} {day:%b} {day.year}"


def _flags(start: date, end: date) -> tuple[bool, bool]:
    after = start > EXPORT_CONTROLS_DATE
    possibly = start <= EXPORT_CONTROLS_DATE < end
    return after, possibly


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True, slots=True)
class _Reading:
    """What a rule extracted, before the range is clipped to the reference date."""

    start: date
    end: date
    what: str  # "year 2022, week 45"


@dataclass(frozen=True, slots=True)
class _Rule:
    name: str
    pattern: re.Pattern[str]
    read: Callable[[re.Match[str], date], list[_Reading]]
    confidence: float
    family: str | None = None
    needs_family: bool = False
    """Only applied when the manufacturer hint names ``family`` (the shape is too common)."""
    describe: str = ""
    hashed: bool = False
    """Reads codes written after ADI's ``#`` (and only those)."""
    origins: frozenset[str] | None = None
    """Allowed values of the ``origin`` group (countries of assembly)."""


def _yyww(yy: str, ww: str, reference: date) -> list[_Reading]:
    year = _two_digit_year(int(yy))
    if year < EARLIEST_YEAR or year > reference.year:
        return []
    span = _week_range(year, int(ww))
    if span is None:
        return []
    return [_Reading(span[0], span[1], f"year {year}, week {int(ww)}")]


def _yww(y: str, ww: str, reference: date) -> list[_Reading]:
    readings = []
    for year in _decade_years(int(y), reference):
        span = _week_range(year, int(ww))
        if span is not None:
            readings.append(_Reading(span[0], span[1], f"year {year}, week {int(ww)}"))
    return readings


def _ym(y: str, m: str, reference: date) -> list[_Reading]:
    month = _MONTH_CODES.get(m)
    if month is None:
        return []
    readings = []
    for year in _decade_years(int(y), reference):
        first, last = _month_range(year, month)
        readings.append(_Reading(first, last, f"{first:%B} {year}"))
    return readings


def _read_yyww(match: re.Match[str], reference: date) -> list[_Reading]:
    return _yyww(match["yy"], match["ww"], reference)


def _read_yww(match: re.Match[str], reference: date) -> list[_Reading]:
    return _yww(match["y"], match["ww"], reference)


def _read_ym(match: re.Match[str], reference: date) -> list[_Reading]:
    return _ym(match["y"], match["m"], reference)


_WW = r"(?P<ww>0[1-9]|[1-4]\d|5[0-3])"

_RULES: tuple[_Rule, ...] = (
    _Rule(
        "adi-#YYWW",
        re.compile(rf"#(?P<yy>\d\d){_WW}"),
        _read_yyww,
        0.9,
        family="adi",
        hashed=True,
        describe="Analog Devices: '#' (lead-free) then the YYWW date code",
    ),
    _Rule(
        "adi-#YWW",
        re.compile(rf"#(?P<y>\d){_WW}"),
        _read_yww,
        0.55,
        family="adi",
        hashed=True,
        describe="Analog Devices small package: '#' then a one-digit year and the week",
    ),
    _Rule(
        "YYWW",
        re.compile(rf"(?P<yy>\d\d){_WW}"),
        _read_yyww,
        0.8,
        describe="two-digit year and work week",
    ),
    _Rule(
        "YYWWx",
        re.compile(rf"(?P<yy>\d\d){_WW}(?P<x>[A-Z][A-Z0-9]?)"),
        _read_yyww,
        0.7,
        describe="two-digit year and work week, then a sublot/die-revision/site suffix",
    ),
    _Rule(
        "microchip-YYWWNNN",
        re.compile(rf"(?P<yy>\d\d){_WW}(?P<nnn>[A-Z0-9]{{3}})"),
        _read_yyww,
        0.6,
        family="microchip",
        needs_family=True,
        describe="Microchip: year, week, then the 3-character traceability code",
    ),
    _Rule(
        "microchip-YWWNNN",
        re.compile(rf"(?P<y>\d){_WW}(?P<nnn>[A-Z0-9]{{3}})"),
        _read_yww,
        0.55,
        family="microchip",
        needs_family=True,
        describe="Microchip small package: one-digit year, week, 3-character trace code",
    ),
    _Rule(
        "microchip-XXYYWW",
        re.compile(rf"(?P<xx>[A-Z]{{1,4}})(?P<yy>\d\d){_WW}"),
        _read_yyww,
        0.6,
        family="microchip",
        needs_family=True,
        describe="Microchip SOIC: end of the part number (package code) then YYWW",
    ),
    _Rule(
        "origin-YYWW",
        re.compile(rf"(?P<origin>[A-Z]{{2,6}})(?P<yy>\d\d){_WW}"),
        _read_yyww,
        0.6,
        origins=_ORIGIN_PREFIXES,
        describe="country of assembly then YYWW",
    ),
    _Rule(
        "xilinx-YYWW",
        re.compile(
            rf"(?P<pkg>[A-Z]{{1,4}}\d{{2,4}})(?P<rev>[A-Z])(?P<fab>[A-Z])"
            rf"(?P<proc>[A-Z])(?P<yy>\d\d){_WW}"
        ),
        _read_yyww,
        0.85,
        family="xilinx",
        describe="Xilinx: package and pin count, mask revision, fab and process codes, YYWW",
    ),  # fmt: skip
    _Rule(
        "intel-fpga-YYWW",
        re.compile(rf"(?P<head>[A-Z][A-Z0-9]{{4}})(?P<yy>\d\d){_WW}(?P<t>[A-Z0-9])"),
        _read_yyww,
        0.6,
        family="intel-fpga",
        needs_family=True,
        describe="Intel (Altera) FPGA/CPLD date code XβZααYYWWT",
    ),
    _Rule(
        "st-YWW",
        re.compile(rf"(?P<y>\d){_WW}"),
        _read_yww,
        0.6,
        family="st",
        needs_family=True,
        describe="STMicroelectronics: one-digit year and the week",
    ),
    _Rule(
        "YWW",
        re.compile(rf"(?P<y>\d){_WW}"),
        _read_yww,
        0.5,
        describe="one-digit year and work week",
    ),
    _Rule(
        "st-YWWR",
        re.compile(rf"(?P<y>\d){_WW}(?P<r>[A-Z])"),
        _read_yww,
        0.55,
        family="st",
        describe="STMicroelectronics STM32: one-digit year, week, revision letter",
    ),
    _Rule(
        "TI-YM",
        re.compile(r"(?P<y>\d)(?P<m>[1-9ABC])"),
        _read_ym,
        0.4,
        family="ti",
        needs_family=True,
        describe="Texas Instruments: last digit of the year, then the month (1-9, A-C)",
    ),
    _Rule(
        "TI-YMS",
        re.compile(r"(?P<y>\d)(?P<m>[1-9ABC])(?P<site>[A-Z])(?:G4)?"),
        _read_ym,
        0.55,
        family="ti",
        describe="Texas Instruments: year digit, month (1-9, A-C), assembly site letter",
    ),
    _Rule(
        "TI-YMS",
        re.compile(r"(?P<y>\d)(?P<m>[1-9ABC])(?P<site>\d)"),
        _read_ym,
        0.3,
        family="ti",
        describe="Texas Instruments-style year digit and month, a digit where the site goes",
    ),
    _Rule(
        "TI-YMLLLLS",
        re.compile(r"(?P<y>\d)(?P<m>[1-9ABC])(?P<lot>[A-Z0-9]{4})(?P<site>[A-Z])"),
        _read_ym,
        0.6,
        family="ti",
        needs_family=True,
        describe="Texas Instruments lot trace code: year, month, 4-character lot, site",
    ),
)

_HINT_MATCH_BONUS = 0.1
_HINT_MISMATCH_PENALTY = 0.2
_OLDER_DECADE_PENALTY = 0.1
_CODE_CLEAN = re.compile(r"\s+")
_LATEST = date(9998, 12, 31)


def _prepare(token: str) -> str:
    """``#`` prefix kept (it names the ADI rule); the rest in ``norm`` form."""
    text = _CODE_CLEAN.sub("", token or "")
    if not text or len(text) > MAX_CODE_LENGTH:
        return ""
    hashed = text.startswith("#")
    body = norm(text)
    if not body:
        return ""
    return f"#{body}" if hashed else body


def _confidence(rule: _Rule, family: str | None, decade_rank: int) -> float:
    score = rule.confidence
    if rule.family is not None and family is not None:
        score += _HINT_MATCH_BONUS if rule.family == family else -_HINT_MISMATCH_PENALTY
    score -= _OLDER_DECADE_PENALTY * decade_rank
    return round(min(1.0, max(0.05, score)), 2)


def _explain(code: str, rule: _Rule, reading: _Reading, start: date, end: date) -> str:
    after, possibly = _flags(start, end)
    if after:
        verdict = "wholly after the 24 Feb 2022 export controls"
    elif possibly:
        verdict = "may be before or after the 24 Feb 2022 export controls"
    else:
        verdict = "before the 24 Feb 2022 export controls"
    clipped = " (cut at the reference date)" if end < reading.end else ""
    return (
        f"{code!r} read as {rule.name} ({rule.describe}): {reading.what}, "
        f"made {_fmt(start)} to {_fmt(end)}{clipped}; {verdict}."
    )


def decode(
    token: str,
    manufacturer_hint: str | None = None,
    reference: date | None = None,
) -> list[DateDecoding]:
    """Every plausible reading of ``token`` as a manufacture date code, most likely first.

    ``manufacturer_hint`` (a name such as ``"Texas Instruments"`` or a family slug such as
    ``"ti"``) enables manufacturer-only formats and raises the confidence of that maker's
    rules. ``reference`` (default today) is the latest possible date: readings that lie
    wholly after it are dropped and a range reaching past it is cut there. A one-digit
    year gives one reading per plausible decade. Never raises; unreadable input gives ``[]``.
    """
    if not isinstance(token, str):
        return []
    code = _prepare(token)
    if not code:
        return []
    today = min(reference or date.today(), _LATEST)
    if today.year < EARLIEST_YEAR:
        return []
    family = manufacturer_family(manufacturer_hint)
    body = code.lstrip("#")
    results: dict[tuple[date, date], DateDecoding] = {}
    for rule in _RULES:
        if rule.needs_family and rule.family != family:
            continue
        if rule.hashed != code.startswith("#"):
            continue
        match = rule.pattern.fullmatch(code if rule.hashed else body)
        if match is None or (rule.origins is not None and match["origin"] not in rule.origins):
            continue
        readings = [r for r in rule.read(match, today) if r.start <= today]
        for rank, reading in enumerate(readings):
            end = min(reading.end, today)
            after, possibly = _flags(reading.start, end)
            key = (reading.start, end)
            decoding = DateDecoding(
                code=code,
                rule=rule.name,
                start=reading.start,
                end=end,
                after_export_controls=after,
                possibly_after=possibly,
                confidence=_confidence(rule, family, rank),
                explanation=_explain(code, rule, reading, reading.start, end),
            )
            if key not in results or results[key].confidence < decoding.confidence:
                results[key] = decoding
    return sorted(
        results.values(),
        key=lambda d: (-d.confidence, d.days, -d.end.toordinal(), d.rule),
    )


def best(decodings: Iterable[DateDecoding]) -> DateDecoding | None:
    """The narrowest of the most plausible readings, or ``None`` when there is none.

    Plausible means within :data:`BEST_CONFIDENCE_MARGIN` of the most confident reading, so
    a decade-ambiguous code keeps its most recent decade and a week-precise reading beats a
    month-precise one of similar confidence; ties go to the more confident, then the newer.
    """
    readings = list(decodings)
    if not readings:
        return None
    floor = max(d.confidence for d in readings) - BEST_CONFIDENCE_MARGIN
    return min(
        (d for d in readings if d.confidence >= floor),
        key=lambda d: (d.days, -d.confidence, -d.end.toordinal()),
    )


def envelope(decodings: Iterable[DateDecoding]) -> tuple[date, date] | None:
    """First and last possible day over all readings (what "some time between" means)."""
    spans = [(d.start, d.end) for d in decodings]
    if not spans:
        return None
    return min(s for s, _ in spans), max(e for _, e in spans)
