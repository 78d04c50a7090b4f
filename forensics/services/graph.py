"""The supply-chain graph around an organisation or downstream of a finding's manufacturer.

One recursive query walks catalog_supplylink and returns the edges; one more loads the nodes and,
for those who may see screening, one more counts their screening hits. A constant number of
queries whatever the depth.

The walk is a breadth-first search written as `WITH RECURSIVE walk(org_id, depth) ... UNION ...`:
UNION (not UNION ALL) drops any (organisation, depth) row already produced, so each level holds each
organisation once, and the depth bound ends the recursion, cycles or not. The work is bounded by
organisations × depth. A path-array walk (`NOT org = ANY(path)`) is cycle-safe too, but it
enumerates every simple path, which grows exponentially with depth in a graph with cycles and
diamonds (bench.bench_graph prints both). The same SQL runs on PostgreSQL and SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count

from catalog.models import Organisation, Part, ScreeningHit, SupplyLink, can_see_screening

DEFAULT_DEPTH = 3
MAX_DEPTH = 10


def max_edges() -> int:
    return int(getattr(settings, "GRAPH_MAX_EDGES", 5000))


LINKS = SupplyLink._meta.db_table
PARTS = Part._meta.db_table
ORGANISATIONS = Organisation._meta.db_table

_EDGE_COLUMNS = """
    l.id, l.seller_id, l.buyer_id, l.part_id, p.mpn, l.lot_code, l.start_date, l.end_date,
    l.evidence_kind, l.confidence, l.source_reference, s.depth, b.depth
"""

ORGANISATION_GRAPH_SQL = f"""
WITH RECURSIVE walk(org_id, depth) AS (
    SELECT o.id, 0 FROM {ORGANISATIONS} o WHERE o.id = %(start)s
    UNION
    SELECT CASE WHEN l.seller_id = w.org_id THEN l.buyer_id ELSE l.seller_id END, w.depth + 1
    FROM walk w
    JOIN {LINKS} l ON l.seller_id = w.org_id OR l.buyer_id = w.org_id
    WHERE w.depth < %(depth)s
),
reached(org_id, depth) AS (SELECT org_id, MIN(depth) FROM walk GROUP BY org_id)
SELECT {_EDGE_COLUMNS}
FROM {LINKS} l
JOIN reached s ON s.org_id = l.seller_id
JOIN reached b ON b.org_id = l.buyer_id
LEFT JOIN {PARTS} p ON p.id = l.part_id
WHERE s.depth < %(depth)s OR b.depth < %(depth)s
ORDER BY l.id
LIMIT %(limit)s
"""
"""Both directions from one organisation: who sold to it, whom it sold to, and so on."""

# The finding's chain is the evidence about its part: links naming that part (a finding matched
# to a manufacturer only: links naming no part), of its lot or of no stated lot. General "X buys
# from Y" links are the organisation graph's business.
_FINDING_LINK = (
    "(l.part_id = %(part)s OR (%(part)s IS NULL AND l.part_id IS NULL)) "
    "AND (%(lot)s = '' OR l.lot_code = '' OR l.lot_code = %(lot)s)"
)

FINDING_TRACE_SQL = f"""
WITH RECURSIVE walk(org_id, depth) AS (
    SELECT o.id, 0 FROM {ORGANISATIONS} o WHERE o.id = %(maker)s OR o.id = %(owner)s
    UNION
    SELECT l.buyer_id, w.depth + 1
    FROM walk w
    JOIN {LINKS} l ON l.seller_id = w.org_id
    WHERE w.depth < %(depth)s AND {_FINDING_LINK}
),
reached(org_id, depth) AS (SELECT org_id, MIN(depth) FROM walk GROUP BY org_id)
SELECT {_EDGE_COLUMNS}
FROM {LINKS} l
JOIN reached s ON s.org_id = l.seller_id
JOIN reached b ON b.org_id = l.buyer_id
LEFT JOIN {PARTS} p ON p.id = l.part_id
WHERE s.depth < %(depth)s AND {_FINDING_LINK}
ORDER BY l.id
LIMIT %(limit)s
"""
"""Downstream only, from the finding's manufacturer (and its owner), along links of its part/lot."""


