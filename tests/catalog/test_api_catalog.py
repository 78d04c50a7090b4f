"""The catalog API: filters, counts, validation errors, ownership writes, pagination, query counts."""

import datetime

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from catalog import services
from catalog.models import (
    HsCode,
    MarkingCode,
    Organisation,
    OrganisationAlias,
    Ownership,
    Part,
    SupplyLink,
)
from tests.factories import (
    DistributorFactory,
    DistributorOfferFactory,
    OrganisationFactory,
    PartFactory,
    SupplyLinkFactory,
)

from .curated import build_curated

D = datetime.date


@pytest.fixture
def curator(client_for):
    return client_for("curator")


@pytest.fixture
def catalog(db):
    """Curated makers with a few parts, CHPL codes and a distributor."""
    orgs = build_curated()
    for code, tier in (("854231", "1"), ("854232", "1"), ("853224", "2")):
        HsCode.objects.update_or_create(code=code, defaults={"tier": tier, "description": "test"})
    make = lambda org, mpn, hs="854231", **kw: services.save_part(  # noqa: E731
        Part(manufacturer=orgs[org], mpn=mpn, hs_code=hs, **kw)
    )
    parts = {
        "max3490": make("Maxim Integrated", "MAX3490EESA+", status="active"),
        "ad7450": make("Analog Devices", "AD7450BRZ-REEL7", hs="854232"),
        "lt1761": make("Linear Technology", "LT1761ES5-5#TRPBF"),
        "lm358": make("Texas Instruments", "LM358DR", category="Amplifiers"),
        "cap": make("Texas Instruments", "CAPX-100", hs="853224", status="obsolete"),
    }
    return {"orgs": orgs, "parts": parts}


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def mpns(response):
    return sorted(row["mpn"] for row in results(response))


class TestPartFilters:
    @pytest.mark.parametrize(
        "q", ["МАХ3490", "max-3490", "MAX 3490 EESA", "max3490eesa+t", "Max3490"]
    )
    def test_text_search_is_cyrillic_case_and_punctuation_tolerant(self, curator, catalog, q):
        assert mpns(curator.get("/api/v1/parts/", {"q": q})) == ["MAX3490EESA+"]

    def test_search_matches_the_packaging_free_base(self, curator, catalog):
        assert mpns(curator.get("/api/v1/parts/", {"q": "AD7450BRZ-REEL"})) == ["AD7450BRZ-REEL7"]
        assert mpns(curator.get("/api/v1/parts/", {"q": "LT1761ES5-5#PBF"})) == [
            "LT1761ES5-5#TRPBF"
        ]

    def test_manufacturer_filter_includes_the_brands_it_owns(self, curator, catalog):
        adi = catalog["orgs"]["Analog Devices"]
        assert mpns(curator.get("/api/v1/parts/", {"manufacturer": adi.pk})) == [
            "AD7450BRZ-REEL7",
            "LT1761ES5-5#TRPBF",
            "MAX3490EESA+",
        ]
        maxim = catalog["orgs"]["Maxim Integrated"]
        assert mpns(curator.get("/api/v1/parts/", {"manufacturer": maxim.pk})) == ["MAX3490EESA+"]

    def test_category_hs_code_tier_and_status(self, curator, catalog):
        get = lambda **params: mpns(curator.get("/api/v1/parts/", params))  # noqa: E731
        assert get(category="amplifiers") == ["LM358DR"]
        assert get(hs_code="854232") == ["AD7450BRZ-REEL7"]
        assert get(hs_code="8542") == [
            "AD7450BRZ-REEL7",
            "LM358DR",
            "LT1761ES5-5#TRPBF",
            "MAX3490EESA+",
        ]
        assert get(chpl_tier="2") == ["CAPX-100"]
        assert get(status="obsolete") == ["CAPX-100"]
        assert get(status="active", chpl_tier="1") == ["MAX3490EESA+"]

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"chpl_tier": "9"}, "chpl_tier"),
            ({"status": "alive"}, "status"),
            ({"hs_code": "85x"}, "hs_code"),
            ({"manufacturer": "abc"}, "manufacturer"),
            ({"manufacturer": "999999"}, "manufacturer"),
            ({"q": "+-/"}, "q"),
        ],
    )
    def test_unknown_filter_values_are_400(self, curator, catalog, params, field):
        response = curator.get("/api/v1/parts/", params)
        assert response.status_code == 400
        assert field in response.json()

    def test_part_rows_carry_maker_owner_tier_and_offer_count(self, curator, catalog):
        part = catalog["parts"]["max3490"]
        DistributorOfferFactory(part=part)
        DistributorOfferFactory(part=part)
        row = curator.get(f"/api/v1/parts/{part.pk}/").json()
        assert row["manufacturer_detail"]["name"] == "Maxim Integrated"
        assert row["owner"]["id"] == catalog["orgs"]["Analog Devices"].pk
        assert (row["mpn_norm"], row["mpn_base"], row["chpl_tier"]) == (
            "MAX3490EESA",
            "MAX3490EESA",
            "1",
        )
        assert row["offer_count"] == 2


