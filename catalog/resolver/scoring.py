"""Evidence -> one calibrated score per candidate and a status.

Each candidate gets a logit (log-odds against "none of these") from how its part was found
(:func:`match_quality`) times how much the text's key looks like a part number (the tokenizer's
weight), plus agreement terms: the curated prefix family of the key, a manufacturer named in the
text, a learned marking. The logits go through a softmax that keeps one unit of mass for "the
answer is none of these", so that two equally good answers from different makers each get about
a half, and a lone weak hint stays weak.

The score shown is the probability that the candidate's *manufacturer* is right, a brand and its
current owner counting as one answer (Maxim and Analog Devices are both right for a MAX part);
``part_score`` is the candidate's own share. The constants below were fitted by hand on the
perturbation benchmark (``bench/bench_resolver.py``) so that at :data:`CONFIDENT_AT` the
manufacturer is right at least 97% of the time; docs/resolver.md has the reliability table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from catalog.resolver.candidates import Evidence, MakerMatch, PartMatch
from catalog.resolver.lookup import Org
from catalog.resolver.result import AMBIGUOUS, CONFIDENT, UNKNOWN, Candidate

CONFIDENT_AT = 0.9
"""Top score from which the answer is ``confident``."""

AMBIGUOUS_AT = 0.35
"""Top score from which the answer is ``ambiguous`` (below: ``unknown``)."""

SLOPE = 8.0
OFFSET = 4.0
"""logit = SLOPE * quality * plausibility - OFFSET: an exact match of a key that looks like a
part number (quality 1, plausibility 1) has odds of e^4 (p = 0.98) against "none of these"."""

MIN_PLAUSIBILITY = 0.05

UNEXPLAINED = 0.15
UNEXPLAINED_CAP = 6
"""Per character of the written token a key leaves out (a dropped tail, a '#' token)."""

LEARNED_BONUS = 1.5
LEARNED_PER_CONFIRMATION = 0.5
AGREEMENT_BONUS = 1.0
"""A learned marking or marking code that agrees with a catalog match."""

FAMILY_AGREE = 0.4
FAMILY_AGREE_CAP = 1.6
FAMILY_DISAGREE = 0.4
FAMILY_DISAGREE_CAP = 1.2

BRAND_STRONG = 2.5
BRAND_WEAK = 1.2
BRAND_OTHER = 1.5
"""Penalty for a candidate whose maker is not the one the text names."""

MAKER_PREFIX_BASE = 0.25
MAKER_PREFIX_STEP = 0.12
MAKER_PREFIX_CAP = 0.85
MAKER_CODE_QUALITY = 0.8
MAKER_LEARNED = 2.5
MAKER_LEARNED_WHOLE = 3.5
MAKER_BRAND_STRONG = 2.0
MAKER_BRAND_WEAK = 0.5
MAKER_EXTRA_SOURCE = 0.5

MAX_CANDIDATES = 10


def plausibility(weight: float) -> float:
    return min(1.0, max(MIN_PLAUSIBILITY, weight))


def match_quality(found: PartMatch) -> float:
    """How well the key matches the part, from 1 (exact) down; see docs/resolver.md."""
    match = found.match
    if match in ("exact", "learned"):
        return 1.0
    if match == "base":
        return 0.97
    if match == "suffix":
        return 0.96 - 0.005 * found.dropped
    if match == "code":
        return 0.85
    if match == "fold":
        return max(0.75, 0.93 - 0.05 * (found.diffs - 1)) + (0.01 if found.whole else 0.0)
    if match == "head":
        return 0.4 + 0.45 * found.coverage
    if match == "fold-head":
        return 0.95 * (0.4 + 0.45 * found.coverage) - 0.03 * max(0, found.diffs - 1)
    if match in ("prefix", "fold-prefix"):
        quality = 0.5 + 0.4 * found.coverage
        if found.digit_continuation:
            quality *= 0.85
        if match == "fold-prefix":
            quality = quality * 0.9 - 0.03 * max(0, found.diffs - 1)
        return quality
    if match == "fuzzy":
        return max(0.0, min(0.8, 0.8 * (found.similarity - 0.6) / 0.4))
    return 0.0


def _length_plausibility(found: PartMatch) -> float:
    """A long key equal to a catalog MPN is no coincidence, whatever the tokenizer thought of
    its shape (``PCA1SO7N`` looks like a lot code); a short one (``274``) may well be."""
    if found.match in ("exact", "base", "suffix"):
        return min(1.0, max(0.0, (len(found.key.text) - 4) / 6))
    if found.match == "fold":
        return min(1.0, max(0.0, (len(found.key.text) - 5) / 6))
    return 0.0


def part_logit(found: PartMatch) -> float:
    if found.match in ("code", "learned"):
        weight = 1.0
    else:
        weight = max(plausibility(found.key.weight), _length_plausibility(found))
    logit = SLOPE * match_quality(found) * weight - OFFSET
    logit -= UNEXPLAINED * min(UNEXPLAINED_CAP, found.key.unexplained)
    if found.match == "learned":
        logit += LEARNED_BONUS + LEARNED_PER_CONFIRMATION * math.log(max(1, found.confirmations))
    return logit


def maker_logit(found: MakerMatch) -> float:
    if found.match == "prefix":
        quality = min(MAKER_PREFIX_CAP, MAKER_PREFIX_BASE + MAKER_PREFIX_STEP * found.prefix_length)
        return SLOPE * quality * plausibility(found.key.weight) - OFFSET
    if found.match == "code":
        return SLOPE * MAKER_CODE_QUALITY - OFFSET
    if found.match == "learned":
        start = MAKER_LEARNED_WHOLE if found.whole else MAKER_LEARNED
        return start + LEARNED_PER_CONFIRMATION * math.log(max(1, found.confirmations))
    return 0.0


@dataclass(slots=True)
class _Scored:
    org_id: int
    logit: float
    match: str
    key: str
    tokens: tuple[int, ...]
    reasons: list[str] = field(default_factory=list)
    part_id: int | None = None
    mpn: str | None = None
    mpn_norm: str = ""


def _group(evidence: Evidence) -> list[_Scored]:
    """One entry per part (its best match), ordering variants of one part merged."""
    by_part: dict[int, list[PartMatch]] = {}
    for found in evidence.parts:
        by_part.setdefault(found.part.id, []).append(found)
    scored: list[_Scored] = []
    for matches in by_part.values():
        matches.sort(key=part_logit, reverse=True)
        best = matches[0]
        logit = part_logit(best)
        kinds = {m.match for m in matches}
        confirmed = kinds & {"learned", "code"}
        if confirmed and kinds - confirmed:
            logit += AGREEMENT_BONUS
        reasons = list(dict.fromkeys(m.reason for m in matches))
        scored.append(
            _Scored(
                org_id=best.part.manufacturer_id,
                logit=logit,
                match=best.match,
                key=best.key.text,
                tokens=best.key.tokens,
                reasons=reasons,
                part_id=best.part.id,
                mpn=best.part.mpn,
                mpn_norm=best.part.norm,
            )
        )
    merged: dict[tuple[int, str], _Scored] = {}
    bases = {found.part.id: found.part.base for found in evidence.parts}
    for entry in sorted(scored, key=lambda s: (-s.logit, len(s.mpn_norm), s.mpn_norm)):
        slot = (entry.org_id, bases[entry.part_id])
        if slot in merged:
            kept = merged[slot]
            note = f"also sold as {entry.mpn} (same part, other packaging)"
            if note not in kept.reasons and len(kept.reasons) < 8:
                kept.reasons.append(note)
            continue
        merged[slot] = entry
    return list(merged.values())


def _owners(org_ids, orgs: dict[int, Org]) -> set[int]:
    return {orgs[org_id].owner_id for org_id in org_ids if org_id in orgs}


def _adjust(entry: _Scored, evidence: Evidence, orgs: dict[int, Org], family_key: str | None):
    """Prefix-family and brand agreement terms for one candidate."""
    owner = orgs[entry.org_id].owner_id
    if entry.part_id is not None and family_key in evidence.families:
        length, makers = evidence.families[family_key]
        if owner in _owners(makers, orgs):
            entry.logit += min(FAMILY_AGREE_CAP, FAMILY_AGREE * (length - 1))
        elif length >= 3:
            entry.logit -= min(FAMILY_DISAGREE_CAP, FAMILY_DISAGREE * (length - 2))
            names = ", ".join(sorted(orgs[m].name for m in makers if m in orgs))
            entry.reasons.append(f"but {family_key[:length]} is a prefix of {names}")
    if evidence.brands and entry.match != "brand":
        named = [b for b in evidence.brands.values() if orgs[b.org_id].owner_id == owner]
        if named:
            strong = any(b.strong for b in named)
            entry.logit += BRAND_STRONG if strong else BRAND_WEAK
            entry.reasons.append(f"the text names the manufacturer ({named[0].phrase})")
        else:
            strong = any(b.strong for b in evidence.brands.values())
            entry.logit -= BRAND_OTHER if strong else BRAND_OTHER / 3
            phrases = ", ".join(sorted({b.phrase for b in evidence.brands.values()}))
            entry.reasons.append(f"but the text names another manufacturer ({phrases})")


def _match_name(entry: _Scored) -> str:
    if entry.part_id is None and entry.match == "prefix":
        return "prefix-family"
    return entry.match


def score(evidence: Evidence, orgs: dict[int, Org]) -> tuple[str, list[Candidate], list]:
    """(status, candidates best first, token indexes behind the best candidate)."""
    parts = _group(evidence)
    part_owners = {orgs[p.org_id].owner_id for p in parts}

    makers: dict[int, _Scored] = {}
    extra: dict[int, list[tuple[float, str]]] = {}
    sources: dict[int, list[tuple[float, MakerMatch]]] = {}
    for found in evidence.makers:
        owner = orgs[found.org_id].owner_id
        if owner in part_owners:
            if found.match in ("learned", "code"):
                extra.setdefault(owner, []).append((AGREEMENT_BONUS, found.reason))
            continue
        sources.setdefault(found.org_id, []).append((maker_logit(found), found))
    for org_id, found_list in sources.items():
        found_list.sort(key=lambda pair: -pair[0])
        logit, best = found_list[0]
        kinds = {found.match for _, found in found_list}
        makers[org_id] = _Scored(
            org_id,
            logit + MAKER_EXTRA_SOURCE * (len(kinds) - 1),
            best.match,
            best.key.text if best.key else "",
            best.key.tokens if best.key else (),
            list(dict.fromkeys(found.reason for _, found in found_list)),
        )
    for brand in evidence.brands.values():
        owner = orgs[brand.org_id].owner_id
        if owner in part_owners or brand.org_id in makers:
            continue
        if any(orgs[m].owner_id == owner for m in makers):
            continue
        makers[brand.org_id] = _Scored(
            brand.org_id,
            MAKER_BRAND_STRONG if brand.strong else MAKER_BRAND_WEAK,
            "brand",
            "",
            (),
            [],
        )

    entries = parts + list(makers.values())
    for entry in entries:
        _adjust(entry, evidence, orgs, entry.key or None)
        for bonus, reason in extra.get(orgs[entry.org_id].owner_id, ()):
            if entry.part_id is not None:
                entry.logit += bonus
                entry.reasons.append(reason)
    if not entries:
        return UNKNOWN, [], []

    top = max(entry.logit for entry in entries)
    weights = [math.exp(entry.logit - top) for entry in entries]
    total = sum(weights) + math.exp(-top)
    group: dict[int, float] = {}
    shares = []
    for entry, weight in zip(entries, weights, strict=True):
        share = weight / total
        shares.append(share)
        owner = orgs[entry.org_id].owner_id
        group[owner] = group.get(owner, 0.0) + share

    ranked = sorted(
        zip(entries, shares, strict=True),
        key=lambda pair: (
            -group[orgs[pair[0].org_id].owner_id],
            -pair[1],
            pair[0].part_id is None,
            pair[0].mpn_norm,
        ),
    )[:MAX_CANDIDATES]
    candidates = []
    for entry, share in ranked:
        org = orgs[entry.org_id]
        reasons = entry.reasons or [f"the text names {org.name}"]
        candidates.append(
            Candidate(
                part_id=entry.part_id,
                mpn=entry.mpn,
                manufacturer_id=org.id,
                manufacturer=org.name,
                owner_id=org.owner_id,
                owner=org.owner_name,
                country=org.country,
                score=round(min(1.0, group[org.owner_id]), 4),
                part_score=round(share, 4),
                match=_match_name(entry),
                key=entry.key,
                reasons=reasons,
            )
        )
    best = candidates[0].score
    status = CONFIDENT if best >= CONFIDENT_AT else AMBIGUOUS if best >= AMBIGUOUS_AT else UNKNOWN
    return status, candidates, list(ranked[0][0].tokens)
