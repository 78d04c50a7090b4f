"""The catalog, supply-chain and import pages through Django's test client: who may open what,
the marking-tolerant search, the graph pages' JSON (the API's), imports with their reject
report, screening verdicts, and query counts that do not grow with the rows shown."""

import datetime
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from catalog import import_jobs
from catalog.models import (
    Organisation,
    Part,
    ScreeningDismissal,
    ScreeningEntry,
    ScreeningHit,
    ScreeningList,
    SupplyLink,
)
from forensics.demo import shared_data_dir
from forensics.models import AuditRecord
from tests.factories import (
    DistributorFactory,
    DistributorOfferFactory,
    OrganisationFactory,
    PartFactory,
    SupplyLinkFactory,
)

pytestmark = pytest.mark.django_db

INVESTIGATORS = ("analyst", "admin", "curator", "researcher")
EVERY_ROLE = (*INVESTIGATORS, "manufacturer_a", "manufacturer_b", "norole")
CSL_SAMPLE = shared_data_dir() / "csl-sample.csv"


@pytest.fixture
def chain(world, maker_a):
    """maker A → a distributor → a broker that resembles a listed party (one screening hit)."""
    distributor = DistributorFactory(name="Able Distribution", country="US")
    broker = DistributorFactory(
        name="Harbour Brokers Ltd",
        country="HK",
        is_authorized_distributor=False,
        is_independent_distributor=True,
    )
    first = SupplyLinkFactory(
        seller=maker_a,
        buyer=distributor,
        part=world["part_a"],
        lot_code="",
        evidence_kind="manufacturer_trace",
        confidence="confirmed",
    )
    second = SupplyLinkFactory(
        seller=distributor,
        buyer=broker,
        part=world["part_a"],
        lot_code="",
        evidence_kind="distributor_response",
        confidence="probable",
    )
    watch = ScreeningList.objects.create(
        source="Entity List (EL) - Bureau of Industry and Security",
        code="EL",
        file_name="csl.csv",
        file_sha256="0" * 64,
        file_date=datetime.date(2024, 1, 1),
        imported_at=timezone.now(),
    )
    entry = ScreeningEntry.objects.create(
        screening_list=watch,
        uid="el-1",
        name="Harbour Brokers Limited",
        programs=["EAR"],
        addresses=["Kowloon, HK"],
    )
    hit = ScreeningHit.objects.create(
        organisation=broker,
        entry=entry,
        screening_list=watch,
        score=96.0,
        organisation_name=broker.name,
        entry_name=entry.name,
        screened_at=timezone.now(),
    )
    return {
        "distributor": distributor,
        "broker": broker,
        "links": [first, second],
        "hit": hit,
        "list": watch,
    }


def page_urls(world, chain) -> dict[str, str]:
    maker = world["part_a"].manufacturer
    return {
        "search": reverse("catalog:search") + "?q=AAA1000X",
        "part-detail": reverse("catalog:part-detail", args=[world["part_a"].pk]),
        "manufacturer-list": reverse("catalog:manufacturer-list"),
        "manufacturer-detail": reverse("catalog:manufacturer-detail", args=[maker.pk]),
        "organisation-list": reverse("catalog:organisation-list"),
        "organisation-detail": reverse("catalog:organisation-detail", args=[chain["broker"].pk]),
        "supply-chain": reverse("catalog:supply-chain"),
        "organisation-graph": reverse("catalog:organisation-graph", args=[maker.pk]),
        "finding-trace": reverse("catalog:finding-trace", args=[world["finding_a"].pk]),
        "imports": reverse("catalog:imports"),
    }


INVESTIGATOR_PAGES = {
    "organisation-list",
    "organisation-detail",
    "supply-chain",
    "organisation-graph",
    "finding-trace",
}
CURATOR_PAGES = {"imports"}
# role -> page -> expected status (pages not listed: 200).
EXPECTED = {
    "analyst": dict.fromkeys(CURATOR_PAGES, 403),
    "admin": {},
    "curator": {},
    "researcher": dict.fromkeys(CURATOR_PAGES, 403),
    "manufacturer_a": dict.fromkeys(INVESTIGATOR_PAGES | CURATOR_PAGES, 403),
    # Maker B may not see maker A's part or maker A itself: "does not exist".
    "manufacturer_b": {
        **dict.fromkeys(INVESTIGATOR_PAGES | CURATOR_PAGES, 403),
        "part-detail": 404,
        "manufacturer-detail": 404,
    },
    "norole": dict.fromkeys(
        [
            "search",
            "part-detail",
            "manufacturer-list",
            "manufacturer-detail",
            *INVESTIGATOR_PAGES,
            *CURATOR_PAGES,
        ],
        403,
    ),
}


