"""Free marking text -> descriptive words, marking tokens and ranked look-up candidates.

Analysts type what they read off a chip the way they would say it: ``Secondary operational
supporter LM258 274 ZD0XG3``, ``Frequency synthesizer ADF 4110B 323``, ``Transceiver
МАХ3490`` (Cyrillic letters), ``LT1013`` / ``ACN8`` on two lines. :func:`tokenize` separates
the description (English words, values with units, package and interface acronyms) from
the marking tokens, and proposes what to look up: part-number candidates (including joins
of tokens a space split), date-code candidates and lot/trace-code candidates.

It never raises on text: bad input (empty, control characters, emoji, only words, 10 KB of
text) gives a valid, possibly empty, result with ``warnings`` saying what was cut.
Pure Python, no Django; the ranking is a heuristic for look-up order, not a score.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from catalog.normalize import norm
from catalog.resolver import datecodes
from catalog.resolver.vocabulary import WORDS_FILE

__all__ = [
    "MAX_CHARS",
    "MAX_PART_CANDIDATES",
    "MAX_TOKENS",
    "PartCandidate",
    "Token",
    "Tokenized",
    "is_description_word",
    "tokenize",
]

MAX_CHARS = 512
"""Cleaned text beyond this is cut (with a warning): no marking is that long."""

MAX_TOKENS = 64
"""Marking tokens beyond this are ignored (with a warning), bounding the work per text."""

MAX_PART_CANDIDATES = 16

_SCAN_LIMIT = 4 * MAX_CHARS
"""Raw characters looked at at all; the rest of a huge input is never scanned."""

DATE_CANDIDATE_MIN_CONFIDENCE = 0.3
"""A token is offered as a date code when some reading is at least this confident."""


@dataclass(frozen=True, slots=True)
class Token:
    """One marking token: as written (``raw``), its lookup form (``norm``), where it was."""

    raw: str
    norm: str
    line: int
    """1-based line of the marking (lines come from newlines and `` / `` separators)."""
    index: int
    """Position among the marking tokens, from 0."""


@dataclass(frozen=True, slots=True)
class PartCandidate:
    """A string to look up as a part number and where it came from."""

    text: str
    kind: str
    """``token`` (one token), ``join`` (adjacent tokens glued) or ``head`` (text before a
    token's first hyphen, e.g. ``XC7Z020`` from ``XC7Z020-CLG484``)."""
    tokens: tuple[int, ...]
    """Indexes of the tokens it was made from, consecutive."""
    weight: float
    """Heuristic likelihood used for ordering only; not calibrated."""


@dataclass(frozen=True, slots=True)
class Tokenized:
    """What :func:`tokenize` found in one text; the candidate tuples are most likely first."""

    text: str
    words: tuple[str, ...]
    tokens: tuple[Token, ...]
    part_candidates: tuple[str, ...]
    date_code_candidates: tuple[str, ...]
    """``norm`` forms; ADI's ``#`` before a date code is kept (``#2135``), it names the rule."""
    lot_candidates: tuple[str, ...]
    candidates: tuple[PartCandidate, ...]
    """Details of ``part_candidates``, same order."""
    warnings: tuple[str, ...]


# --------------------------------------------------------------------------- vocabulary


@lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


PACKAGE_CODES = frozenset(
    {"BGA", "DFN", "DIP", "FBGA", "LFCSP", "LGA", "LQFP", "MSOP", "PDIP", "PLCC", "QFN",
     "QFP", "SIP", "SOIC", "SOP", "SOT", "SSOP", "TFBGA", "TQFP", "TSOP", "TSSOP", "WLCSP"}
)  # fmt: skip
"""Package families; with a pin count (``TSSOP-16``, ``8-SOIC``) still a description."""

DESCRIPTIVE_ACRONYMS = PACKAGE_CODES | frozenset(
    {
        # technologies, functions, interfaces
        "AC", "ADC", "AFC", "AMP", "AND", "ARM", "AVR", "BJT", "BLE", "CAN", "CCD", "CMOS",
        "CPLD", "CPU", "DAC", "DC", "DDR", "DIN", "DRAM", "DS", "DSP", "EEPROM", "EMC", "EMI",
        "EPROM", "ESD", "ESR", "FET", "FLASH", "FM", "FPGA", "GNSS", "GLONASS", "GOAT", "GPRS",
        "GPS", "GSM", "HBT", "HDMI", "HEXFET", "HF", "IC", "ID", "IGBT", "IMU", "JFET", "LAN",
        "LCD", "LDO", "LED", "LNA", "LNB", "LOW", "LTE", "LVDS", "LVPECL", "MCU", "MDN", "MMIC",
        "MOH", "MOS", "MOSFET", "NAND", "NOR", "NOT", "NPN", "NVME", "OEM", "OR", "PCB", "PLD",
        "PLIS", "PLL", "PNP", "PPZU", "PWM", "PWR", "QUAD", "RAIL", "RAM", "RF", "RISC", "ROM",
        "RS", "RTC", "RX", "SATA", "SDRAM", "SMD", "SMT", "SOC", "SPDT", "SPI", "SPST", "SRAM",
        "SSD", "TTL", "TVS", "TX", "UART", "UAV", "UHF", "USB", "VCO", "VHF", "VTX", "WIFI",
        # labels, compliance, origin
        "CHINA", "CHN", "JAPAN", "KOREA", "MADE", "MALAYSIA", "MEXICO", "PB", "PHL", "PN",
        "ROHS", "SN", "TAIW", "TAIWAN", "THAILAND", "TW", "USA",
        # roman numerals in family names (MAX II, Cyclone IV)
        "II", "III", "IV",
    }
)  # fmt: skip
"""Capitals-only words that describe rather than mark; compared with ``norm`` forms."""

_SHORT_WORDS = frozenset(
    {"an", "as", "at", "be", "by", "do", "if", "in", "is", "it", "my", "no", "of", "on", "or",
     "so", "to", "up", "we"}
)  # fmt: skip
"""Two-letter English words: description even when a sentence starts with them (``An``)."""

_DESCRIPTIVE_CODES = frozenset(
    {"RS232", "RS422", "RS485", "I2C", "DDR2", "DDR3", "DDR4", "USB2", "USB3", "ARM7",
     "ARM9", "2G", "3G", "4G", "5G"}
)  # fmt: skip
"""Descriptions that contain digits (interfaces, standards); compared with ``norm`` forms."""


def is_description_word(word: str) -> bool:
    """True for a word of the description vocabulary or a descriptive acronym (any case)."""
    return word.lower() in _dictionary() or norm(word) in DESCRIPTIVE_ACRONYMS


# --------------------------------------------------------------------------- cleaning

_STRIP_SYMBOLS = str.maketrans("", "", "\u2122\u00ae\u00a9\u2117\u2120")  # ™ ® © ℗ ℠
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_LINE_SEPARATORS = re.compile(r"\\n|\s+[/|]\s+")
_SPACES = re.compile(r"[^\S\n]+")


@lru_cache(maxsize=4096)
def _clean_char(ch: str) -> str:
    if ch in _LINE_BREAKS:
        return "\n"
    category = unicodedata.category(ch)
    if category == "Cf" or category[0] == "M":
        return ""
    if ch == "°":
        return ch
    if category[0] in "CZ" or category in ("So", "Sk"):
        return " "
    return ch


def _clean(text: str) -> tuple[list[str], list[str]]:
    """Lines of printable text with single spaces, and the warnings about what was cut."""
    warnings: list[str] = []
    scanned = text[:_SCAN_LIMIT]
    cleaned = "".join(_clean_char(ch) for ch in scanned.translate(_STRIP_SYMBOLS))
    cleaned = _LINE_SEPARATORS.sub("\n", cleaned)
    lines = [_SPACES.sub(" ", line).strip() for line in cleaned.split("\n")]
    cleaned = "\n".join(line for line in lines if line)
    too_long = len(cleaned) > MAX_CHARS
    if too_long:
        cut = cleaned[:MAX_CHARS]
        boundary = max(cut.rfind(" "), cut.rfind("\n"))
        cleaned = cut[:boundary] if boundary > MAX_CHARS // 2 else cut
    if too_long or len(scanned) < len(text):
        warnings.append(
            f"text of {len(text)} characters cut to its first {len(cleaned)}; "
            f"markings are read up to {MAX_CHARS} characters"
        )
    return [line.strip() for line in cleaned.split("\n") if line.strip()], warnings


# --------------------------------------------------------------------------- pieces

_PIECE_SPLIT = re.compile(r"[\s;:()\[\]{}\"«»“”„<>=|!?…]+|,(?!\d)|(?<!\d),")
_EDGE_PUNCT = "'\"*.,;:!?‘’`´-_/\\~^"
_DIGIT = re.compile(r"\d")

_NUM = r"[+\-±]?\d{1,3}(?:[.,]\d+)?"
_LONG_NUM = r"[+\-±]?\d{1,5}(?:[.,]\d+)?"
_RANGE_SEP = r"(?:-|/|÷|~|to)"
_SHORT_UNITS = r"(?:v|a|w|x|ma|mv|kv|mw|kw|ua|µa|μa)"
_LONG_UNITS = (
    r"(?:vdc|vac|ah|mah|wh|[uµμnpm]f|[uµμnm]h|[kmg]?hz|k?ohms?|[kmg]?Ω|k?bits?|[kmg]bit|"
    r"[kmgt]b|[kmg]?bps|[kmg]?sps|mm|cm|[uµμn]m|dbm?|dbi|°c|°|pins?|ch|rpm|ppm|%|[nuµμm]s|"
    r"watts?|volts?|amps?|bytes?)"
)
_VALUE = re.compile(
    rf"(?:{_NUM}(?:{_RANGE_SEP}{_NUM})*{_SHORT_UNITS}"
    rf"|{_LONG_NUM}(?:{_RANGE_SEP}{_LONG_NUM})*{_LONG_UNITS})+"
    r"|\d{1,3}(?:x\d{1,3})+|[+\-±]?\d{1,4}[.,]\d+",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"[+\-±]?\d{1,5}(?:[.,]\d+)?")
_UNIT_WORD = re.compile(rf"{_SHORT_UNITS}|{_LONG_UNITS}", re.IGNORECASE)
_VERSION = re.compile(r"v(?:er)?\d+(?:\.\d+)+|rev\.?\d*[a-z]?", re.IGNORECASE)
_RATIO = re.compile(r"\d{1,4}(?:[.,]\d+)?(?:/\d{1,4}(?:[.,]\d+)?)+")  # 10/100/1000, 2.5/3.3
_LEAD_FREE = re.compile(r"e\d")  # JEDEC JESD97 lead-free category, printed on the part
_ETHERNET = re.compile(r"\d+BASE[A-Z]*")
_COMPOUND_SPLIT = re.compile(r"[-/]")


@lru_cache(maxsize=8192)
def _latin(ch: str) -> bool:
    """A letter the marking alphabet has (Latin, or a look-alike of a Latin letter)."""
    return bool(norm(ch))


def _foreign(piece: str) -> bool:
    return any(ch.isalpha() and not _latin(ch) for ch in piece)


def _alpha_word_kind(piece: str, key: str) -> str:
    """``word`` or ``token`` for a piece with letters but no digit (``key`` is its norm)."""
    letters = [ch for ch in piece if ch.isalpha()]
    if not letters:
        return "token"  # letters only after compatibility folding: Ⅻ, ㎆
    if all(ch.islower() for ch in letters):
        return "word"
    if key.lower() in _SHORT_WORDS and not piece.isupper():
        return "word"
    if key in DESCRIPTIVE_ACRONYMS or (len(key) >= 3 and key.lower() in _dictionary()):
        return "word"
    first_upper = letters[0].isupper()
    rest_lower = all(ch.islower() for ch in letters[1:])
    if first_upper and rest_lower:
        return "word" if len(letters) >= 4 else "token"
    if all(ch.isupper() for ch in letters):
        return "token"
    if len(letters) >= 2 and letters[0].isupper() and letters[1].isupper():
        return "token"  # ATmega, ATxmega: a maker's capitals run into the name
    return "word"  # GaAs, InGaP, LattePanda, muRata, mModule


def _part_kind(part: str) -> str:
    """Role of one piece of a hyphen/slash compound: ``strong`` (an English word, unit or
    package: the compound describes), ``weak`` (an acronym), ``value``, ``number``,
    ``letter`` or ``mark`` (anything a marking is made of)."""
    key = norm(part)
    if not key:
        return "letter"
    if _foreign(part):
        return "strong"
    if key in _DESCRIPTIVE_CODES or _ETHERNET.fullmatch(key):
        return "weak"
    if _UNIT_WORD.fullmatch(part):
        return "strong" if part.isalpha() else "value"
    if _VALUE.fullmatch(part):
        return "value"
    if key.isdigit():
        return "number" if len(key) <= 3 else "mark"
    if _DIGIT.search(key):
        return "mark"
    if len(key) == 1:
        return "strong" if part.islower() else "letter"
    if _alpha_word_kind(part, key) != "word":
        return "mark"
    if key in PACKAGE_CODES:
        return "strong"
    return "weak" if key in DESCRIPTIVE_ACRONYMS else "strong"


def _descriptive_compound(piece: str) -> bool:
    """``N-channel``, ``12-bit``, ``DC/DC``, ``TSSOP-16``, ``2.5V/3.3V``; not ``OP-26``."""
    kinds = {_part_kind(part) for part in _COMPOUND_SPLIT.split(piece) if part}
    if "mark" in kinds:
        return False
    if "strong" in kinds:
        return True
    if "weak" in kinds:
        return "number" not in kinds
    return "value" in kinds and kinds <= {"value", "number"}


def _classify(piece: str) -> str:
    """``word`` (description), ``token`` (marking) or ``skip`` (nothing to read)."""
    key = norm(piece)
    if _foreign(piece):
        return "word"
    if not key:
        return "skip"
    if key in _DESCRIPTIVE_CODES or _ETHERNET.fullmatch(key):
        return "word"
    if _VALUE.fullmatch(piece) or _VERSION.fullmatch(piece) or _RATIO.fullmatch(piece):
        return "word"
    if piece[0].islower() and _LEAD_FREE.fullmatch(key.lower()):
        return "word"
    if len(piece) >= 2 and _UNIT_WORD.fullmatch(piece):
        return "word"
    if _COMPOUND_SPLIT.search(piece.strip("-/")) and _descriptive_compound(piece):
        return "word"
    if not _DIGIT.search(key):
        return _alpha_word_kind(piece, key)
    return "token"


@dataclass(slots=True)
class _Piece:
    raw: str
    kind: str
    line: int
    position: int  # among all pieces, words included: adjacency for joins


def _pieces(lines: list[str]) -> list[_Piece]:
    pieces: list[_Piece] = []
    for number, line in enumerate(lines, start=1):
        for chunk in _PIECE_SPLIT.split(line.replace("#", " #")):
            raw = chunk.strip(_EDGE_PUNCT)
            if not raw or raw == "#":
                continue
            kind = _classify(raw)
            if kind == "skip":
                continue
            before = pieces[-1] if pieces and pieces[-1].line == number else None
            if before is not None and _UNIT_WORD.fullmatch(raw):
                # "180 MHz", "60 V", "5.5 V": a quantity, not a marking
                if kind == "word" and before.kind == "token" and _NUMBER.fullmatch(before.raw):
                    before.kind = "word"
                elif (
                    kind == "token"
                    and raw in {"V", "W", "v", "w"}
                    and _NUMBER.fullmatch(before.raw)
                ):
                    kind = "word"  # not "A": "LC 244 A", "Si 5338 A" end in a suffix
                    before.kind = "word"
            pieces.append(_Piece(raw, kind, number, len(pieces)))
    return pieces


# --------------------------------------------------------------------------- shapes

_LETTER_PREFIX = re.compile(r"[A-Z]{1,7}\d{2}")
_LETTER_DIGIT_LETTER = re.compile(r"[A-Z]{1,4}\d[A-Z]{1,4}\d{2}")
_DIGIT_PREFIX = re.compile(r"\d{1,3}[A-Z]{1,5}\d{2}")
_DIGITS_THEN_LETTERS = re.compile(r"\d{2,}[A-Z]+\d?")
_DIGIT_RUN = re.compile(r"\d+")
_LETTER_RUN = re.compile(r"[A-Z]+")
_SUFFIX_LETTERS = re.compile(r"[A-Z]{1,5}")
_SUFFIX_GRADE = re.compile(r"[A-Z]{1,4}\d{1,2}|\d{1,3}[A-Z]{2,4}")
_SPLIT_HEAD = re.compile(r"[A-Z]{2,5}\d\d|\d\d[A-Z]{2,4}")
_XILINX_LOT = re.compile(r"[A-Z]\d{7}[A-Z]?\d{0,2}")


def _shape(key: str) -> float:
    """How much ``key`` looks like a part number, from its letter/digit pattern alone."""
    digits = sum(ch.isdigit() for ch in key)
    if digits == 0:
        return {2: 0.2, 3: 0.2, 4: 0.2, 5: 0.15}.get(len(key), 0.0)
    if digits == len(key):
        return {3: 0.15, 4: 0.25}.get(len(key), 0.3 if len(key) >= 5 else 0.0)
    longest_run = max(len(run) for run in _DIGIT_RUN.findall(key))
    if _LETTER_PREFIX.match(key):
        score = 0.9
    elif _LETTER_DIGIT_LETTER.match(key):
        score = 0.85
    elif _DIGIT_PREFIX.match(key):
        score = 0.8
    elif _DIGITS_THEN_LETTERS.fullmatch(key):
        score = 0.55
    elif longest_run <= 1:
        score = 0.2
    else:
        score = 0.4
    if len(key) <= 3:
        score -= 0.25
    elif len(key) == 4:
        score -= 0.1
    return score + min(0.05, 0.005 * max(0, len(key) - 6))


def _lot_shaped(token: Token) -> bool:
    """Trace/lot-code look: letters and single digits interleaved (``ZD0XG3``, ``P8K4``),
    a Xilinx lot (``D5891797A``), a long number, or Maxim's ``+`` trace line (``+NS8L``)."""
    key = token.norm
    if token.raw.startswith("+") and len(key) >= 3:
        return True
    if "-" in token.raw:
        return False  # NEO-M8N, C-RTK2: trace codes are not hyphenated
    if key.isalpha() or len(key) < 3:
        return False
    if "." in token.raw:
        return True  # ADI 38335315.1, Marvell QGV9581.5: lot numbers with a split suffix
    if key.isdigit():
        return len(key) >= 5
    if _XILINX_LOT.fullmatch(key):
        return True
    longest_digits = max(len(run) for run in _DIGIT_RUN.findall(key))
    longest_letters = max(len(run) for run in _LETTER_RUN.findall(key))
    return longest_digits <= 1 and longest_letters <= 4


# --------------------------------------------------------------------------- candidates

_POSITION_STEP = 0.03
_POSITION_CAP = 0.15
_CROSS_LINE_PENALTY = 0.02
_LEAD_BONUS = 0.1
"""For the first part-shaped token (not a lot or date code): the part number is usually
written first, before date and trace codes."""
_NEAR_TOP = 0.05
"""Tokens of candidates this close to the best one are part of the part number, not lots."""
_DATE_LIKELY = 0.5
"""A token whose best date reading is this confident is treated as a date code first."""
_DATE_CERTAIN = 0.75
_DATE_WITH_SITE = re.compile(r"\d{4}[A-Z]{2,}")  # 1417MY, 2132LF: YYWW and a site/finish


def _position_penalty(index: int) -> float:
    return min(_POSITION_CAP, _POSITION_STEP * index)


@dataclass(slots=True)
class _Marking:
    """The marking tokens of one text with what the candidate rules need to know."""

    tokens: list[Token]
    pieces: dict[int, int]  # token index -> position among all pieces (words included)
    dates: dict[int, float]  # token index -> best date-code confidence

    def adjacent(self, a: Token, b: Token) -> bool:
        """No description word between the two tokens (a line break is allowed)."""
        return self.pieces[b.index] == self.pieces[a.index] + 1

    def date(self, token: Token) -> float:
        return self.dates.get(token.index, 0.0)

    def previous(self, token: Token) -> Token | None:
        if token.index == 0:
            return None
        before = self.tokens[token.index - 1]
        return before if self.adjacent(before, token) else None

    def following(self, token: Token) -> Token | None:
        if token.index + 1 >= len(self.tokens):
            return None
        after = self.tokens[token.index + 1]
        return after if self.adjacent(token, after) else None


def _token_weight(token: Token, marking: _Marking) -> float:
    key = token.norm
    if token.raw.startswith("#") or (key.isdigit() and len(key) <= 2):
        return 0.0
    weight = _shape(key)
    if key.isalpha() and "-" in token.raw and len(key) <= 10:
        weight = 0.3  # VI-JOM-IY, TIWI-BLE: letters-only part numbers are hyphenated
    if _lot_shaped(token):
        weight = min(weight, 0.2)
    elif marking.date(token) >= _DATE_LIKELY:
        weight = min(weight, 0.3) - 0.1
    return weight - _position_penalty(token.index)


def _is_suffix_letters(token: Token) -> bool:
    return bool(_SUFFIX_LETTERS.fullmatch(token.norm)) and not token.raw.islower()


def _prefix_joins(first: Token, second: Token, marking: _Marking):
    """ADF 4110B, MAX 490 ESA, ATmega 324: a letters-only prefix a space split off."""
    a, b = first.norm, second.norm
    short_enough = len(a) <= 4 or (len(a) <= 6 and b.isdigit())
    if not (a.isalpha() and len(a) >= 2 and short_enough and b[0].isdigit()):
        return
    if sum(ch.isdigit() for ch in b) < 3:
        return  # "OAL 67J": a top-mark code, then a date code
    if marking.date(second) >= _DATE_CERTAIN or (
        _DATE_WITH_SITE.fullmatch(b) and marking.date(second) >= _DATE_LIKELY
    ):
        return  # "RFMD 1241", "HALO 0833RL": a name, then a date code
    before = marking.previous(first)
    if before is not None and _DIGIT.search(before.norm) and _shape(before.norm) >= 0.5:
        return  # "MAX331 ESA 730": the letters are the previous number's suffix
    joined = a + b
    weight = _shape(joined) + 0.05
    yield joined, (first.index, second.index), weight
    third = marking.following(second)
    if third is not None and third.line == second.line and _is_suffix_letters(third):
        yield joined + third.norm, (first.index, second.index, third.index), weight + 0.01


def _suffix_join(first: Token, second: Token, marking: _Marking):
    """MAX3221 CAE, ADM3202 ARNZ, LT1013 / ACN8, ATMEGA8535 16AU: a suffix split off.

    Weighted just above the head alone (``None``: the head's own weight), because an exact
    hit on the longer string says more and a miss costs one look-up.
    """
    a, b = first.norm, second.norm
    if marking.date(first) >= _DATE_LIKELY or marking.date(second) >= _DATE_LIKELY:
        return
    head_ok = _DIGIT.search(a) and (_shape(a) >= 0.5 or (a.isdigit() and 4 <= len(a) <= 5))
    if head_ok and len(b) <= 6 and (_is_suffix_letters(second) or _SUFFIX_GRADE.fullmatch(b)):
        yield a + b, (first.index, second.index), None


def _split_head_join(first: Token, second: Token, marking: _Marking):
    """STM32 F100CBT6Q48, 74HCT 4066D: a family prefix split from the rest of the number."""
    a, b = first.norm, second.norm
    if "-" in first.raw or not _SPLIT_HEAD.fullmatch(a) or not _DIGIT.search(b):
        return
    if marking.date(first) >= _DATE_LIKELY or marking.date(second) >= _DATE_LIKELY:
        return
    before = marking.previous(first)
    if before is not None and _DIGIT.search(before.norm) and _shape(before.norm) >= 0.5:
        return  # "LTC2174 UKG-14 BT30267": the head is the previous number's suffix
    letters_then_digits = a[-1].isdigit() and b[0].isalpha() and len(b) >= 6
    digits_then_letters = a[-1].isalpha() and b[0].isdigit() and len(b) >= 4
    if letters_then_digits or digits_then_letters:
        yield a + b, (first.index, second.index), _shape(a + b) + 0.02


_JOIN_RULES = (_prefix_joins, _suffix_join, _split_head_join)


def _candidates(marking: _Marking) -> list[PartCandidate]:
    """Tokens, hyphen heads and joins, each offered once at its best weight, best first."""
    found: dict[str, PartCandidate] = {}

    weights = {token.index: _token_weight(token, marking) for token in marking.tokens}
    lead = next(
        (
            token.index
            for token in marking.tokens
            if _shape(token.norm) >= 0.5
            and not token.raw.startswith("#")
            and not _lot_shaped(token)
            and marking.date(token) < _DATE_LIKELY
        ),
        None,
    )

    def offer(text: str, kind: str, indexes: tuple[int, ...], weight: float) -> None:
        if len(text) < 2 or weight <= 0.05:
            return
        if lead in indexes:
            weight += _LEAD_BONUS
        current = found.get(text)
        if current is None or current.weight < weight:
            found[text] = PartCandidate(text, kind, indexes, round(weight, 4))

    for token in marking.tokens:
        weight = weights[token.index]
        offer(token.norm, "token", (token.index,), weight)
        head = norm(token.raw.split("-", 1)[0]) if "-" in token.raw.strip("-") else ""
        if len(head) >= 4 and head != token.norm and _shape(head) >= 0.8:
            offer(head, "head", (token.index,), weight - 0.05)

    for first in marking.tokens:
        second = marking.following(first)
        if second is None or first.raw[0] in "#+" or second.raw[0] in "#+":
            continue
        penalty = _CROSS_LINE_PENALTY if second.line != first.line else 0.0
        position = _position_penalty(first.index)
        for rule in _JOIN_RULES:
            for text, indexes, weight in rule(first, second, marking):
                if weight is None:
                    weight = weights[first.index] + 0.01
                else:
                    weight -= position
                offer(text, "join", indexes, weight - penalty)

    ranked = sorted(found.values(), key=lambda c: (-c.weight, c.tokens[0], len(c.tokens)))
    return ranked[:MAX_PART_CANDIDATES]


def _mixed(key: str) -> bool:
    return not key.isalpha() and not key.isdigit()


def _lots(marking: _Marking, top_sources: set[int]) -> tuple[str, ...]:
    """Lot-shaped tokens first, then letters-and-digits tokens that follow the part number.

    Trace codes have no fixed shape (``GDQN566`` looks like a part number), so what
    trails the best part candidate is offered too; date codes are left out.
    """
    last_top = max(top_sources, default=-1)
    top_texts = {marking.tokens[index].norm for index in top_sources}
    shaped, trailing = [], []
    for token in marking.tokens:
        if token.index in top_sources or token.norm in top_texts:
            continue
        if marking.date(token) >= _DATE_LIKELY:
            continue
        key = token.norm
        if _lot_shaped(token):
            shaped.append(key)
        elif token.index > last_top >= 0 and len(key) >= 4 and _mixed(key):
            trailing.append(key)
    return tuple(dict.fromkeys(shaped + trailing))


def tokenize(text: str, reference: date | None = None) -> Tokenized:
    """Split marking text into description words, marking tokens and look-up candidates.

    ``reference`` is the date date-code candidates are judged against (default today):
    a code that could only be read as a future date is not offered.
    """
    if not isinstance(text, str):
        raise TypeError(f"tokenize() needs a str, not {type(text).__name__}")
    lines, warnings = _clean(text)
    pieces = _pieces(lines)
    words = tuple(piece.raw for piece in pieces if piece.kind == "word")
    marking = [piece for piece in pieces if piece.kind == "token"]
    if len(marking) > MAX_TOKENS:
        warnings.append(f"only the first {MAX_TOKENS} of {len(marking)} marking tokens were read")
        marking = marking[:MAX_TOKENS]
    tokens = [Token(p.raw, norm(p.raw), p.line, i) for i, p in enumerate(marking)]

    confidences: dict[int, float] = {}
    dates: list[tuple[float, int, str]] = []
    for token in tokens:
        code = f"#{token.norm}" if token.raw.startswith("#") else token.norm
        readings = datecodes.decode(code, reference=reference)
        if readings:
            confidences[token.index] = readings[0].confidence
            if readings[0].confidence >= DATE_CANDIDATE_MIN_CONFIDENCE:
                dates.append((readings[0].confidence, token.index, code))
    dates.sort(key=lambda item: (-item[0], -item[1]))

    context = _Marking(tokens, {i: p.position for i, p in enumerate(marking)}, confidences)
    candidates = _candidates(context)
    top_sources = {
        index
        for candidate in candidates
        if candidate.weight >= candidates[0].weight - _NEAR_TOP
        for index in candidate.tokens
    }
    return Tokenized(
        text="\n".join(lines),
        words=words,
        tokens=tuple(tokens),
        part_candidates=tuple(c.text for c in candidates),
        date_code_candidates=tuple(dict.fromkeys(code for _, _, code in dates)),
        lot_candidates=_lots(context, top_sources),
        candidates=tuple(candidates),
        warnings=tuple(warnings),
    )