class TestPartWrites:
    def test_create_derives_keys_and_tier(self, curator, catalog):
        ti = catalog["orgs"]["Texas Instruments"]
        response = curator.post(
            "/api/v1/parts/",
            {"manufacturer": ti.pk, "mpn": "TXB0108PWR", "hs_code": "854231"},
            format="json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["mpn_norm"], body["chpl_tier"], body["offer_count"]) == ("TXB0108PWR", "1", 0)

    def test_duplicate_mpn_for_a_maker_is_400_not_500(self, curator, catalog):
        ti = catalog["orgs"]["Texas Instruments"]
        response = curator.post(
            "/api/v1/parts/", {"manufacturer": ti.pk, "mpn": "lm358-dr"}, format="json"
        )
        assert response.status_code == 400
        assert "already has LM358DR" in response.json()["mpn"][0]

    def test_update_that_would_collide_is_400(self, curator, catalog):
        part = catalog["parts"]["cap"]
        response = curator.patch(f"/api/v1/parts/{part.pk}/", {"mpn": "LM358DR"}, format="json")
        assert response.status_code == 400
        part.refresh_from_db()
        assert part.mpn == "CAPX-100"

    def test_update_rederives_keys(self, curator, catalog):
        part = catalog["parts"]["cap"]
        response = curator.patch(
            f"/api/v1/parts/{part.pk}/", {"mpn": "CAPY-200", "hs_code": "854231"}, format="json"
        )
        assert response.status_code == 200, response.content
        assert (response.json()["mpn_norm"], response.json()["chpl_tier"]) == ("CAPY200", "1")

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"mpn": "X1", "hs_code": "8542"}, "hs_code"),
            ({"mpn": "X1", "status": "zombie"}, "status"),
            ({"mpn": "+/-"}, "mpn"),
            ({"mpn": "X1", "datasheet": "not a url"}, "datasheet"),
            ({}, "mpn"),
        ],
    )
    def test_bad_fields_are_400_with_the_field_named(self, curator, catalog, payload, field):
        ti = catalog["orgs"]["Texas Instruments"]
        response = curator.post("/api/v1/parts/", {"manufacturer": ti.pk, **payload}, format="json")
        assert response.status_code == 400
        assert field in response.json()

    def test_part_of_a_non_manufacturer_is_refused(self, curator, db, users):
        broker = DistributorFactory()
        response = curator.post(
            "/api/v1/parts/", {"manufacturer": broker.pk, "mpn": "ABC1"}, format="json"
        )
        assert response.status_code == 400
        assert "manufacturer" in response.json()

    def test_deleting_a_part_that_evidence_refers_to_is_a_conflict(self, curator, catalog):
        from forensics.models import Finding, Recovery, WeaponSystem

        part = catalog["parts"]["lm358"]
        recovery = Recovery.objects.create(
            reference="R-1", weapon_system=WeaponSystem.objects.create(name="Test UAV")
        )
        Finding.objects.create(recovery=recovery, marking="LM358", part=part)
        response = curator.delete(f"/api/v1/parts/{part.pk}/")
        assert response.status_code == 409
        assert "findings" in response.json()["detail"]
        assert Part.objects.filter(pk=part.pk).exists()