@dataclass
class Graph:
    nodes: list[dict]
    edges: list[dict]
    depth: int
    truncated: bool

    def as_dict(self) -> dict:
        return {
            "depth": self.depth,
            "truncated": self.truncated,
            "nodes": self.nodes,
            "edges": self.edges,
        }


def _iso(value):
    if value is None:
        return None
    return value if isinstance(value, str) else value.isoformat()


def _run(sql: str, params: dict, roots: dict[int, int], depth: int, user) -> Graph:
    limit = max_edges()
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "depth": depth, "limit": limit + 1})
        rows = cursor.fetchall()
    truncated = len(rows) > limit
    rows = rows[:limit]
    depths = dict(roots)
    edges = []
    for (
        pk,
        seller,
        buyer,
        part_id,
        mpn,
        lot,
        start,
        end,
        kind,
        confidence,
        reference,
        seller_depth,
        buyer_depth,
    ) in rows:
        depths[seller] = min(depths.get(seller, seller_depth), seller_depth)
        depths[buyer] = min(depths.get(buyer, buyer_depth), buyer_depth)
        edges.append(
            {
                "id": pk,
                "seller": seller,
                "buyer": buyer,
                "part": {"id": part_id, "mpn": mpn} if part_id is not None else None,
                "lot_code": lot,
                "start_date": _iso(start),
                "end_date": _iso(end),
                "evidence_kind": kind,
                "confidence": confidence,
                "source_reference": reference,
            }
        )
    return Graph(_nodes(depths, user), edges, depth, truncated)


def _nodes(depths: dict[int, int], user) -> list[dict]:
    """The organisations of the graph, with roles and, for those who may see screening, the
    number of screening hits not marked false positive."""
    ids = list(depths)
    flags = [field for field, _label in Organisation.ROLE_FIELDS]
    rows = (
        Organisation.objects.filter(pk__in=ids)
        .order_by("pk")
        .values("pk", "name", "country", "needs_review", *flags)
    )
    hits = None
    if can_see_screening(user):
        hits = dict(
            ScreeningHit.objects.active()
            .filter(organisation_id__in=ids)
            .order_by()
            .values_list("organisation_id")
            .annotate(n=Count("pk"))
        )
    nodes = []
    for row in rows:
        node = {
            "id": row["pk"],
            "name": row["name"],
            "country": row["country"],
            "roles": [label for field, label in Organisation.ROLE_FIELDS if row[field]],
            "needs_review": row["needs_review"],
            "depth": depths[row["pk"]],
        }
        if hits is not None:
            count = hits.get(row["pk"], 0)
            node["screening"] = {"hits": count, "flagged": count > 0}
        nodes.append(node)
    return nodes


def clamp_depth(value) -> int:
    """The requested depth as an int in 1..MAX_DEPTH; ValueError with a message otherwise."""
    if value in (None, ""):
        return DEFAULT_DEPTH
    try:
        depth = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"depth must be a whole number from 1 to {MAX_DEPTH}.")
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be from 1 to {MAX_DEPTH}.")
    return depth


def organisation_graph(organisation: Organisation, depth: int, user) -> Graph:
    """Every supply link within `depth` hops of the organisation, in either direction."""
    return _run(
        ORGANISATION_GRAPH_SQL, {"start": organisation.pk}, {organisation.pk: 0}, depth, user
    )


def finding_trace(finding, depth: int, user) -> Graph:
    """The chain downstream of the finding's manufacturer (and its owner): links naming the
    finding's part (none, for a finding matched to a manufacturer only), of its lot or no lot."""
    maker = finding.manufacturer or (finding.part.manufacturer if finding.part_id else None)
    if maker is None:
        return Graph([], [], depth, False)
    roots = {maker.pk: 0}
    if maker.owner_id:
        roots[maker.owner_id] = 0
    params = {
        "maker": maker.pk,
        "owner": maker.owner_id or maker.pk,
        "part": finding.part_id,
        "lot": finding.lot_code or "",
    }
    return _run(FINDING_TRACE_SQL, params, roots, depth, user)
