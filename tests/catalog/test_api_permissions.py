"""Who may do what on every catalog endpoint: role × endpoint × action, plus "A never sees B"."""

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest

from catalog import services
from catalog.models import MarkingCode, OrganisationAlias, Ownership
from tests.factories import (
    DistributorFactory,
    DistributorOfferFactory,
    OrganisationFactory,
    PartFactory,
    SupplyLinkFactory,
)

ROLES = [
    "anonymous",
    "norole",
    "analyst",
    "curator",
    "researcher",
    "admin",
    "manufacturer_a",
    "manufacturer_b",
]
INVESTIGATORS = {"analyst", "curator", "researcher", "admin"}
CATALOG_READERS = INVESTIGATORS | {"manufacturer_a", "manufacturer_b"}
CURATORS = {"curator", "admin"}


@pytest.fixture
def world(users, maker_a, maker_b):
    """Rows on maker A's side (its brand, parts, codes...) and on maker B's side."""
    w = SimpleNamespace(maker_a=maker_a, maker_b=maker_b)
    w.brand_a = OrganisationFactory(name="Brand Owned By A")
    w.brand_b = OrganisationFactory(name="Brand Owned By B")
    w.ownership_a = services.save_ownership(Ownership(brand=w.brand_a, owner=maker_a))
    w.ownership_b = services.save_ownership(Ownership(brand=w.brand_b, owner=maker_b))
    w.part_a = PartFactory(manufacturer=maker_a, mpn="AAA100")
    w.part_brand_a = PartFactory(manufacturer=w.brand_a, mpn="AAB200")
    w.part_b = PartFactory(manufacturer=maker_b, mpn="BBB100")
    w.part_spare = PartFactory(manufacturer=maker_a, mpn="SPARE1")
    w.alias_a = services.save_alias(OrganisationAlias(organisation=maker_a, name="MakerA Alt"))
    w.alias_b = services.save_alias(OrganisationAlias(organisation=maker_b, name="MakerB Alt"))
    w.code_a = services.save_marking_code(
        MarkingCode(manufacturer=maker_a, code="AA1", part=w.part_a)
    )
    w.code_b = services.save_marking_code(
        MarkingCode(manufacturer=maker_b, code="BB1", part=w.part_b)
    )
    w.distributor = DistributorFactory(name="Dist One")
    w.offer_a = DistributorOfferFactory(distributor=w.distributor, part=w.part_a, sku="A-ND")
    w.offer_b = DistributorOfferFactory(distributor=w.distributor, part=w.part_b, sku="B-ND")
    w.link = SupplyLinkFactory(seller=maker_a, buyer=w.distributor, part=w.part_a)
    w.spare_org = OrganisationFactory(name="Nobody Depends On Me")
    w.spare_brand = OrganisationFactory(name="Unowned Brand")
    return w


@dataclass
class Endpoint:
    path: str
    target: str  # attribute of `world` on maker A's side
    other: str  # the same kind of row on maker B's side ("" when there is none)
    spare: str  # a row that may be deleted
    create: callable
    update: dict
    readers: set = field(default_factory=lambda: CATALOG_READERS)
    writers: set = field(default_factory=lambda: CURATORS)


ENDPOINTS = {
    "organisations": Endpoint(
        "organisations",
        "maker_a",
        "maker_b",
        "spare_org",
        lambda w: {"name": "New Broker Ltd", "is_independent_distributor": True, "country": "hk"},
        {"notes": "checked"},
    ),
    "manufacturers": Endpoint(
        "manufacturers",
        "maker_a",
        "maker_b",
        "spare_org",
        lambda w: {"name": "New Maker Semiconductors", "country": "TW"},
        {"website": "https://maker-a.example"},
    ),
    "parts": Endpoint(
        "parts",
        "part_a",
        "part_b",
        "part_spare",
        lambda w: {"manufacturer": w.maker_a.pk, "mpn": "NEWPART-1", "hs_code": "854231"},
        {"description": "Quad op-amp"},
    ),
    "organisation-aliases": Endpoint(
        "organisation-aliases",
        "alias_a",
        "alias_b",
        "alias_a",
        lambda w: {"organisation": w.maker_a.pk, "name": "Maker A New Spelling"},
        {"name": "MakerA Alternative"},
    ),
    "ownerships": Endpoint(
        "ownerships",
        "ownership_a",
        "ownership_b",
        "ownership_a",
        lambda w: {"brand": w.spare_brand.pk, "owner": w.maker_a.pk, "start": "2020-01-01"},
        {"note": "press release 2020"},
    ),
    "marking-codes": Endpoint(
        "marking-codes",
        "code_a",
        "code_b",
        "code_a",
        lambda w: {"manufacturer": w.maker_a.pk, "code": "ZX99", "part": w.part_a.pk},
        {"package": "SOIC-8"},
    ),
    "offers": Endpoint(
        "offers",
        "offer_a",
        "offer_b",
        "offer_a",
        lambda w: {"distributor": w.distributor.pk, "part": w.part_a.pk, "sku": "NEW-ND"},
        {"is_authorized": False},
        readers=INVESTIGATORS,
    ),
    "supply-links": Endpoint(
        "supply-links",
        "link",
        "",
        "link",
        lambda w: {"seller": w.distributor.pk, "buyer": w.maker_b.pk, "evidence_kind": "invoice"},
        {"confidence": "probable"},
        readers=INVESTIGATORS,
        writers={"analyst", "curator", "admin"},
    ),
}
ACTIONS = ["list", "retrieve", "create", "update", "delete"]