class TestOrganisations:
    def test_manufacturers_show_aliases_owner_brands_and_counts(self, curator, catalog):
        adi = catalog["orgs"]["Analog Devices"]
        row = curator.get(f"/api/v1/manufacturers/{adi.pk}/").json()
        assert "ADI" in row["aliases"]
        assert row["owner"] is None
        assert {b["name"] for b in row["brands"]} >= {"Maxim Integrated", "Linear Technology"}
        assert (row["part_count"], row["group_part_count"]) == (1, 3)
        maxim = curator.get(f"/api/v1/manufacturers/{catalog['orgs']['Maxim Integrated'].pk}/")
        assert maxim.json()["owner"]["id"] == adi.pk

    def test_manufacturers_order_by_part_count(self, curator, catalog):
        names = [
            row["name"]
            for row in results(
                curator.get("/api/v1/manufacturers/", {"ordering": "-part_count", "page_size": 2})
            )
        ]
        assert names[0] == "Texas Instruments"

    def test_only_manufacturers_are_listed_as_manufacturers(self, curator, catalog):
        broker = DistributorFactory(name="Broker Only")
        assert results(curator.get("/api/v1/manufacturers/", {"q": "Broker Only"})) == []
        found = results(curator.get("/api/v1/organisations/", {"q": "Broker Only"}))
        assert [row["id"] for row in found] == [broker.pk]
        listed = results(curator.get("/api/v1/manufacturers/", {"q": "Advanced Micro Devices"}))
        assert [row["id"] for row in listed] == [catalog["orgs"]["AMD"].pk]

    def test_organisation_filters(self, curator, catalog):
        DistributorFactory(name="Digi-Key Electronics", country="US")
        OrganisationFactory(
            name="Shenzhen Broker", is_manufacturer=False, is_importer=True, country="CN"
        )

        def names(**params):
            return sorted(
                r["name"]
                for r in results(
                    curator.get("/api/v1/organisations/", {**params, "page_size": 500})
                )
            )

        assert "Texas Instruments" in names(q="texas i")
        assert "Xilinx" in names(q="xilinx inc")
        assert "Analog Devices" not in names(q="texas i")
        assert names(role="importer") == ["Shenzhen Broker"]
        assert "Shenzhen Broker" in names(country="cn")
        assert "Digi-Key Electronics" not in names(country="cn")
        assert names(country="cn", is_manufacturer="false") == ["Shenzhen Broker"]
        adi = catalog["orgs"]["Analog Devices"]
        assert set(names(owner=adi.pk)) >= {"Linear Technology", "Maxim Integrated"}
        for bad in (
            {"role": "pirate"},
            {"country": "USA"},
            {"owner": "x"},
            {"needs_review": "maybe"},
        ):
            assert curator.get("/api/v1/organisations/", bad).status_code == 400, bad

    def test_create_generates_slug_and_alias(self, curator, db, users):
        response = curator.post(
            "/api/v1/organisations/",
            {"name": "Radiant Ltd", "is_importer": True, "country": "ru"},
            format="json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["slug"], body["country"], body["aliases"]) == (
            "radiant-ltd",
            "RU",
            ["Radiant Ltd"],
        )
        assert services.resolve_manufacturer("RADIANT") is not None

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"name": "Maker A Semiconductors Inc."}, "name"),
            ({"name": "Fresh Co", "slug": "maker-a"}, "slug"),
            ({"name": "Fresh Co", "country": "USA"}, "country"),
            ({"name": "Fresh Co", "mpn_family": "klingon"}, "mpn_family"),
            ({"name": "Fresh Co", "identifiers": ["lei"]}, "identifiers"),
            ({"name": "Fresh Co", "website": "nope"}, "website"),
            ({"name": ""}, "name"),
        ],
    )
    def test_create_errors_are_400_by_field(self, curator, users, payload, field):
        response = curator.post("/api/v1/organisations/", payload, format="json")
        assert response.status_code == 400
        assert field in response.json(), response.json()

    def test_rename_keeps_old_spelling_and_adds_the_new(self, curator, maker_a, users):
        response = curator.patch(
            f"/api/v1/organisations/{maker_a.pk}/", {"name": "Maker A Renamed"}, format="json"
        )
        assert response.status_code == 200, response.content
        assert set(response.json()["aliases"]) == {"Maker A Semiconductors", "Maker A Renamed"}
        assert services.resolve_manufacturer("maker a semiconductors") == maker_a

    def test_delete_with_parts_is_400_and_an_unused_one_is_gone(self, curator, catalog):
        ti = catalog["orgs"]["Texas Instruments"]
        response = curator.delete(f"/api/v1/organisations/{ti.pk}/")
        assert response.status_code == 400
        assert "part" in response.json()["detail"][0]
        spare = OrganisationFactory()
        assert curator.delete(f"/api/v1/organisations/{spare.pk}/").status_code == 204
        assert not Organisation.objects.filter(pk=spare.pk).exists()


