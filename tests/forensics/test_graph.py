"""The supply-chain graph: one recursive query (same SQL on SQLite and PostgreSQL), both directions
for an organisation, downstream along the part and lot for a finding, cycles, depth bounds, a
constant number of queries, and screening hits on the nodes."""

import random
from collections import deque

import pytest

from catalog import screening
from catalog.models import ScreeningHit, SupplyLink
from forensics.models import Sharing
from forensics.services import graph
from tests.factories import DistributorFactory, OrganisationFactory, PartFactory, SupplyLinkFactory

from .findings_support import recovery
from .traces_support import confirmed_finding


@pytest.fixture
def chain(users, maker_a):
    """maker → dist → broker → broker2 → importer, broker2 → dist (a cycle), plus noise: the maker
    sells another part to `other`, `dist` sells another lot to `side`, and broker → importer is a
    general link naming no part."""
    part = PartFactory(manufacturer=maker_a, mpn="CHAIN1")
    other_part = PartFactory(manufacturer=maker_a, mpn="OTHER1")
    orgs = {"maker": maker_a}
    for name in ("dist", "broker", "broker2", "importer", "other", "side"):
        orgs[name] = DistributorFactory(name=f"Org {name}")

    def link(seller, buyer, part=part, lot="LOT1"):
        return SupplyLinkFactory(
            seller=orgs[seller], buyer=orgs[buyer], part=part, lot_code=lot, evidence_kind="invoice"
        )

    links = {
        "maker-dist": link("maker", "dist"),
        "dist-broker": link("dist", "broker"),
        "broker-broker2": link("broker", "broker2", lot=""),
        "broker-importer-general": link("broker", "importer", part=None, lot=""),
        "broker2-importer": link("broker2", "importer"),
        "broker2-dist": link("broker2", "dist"),
        "maker-other": link("maker", "other", part=other_part),
        "dist-side": link("dist", "side", lot="LOT9"),
    }
    finding = confirmed_finding(recovery(sharing=Sharing.GREEN), maker_a, mpn=None, lot="LOT1")
    finding.part = part
    finding.save()
    return {"orgs": orgs, "links": links, "finding": finding, "part": part}


def names(data, chain):
    by_id = {org.pk: name for name, org in chain["orgs"].items()}
    return {by_id[n["id"]]: n["depth"] for n in data["nodes"]}


def edges(data, chain):
    by_id = {link.pk: name for name, link in chain["links"].items()}
    return {by_id[e["id"]] for e in data["edges"]}


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def test_organisation_graph_walks_both_directions_to_the_depth_asked(client_for, chain):
    api = client_for("analyst")
    dist = chain["orgs"]["dist"].pk
    one = get(api, f"/api/v1/organisations/{dist}/graph/?depth=1")
    assert names(one, chain) == {"dist": 0, "maker": 1, "broker": 1, "broker2": 1, "side": 1}
    assert edges(one, chain) == {"maker-dist", "dist-broker", "broker2-dist", "dist-side"}
    assert one["depth"] == 1 and one["truncated"] is False
    deep = get(api, f"/api/v1/organisations/{dist}/graph/?depth=10")
    assert names(deep, chain) == {
        "dist": 0,
        "maker": 1,
        "broker": 1,
        "broker2": 1,
        "side": 1,
        "importer": 2,
        "other": 2,
    }
    assert edges(deep, chain) == set(chain["links"])
    default = get(api, f"/api/v1/organisations/{dist}/graph/")
    assert default["depth"] == graph.DEFAULT_DEPTH