@pytest.mark.parametrize("role", EVERY_ROLE)
def test_page_matrix(page_client, world, chain, role):
    client = page_client(role)
    for name, url in page_urls(world, chain).items():
        expected = EXPECTED[role].get(name, 200)
        assert client.get(url).status_code == expected, (role, name)


def test_anonymous_visitors_are_sent_to_sign_in(page_client, world, chain):
    client = page_client(None)
    for name, url in page_urls(world, chain).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


def test_navigation_links_by_role(page_client, world):
    curator = page_client("curator").get(reverse("catalog:search")).content.decode()
    assert reverse("catalog:imports") in curator
    assert reverse("catalog:supply-chain") in curator
    maker = page_client("manufacturer_a").get(reverse("catalog:search")).content.decode()
    assert reverse("catalog:imports") not in maker
    assert reverse("catalog:organisation-list") not in maker
    assert reverse("portal:inbox") in maker


# --- search ----------------------------------------------------------------------------------------


def test_cyrillic_marking_finds_the_part_and_the_maker_with_reasons(page_client, db):
    maxim = Organisation.objects.get(name="Maxim Integrated")
    part = PartFactory(manufacturer=maxim, mpn="MAX3490EESA+")
    response = page_client("analyst").get(reverse("catalog:search"), {"q": "Transceiver МАХ3490"})
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("catalog:part-detail", args=[part.pk]) in body
    reading = response.context["reading"]
    assert reading.candidates and reading.candidates[0].part_id == part.pk
    row = response.context["candidates"][0]
    assert row["c"].reasons and row["c"].reasons[0] in body.replace("&#x27;", "'")
    assert "Analog Devices" in body  # the owner of the brand


def test_marking_with_date_and_lot_codes_finds_the_maker_and_decodes_the_date(page_client, db):
    response = page_client("analyst").get(reverse("catalog:search"), {"q": "LM258 274 ZD0XG3"})
    body = response.content.decode()
    reading = response.context["reading"]
    assert reading.candidates[0].manufacturer == "Texas Instruments"
    assert "Texas Instruments" in body
    assert reading.date_code is not None and "Date code" in body
    assert "ZD0XG3" in body


def test_manufacturer_spelling_finds_the_manufacturer(page_client, db):
    response = page_client("researcher").get(reverse("catalog:search"), {"q": "ADI/MAXIM"})
    makers = [org.name for org in response.context["makers"]]
    assert "Maxim Integrated" in makers


def test_manufacturer_users_search_their_own_parts_without_the_resolver(page_client, world):
    client = page_client("manufacturer_a")
    own = client.get(reverse("catalog:search"), {"q": "AAA1000X"})
    assert [p.mpn for p in own.context["parts"]] == ["AAA1000X"]
    assert own.context["reading"] is None
    other = client.get(reverse("catalog:search"), {"q": "BBB2000Y"})
    assert list(other.context["parts"]) == []
    assert "BBB2000Y</a>" not in other.content.decode()


def test_search_errors_are_shown_beside_the_field(page_client, db):
    response = page_client("analyst").get(reverse("catalog:search"), {"q": "%%% ///"})
    assert response.status_code == 400
    field = re.search(r'<div class="field has-error">.*?</div>', response.content.decode(), re.S)
    assert field and "at least one letter or digit" in field.group(0)


# --- part, manufacturer, organisation ----------------------------------------------------------------


def test_part_page_shows_where_it_was_found_and_who_offers_it(page_client, world):
    offer = DistributorOfferFactory(part=world["part_a"], sku="AAA-ND")
    analyst = page_client("analyst").get(reverse("catalog:part-detail", args=[world["part_a"].pk]))
    found = {f.pk for f in analyst.context["findings"]}
    assert found == {world["finding_a"].pk, world["finding_amber"].pk, world["finding_red"].pk}
    assert offer.sku in analyst.content.decode()
    assert "Test Geran" in analyst.content.decode()
    maker = page_client("manufacturer_a").get(
        reverse("catalog:part-detail", args=[world["part_a"].pk])
    )
    assert {f.pk for f in maker.context["findings"]} == {
        world["finding_a"].pk,
        world["finding_amber"].pk,
    }
    assert offer.sku not in maker.content.decode()  # offers name other parties


