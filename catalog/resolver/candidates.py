"""Candidate generation: what to look up for a text, and what the catalog's answers say.

For each text, :func:`prepare` turns the tokenizer's part-number candidates into look-up keys
(the key, its packaging-suffix variants and its OCR fold), the whole-marking key learned
markings are stored under, prefixes for the curated prefix families, and the phrases that may
name a manufacturer. The ``apply_*`` functions then read the batched query results back into
per-text :class:`Evidence`: which parts matched which key and how (facts only: exact, base,
suffix, fold with N look-alike swaps, prefix with its coverage, fuzzy with its similarity, marking
code, learned), which manufacturers the text names, and which prefix families its keys fall in.
Turning evidence into scores is :mod:`catalog.resolver.scoring`'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz.distance import Levenshtein

from catalog.normalize import SUFFIX_RULES, base, fold, name_key, norm
from catalog.normalize_rules import UNCUED_MIN_STEM
from catalog.resolver.lookup import DIGIT_END, RANGE_END, FirstRound, Hit, PartRow, RangeProbe
from catalog.resolver.tokenize import DESCRIPTIVE_ACRONYMS, Tokenized, is_description_word, tokenize

UNCUED_FAMILIES = tuple(sorted({rule.family for rule in SUFFIX_RULES if not rule.cued}))
"""Families whose letter-only packaging suffixes (``TRPBF``, ``TR``) are tried on every key."""
_UNCUED_PATTERNS = tuple(re.compile(rule.suffix) for rule in SUFFIX_RULES if not rule.cued)

MAX_KEYS = 12
"""Part-number candidates looked up per text (the tokenizer ranks them; the rest are unlikely)."""

PREFIX_FAMILY_KEYS = 6
"""Keys whose prefixes are matched against the curated prefix families."""

MIN_PREFIX = 2
MAX_PREFIX = 20

MAX_PHRASE_WORDS = 3
MAX_PHRASE_PIECES = 40
"""Pieces of a text scanned for manufacturer names (a marking names its maker early)."""

MAX_START_WORDS = 3

RANGE_KEYS = 3
"""Keys per text searched as the start of a catalog MPN (truncated markings)."""

RANGE_LETTER_LIMIT = 8
"""MPNs read per key that continue with a letter (package/grade code: the same part)."""

RANGE_DIGIT_LIMIT = 4
"""MPNs read per key that continue with a digit (usually another part number)."""

MIN_RANGE_KEY = 4
LONG_KEY = 8
"""A key this long is searched as a prefix even if the tokenizer took it for a lot code."""
MIN_DIGITS_RANGE_KEY = 6
"""An all-digit key (Würth, E-T-A numbers) is searched as a prefix only from this length."""

FUZZY_KEYS = 2
FOLD_HEAD = 3
"""Fuzzy neighbours share at least this many folded leading characters with the key."""
NEIGHBOURS = 20
"""Folded MPNs read on each side of the folded key, in byte order (see docs/resolver.md)."""
CLOSE_ENOUGH = 0.85
"""A neighbour this similar makes the trigram search unnecessary for that key."""

MAX_BRAND_JOINS = 4

HEAD_KEYS = 3
"""Keys per text whose own prefixes are looked up: a catalog MPN followed by extra characters."""
HEAD_MAX_DROP = 6
MIN_HEAD = 4
STRONG_HEAD_COVERAGE = 0.7

ENGLISH_BRANDS = frozenset(
    {"linear", "integral", "pulse", "planar", "dialog", "delta", "particle", "apex", "micron",
     "canon", "nordic", "digi", "arrow", "element14", "amass", "clare", "dale", "holt"}
)  # fmt: skip
"""One-word aliases that are also English words: a brand only when written in capitals."""

NEVER_BRANDS = frozenset({"vcc", "vac", "rtd", "amp", "edac", "mcc", "cts", "ost", "te", "lg"})
"""One-word aliases that in marking text mean something else (supply pins, units, sensors)."""

_PIECE = re.compile(r"[^\s()\[\]{},;:\"«»“”]+")
_HAS_LETTER = re.compile(r"[A-Z]")
_HAS_DIGIT = re.compile(r"\d")


@dataclass(slots=True)
class Key:
    """One string looked up as a part number, with what the tokenizer said about it."""

    text: str
    weight: float
    tokens: tuple[int, ...]
    kind: str
    """token, join or head (from the tokenizer), packing (a key and its ``#`` packaging token),
    brand (a brand's prefix + a token) or whole (the whole marking, for learned markings)."""
    written: str
    variants: dict[str, str] = field(default_factory=dict)
    """Key without a packaging suffix -> the suffix dropped."""
    folds: dict[str, str] = field(default_factory=dict)
    """Folded form -> the key or variant it was folded from."""
    unexplained: int = 0
    """Characters of the written token(s) this key leaves out: the tail after a hyphen that a
    tokenizer ``head`` drops, a ``#`` packaging token that follows it."""


@dataclass(slots=True)
class PartMatch:
    """Facts about one part found for one key."""

    part: PartRow
    key: Key
    match: str
    """exact, base, suffix, fold, head, prefix, fold-prefix, fuzzy, code or learned."""
    reason: str
    diffs: int = 0
    coverage: float = 1.0
    digit_continuation: bool = False
    similarity: float = 1.0
    dropped: int = 0
    """Packaging characters read off the key to match (``suffix`` matches)."""
    confirmations: int = 0
    whole: bool = False
    """Learned under the whole marking rather than one part-number key; for a fold match,
    the whole MPN (packaging included) reads as the key, not only its base."""


@dataclass(slots=True)
class MakerMatch:
    """A manufacturer named without a part: prefix family, learned marking or marking code."""

    org_id: int
    key: Key | None
    match: str
    reason: str
    prefix_length: int = 0
    confirmations: int = 0
    whole: bool = False


@dataclass(slots=True)
class Brand:
    org_id: int
    phrase: str
    strong: bool


@dataclass(slots=True)
class Evidence:
    parts: list[PartMatch] = field(default_factory=list)
    makers: list[MakerMatch] = field(default_factory=list)
    brands: dict[int, Brand] = field(default_factory=dict)
    families: dict[str, tuple[int, list[int]]] = field(default_factory=dict)
    """Key -> (length of its longest curated prefix, the manufacturers of that prefix)."""


@dataclass(slots=True)
class TextWork:
    index: int
    text: str
    tokenized: Tokenized | None
    error: str | None = None
    keys: dict[str, Key] = field(default_factory=dict)
    whole: str = ""
    heads: dict[str, list[Key]] = field(default_factory=dict)
    """Proper prefixes of the likeliest keys -> those keys (``LM358DR2G`` -> ``LM358``...)."""
    fold_heads: dict[str, list[Key]] = field(default_factory=dict)
    """The same in fold space: a misread MPN followed by a suffix (``1RLR7632NSTRP8F``)."""
    phrases: dict[str, tuple[str, bool]] = field(default_factory=dict)
    """Alias key -> (phrase as written, strong): names of manufacturers the text may hold."""
    starts: dict[str, str] = field(default_factory=dict)
    """First word of a multi-word alias ("texas") -> as written."""
    evidence: Evidence = field(default_factory=Evidence)


# --------------------------------------------------------------------------- preparing


def _written(tokenized: Tokenized, indexes: tuple[int, ...]) -> str:
    return " ".join(tokenized.tokens[i].raw for i in indexes)


def _add_key(work: TextWork, key: Key) -> None:
    current = work.keys.get(key.text)
    if current is not None and current.weight >= key.weight:
        return
    for family in UNCUED_FAMILIES:
        stripped = base(key.text, family)
        if stripped != key.text:
            key.variants.setdefault(stripped, key.text[len(stripped) :])
    for pattern in _UNCUED_PATTERNS:
        # One suffix at a time too: PEX6094ADATR + TRPBF is not PEX6094ADA + TRTRPBF.
        match = pattern.search(key.text)
        if match and len(key.text[: match.start()]) >= UNCUED_MIN_STEM:
            key.variants.setdefault(key.text[: match.start()], match.group())
    if key.kind != "brand":
        cued = base(key.written)
        if cued != key.text and key.text.startswith(cued) and cued:
            key.variants.setdefault(cued, key.text[len(cued) :])
    for text in (key.text, *key.variants):
        key.folds.setdefault(fold(text), text)
    work.keys[key.text] = key


def prepare(index: int, text: str, reference: date | None = None) -> TextWork:
    """Tokenise ``text`` and derive every key the first round looks up."""
    if not text or not text.strip():
        return TextWork(index, text or "", None, error="empty text: nothing to resolve")
    tokenized = tokenize(text, reference=reference)
    work = TextWork(index, text, tokenized)
    tokens = tokenized.tokens
    for candidate in tokenized.candidates[:MAX_KEYS]:
        written = _written(tokenized, candidate.tokens)
        unexplained = 0
        if candidate.kind == "head":
            written = written.split("-", 1)[0]
            unexplained = len(tokens[candidate.tokens[0]].norm) - len(candidate.text)
        last = candidate.tokens[-1]
        packing = tokens[last + 1] if last + 1 < len(tokens) else None
        if packing is not None and not (
            packing.raw.startswith("#") and _HAS_LETTER.search(packing.norm)
        ):
            packing = None  # "#2135" is ADI's lead-free mark and a date code, not packaging
        if packing is not None and candidate.kind != "head":
            unexplained += len(packing.norm)
        _add_key(
            work,
            Key(
                candidate.text,
                candidate.weight,
                candidate.tokens,
                candidate.kind,
                written,
                unexplained=unexplained,
            ),
        )
        if candidate.kind != "head" and packing is not None:
            # LTC3414EFE#PBF: the tokenizer splits at "#"; the packaging tells variants apart.
            _add_key(
                work,
                Key(
                    candidate.text + packing.norm,
                    candidate.weight + 0.01,
                    (*candidate.tokens, last + 1),
                    "packing",
                    written + packing.raw,
                ),
            )
    work.whole = "".join(token.norm for token in tokenized.tokens)[:200]
    _heads(work)
    _phrases(work, tokenized)
    return work


def _heads(work: TextWork) -> None:
    likely = [
        key
        for key in sorted(work.keys.values(), key=lambda k: -k.weight)
        if key.weight >= 0.5 and _HAS_LETTER.search(key.text) and _HAS_DIGIT.search(key.text)
    ][:HEAD_KEYS]
    for key in likely:
        folded = fold(key.text)
        for length in range(max(MIN_HEAD, len(key.text) - HEAD_MAX_DROP), len(key.text)):
            head = key.text[:length]
            if _HAS_DIGIT.search(head):
                work.heads.setdefault(head, []).append(key)
                work.fold_heads.setdefault(folded[:length], []).append(key)


def _brand_piece(piece: str, first: bool) -> tuple[bool, bool]:
    """(may name a maker, strongly) for one piece of text read as a one-word name."""
    letters = [ch for ch in piece if ch.isalpha()]
    if len(letters) < 2 or all(ch.islower() for ch in letters):
        return False, False
    key = name_key(piece)
    if key in NEVER_BRANDS:
        return False, False
    capitals = all(ch.isupper() for ch in letters)
    if key in ENGLISH_BRANDS or is_description_word(piece):
        return capitals and len(letters) >= 3 and not first, capitals
    if piece.upper() in DESCRIPTIVE_ACRONYMS:
        return False, False
    return True, len(letters) >= 3


def _phrases(work: TextWork, tokenized: Tokenized) -> None:
    """Word n-grams of the text (up to three words) that could be an organisation alias."""
    count = 0
    for number, line in enumerate(tokenized.text.split("\n")):
        pieces = _PIECE.findall(line)
        for start in range(len(pieces)):
            count += 1
            if count > MAX_PHRASE_PIECES:
                return
            single, strong = _brand_piece(pieces[start], first=number == 0 and start == 0)
            if single:
                key = name_key(pieces[start])
                if key:
                    work.phrases.setdefault(key, (pieces[start], strong))
                piece = pieces[start]
                if (
                    len(work.starts) < MAX_START_WORDS
                    and len(piece) >= 4
                    and piece.isalpha()
                    and piece[0].isupper()
                    and piece[1:].islower()
                ):
                    work.starts.setdefault(name_key(piece), piece)
            for size in range(2, MAX_PHRASE_WORDS + 1):
                words = pieces[start : start + size]
                if len(words) < size:
                    break
                named = any(not is_description_word(word) and not word.islower() for word in words)
                titled = all(word[:1].isupper() for word in words)
                if not (named or titled):
                    continue
                phrase = " ".join(words)
                key = name_key(phrase)
                if key:
                    work.phrases.setdefault(key, (phrase, True))


def prefix_family_keys(work: TextWork) -> dict[str, list[Key]]:
    """Every prefix (2-20 characters) of the most likely keys -> the keys it starts."""
    found: dict[str, list[Key]] = {}
    ranked = sorted(work.keys.values(), key=lambda k: -k.weight)[:PREFIX_FAMILY_KEYS]
    for key in ranked:
        if not _HAS_LETTER.search(key.text):
            continue
        for length in range(MIN_PREFIX, min(len(key.text), MAX_PREFIX) + 1):
            found.setdefault(key.text[:length], []).append(key)
    return found


def first_round_keys(works: list[TextWork]) -> dict[str, set[str]]:
    keys: dict[str, set[str]] = {
        name: set() for name in ("part_keys", "fold_keys", "code_keys", "known_keys", "prefix_keys")
    }
    keys["alias_keys"] = set()
    keys["alias_starts"] = set()
    for work in works:
        if work.tokenized is None:
            continue
        for key in work.keys.values():
            keys["part_keys"].add(key.text)
            keys["part_keys"].update(key.variants)
            keys["fold_keys"].update(key.folds)
            keys["known_keys"].add(key.text)
            keys["code_keys"].add(key.text)
        keys["part_keys"].update(work.heads)
        keys["fold_keys"].update(work.fold_heads)
        keys["code_keys"].update(token.norm for token in work.tokenized.tokens if token.norm)
        if work.whole:
            keys["known_keys"].add(work.whole)
        keys["prefix_keys"].update(prefix_family_keys(work))
        keys["alias_keys"].update(work.phrases)
        keys["alias_starts"].update(work.starts)
    return keys


# --------------------------------------------------------------------------- first round


@dataclass(slots=True)
class FirstRoundIndex:
    """The first round's rows indexed by the keys texts look them up with."""

    by_norm: dict[str, list[PartRow]]
    by_base: dict[str, list[PartRow]]
    by_fold: dict[str, list[PartRow]]
    codes: dict[str, list[Hit]]
    known: dict[str, list[Hit]]
    prefixes: dict[str, list[int]]
    aliases: dict[str, list[int]]
    brand_prefixes: dict[int, list[str]]

    @classmethod
    def build(cls, result: FirstRound) -> FirstRoundIndex:
        index = cls({}, {}, {}, {}, {}, {}, {}, {})
        for row in result.parts:
            index.by_norm.setdefault(row.norm, []).append(row)
            index.by_base.setdefault(row.base, []).append(row)
            index.by_fold.setdefault(row.fold, []).append(row)
        for hit in result.codes:
            index.codes.setdefault(hit.key, []).append(hit)
        for hit in result.known:
            index.known.setdefault(hit.key, []).append(hit)
        for hit in result.prefixes:
            index.prefixes.setdefault(hit.key, []).append(hit.org_id)
        for hit in result.aliases:
            index.aliases.setdefault(hit.key, []).append(hit.org_id)
        for hit in result.brand_prefixes:
            index.brand_prefixes.setdefault(hit.org_id, []).append(hit.key)
        return index


def _diffs(a: str, b: str) -> int:
    """Characters to change to read ``a`` as ``b`` (look-alike swaps keep the length)."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True))
    return Levenshtein.distance(a, b)


class _Adder:
    """Records each part once per key, with the first (strongest) way it matched."""

    def __init__(self, evidence: Evidence, key: Key):
        self.evidence, self.key, self.seen = evidence, key, set()

    def __call__(self, row: PartRow, match: str, reason: str, **facts) -> None:
        if row.id not in self.seen:
            self.seen.add(row.id)
            self.evidence.parts.append(PartMatch(row, self.key, match, reason, **facts))


def apply_first_round(work: TextWork, index: FirstRoundIndex, orgs) -> None:
    """Read a text's exact-key hits into its evidence."""
    evidence = work.evidence
    for key in work.keys.values():
        add = _Adder(evidence, key)
        for row in index.by_norm.get(key.text, ()):
            add(row, "exact", f"exact MPN {row.mpn} ({key.written})")
        for row in index.by_base.get(key.text, ()):
            add(row, "base", f"{key.written} is {row.mpn} without its packaging suffix")
        for variant, suffix in key.variants.items():
            for row in index.by_norm.get(variant, []) + index.by_base.get(variant, []):
                add(
                    row,
                    "suffix",
                    f"{key.written} is {row.mpn} with packaging suffix {suffix}",
                    dropped=len(suffix),
                )
        whole_fold = fold(key.text)
        for folded, source in key.folds.items():
            rows = index.by_fold.get(folded, ())
            # The part whose whole MPN (packaging included) reads as the key comes first.
            for row in sorted(rows, key=lambda r: fold(r.norm) != whole_fold):
                # Look-alikes are counted in the part number; in the packaging they only
                # tell which variant (R7F8O11BG#VO is R7F8011BG#V0 rather than #YHS).
                diffs = max(1, _diffs(source, row.base))
                add(
                    row,
                    "fold",
                    f"{key.written} read as {row.mpn}: {diffs} look-alike character"
                    f"{'s' if diffs > 1 else ''} (O/0, I/1, S/5, B/8...)",
                    diffs=diffs,
                    whole=fold(row.norm) == whole_fold,
                )
        for head in sorted(
            (h for h, keys in work.heads.items() if key in keys), key=len, reverse=True
        ):
            for row in index.by_norm.get(head, []) + index.by_base.get(head, []):
                add(
                    row,
                    "head",
                    f"{key.written} is {row.mpn} followed by {key.text[len(head) :]}",
                    coverage=len(head) / len(key.text),
                )
        for head in sorted(
            (h for h, keys in work.fold_heads.items() if key in keys), key=len, reverse=True
        ):
            for row in index.by_fold.get(head, ()):
                diffs = max(1, _diffs(key.text[: len(head)], row.base))
                add(
                    row,
                    "fold-head",
                    f"{key.written} read as {row.mpn} ({diffs} look-alike character"
                    f"{'s' if diffs > 1 else ''}) followed by {key.text[len(head) :]}",
                    coverage=len(head) / len(key.text),
                    diffs=diffs,
                )
        for hit in index.codes.get(key.text, ()):
            _code(work, key, hit, orgs)
        for hit in index.known.get(key.text, ()):
            _learned(work, key, hit, whole=key.text == work.whole)
    for token in work.tokenized.tokens:
        if token.norm in work.keys:
            continue
        for hit in index.codes.get(token.norm, ()):
            key = Key(token.norm, 0.5, (token.index,), "token", token.raw)
            _code(work, key, hit, orgs)
    if work.whole and work.whole not in work.keys:
        for hit in index.known.get(work.whole, ()):
            top = work.tokenized.candidates[0].tokens if work.tokenized.candidates else ()
            written = " ".join(t.raw for t in work.tokenized.tokens)
            whole_key = Key(work.whole, 1.0, top, "whole", written)
            _learned(work, whole_key, hit, whole=True)
    _brands(work, index, orgs)
    _families(work, index)


def _code(work: TextWork, key: Key, hit: Hit, orgs) -> None:
    maker = orgs[hit.org_id].name
    if hit.part is not None:
        work.evidence.parts.append(
            PartMatch(
                hit.part, key, "code", f"marking code {key.written} is {hit.part.mpn} ({maker})"
            )
        )
    else:
        work.evidence.makers.append(
            MakerMatch(hit.org_id, key, "code", f"marking code {key.written} is {maker}'s")
        )


def _learned(work: TextWork, key: Key, hit: Hit, whole: bool) -> None:
    times = f"{hit.count} confirmed finding{'s' if hit.count != 1 else ''}"
    what = "this marking" if whole else key.written
    if hit.part is not None:
        work.evidence.parts.append(
            PartMatch(
                hit.part,
                key,
                "learned",
                f"learned: {what} is {hit.part.mpn} ({times})",
                confirmations=hit.count,
                whole=whole,
            )
        )
    else:
        work.evidence.makers.append(
            MakerMatch(
                hit.org_id,
                key,
                "learned",
                f"learned: {what} was made by this manufacturer ({times})",
                confirmations=hit.count,
                whole=whole,
            )
        )


def _families(work: TextWork, index: FirstRoundIndex) -> None:
    """The longest curated prefix of each key, and a maker candidate for it.

    A key that is itself a manufacturer's name (``MAXIM``) is brand evidence, not a prefix.
    """
    names = {norm(brand.phrase) for brand in work.evidence.brands.values()}
    for key in work.keys.values():
        if not _HAS_LETTER.search(key.text) or key.text in names:
            continue
        for length in range(min(len(key.text), MAX_PREFIX), MIN_PREFIX - 1, -1):
            makers = index.prefixes.get(key.text[:length])
            if makers:
                work.evidence.families[key.text] = (length, sorted(set(makers)))
                for org_id in sorted(set(makers)):
                    work.evidence.makers.append(
                        MakerMatch(
                            org_id,
                            key,
                            "prefix",
                            f"{key.written} starts with {key.text[:length]}, a part-number "
                            "prefix of this manufacturer",
                            prefix_length=length,
                        )
                    )
                break


def _brands(work: TextWork, index: FirstRoundIndex, orgs) -> None:
    brands = work.evidence.brands
    for alias_key, (phrase, strong) in work.phrases.items():
        for org_id in index.aliases.get(alias_key, ()):
            if orgs[org_id].is_manufacturer and (org_id not in brands or strong):
                brands[org_id] = Brand(org_id, phrase, strong)
    for start, written in work.starts.items():
        named = {
            org_id
            for alias_key, org_ids in index.aliases.items()
            if alias_key.startswith(start + " ")
            for org_id in org_ids
            if orgs[org_id].is_manufacturer
        }
        owners = {orgs[org_id].owner_id for org_id in named}
        if len(owners) == 1:
            for org_id in named:
                brands.setdefault(org_id, Brand(org_id, written, False))


# --------------------------------------------------------------------------- later rounds


def _strong_hit(work: TextWork) -> bool:
    """A plausible part-number key already matched the catalog exactly (or was learned)."""
    for found in work.evidence.parts:
        exact = found.match in ("exact", "base", "suffix", "fold")
        if (exact and found.key.weight >= 0.5) or found.match in ("learned", "code"):
            return True
    return False


def brand_joins(work: TextWork, index: FirstRoundIndex) -> list[Key]:
    """``MAXIM 2769E``: the named brand's own prefixes (MAX) glued to the following tokens."""
    joins: list[Key] = []
    if work.tokenized is None:
        return joins
    tokens = work.tokenized.tokens
    for org_id in work.evidence.brands:
        for prefix in sorted(index.brand_prefixes.get(org_id, ()), key=len, reverse=True):
            if not prefix.isalpha() or len(prefix) > 4:
                continue
            for token in tokens:
                if not token.norm[:1].isdigit() or len(token.norm) < 3:
                    continue
                if token.norm.startswith(prefix) or len(joins) >= MAX_BRAND_JOINS:
                    continue
                text = prefix + token.norm
                if text in work.keys:
                    continue
                joins.append(
                    Key(
                        text,
                        0.8,
                        (token.index,),
                        "brand",
                        f"{prefix}+{token.raw}",
                    )
                )
    return joins


def range_keys(work: TextWork) -> list[Key]:
    """The likeliest keys to search as the start of a catalog MPN (a marking cut short)."""
    if work.tokenized is None:
        return []
    return [
        key
        for key in sorted(work.keys.values(), key=lambda k: -k.weight)
        if (key.weight >= 0.3 or len(key.text) >= LONG_KEY)
        and len(key.text) >= MIN_RANGE_KEY
        and _HAS_DIGIT.search(key.text)
        and (_HAS_LETTER.search(key.text) or len(key.text) >= MIN_DIGITS_RANGE_KEY)
    ][:RANGE_KEYS]


def prefix_probes(keys: list[Key]) -> list[RangeProbe]:
    """Catalog MPNs that start with each key: those continuing with a letter (a package or
    grade code: the same part) first, then a few continuing with a digit."""
    probes = []
    for key in keys:
        probes.append(
            RangeProbe(key.text, key.text + "A", key.text + RANGE_END, RANGE_LETTER_LIMIT)
        )
        probes.append(RangeProbe(key.text, key.text, key.text + DIGIT_END, RANGE_DIGIT_LIMIT))
    return probes


def needs_prefix_round(work: TextWork) -> bool:
    """No plausible key matched exactly: the marking may be cut short."""
    return work.tokenized is not None and not _strong_hit(work)


def apply_prefix_round(work: TextWork, found: dict[str, list[PartRow]], joins: list[Key]):
    for join in joins:
        _add_key(work, join)
    for key in list(work.keys.values()):
        rows = found.get(key.text)
        if not rows:
            continue
        known = {m.part.id for m in work.evidence.parts if m.key is key}
        for row in rows:
            if row.id in known:
                continue
            known.add(row.id)
            target = row.base if row.base.startswith(key.text) else row.norm
            if key.text == row.norm or key.text == row.base:
                match = "exact" if key.text == row.norm else "base"
                reason = (
                    f"{key.written} read as {row.mpn}"
                    if key.kind == "brand"
                    else f"exact MPN {row.mpn} ({key.written})"
                )
                work.evidence.parts.append(PartMatch(row, key, match, reason))
                continue
            rest = row.norm[len(key.text) :]
            work.evidence.parts.append(
                PartMatch(
                    row,
                    key,
                    "prefix",
                    f"{key.written} is the start of {row.mpn} (marking cut short)",
                    coverage=len(key.text) / max(len(target), len(key.text)),
                    digit_continuation=rest[:1].isdigit(),
                )
            )


def fuzzy_keys(work: TextWork) -> list[Key]:
    """Keys to search by similarity when neither an exact key nor a long prefix matched."""
    if work.tokenized is None or _strong_hit(work):
        return []
    for found in work.evidence.parts:
        near = found.match == "prefix" and found.coverage >= 0.6
        near = near or (
            found.match in ("head", "fold-head") and found.coverage >= STRONG_HEAD_COVERAGE
        )
        if near and found.key.weight >= 0.5:
            return []
    return [
        key
        for key in sorted(work.keys.values(), key=lambda k: -k.weight)
        if key.weight >= 0.5 and len(key.text) >= MIN_RANGE_KEY and key.kind != "brand"
    ][:FUZZY_KEYS]


def fuzzy_probes(keys: list[Key]) -> list[RangeProbe]:
    """The folded MPNs next to each folded key in byte order, on both databases: those that
    start with it (cut short and misread) and its neighbours sharing the first
    :data:`FOLD_HEAD` characters (a misreading further on). Where the misreading is in the
    first characters, PostgreSQL's trigram search takes over (``Lookup.trigram_round``)."""
    probes = []
    for key in keys:
        folded = fold(key.text)
        head = folded[:FOLD_HEAD]
        probes.append(RangeProbe(folded, folded, head + RANGE_END, NEIGHBOURS))
        probes.append(RangeProbe(folded, head, folded, NEIGHBOURS, descending=True))
    return probes


def needs_trigram(work: TextWork, keys: list[Key]) -> list[Key]:
    """The keys whose byte-order neighbours held nothing close and whose first characters
    are no curated prefix family: only a misreading there hides a part from the neighbours,
    and a key that starts like a known maker's part numbers was most likely read right."""
    best: dict[str, float] = {}
    for found in work.evidence.parts:
        if found.match == "fuzzy":
            best[found.key.text] = max(best.get(found.key.text, 0.0), found.similarity)
        elif found.match == "fold-prefix":
            best[found.key.text] = 1.0
    return [
        key
        for key in keys
        if best.get(key.text, 0.0) < CLOSE_ENOUGH and key.text not in work.evidence.families
    ]


def apply_fuzzy_round(
    work: TextWork, keys: list[Key], found: dict[str, list[PartRow]], min_similarity: float
) -> None:
    """Score each folded candidate by similarity (rapidfuzz's normalised Levenshtein, against
    the base and the whole MPN) and keep the close ones."""
    for key in keys:
        folded = fold(key.text)
        known = {m.part.id for m in work.evidence.parts}
        for row in found.get(folded, ()):
            if row.id in known:
                continue
            known.add(row.id)
            if row.fold.startswith(folded) and len(folded) >= MIN_RANGE_KEY:
                work.evidence.parts.append(
                    PartMatch(
                        row,
                        key,
                        "fold-prefix",
                        f"{key.written} read as the start of {row.mpn} (look-alike "
                        "characters, marking cut short)",
                        coverage=len(folded) / max(len(row.fold), len(folded)),
                        diffs=max(1, _diffs(key.text, row.norm[: len(key.text)])),
                    )
                )
                continue
            similarity = max(
                Levenshtein.normalized_similarity(folded, row.fold),
                Levenshtein.normalized_similarity(folded, fold(row.norm)),
            )
            if similarity < min_similarity:
                continue
            work.evidence.parts.append(
                PartMatch(
                    row,
                    key,
                    "fuzzy",
                    f"{key.written} looks like {row.mpn} ({similarity:.0%} similar)",
                    similarity=similarity,
                    diffs=Levenshtein.distance(folded, row.fold),
                )
            )