def test_edges_carry_dates_evidence_confidence_part_and_lot(client_for, chain):
    link = chain["links"]["maker-dist"]
    data = get(client_for("curator"), f"/api/v1/organisations/{chain['orgs']['maker'].pk}/graph/")
    edge = next(e for e in data["edges"] if e["id"] == link.pk)
    assert edge == {
        "id": link.pk,
        "seller": link.seller_id,
        "buyer": link.buyer_id,
        "part": {"id": chain["part"].pk, "mpn": "CHAIN1"},
        "lot_code": "LOT1",
        "start_date": None,
        "end_date": None,
        "evidence_kind": "invoice",
        "confidence": "unproven",
        "source_reference": "",
    }
    node = next(n for n in data["nodes"] if n["id"] == link.buyer_id)
    assert node["roles"] == ["authorized_distributor"]
    assert node["country"] == "US"
    assert node["screening"] == {"hits": 0, "flagged": False}


def test_finding_trace_follows_the_part_and_lot_downstream(client_for, chain):
    data = get(client_for("researcher"), f"/api/v1/findings/{chain['finding'].pk}/trace/?depth=10")
    assert data["finding"] == chain["finding"].pk
    assert edges(data, chain) == {
        "maker-dist",
        "dist-broker",
        "broker-broker2",
        "broker2-importer",
        "broker2-dist",
    }
    assert names(data, chain) == {"maker": 0, "dist": 1, "broker": 2, "broker2": 3, "importer": 4}
    short = get(client_for("analyst"), f"/api/v1/findings/{chain['finding'].pk}/trace/?depth=2")
    assert edges(short, chain) == {"maker-dist", "dist-broker"}


def test_a_finding_matched_to_a_manufacturer_only_follows_links_naming_no_part(
    client_for, chain, maker_a
):
    general = SupplyLinkFactory(seller=maker_a, buyer=chain["orgs"]["side"], lot_code="")
    finding = confirmed_finding(recovery(sharing=Sharing.GREEN), maker_a, mpn=None, lot="")
    data = get(client_for("analyst"), f"/api/v1/findings/{finding.pk}/trace/?depth=10")
    assert {e["id"] for e in data["edges"]} == {general.pk}


def test_finding_trace_starts_at_the_owner_too(client_for, chain, maker_b):
    brand = chain["orgs"]["maker"]
    brand.owner = maker_b
    brand.save()
    owner_link = SupplyLinkFactory(seller=maker_b, buyer=chain["orgs"]["side"], part=chain["part"])
    data = get(client_for("analyst"), f"/api/v1/findings/{chain['finding'].pk}/trace/?depth=1")
    ids = {e["id"] for e in data["edges"]}
    assert owner_link.pk in ids and chain["links"]["maker-dist"].pk in ids
    assert {n["id"]: n["depth"] for n in data["nodes"]}[maker_b.pk] == 0


def test_a_finding_without_a_manufacturer_has_an_empty_trace(client_for, users):
    from forensics.models import Finding

    finding = Finding.objects.create(recovery=recovery(sharing=Sharing.GREEN), marking="???")
    data = get(client_for("analyst"), f"/api/v1/findings/{finding.pk}/trace/")
    assert data["nodes"] == [] and data["edges"] == []


@pytest.mark.parametrize("depth", ["0", "11", "-1", "two", "1.5"])
def test_a_bad_depth_is_400(client_for, chain, depth):
    api = client_for("analyst")
    for url in (
        f"/api/v1/organisations/{chain['orgs']['dist'].pk}/graph/?depth={depth}",
        f"/api/v1/findings/{chain['finding'].pk}/trace/?depth={depth}",
    ):
        response = api.get(url)
        assert response.status_code == 400
        assert "depth" in response.json()


def test_unknown_or_hidden_rows_are_404(client_for, chain, maker_a):
    api = client_for("analyst")
    assert api.get("/api/v1/organisations/999999/graph/").status_code == 404
    assert api.get("/api/v1/findings/999999/trace/").status_code == 404
    amber = confirmed_finding(recovery(sharing=Sharing.AMBER), maker_a, mpn="AMB1")
    assert client_for("researcher").get(f"/api/v1/findings/{amber.pk}/trace/").status_code == 404
    assert api.get(f"/api/v1/findings/{amber.pk}/trace/").status_code == 200