def test_manufacturer_page_lists_aliases_owner_brands_and_counts(page_client, world, maker_a):
    brand = OrganisationFactory(name="Acquired Brand Inc", slug="acquired-brand", owner=maker_a)
    PartFactory(manufacturer=brand, mpn="ACQ100")
    response = page_client("analyst").get(reverse("catalog:manufacturer-detail", args=[maker_a.pk]))
    body = response.content.decode()
    assert response.context["part_count"] == 1
    assert response.context["group_part_count"] == 2
    assert "Acquired Brand Inc" in body and "ACQ100" in body
    assert maker_a.name in [a.name for a in response.context["aliases"]]
    brand_page = page_client("analyst").get(reverse("catalog:manufacturer-detail", args=[brand.pk]))
    assert "owned by" in brand_page.content.decode().lower()


def test_organisation_page_shows_screening_hits_to_screening_readers_only(page_client, chain):
    url = reverse("catalog:organisation-detail", args=[chain["broker"].pk])
    analyst = page_client("analyst").get(url).content.decode()
    assert "Harbour Brokers Limited" in analyst and "EL" in analyst
    researcher = page_client("researcher").get(url).content.decode()
    assert "Harbour Brokers Limited" not in researcher
    assert "shown to analysts, curators and admins" in researcher


def test_curator_marks_a_hit_false_positive_and_withdraws_it(page_client, chain):
    hit = chain["hit"]
    url = reverse("catalog:screening-hit-verdict", args=[hit.pk])
    assert page_client("analyst").post(url, {"reason": "x"}).status_code == 403
    response = page_client("curator").post(url, {"reason": "Different company, Kowloon Bay"})
    assert response.status_code == 302
    hit.refresh_from_db()
    assert hit.false_positive
    dismissal = ScreeningDismissal.objects.get(organisation=chain["broker"])
    assert dismissal.reason == "Different company, Kowloon Bay"
    page = page_client("curator").get(response["Location"]).content.decode()
    assert "false positive" in page and "Kowloon Bay" in page
    page_client("curator").post(url, {"action": "clear"})
    hit.refresh_from_db()
    assert not hit.false_positive


# --- supply-chain graphs ------------------------------------------------------------------------------


def _embedded(response, element_id="graph-data"):
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(match.group(1))


@pytest.mark.parametrize("kind", ["organisation", "finding"])
def test_graph_pages_embed_the_api_json_and_list_it_as_tables(
    page_client, client_for, world, chain, maker_a, kind
):
    if kind == "organisation":
        page = reverse("catalog:organisation-graph", args=[maker_a.pk])
        api = f"/api/v1/organisations/{maker_a.pk}/graph/"
    else:
        page = reverse("catalog:finding-trace", args=[world["finding_a"].pk])
        api = f"/api/v1/findings/{world['finding_a'].pk}/trace/"
    response = page_client("analyst").get(page, {"depth": 4})
    data = _embedded(response)
    assert data == client_for("analyst").get(api, {"depth": 4}).json()
    assert {edge["id"] for edge in data["edges"]} == {link.pk for link in chain["links"]}
    body = response.content.decode()
    assert "cytoscape.min.js" in body and "js/graph.js" in body
    assert "Harbour Brokers Ltd" in body and "⚠ 1 hit" in body  # screened party, in the table
    assert "Probable" in body and "Manufacturer trace response" in body
    assert _embedded(response, "graph-styles")["roles"][0][0] == "manufacturer"


def test_graph_depth_errors_are_shown_beside_the_field(page_client, maker_a):
    response = page_client("analyst").get(
        reverse("catalog:organisation-graph", args=[maker_a.pk]), {"depth": 99}
    )
    assert response.status_code == 400
    assert "less than or equal to 10" in response.content.decode()


def test_researchers_see_the_chain_without_screening(page_client, chain, maker_a):
    response = page_client("researcher").get(
        reverse("catalog:organisation-graph", args=[maker_a.pk])
    )
    assert all("screening" not in node for node in _embedded(response)["nodes"])
    assert "⚠" not in response.content.decode().split('id="graph-data"')[0].split("Legend")[1]


def test_finding_trace_offers_a_trace_request_to_analysts_only(page_client, world):
    url = reverse("catalog:finding-trace", args=[world["finding_a"].pk])
    assert reverse("portal:trace-open") in page_client("analyst").get(url).content.decode()
    assert reverse("portal:trace-open") not in page_client("curator").get(url).content.decode()