class TestAliases:
    def test_add_alias_then_it_resolves(self, curator, maker_a, users):
        response = curator.post(
            "/api/v1/organisation-aliases/",
            {"organisation": maker_a.pk, "name": "MASEMI Corp."},
            format="json",
        )
        assert response.status_code == 201, response.content
        assert response.json()["key"] == "masemi"
        assert services.resolve_manufacturer("Masemi") == maker_a

    def test_alias_held_by_another_organisation_is_400(self, curator, maker_a, maker_b, users):
        response = curator.post(
            "/api/v1/organisation-aliases/",
            {"organisation": maker_b.pk, "name": "maker a semiconductors, inc."},
            format="json",
        )
        assert response.status_code == 400
        assert "already an alias of Maker A Semiconductors" in response.json()["name"][0]

    def test_the_own_name_alias_cannot_be_deleted(self, curator, maker_a, users):
        alias = OrganisationAlias.objects.get(organisation=maker_a)
        assert curator.delete(f"/api/v1/organisation-aliases/{alias.pk}/").status_code == 400
        assert OrganisationAlias.objects.filter(pk=alias.pk).exists()

    def test_filter_by_organisation_and_text(self, curator, maker_a, maker_b, users):
        services.add_alias(maker_a, "MASEMI")
        rows = results(curator.get("/api/v1/organisation-aliases/", {"organisation": maker_a.pk}))
        assert {r["name"] for r in rows} == {"Maker A Semiconductors", "MASEMI"}
        rows = results(curator.get("/api/v1/organisation-aliases/", {"q": "masemi"}))
        assert [r["organisation"] for r in rows] == [maker_a.pk]


