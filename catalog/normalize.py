"""Part-number and organisation-name normalisation: pure Python, no Django, hot-path fast.

* :func:`norm` - the exact lookup form of a part number or marking (``Part.mpn_norm``).
* :func:`base` - ``norm`` of the part number without packaging/ordering suffixes
  (``Part.mpn_base``); the rules are data in :mod:`catalog.normalize_rules`.
* :func:`fold` - ``norm`` with OCR look-alikes merged, for fuzzy search only (``Part.mpn_fold``).
* :func:`name_key` - the lookup key of a manufacturer/organisation name (``OrganisationAlias.key``).
* :func:`split_brand_owner` - ``"Brand (Owner)"`` and ``"ADI/MAXIM"`` spellings taken apart.

Markings are transcribed by people with Cyrillic keyboards and by OCR, so Cyrillic and Greek
letters that look like Latin ones are read as those Latin letters (``МАХ3490`` is MAX3490).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from catalog.normalize_rules import FAMILIES, SUFFIX_RULES, UNCUED_MIN_STEM, SuffixRule

__all__ = [
    "FAMILIES",
    "SUFFIX_RULES",
    "SuffixRule",
    "base",
    "fold",
    "name_key",
    "norm",
    "split_brand_owner",
]

# --------------------------------------------------------------------------- part numbers

# Upper-case look-alikes (text is upper-cased first, so lower-case forms are covered too).
_LOOKALIKES_UPPER = {
    # Cyrillic
    "А": "A", "В": "B", "Е": "E", "І": "I", "Ј": "J", "К": "K", "М": "M",
    "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S",
    "Ү": "Y", "Һ": "H", "Ӏ": "I", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W", "Ѵ": "V",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C", "Ϳ": "J",
    "ϒ": "Y",
    # Latin letters that compatibility decomposition leaves alone
    "Ø": "0", "Ð": "D", "Đ": "D", "Ł": "L", "Ħ": "H", "Ŧ": "T", "Ɪ": "I",
}  # fmt: skip
_NORM_TABLE = str.maketrans(_LOOKALIKES_UPPER)

# ASCII work is done on bytes: one ``bytes.translate`` upper-cases, folds and deletes.
_ALNUM = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_DELETE = bytes(byte for byte in range(256) if byte not in _ALNUM)
_UPPER = bytes.maketrans(b"abcdefghijklmnopqrstuvwxyz", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_FOLD_FROM, _FOLD_TO = b"ODQILSBZGV", b"000115826U"
"""OCR classes -> representative: 0/O/D/Q->0, 1/I/L->1, 5/S->5, 8/B->8, 2/Z->2, 6/G->6, U/V->U."""
_FOLD = bytes.maketrans(
    b"abcdefghijklmnopqrstuvwxyz" + _FOLD_FROM,
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZ".translate(bytes.maketrans(_FOLD_FROM, _FOLD_TO)) + _FOLD_TO,
)


def _prep(text: str) -> str:
    """Upper case, compatibility-folded, look-alikes mapped; punctuation kept for ``base``.

    NFKD (not NFKC) so that accented letters keep their base letter (É -> E) once the
    combining marks are dropped; NFKD includes every compatibility mapping NFKC applies.
    """
    if text.isascii():
        return text.upper()
    return unicodedata.normalize("NFKD", text).upper().translate(_NORM_TABLE)


def _alnum_bytes(text: str) -> bytes:
    """Upper-cased ``text`` with everything but ASCII letters and digits dropped."""
    return text.encode("ascii", "ignore").translate(_UPPER, _DELETE)


def norm(text: str) -> str:
    """Exact-lookup form: upper case, look-alikes folded to Latin, only ``A-Z0-9`` kept.

    ``norm("Transceiver МАХ3490") == "TRANSCEIVERMAX3490"``. Idempotent.
    ``Ø`` reads as a slashed zero, as on chip markings.
    """
    if text.isascii():
        return text.encode("ascii").translate(_UPPER, _DELETE).decode("ascii")
    return _alnum_bytes(_prep(text)).decode("ascii")


def fold(text: str) -> str:
    """``norm`` with OCR-confusable characters merged; for fuzzy search only, never identity.

    Each class is represented by its digit (or ``U`` for U/V), so a folded key shows
    digits wherever the marking could hold one. ``fold(x) == fold(norm(x))``.
    """
    if text.isascii():
        return text.encode("ascii").translate(_FOLD, _DELETE).decode("ascii")
    return _alnum_bytes(_prep(text)).translate(_FOLD).decode("ascii")


_HAS_ALNUM = re.compile(r"[A-Z0-9]")
_HAS_DIGIT = re.compile(r"\d")


def _cued_stem_ok(stem: str) -> bool:
    return _HAS_ALNUM.search(stem) is not None


def _uncued_stem_ok(stem: str) -> bool:
    return len(stem) >= UNCUED_MIN_STEM and _HAS_DIGIT.search(stem) is not None


class _RuleSet:
    """Rules tried as one regex for speed (leftmost, i.e. longest, suffix first).

    The combined pattern has no groups, so that ``re`` can skip to candidate positions;
    the rule that matched is then found by trying each one at the match position.
    """

    def __init__(self, rules: tuple[SuffixRule, ...], stem_ok: Callable[[str], bool]) -> None:
        self.rules = tuple(
            (re.compile(rule.suffix), re.compile(rule.whole) if rule.whole else None)
            for rule in rules
        )
        self.any = re.compile("|".join(f"(?:{rule.suffix})" for rule in rules)) if rules else None
        self.stem_ok = stem_ok

    def _stem(self, text: str, start: int) -> str | None:
        """The text before the first rule that matches at ``start`` and may be stripped."""
        for suffix, whole in self.rules:
            if suffix.match(text, start) is None:
                continue
            if whole is not None and whole.fullmatch(text) is None:
                continue
            stem = text[:start]
            if self.stem_ok(stem):
                return stem
        return None

    def _any_stem(self, text: str) -> str | None:
        for suffix, _whole in self.rules:
            for match in suffix.finditer(text):
                if (stem := self._stem(text, match.start())) is not None:
                    return stem
        return None

    def strip(self, text: str) -> str:
        """Remove suffixes until none applies; a rule never strips the text to nothing."""
        if self.any is None:
            return text
        while (match := self.any.search(text)) is not None:
            stem = self._stem(text, match.start())
            if stem is None and (stem := self._any_stem(text)) is None:
                break
            text = stem
        return text


_CUED = _RuleSet(tuple(rule for rule in SUFFIX_RULES if rule.cued), _cued_stem_ok)
_UNCUED = {
    family: _RuleSet(
        tuple(rule for rule in SUFFIX_RULES if not rule.cued and rule.family == family),
        _uncued_stem_ok,
    )
    for family in FAMILIES
}


def _uncued_rules(family: str | None) -> _RuleSet | None:
    if not family:
        return None
    try:
        return _UNCUED[family]
    except KeyError:
        raise ValueError(
            f"unknown part-number family {family!r}; expected one of {sorted(FAMILIES)}"
        ) from None


def base(mpn: str, family: str | None = None) -> str:
    """``norm`` of the part number without packaging/ordering suffixes.

    Punctuation-cued rules apply whatever ``family`` is; letter-only rules (IR ``TRPBF``,
    ST ``TR``) only for the ``family`` given (one of :data:`FAMILIES`; ``None`` or ``""``
    for none). ``base("AD7450BRZ-REEL7") == "AD7450BRZ"``,
    ``base("IRF7103TRPBF", "infineon") == "IRF7103"``. Idempotent for a given family,
    and always a prefix of ``norm(mpn)``. Unknown ``family`` -> ``ValueError``.
    """
    uncued = _uncued_rules(family)
    text = _prep(mpn)
    if not text.isalnum():
        text = _CUED.strip("".join(text.split()))
    text = _alnum_bytes(text).decode("ascii")
    if uncued is not None:
        text = uncued.strip(text)
    return text


# --------------------------------------------------------------------------- names

# Russian, Ukrainian, Belarusian, Serbian, Macedonian and Kazakh letters (lower case; BGN/PCGN-like).
_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "ґ": "g", "є": "ye", "і": "i", "ї": "yi", "ў": "u", "ђ": "dj", "ј": "j",
    "љ": "lj", "њ": "nj", "ћ": "c", "џ": "dz", "ѓ": "gj", "ќ": "kj", "ѕ": "dz", "һ": "h",
    "ү": "u", "ұ": "u", "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o",
}  # fmt: skip
# Cyrillic letters typed inside a Latin word ("Еlectronics", "Сomp.") stand for Latin ones.
_NAME_LOOKALIKES = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "і": "i", "ј": "j", "к": "k", "м": "m",
    "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s",
    "ү": "y", "һ": "h",
}  # fmt: skip


def _with_accented(table: dict[str, str]) -> dict[str, str]:
    """Add the accented Cyrillic letters (ѐ, ӑ, ӧ...) as their base letter's entry."""
    extended = dict(table)
    for code in range(0x0400, 0x0530):
        letter = chr(code).lower()
        decomposed = unicodedata.normalize("NFD", letter)
        if letter not in extended and len(decomposed) > 1 and decomposed[0] in table:
            extended[letter] = table[decomposed[0]]
    return extended


