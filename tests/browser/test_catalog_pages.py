"""Catalog pages in a real browser: a curator's imports with the upload progress bar, the summary
and the reject report; the marking-tolerant search; an organisation's screening hit and its graph
on a tablet. Screenshots under test-output/screenshots/catalog-*.png."""

import pytest
from playwright.sync_api import expect

from catalog import screening
from catalog.models import Organisation, Part, ScreeningHit, SupplyLink
from forensics.demo import shared_data_dir
from tests.factories import DistributorFactory
from tests.resolver.resolver_support import build_catalog

CATALOG_CSV = (
    "mpn,manufacturer,category,hs_code,distributor,distributor_sku\n"
    "BRW100A,Texas Instruments,Integrated Circuits (ICs),854231,Digi-Key,296-BRW100A-ND\n"
    ",Texas Instruments,Integrated Circuits (ICs),854231,,\n"
    "BRW102C,Texas Instruments,Integrated Circuits (ICs),85.42.XX,,\n"
    "BRW103D,Browser Test Maker Oy,Integrated Circuits (ICs),854239,,\n"
)


@pytest.mark.django_db(transaction=True)
def test_curator_imports_with_progress_and_reject_report(page, users, sign_in, shot, tmp_path):
    sign_in(page, "curator")
    page.get_by_role("link", name="Imports").click()
    shot(page, "catalog-imports")

    bad = tmp_path / "wrong-layout.csv"
    bad.write_text("part,maker\nX,Y\n")
    panel = page.locator("#catalog-import")
    panel.get_by_label("Catalog CSV file").set_input_files(str(bad))
    panel.get_by_role("button", name="Import the catalog").click()
    error = page.locator("#catalog-import .field.has-error")
    expect(error).to_contain_text("nothing changed")
    shot(page, "catalog-import-refused")

    good = tmp_path / "new-parts.csv"
    good.write_text(CATALOG_CSV)
    page.locator("#catalog-import").get_by_label("Catalog CSV file").set_input_files(str(good))
    page.locator("#catalog-import").get_by_role("button", name="Import the catalog").click()
    result = page.locator("#catalog-import [data-result]")
    expect(result).to_contain_text("2 rejected")
    expect(result).to_be_focused()
    expect(result.locator("table.rejects")).to_contain_text("HS")
    assert page.url.endswith("/catalog/imports/")  # sent by the upload script, panel swapped in
    shot(page, "catalog-import-summary")
    assert Part.objects.filter(mpn__startswith="BRW").count() == 2
    assert Organisation.objects.filter(name="Browser Test Maker Oy", needs_review=True).exists()

    page.get_by_role("link", name="Every rejected line").click()
    expect(page.locator("table.rejects tbody tr")).to_have_count(2)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the CSV").click()
    assert download.value.suggested_filename.endswith(".rejects.csv")
    shot(page, "catalog-import-rejects")

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Imports").click()
    screening = page.locator("#screening-import")
    screening.get_by_label("Consolidated Screening List CSV").set_input_files(
        str(shared_data_dir() / "csl-sample.csv")
    )
    screening.get_by_role("button", name="Import the watch list").click()
    expect(page.locator("#screening-import [data-result]")).to_contain_text("Imported")
    shot(page, "catalog-screening-imported")


@pytest.mark.django_db(transaction=True)
def test_search_organisation_and_graph(page, users, sign_in, shot):
    build_catalog()
    maxim = Organisation.objects.get(name="Maxim Integrated")
    broker = DistributorFactory(
        name="Sinobright Import and Export Co., Ltd.",
        country="HK",
        is_authorized_distributor=False,
        is_independent_distributor=True,
    )
    SupplyLink.objects.create(
        seller=maxim, buyer=broker, evidence_kind="open_source", confidence="probable"
    )
    screening.import_csl_file(shared_data_dir() / "csl-sample.csv")
    assert ScreeningHit.objects.filter(organisation=broker).exists()

    sign_in(page, "analyst")
    page.get_by_role("link", name="Catalog", exact=True).click()
    page.get_by_label("Part number, marking or manufacturer").fill("Transceiver МАХ3490")
    page.get_by_role("button", name="Search").click()
    reading = page.locator("table.candidates")
    expect(reading).to_contain_text("MAX3490EESA+")
    expect(reading).to_contain_text("Maxim Integrated")
    shot(page, "catalog-search-cyrillic")
    reading.get_by_role("link", name="MAX3490EESA+").first.click()
    expect(page.locator("h1")).to_contain_text("MAX3490EESA+")
    shot(page, "catalog-part")
    page.locator("main").get_by_role("link", name="Maxim Integrated").first.click()
    expect(page.locator("main")).to_contain_text("Analog Devices")
    shot(page, "catalog-manufacturer")

    page.get_by_role("link", name="Organisations").click()
    page.get_by_label("Name or alias contains").fill("Sinobright")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="Sinobright Import and Export Co., Ltd.").click()
    expect(page.locator(".hits")).to_contain_text("Sinobright Import and Export Company")
    shot(page, "catalog-organisation-screening")

    page.set_viewport_size({"width": 820, "height": 1180})
    page.get_by_role("link", name="Supply-chain graph").click()
    expect(page.locator("#graph-canvas.enhanced canvas").first).to_be_attached()
    expect(page.locator("table.graph-nodes")).to_contain_text("⚠ 1 hit")
    page.locator("[data-show-node]").first.click()
    expect(page.locator("#panel-h")).to_be_focused()
    shot(page, "catalog-graph-tablet")