class TestOwnerships:
    def test_create_recomputes_owner_and_follows_chains(self, curator, db, users):
        infineon = OrganisationFactory(name="Infineon Technologies")
        cypress = OrganisationFactory(name="Cypress Semiconductor")
        spansion = OrganisationFactory(name="Spansion")
        post = lambda brand, owner, start: curator.post(  # noqa: E731
            "/api/v1/ownerships/",
            {"brand": brand.pk, "owner": owner.pk, "start": start},
            format="json",
        )
        assert post(spansion, cypress, "2015-03-12").status_code == 201
        assert post(cypress, infineon, "2020-04-16").status_code == 201
        org = curator.get(f"/api/v1/organisations/{spansion.pk}/").json()
        assert org["owner"]["id"] == infineon.pk
        brands = curator.get(f"/api/v1/manufacturers/{infineon.pk}/").json()["brands"]
        assert {b["id"] for b in brands} == {cypress.pk, spansion.pk}

    def test_cycle_is_400_and_nothing_changes(self, curator, db, users):
        a, b = OrganisationFactory(), OrganisationFactory()
        services.save_ownership(Ownership(brand=a, owner=b))
        response = curator.post(
            "/api/v1/ownerships/", {"brand": b.pk, "owner": a.pk}, format="json"
        )
        assert response.status_code == 400
        assert "cycle" in response.json()["owner"][0]
        assert not Ownership.objects.filter(brand=b).exists()
        b.refresh_from_db()
        assert b.owner is None

    def test_ending_and_deleting_an_ownership_rederive_the_owner(self, curator, db, users):
        brand, owner = OrganisationFactory(), OrganisationFactory()
        link = services.save_ownership(Ownership(brand=brand, owner=owner, start=D(2000, 1, 1)))
        response = curator.patch(
            f"/api/v1/ownerships/{link.pk}/", {"end": "2001-01-01"}, format="json"
        )
        assert response.status_code == 200, response.content
        brand.refresh_from_db()
        assert brand.owner is None
        curator.patch(f"/api/v1/ownerships/{link.pk}/", {"end": None}, format="json")
        brand.refresh_from_db()
        assert brand.owner == owner
        assert curator.delete(f"/api/v1/ownerships/{link.pk}/").status_code == 204
        brand.refresh_from_db()
        assert brand.owner is None

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"start": "2020-01-01", "end": "2019-01-01"}, "end"),
            ({"same": True}, "owner"),
        ],
    )
    def test_other_invalid_ownerships(self, curator, db, users, payload, field):
        brand, owner = OrganisationFactory(), OrganisationFactory()
        body = {"brand": brand.pk, "owner": brand.pk if payload.pop("same", False) else owner.pk}
        response = curator.post("/api/v1/ownerships/", {**body, **payload}, format="json")
        assert response.status_code == 400
        assert field in response.json(), response.json()


