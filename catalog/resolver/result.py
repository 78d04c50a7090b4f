"""What the resolver answers for one text: ranked candidates, a status, a date code and a lot code.

Plain dataclasses with ``to_dict()`` (JSON-safe), shared by the service, the API, the CLI and the
findings service, which reads them by attribute or through ``to_dict()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

CONFIDENT = "confident"
AMBIGUOUS = "ambiguous"
UNKNOWN = "unknown"
STATUSES = (CONFIDENT, AMBIGUOUS, UNKNOWN)


@dataclass(slots=True)
class Candidate:
    """One answer: a catalog part (``part_id``/``mpn`` set) or only a manufacturer.

    ``score`` is the calibrated probability that the manufacturer is right, a brand and its
    current owner counting as the same answer (see docs/resolver.md); ``part_score`` is the
    share of that belief resting on this very part, so two package variants of one part share
    the manufacturer's ``score`` and split the ``part_score``.
    """

    part_id: int | None
    mpn: str | None
    manufacturer_id: int
    manufacturer: str
    owner_id: int
    owner: str
    country: str
    score: float
    part_score: float
    match: str
    """How the part was found: exact, base, suffix, fold, prefix, fuzzy, code, learned, maker."""
    key: str
    """The marking text (normalised) the candidate was found from."""
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "part_id": self.part_id,
            "mpn": self.mpn,
            "manufacturer_id": self.manufacturer_id,
            "manufacturer": self.manufacturer,
            "owner_id": self.owner_id,
            "owner": self.owner,
            "country": self.country,
            "score": self.score,
            "part_score": self.part_score,
            "match": self.match,
            "key": self.key,
            "reasons": list(self.reasons),
        }


@dataclass(slots=True)
class DateCode:
    """The chosen reading of the marking's date code, with the other readings of that token."""

    token: str
    rule: str
    start: date
    end: date
    after_export_controls: bool
    possibly_after: bool
    confidence: float
    explanation: str
    earliest: date
    """First possible day over every reading of the token (another decade, another rule)."""
    latest: date
    readings: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "token": self.token,
            "rule": self.rule,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "after_export_controls": self.after_export_controls,
            "possibly_after": self.possibly_after,
            "confidence": self.confidence,
            "explanation": self.explanation,
            "earliest": self.earliest.isoformat(),
            "latest": self.latest.isoformat(),
            "readings": [dict(reading) for reading in self.readings],
        }


@dataclass(slots=True)
class Resolution:
    """The resolver's answer for one text."""

    text: str
    status: str
    candidates: list[Candidate]
    date_code: DateCode | None
    lot_code: str | None
    words: list[str]
    tokens: list[dict]
    part_candidates: list[str]
    warnings: list[str]
    error: str | None = None
    """Why the text could not be read at all (empty, too long...): status is then unknown."""
    part_number: str | None = None
    """The part number as the resolver reads it off the marking (normalised), in the catalog
    or not: the best candidate's key, else the likeliest part-number token."""

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "status": self.status,
            "candidates": [candidate.to_dict() for candidate in self.candidates],
            "date_code": self.date_code.to_dict() if self.date_code else None,
            "lot_code": self.lot_code,
            "words": list(self.words),
            "tokens": [dict(token) for token in self.tokens],
            "part_number": self.part_number,
            "part_candidates": list(self.part_candidates),
            "warnings": list(self.warnings),
            "error": self.error,
        }