def test_the_number_of_queries_does_not_depend_on_the_depth(client_for, chain, count_queries):
    api = client_for("analyst")
    dist = chain["orgs"]["dist"].pk
    api.get(f"/api/v1/organisations/{dist}/graph/?depth=1")  # warms the per-user role cache
    counts = []
    for depth in (1, 3, 10):
        with count_queries() as ctx:
            get(api, f"/api/v1/organisations/{dist}/graph/?depth={depth}")
        counts.append(len(ctx.captured_queries))
        with count_queries() as ctx:
            get(api, f"/api/v1/findings/{chain['finding'].pk}/trace/?depth={depth}")
        counts.append(len(ctx.captured_queries))
    assert len(set(counts[0::2])) == 1 and len(set(counts[1::2])) == 1, counts
    recursive = [q for q in ctx.captured_queries if "WITH RECURSIVE" in q["sql"]]
    assert len(recursive) == 1


def test_a_graph_larger_than_the_limit_is_truncated(client_for, chain, settings):
    settings.GRAPH_MAX_EDGES = 3
    data = get(
        client_for("analyst"), f"/api/v1/organisations/{chain['orgs']['dist'].pk}/graph/?depth=10"
    )
    assert data["truncated"] is True
    assert len(data["edges"]) == 3


def test_nodes_show_screening_hits_not_marked_false_positive(client_for, chain, tmp_path, users):
    from tests.catalog.test_screening import csl_row, import_file, write_csl

    rows = [csl_row("Org Broker", "el-1"), csl_row("Org Broker Two", "el-2")]
    import_file(write_csl(tmp_path / "csl.csv", rows))
    broker = chain["orgs"]["broker"]
    assert ScreeningHit.objects.filter(organisation=broker).count() == 2
    screening.mark_false_positive(
        ScreeningHit.objects.get(organisation=broker, entry__uid="el-2"), users["curator"]
    )
    data = get(client_for("analyst"), f"/api/v1/organisations/{broker.pk}/graph/?depth=1")
    node = next(n for n in data["nodes"] if n["id"] == broker.pk)
    assert node["screening"] == {"hits": 1, "flagged": True}
    researcher = get(client_for("researcher"), f"/api/v1/organisations/{broker.pk}/graph/")
    assert all("screening" not in n for n in researcher["nodes"])


def bfs(adjacency, start, depth):
    seen = {start: 0}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if seen[node] == depth:
            continue
        for neighbour in adjacency[node]:
            if neighbour not in seen:
                seen[neighbour] = seen[node] + 1
                queue.append(neighbour)
    return seen


def test_the_recursive_query_agrees_with_a_breadth_first_search(users):
    """A random graph with cycles and parallel links: nodes, depths and edges match a plain BFS."""
    rng = random.Random(5)
    orgs = [OrganisationFactory(name=f"Random Org {n}", is_manufacturer=n < 5) for n in range(40)]
    links = []
    for _ in range(120):
        seller, buyer = rng.sample(orgs, 2)
        links.append(SupplyLink(seller=seller, buyer=buyer, evidence_kind="inference"))
    SupplyLink.objects.bulk_create(links)
    adjacency = {org.pk: set() for org in orgs}
    for link in SupplyLink.objects.all():
        adjacency[link.seller_id].add(link.buyer_id)
        adjacency[link.buyer_id].add(link.seller_id)
    analyst = users["analyst"]
    for start in rng.sample(orgs, 5):
        for depth in (1, 2, 4):
            result = graph.organisation_graph(start, depth, analyst)
            expected = bfs(adjacency, start.pk, depth)
            assert {n["id"]: n["depth"] for n in result.nodes} == expected
            expected_edges = {
                link.pk
                for link in SupplyLink.objects.all()
                if link.seller_id in expected
                and link.buyer_id in expected
                and min(expected[link.seller_id], expected[link.buyer_id]) < depth
            }
            assert {e["id"] for e in result.edges} == expected_edges