def expected_status(endpoint: Endpoint, role: str, action: str) -> set[int]:
    if role == "anonymous":
        return {401}
    if action in ("list", "retrieve"):
        if role not in endpoint.readers:
            return {403}
        if action == "retrieve" and role == "manufacturer_b":
            return {404}  # maker A's row does not exist for maker B
        return {200}
    if role not in endpoint.writers:
        return {403}
    return {"create": {201}, "update": {200}, "delete": {204}}[action]


def perform(client, endpoint: Endpoint, action: str, world):
    base = f"/api/v1/{endpoint.path}/"
    if action == "list":
        return client.get(base)
    if action == "retrieve":
        return client.get(f"{base}{getattr(world, endpoint.target).pk}/")
    if action == "create":
        return client.post(base, endpoint.create(world), format="json")
    if action == "update":
        return client.patch(
            f"{base}{getattr(world, endpoint.target).pk}/", endpoint.update, format="json"
        )
    return client.delete(f"{base}{getattr(world, endpoint.spare).pk}/")


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("name", list(ENDPOINTS))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client_for, world, role, name, action):
    endpoint = ENDPOINTS[name]
    client = client_for(None if role == "anonymous" else role)
    response = perform(client, endpoint, action, world)
    assert response.status_code in expected_status(endpoint, role, action), response.content


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_manufacturer_a_sees_its_own_and_its_brands_parts_only(client_for, world):
    client = client_for("manufacturer_a")
    assert ids(client.get("/api/v1/parts/")) == {
        world.part_a.pk,
        world.part_brand_a.pk,
        world.part_spare.pk,
    }
    assert ids(client.get(f"/api/v1/parts/?manufacturer={world.maker_a.pk}")) == {
        world.part_a.pk,
        world.part_brand_a.pk,
        world.part_spare.pk,
    }
    assert ids(client.get("/api/v1/parts/?q=BBB100")) == set()
    assert client.get(f"/api/v1/parts/{world.part_b.pk}/").status_code == 404


def test_manufacturer_b_sees_none_of_a(client_for, world):
    client = client_for("manufacturer_b")
    assert ids(client.get("/api/v1/parts/")) == {world.part_b.pk}
    assert ids(client.get("/api/v1/organisations/")) == {world.maker_b.pk, world.brand_b.pk}
    for endpoint in ENDPOINTS.values():
        if endpoint.readers is CATALOG_READERS:
            row = getattr(world, endpoint.target)
            response = client.get(f"/api/v1/{endpoint.path}/{row.pk}/")
            assert response.status_code == 404, endpoint.path


def test_manufacturer_a_sees_only_its_organisations(client_for, world):
    client = client_for("manufacturer_a")
    mine = {world.maker_a.pk, world.brand_a.pk}
    assert ids(client.get("/api/v1/organisations/")) == mine
    assert ids(client.get("/api/v1/manufacturers/")) == mine
    assert ids(client.get("/api/v1/organisations/?q=Maker")) == {world.maker_a.pk}
    aliases = client.get("/api/v1/organisation-aliases/").json()["results"]
    assert {row["organisation"] for row in aliases} == mine
    assert ids(client.get("/api/v1/ownerships/")) == {world.ownership_a.pk}
    assert ids(client.get("/api/v1/marking-codes/")) == {world.code_a.pk}
    for endpoint in ENDPOINTS.values():
        if endpoint.other and endpoint.readers is CATALOG_READERS:
            row = getattr(world, endpoint.other)
            response = client.get(f"/api/v1/{endpoint.path}/{row.pk}/")
            assert response.status_code == 404, endpoint.path


def test_manufacturer_counts_cover_only_what_it_may_see(client_for, world):
    row = client_for("manufacturer_a").get(f"/api/v1/manufacturers/{world.maker_a.pk}/").json()
    assert (row["part_count"], row["group_part_count"]) == (2, 3)
    assert [brand["id"] for brand in row["brands"]] == [world.brand_a.pk]


def test_a_filter_cannot_probe_rows_the_user_cannot_see(client_for, world):
    client = client_for("manufacturer_a")
    response = client.get(f"/api/v1/parts/?manufacturer={world.maker_b.pk}")
    assert response.status_code == 400
    missing = client.get("/api/v1/parts/?manufacturer=999999")
    assert missing.status_code == 400
    assert response.json() == missing.json()


def test_manufacturer_writes_are_refused_even_on_its_own_rows(client_for, world):
    client = client_for("manufacturer_a")
    response = client.patch(
        f"/api/v1/organisations/{world.maker_a.pk}/", {"notes": "ours"}, format="json"
    )
    assert response.status_code == 403
    world.maker_a.refresh_from_db()
    assert world.maker_a.notes == ""