_TRANSLIT_TABLE = str.maketrans(_with_accented(_TRANSLIT))
_LOOKALIKE_TABLE = str.maketrans(_with_accented({**_TRANSLIT, **_NAME_LOOKALIKES}))
_CYRILLIC = re.compile(r"[\u0400-\u052f]")
_LATIN_LETTER = re.compile(r"[a-z]")
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_LOOKALIKE_ONLY = re.compile("[" + "".join(_NAME_LOOKALIKES) + "]+")
_NAME_EXTRA = str.maketrans({"ø": "o", "đ": "d", "ð": "d", "ł": "l", "ħ": "h", "æ": "ae"})
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`´]")
_INITIALISM = re.compile(r"\b(?:[^\W\d_]\.){2,}")
_NON_WORD = re.compile(r"[\W_]+")
_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_PARENS = re.compile(r"[()\[\]{}]")


def _phrases(*items: str) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(item.split()) for item in items)


# Legal forms dropped at the end of a name (or of a part before/inside a parenthesis).
# Written as they look after punctuation is removed: "S.A." -> "sa", "S. A." -> "s a".
_LEGAL_TRAILING = _phrases(
    "inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "gmbh",
    "llc", "ag", "sa", "s a", "sas", "s a s", "bv", "b v", "nv", "n v", "plc", "kk", "oy",
    "oyj", "ab", "spa", "s p a", "srl", "s r l", "sarl", "pte", "pty", "pvt", "llp", "kg",
    "as", "a s", "asa", "aps", "bhd", "sdn", "and co",
    "ooo", "ao", "zao", "oao", "pao", "jsc", "cjsc", "ojsc", "pjsc", "tov",
)  # fmt: skip
# Russian/Ukrainian legal forms come first: "АО Радиант", "JSC SME Bank", "LLC Technoline".
_LEGAL_LEADING = _phrases(
    "ooo", "ao", "zao", "oao", "pao", "jsc", "cjsc", "ojsc", "pjsc", "tov", "llc",
    "aktsionernoe obshchestvo",
    "otkrytoe aktsionernoe obshchestvo",
    "zakrytoe aktsionernoe obshchestvo",
    "publichnoe aktsionernoe obshchestvo",
    "obshchestvo s ogranichennoy otvetstvennostyu",
    "obshchestvo s ogranichennoi otvetstvennostiu",
)  # fmt: skip
_MAX_PHRASE = max(len(p) for p in _LEGAL_TRAILING | _LEGAL_LEADING)


def _strip_legal(tokens: list[str]) -> list[str]:
    """Drop legal-form phrases from the end (any) and the start (Russian style) until none."""
    changed = True
    while changed and tokens:
        changed = False
        for size in range(min(_MAX_PHRASE, len(tokens)), 0, -1):
            if tuple(tokens[-size:]) in _LEGAL_TRAILING:
                tokens = tokens[:-size]
                changed = True
                break
            if tuple(tokens[:size]) in _LEGAL_LEADING:
                tokens = tokens[size:]
                changed = True
                break
    return tokens


def _cyrillic_to_latin(text: str) -> str:
    """Transliterate Cyrillic words; Cyrillic look-alikes inside Latin words become Latin."""
    latin_context = _LATIN_LETTER.search(_CYRILLIC.sub("", text)) is not None

    def convert(match: re.Match[str]) -> str:
        word = match.group()
        if not _CYRILLIC.search(word):
            return word
        if _LATIN_LETTER.search(word) or (latin_context and _LOOKALIKE_ONLY.fullmatch(word)):
            return word.translate(_LOOKALIKE_TABLE)
        return word.translate(_TRANSLIT_TABLE)

    return _LETTER_RUN.sub(convert, text)


def _simplify(text: str) -> str:
    """Lower case, Latin letters without accents, "&" read "and", "S.A." read "sa".

    Punctuation (parentheses included) is still there; the whole name is simplified at
    once so that a Cyrillic word reads the same whatever parenthesis it sits in.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    if _CYRILLIC.search(text):
        text = _cyrillic_to_latin(text)
    if not text.isascii():
        text = _MARKS.sub("", unicodedata.normalize("NFKD", text)).translate(_NAME_EXTRA)
    text = _APOSTROPHES.sub("", text.replace("&", " and "))
    return _INITIALISM.sub(lambda m: m.group().replace(".", ""), text)


def _words(simplified: str) -> list[str]:
    return _NON_WORD.sub(" ", simplified).split()


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """Lookup key of an organisation name: case, accent, punctuation and legal-form blind.

    ``name_key("Texas Instruments Inc.") == "texas instruments"``,
    ``name_key("АО Радиант") == "radiant"``. Legal forms go at the end of the name and of
    each part around a parenthesis; Russian ones (АО, ООО, JSC...) also at the start.
    A name that is nothing but legal forms keys to its words ("Co., Ltd." -> "co ltd");
    one without any word to its casefolded stripped self. Idempotent.
    """
    simplified = _simplify(name)
    kept: list[str] = []
    for segment in _PARENS.split(simplified):
        kept.extend(_strip_legal(_words(segment)))
    kept = _strip_legal(kept)
    if kept:
        return " ".join(kept)
    words = _words(simplified)
    if words:
        return " ".join(_strip_legal(words) or words)
    return name.casefold().strip()


_TRAILING_PAREN = re.compile(r"(?P<brand>.*?\S)\s*\((?P<inner>[^()]*)\)\s*", re.DOTALL)
_INNER_SEPARATORS = re.compile(r"\s*[,;]\s*|\s+[-\u2013\u2014]\s+")
_SLASHED_WORDS = re.compile(r"[^\W\d_]{2,}(?: [^\W\d_]+)*(?: ?/ ?[^\W\d_]{2,}(?: [^\W\d_]+)*)+")


def _is_legal_only(text: str) -> bool:
    words = _words(_simplify(text))
    return bool(words) and not _strip_legal(words)


def _split_inner(inner: str) -> list[str]:
    """Split "Cypress Semiconductor, Infineon Technologies"; keep "Cree, Inc." whole."""
    parts: list[str] = []
    for piece in _INNER_SEPARATORS.split(inner):
        piece = piece.strip()
        if not piece:
            continue
        if parts and _is_legal_only(piece):
            parts[-1] = f"{parts[-1]}, {piece}"
        else:
            parts.append(piece)
    return parts


def split_brand_owner(name: str) -> tuple[str, list[str]]:
    """Take ``"Brand (Owner, Owner)"`` and ``"ADI/MAXIM"`` apart: ``(brand, others)``.

    The names in ``others`` are what the source put in the parenthesis (or after the
    slash): usually the current owner(s), sometimes an abbreviation or a former name,
    so each is resolved on its own by the caller. Names without that shape give
    ``(name.strip(), [])``; a parenthesis in the middle ("Sankyo Shoji (H.K.) Limited")
    is not an owner.
    """
    name = name.strip()
    others: list[str] = []
    match = _TRAILING_PAREN.fullmatch(name)
    if match:
        parts = _split_inner(match.group("inner"))
        if parts:
            name, others = match.group("brand"), parts
    if "/" in name and _SLASHED_WORDS.fullmatch(name):
        brand, *rest = (side.strip() for side in name.split("/"))
        return brand, [*rest, *others]
    return name, others