def test_finding_page_links_to_its_trace_and_offers_the_trace_request(page_client, world):
    url = reverse("forensics:finding-detail", args=[world["finding_a"].pk])
    analyst = page_client("analyst").get(url).content.decode()
    assert reverse("catalog:finding-trace", args=[world["finding_a"].pk]) in analyst
    assert reverse("portal:trace-open") in analyst
    maker = page_client("manufacturer_a").get(url).content.decode()
    assert reverse("portal:finding-detail", args=[world["finding_a"].pk]) in maker
    assert reverse("catalog:finding-trace", args=[world["finding_a"].pk]) not in maker


# --- imports ------------------------------------------------------------------------------------------

GOOD_CSV = (
    "mpn,manufacturer,category,hs_code\n"
    "PGX100A,Texas Instruments,Integrated Circuits (ICs),854231\n"
    ",Texas Instruments,Integrated Circuits (ICs),854231\n"
    "PGX101B,Texas Instruments,Integrated Circuits (ICs),12AB\n"
    "PGX102C,Brand New Maker Pages Co,Integrated Circuits (ICs),854231\n"
)


def _upload(name, text):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


@pytest.mark.django_db(transaction=True)  # the upload commits: the import runs in-process
def test_catalog_import_shows_the_summary_and_the_reject_report(page_client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    client = page_client("curator")
    response = client.post(reverse("catalog:import-catalog"), {"file": _upload("p.csv", GOOD_CSV)})
    assert response.status_code == 200
    summary = response.context["catalog_summary"]
    assert (summary["created"], summary["rejected"], summary["organisations_created"]) == (2, 2, 1)
    assert Part.objects.filter(mpn="PGX100A").exists()
    body = response.content.decode()
    assert "2 rejected" in body and "Brand New Maker Pages Co" in body
    name = response.context["reject_name"]
    rejects = client.get(reverse("catalog:import-rejects", args=[name]))
    lines = [row[0] for row in rejects.context["page"]]
    assert lines == ["3", "4"]
    assert "HS" in rejects.content.decode()
    download = client.get(reverse("catalog:import-rejects-csv", args=[name]))
    assert download["Content-Disposition"].startswith("attachment")
    text = b"".join(download.streaming_content).decode()
    assert text.splitlines()[0] == "line,reason,excerpt" and len(text.splitlines()) == 3
    again = client.post(reverse("catalog:import-catalog"), {"file": _upload("p.csv", GOOD_CSV)})
    assert again.context["catalog_summary"]["unchanged"] == 2
    assert "Nothing changed" not in again.content.decode()  # the rejects are still reported


@pytest.mark.django_db(transaction=True)
def test_a_refused_catalog_file_is_an_error_beside_the_field(page_client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    bad = "mpn,manufacturer,colour\nX1,Texas Instruments,red\n"
    response = page_client("curator").post(
        reverse("catalog:import-catalog"), {"file": _upload("bad.csv", bad)}
    )
    assert response.status_code == 400
    errors = response.context["catalog_form"].errors["file"]
    assert "nothing changed" in errors[0] and "colour" in errors[0]
    field = re.search(r'<div class="field has-error">.*?</div>', response.content.decode(), re.S)
    assert "colour" in field.group(0)
    missing = page_client("curator").post(reverse("catalog:import-catalog"), {})
    assert missing.status_code == 400 and "file" in missing.context["catalog_form"].errors


def test_with_a_worker_to_come_the_upload_links_to_its_import(page_client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    client = page_client("curator")
    response = client.post(reverse("catalog:import-catalog"), {"file": _upload("p.csv", GOOD_CSV)})
    assert response.status_code == 200
    job = response.context["queued_job"]
    page = reverse("catalog:import-job", args=[job.pk])
    assert f'href="{page}"' in response.content.decode()
    assert not Part.objects.filter(mpn="PGX100A").exists()

    waiting = client.get(page)
    assert waiting.status_code == 200
    assert '<meta http-equiv="refresh" content="5">' in waiting.content.decode()
    listed = client.get(reverse("catalog:imports")).content.decode()
    assert f'<a href="{page}">{job.pk}</a>' in listed and "Queued" in listed

    import_jobs.run_import(job.pk)
    done = client.get(page)
    body = done.content.decode()
    assert done.context["summary"]["created"] == 2 and "http-equiv" not in body
    assert (
        "2 rejected" in body
        and reverse("catalog:import-rejects", args=[done.context["reject_name"]]) in body
    )
    assert page_client("analyst").get(page).status_code == 403
    assert (
        page_client("curator").get(reverse("catalog:import-job", args=[job.pk + 1])).status_code
        == 404
    )


def test_upload_script_gets_the_panel_only(page_client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    response = page_client("curator").post(
        reverse("catalog:import-catalog"),
        {"file": _upload("p.csv", GOOD_CSV)},
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="card import-panel" id="catalog-import"')
    assert "<html" not in body


def test_reject_reports_are_for_curators_and_named_safely(page_client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    (tmp_path / "imports").mkdir()
    (tmp_path / "imports" / "x.rejects.csv").write_text("line,reason,excerpt\n2,bad,\n")
    assert page_client("analyst").get("/catalog/imports/rejects/x.rejects.csv/").status_code == 403
    assert page_client("curator").get("/catalog/imports/rejects/x.rejects.csv/").status_code == 200
    assert page_client("curator").get("/catalog/imports/rejects/..%2Fdb.csv/").status_code == 404
    assert page_client("curator").get("/catalog/imports/rejects/y.rejects.csv/").status_code == 404


def test_screening_import_replaces_lists_and_screens(page_client, chain):
    data = CSL_SAMPLE.read_bytes()
    response = page_client("curator").post(
        reverse("catalog:import-screening"),
        {
            "file": SimpleUploadedFile("csl.csv", data, content_type="text/csv"),
            "file_date": "2024-06-01",
        },
    )
    assert response.status_code == 200
    result = response.context["screening_result"]
    assert len(result.lists) >= 10
    assert ScreeningList.objects.filter(file_date=datetime.date(2024, 6, 1)).count() == len(
        result.lists
    )
    assert "organisation" in response.content.decode()
    assert AuditRecord.objects.filter(action__in=["create", "import"]).exists()


def test_a_bad_screening_file_changes_nothing_and_says_why(page_client, chain):
    before = ScreeningList.objects.count()
    response = page_client("curator").post(
        reverse("catalog:import-screening"),
        {
            "file": SimpleUploadedFile("x.csv", b"name,colour\nA,red\n"),
            "file_date": "2024-06-01",
        },
    )
    assert response.status_code == 400
    message = response.context["screening_form"].errors["file"][0]
    assert "missing column" in message and "Nothing was changed" in message
    future = page_client("curator").post(
        reverse("catalog:import-screening"),
        {"file": SimpleUploadedFile("x.csv", CSL_SAMPLE.read_bytes()), "file_date": "2999-01-01"},
    )
    assert "future" in future.context["screening_form"].errors["file_date"][0]
    assert ScreeningList.objects.count() == before


# --- query counts ---------------------------------------------------------------------------------------


def _queries(count_queries, client, url, params=None):
    with count_queries() as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_issue_the_same_queries_whatever_the_rows(page_client, count_queries, world):
    client = page_client("analyst")

    def grow(n, start):
        maker = OrganisationFactory(name=f"Zeta Maker {start}", slug=f"zeta-maker-{start}")
        for i in range(n):
            part = PartFactory(manufacturer=maker, mpn=f"ZQX{start}{i:03d}")
            DistributorOfferFactory(part=part)
            brand = DistributorFactory(name=f"Zeta Shop {start} {i}", slug=f"zeta-shop-{start}-{i}")
            SupplyLink.objects.create(seller=maker, buyer=brand, part=part, evidence_kind="invoice")
        return maker

    small = grow(2, 1)
    pages = {
        "search": (reverse("catalog:search"), {"q": "ZQX"}),
        "manufacturers": (reverse("catalog:manufacturer-list"), {"q": "Zeta Maker"}),
        "organisations": (reverse("catalog:organisation-list"), {"q": "Zeta"}),
        "supply-chain": (reverse("catalog:supply-chain"), {}),
    }
    before = {k: _queries(count_queries, client, u, p) for k, (u, p) in pages.items()}
    maker_page = reverse("catalog:manufacturer-detail", args=[small.pk])
    graph_page = reverse("catalog:organisation-graph", args=[small.pk])
    detail_before = [_queries(count_queries, client, u) for u in (maker_page, graph_page)]
    big = grow(12, 2)
    after = {k: _queries(count_queries, client, u, p) for k, (u, p) in pages.items()}
    assert after == before
    detail_after = [
        _queries(count_queries, client, reverse(name, args=[big.pk]))
        for name in ("catalog:manufacturer-detail", "catalog:organisation-graph")
    ]
    assert detail_after == detail_before
