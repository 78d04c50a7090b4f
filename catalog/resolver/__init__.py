"""The resolver: free marking text -> part, manufacturer (and its owner) and date code.

Pure-Python stages live in :mod:`catalog.resolver.tokenize` (marking text -> tokens and
candidates) and :mod:`catalog.resolver.datecodes` (date code -> manufacture date ranges); the
database stages in :mod:`~catalog.resolver.lookup`, :mod:`~catalog.resolver.candidates`,
:mod:`~catalog.resolver.scoring` and :mod:`~catalog.resolver.service`.

``resolve``, ``resolve_many``, ``learn`` and ``unlearn`` import the service on first call, so that the pure
stages stay importable without Django being set up.
"""

from catalog.resolver.result import (
    AMBIGUOUS,
    CONFIDENT,
    UNKNOWN,
    Candidate,
    DateCode,
    Resolution,
)

__all__ = [
    "AMBIGUOUS",
    "CONFIDENT",
    "UNKNOWN",
    "Candidate",
    "DateCode",
    "Resolution",
    "learn",
    "relearn",
    "resolve",
    "resolve_many",
    "unlearn",
]


def resolve(text, **options) -> Resolution:
    """Resolve one marking text (see :func:`catalog.resolver.service.resolve_many`)."""
    from catalog.resolver import service

    return service.resolve(text, **options)


def resolve_many(texts, **options) -> list[Resolution]:
    """Resolve many marking texts with a few queries per batch, in the order given."""
    from catalog.resolver import service

    return service.resolve_many(texts, **options)


def learn(marking, part_id, manufacturer_id, finding_id=None):
    """Remember a confirmed finding's marking so that it resolves first time next."""
    from catalog.resolver import service

    return service.learn(marking, part_id, manufacturer_id, finding_id)


def unlearn(marking, part_id, manufacturer_id, finding_id=None):
    """Take back one confirmation taught by a finding that is no longer confirmed."""
    from catalog.resolver import service

    return service.unlearn(marking, part_id, manufacturer_id, finding_id)


def relearn(lessons, actor=None, *, dry_run=False):
    """Rebuild the learned markings from every (marking, part, maker, finding) still confirmed."""
    from catalog.resolver import service

    return service.relearn(lessons, actor, dry_run=dry_run)