class TestMarkingCodesOffersLinks:
    def test_marking_code_is_normalised_and_searchable(self, curator, catalog):
        ti = catalog["orgs"]["Texas Instruments"]
        part = PartFactory(manufacturer=ti, mpn="TXB0108PWR")
        response = curator.post(
            "/api/v1/marking-codes/",
            {"manufacturer": ti.pk, "code": "ye 08", "part": part.pk, "package": "TSSOP-20"},
            format="json",
        )
        assert response.status_code == 201, response.content
        assert response.json()["code_norm"] == "YE08"
        rows = results(curator.get("/api/v1/marking-codes/", {"code": "YЕ0"}))  # Cyrillic Е
        assert [r["part_detail"]["mpn"] for r in rows] == ["TXB0108PWR"]
        again = curator.post(
            "/api/v1/marking-codes/",
            {"manufacturer": ti.pk, "code": "YE08", "part": part.pk},
            format="json",
        )
        assert again.status_code == 400
        assert MarkingCode.objects.count() == 1

    def test_marking_code_for_another_makers_part_is_400(self, curator, catalog):
        ti = catalog["orgs"]["Texas Instruments"]
        response = curator.post(
            "/api/v1/marking-codes/",
            {"manufacturer": ti.pk, "code": "ZZ9", "part": catalog["parts"]["max3490"].pk},
            format="json",
        )
        assert response.status_code == 400
        assert "part" in response.json()

    def test_duplicate_offer_sku_is_400(self, curator, catalog):
        offer = DistributorOfferFactory(part=catalog["parts"]["lm358"], sku="296-1395-1-ND")
        response = curator.post(
            "/api/v1/offers/",
            {"distributor": offer.distributor_id, "part": offer.part_id, "sku": "296-1395-1-ND"},
            format="json",
        )
        assert response.status_code == 400
        assert "sku" in response.json()
        rows = results(curator.get("/api/v1/offers/", {"sku": "296-1395-1-nd"}))
        assert [r["part_detail"]["mpn"] for r in rows] == ["LM358DR"]

    def test_supply_link_create_filter_and_validation(self, client_for, catalog):
        analyst = client_for("analyst")
        seller, buyer = DistributorFactory(), OrganisationFactory(is_importer=True)
        response = analyst.post(
            "/api/v1/supply-links/",
            {
                "seller": seller.pk,
                "buyer": buyer.pk,
                "part": catalog["parts"]["lm358"].pk,
                "lot_code": "3CK1234",
                "evidence_kind": "customs_record",
                "confidence": "probable",
                "start_date": "2023-01-01",
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        link = SupplyLink.objects.get()
        assert link.created_by.username == "analyst"
        rows = results(analyst.get("/api/v1/supply-links/", {"organisation": buyer.pk}))
        assert [r["id"] for r in rows] == [link.pk]
        bad = [
            ({"seller": seller.pk, "buyer": seller.pk, "evidence_kind": "invoice"}, "buyer"),
            ({"seller": seller.pk, "buyer": buyer.pk, "evidence_kind": "rumour"}, "evidence_kind"),
            (
                {
                    "seller": seller.pk,
                    "buyer": buyer.pk,
                    "evidence_kind": "invoice",
                    "start_date": "2023-02-01",
                    "end_date": "2023-01-01",
                },
                "end_date",
            ),
        ]
        for payload, field in bad:
            response = analyst.post("/api/v1/supply-links/", payload, format="json")
            assert response.status_code == 400 and field in response.json(), payload
        assert analyst.get("/api/v1/supply-links/", {"confidence": "sure"}).status_code == 400


# --------------------------------------------------------------------------- query counts


@pytest.fixture
def sixty(users, maker_a):
    """60+ rows behind every list endpoint, all visible to maker A's user as well."""
    distributor = DistributorFactory(name="Bulk Distributor")
    brands = [OrganisationFactory(name=f"Bulk Brand {i:02d}") for i in range(60)]
    Ownership.objects.bulk_create(
        Ownership(brand=brand, owner=maker_a, start=D(2000 + i % 20, 1, 1))
        for i, brand in enumerate(brands)
    )
    services.refresh_owners()
    for i, brand in enumerate(brands):
        services.add_alias(brand, f"BB{i:02d} Alias")
        part = PartFactory(manufacturer=brand, mpn=f"BULK{i:03d}")
        PartFactory(manufacturer=maker_a, mpn=f"OWN{i:03d}")
        MarkingCode.objects.create(manufacturer=brand, code=f"C{i}", code_norm=f"C{i}", part=part)
        DistributorOfferFactory(distributor=distributor, part=part)
        SupplyLinkFactory(seller=brand, buyer=distributor, part=part)


LIST_ENDPOINTS = [
    "organisations",
    "manufacturers",
    "parts",
    "organisation-aliases",
    "ownerships",
    "marking-codes",
    "offers",
    "supply-links",
]


@pytest.mark.parametrize("role", ["curator", "manufacturer_a"])
@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS)
def test_list_query_count_does_not_grow_with_page_size(
    client_for, count_queries, sixty, endpoint, role
):
    client = client_for(role)
    url = f"/api/v1/{endpoint}/"
    first = client.get(url, {"page_size": 1})  # warms the per-user role cache
    if first.status_code == 403:
        assert role == "manufacturer_a" and endpoint in ("offers", "supply-links")
        return
    counts = {}
    for size in (5, 50):
        with count_queries() as ctx:
            response = client.get(url, {"page_size": size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == size
        assert response.json()["count"] >= 60
        counts[size] = len(ctx.captured_queries)
    assert counts[5] == counts[50], counts
    assert counts[50] <= 6, counts


def test_pagination_shape(curator, sixty):
    body = curator.get("/api/v1/parts/", {"page_size": 7, "page": 2}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert len(body["results"]) == 7 and body["previous"] and body["next"]
    assert curator.get("/api/v1/parts/", {"page": 999}).status_code == 404


def test_catalog_endpoints_add_no_schema_warnings(db):
    GENERATOR_STATS.reset()
    SchemaGenerator().get_schema(request=None, public=True)
    catalog_views = (
        "OrganisationViewSet",
        "ManufacturerViewSet",
        "OrganisationAliasViewSet",
        "OwnershipViewSet",
        "PartViewSet",
        "MarkingCodeViewSet",
        "DistributorOfferViewSet",
        "SupplyLinkViewSet",
    )
    problems = [
        message
        for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if any(f"[{view}" in message for view in catalog_views) or "catalog/" in message
    ]
    assert problems == []
