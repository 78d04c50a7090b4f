"""The whole story in a real browser, as one scenario.

An analyst signs in, records an AMBER recovery, uploads teardown photos (a fake one is refused by
name), draws a box around a chip in the viewer, types its Cyrillic-lettered marking, confirms the
proposed part and asks the manufacturer who bought the lot. Maxim's compliance officer signs in,
finds the notification and the trace request in the inbox, and answers it (first with a mistake
the form points out). The analyst sees the new supply link in the finding's graph. Another
manufacturer's officer signs in and sees none of it. Screenshots of every page go under
test-output/screenshots/e2e-*.png.
"""

import re

import pytest
from playwright.sync_api import expect

from catalog.models import Organisation, OrganisationUser, SupplyLink
from forensics import roles
from forensics.models import Finding, FindingStatus, Notification, TraceRequest, TraceState
from tests.factories import UserFactory
from tests.resolver.resolver_support import build_catalog

from .test_analyst_pages import board_photo


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("networkidle")


@pytest.mark.django_db(transaction=True)
def test_from_teardown_to_supply_chain(page, users, sign_in, shot, tmp_path):
    build_catalog()
    maxim = Organisation.objects.get(name="Maxim Integrated")
    officer = UserFactory(username="maxim_officer", role=roles.MANUFACTURER)
    OrganisationUser.objects.create(user=officer, organisation=maxim)

    # --- the analyst: recovery, photos, box, marking, confirmation ---------------------------------
    sign_in(page, "analyst")
    page.get_by_role("link", name="Recoveries").first.click()
    page.get_by_role("link", name="Record a recovery").click()
    page.get_by_label("Weapon system").select_option(label="Shahed-136/Geran-2")
    page.get_by_label("Serial number").fill("E2E-SHAHED-0815")
    page.get_by_label("Recovered on").fill("2024-05-02")
    page.get_by_label("Oblast").fill("Odesa")
    page.get_by_label("Recovering unit").fill("Unit never shown to manufacturers")
    page.locator("#id_sharing").select_option("amber")
    shot(page, "e2e-01-recovery-form")
    page.get_by_role("button", name="Record the recovery").click()
    expect(page.get_by_role("status").first).to_contain_text("recorded")

    top, fake = tmp_path / "board-top.jpg", tmp_path / "screenshot-of-a-chat.jpg"
    top.write_bytes(board_photo(2))
    fake.write_bytes(b"%PDF-1.4 this is not a photo at all")
    page.get_by_label("Photos to upload").set_input_files([str(top), str(fake)])
    uploads = page.locator(".upload-list")
    expect(uploads.locator("li", has_text="screenshot-of-a-chat.jpg")).to_contain_text("refused")
    expect(uploads.locator("li.done")).to_have_count(1)
    expect(page.locator("#photo-grid img")).to_have_count(1)
    shot(page, "e2e-02-recovery-photos")

    page.locator("#photo-grid a").first.click()
    expect(page.locator("[data-viewer].enhanced")).to_have_count(1)
    page.get_by_role("button", name="Draw a box").click()
    image = page.locator("[data-image]").bounding_box()
    scale = image["width"] / 1200
    page.mouse.move(image["x"] + 250 * scale, image["y"] + 140 * scale)
    page.mouse.down()
    page.mouse.move(image["x"] + 330 * scale, image["y"] + 250 * scale, steps=5)
    page.mouse.move(image["x"] + 390 * scale, image["y"] + 330 * scale, steps=5)
    page.mouse.up()
    expect(page.locator("[data-box-form]")).to_be_visible()
    shot(page, "e2e-03-viewer-box")
    page.get_by_role("button", name="Start a finding from this box").click()

    marking = page.get_by_label(re.compile(r"^Marking"))
    marking.press_sequentially("Transceiver МАХ3490ESA 2231 A1B2C3", delay=30)
    preview = page.locator("#resolve-preview")
    expect(preview).to_contain_text("MAX3490EESA+")
    shot(page, "e2e-04-finding-entry")
    page.get_by_role("button", name="Record the finding").click()
    expect(page.locator("#resolution")).to_contain_text("Proposed")
    page.get_by_role("button", name="Confirm the proposal").click()
    expect(page.get_by_role("status").first).to_contain_text("confirmed as MAX3490EESA")
    finding = Finding.objects.get(recovery__serial_number="E2E-SHAHED-0815")
    assert finding.status == FindingStatus.CONFIRMED and finding.manufacturer == maxim
    shot(page, "e2e-05-finding-confirmed")

    # The trace of the finding is empty: the analyst asks Maxim who bought the lot.
    page.get_by_role("link", name="Trace of this finding").click()
    expect(page.locator("#edges-h")).to_contain_text("(0)")
    page.get_by_role("button", name="Ask the manufacturer who bought this lot").click()
    expect(page.get_by_role("status").first).to_contain_text("sent")
    trace_request = TraceRequest.objects.get(findings=finding)
    assert trace_request.state == TraceState.SENT and trace_request.organisation == maxim
    shot(page, "e2e-06-trace-request-sent")
    sign_out(page)

    # --- Maxim's officer: inbox, trace request, answer ---------------------------------------------
    sign_in(page, "maxim_officer")
    page.get_by_role("link", name="Inbox").first.click()
    inbox = page.locator("table.inbox")
    expect(inbox).to_contain_text("MAX3490EESA+ was found in a recovered Shahed-136/Geran-2")
    expect(inbox).to_contain_text(f"Trace request {trace_request.pk}: who bought this lot?")
    shot(page, "e2e-07-manufacturer-inbox")
    page.get_by_role("link", name=f"Trace request {trace_request.pk}: who bought this lot?").click()
    shot(page, "e2e-08-notification")
    page.get_by_role("link", name="Open the trace request").click()
    body = page.locator("main")
    expect(body).to_contain_text("Transceiver МАХ3490ESA 2231 A1B2C3")
    expect(body).to_contain_text("2024-05")
    expect(body).not_to_contain_text("Unit never shown to manufacturers")
    expect(body).not_to_contain_text("Odesa")
    page.get_by_role("button", name="Acknowledge: we are looking into it").click()
    expect(page.get_by_role("status").first).to_contain_text("Acknowledged")

    page.get_by_label("First sale of the lot").check()
    page.get_by_label("First buyer's name").fill("Kowloon Bay Components Ltd")
    page.get_by_label("Buyer's country (ISO-2)").fill("HK")
    page.get_by_role("button", name="Send the answer").click()
    expect(page.locator("#id_sale_date_error, .field.has-error").first).to_contain_text(
        "date of the sale"
    )
    shot(page, "e2e-09-answer-errors")
    page.get_by_label("First sale of the lot").check()
    page.get_by_label("Date of the sale").fill("2023-09-18")
    page.get_by_label("Quantity").fill("1200")
    page.get_by_label("Invoice reference").fill("MX-INV-2023-4471")
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_role("status").first).to_contain_text("Kowloon Bay Components Ltd")
    shot(page, "e2e-10-answered")
    trace_request.refresh_from_db()
    assert trace_request.state == TraceState.ANSWERED
    link = SupplyLink.objects.get(seller=maxim, buyer__name="Kowloon Bay Components Ltd")

    page.get_by_role("link", name="Our findings").click()
    expect(page.locator("main")).to_contain_text("МАХ3490ESA")
    shot(page, "e2e-11-manufacturer-findings")
    sign_out(page)

    # --- the analyst sees the new link in the graph ---------------------------------------------------
    sign_in(page, "analyst")
    page.goto(f"/supply-chain/findings/{finding.pk}/")
    expect(page.locator("#graph-canvas.enhanced canvas").first).to_be_attached()
    edges = page.locator("table.graph-edges")
    expect(edges).to_contain_text("Kowloon Bay Components Ltd")
    expect(edges).to_contain_text("Manufacturer trace response")
    drawn = page.evaluate(
        "() => document.getElementById('graph-canvas').cytoscape.edges().map(e => e.data('ref'))"
    )
    assert drawn == [link.pk]
    position = page.evaluate(
        """() => {
            const cy = document.getElementById('graph-canvas').cytoscape;
            const node = cy.nodes().filter(n => n.data('label').startsWith('Kowloon'))[0];
            const box = document.getElementById('graph-canvas').getBoundingClientRect();
            const p = node.renderedPosition();
            return { x: box.left + p.x, y: box.top + p.y };
        }"""
    )
    page.mouse.click(position["x"], position["y"])
    panel = page.locator("#graph-panel")
    expect(panel).to_contain_text("Kowloon Bay Components Ltd")
    expect(panel).to_contain_text("HK")
    shot(page, "e2e-12-graph-node")
    page.locator(f"[data-show-edge='{link.pk}']").click()
    expect(panel).to_contain_text(f"Supply link {link.pk}")
    expect(panel).to_contain_text("Confirmed")
    shot(page, "e2e-13-graph-edge")
    sign_out(page)

    # --- another manufacturer sees none of it ---------------------------------------------------------
    sign_in(page, "maker_b_officer")
    page.get_by_role("link", name="Inbox").first.click()
    expect(page.locator("main")).not_to_contain_text("MAX3490")
    expect(page.locator("main")).to_contain_text("No notification yet")
    shot(page, "e2e-14-other-manufacturer-inbox")
    for url in (
        f"/portal/trace-requests/{trace_request.pk}/",
        f"/portal/findings/{finding.pk}/",
        f"/findings/{finding.pk}/",
        f"/recoveries/{finding.recovery_id}/",
    ):
        response = page.goto(url)
        assert response.status == 404, url
    page.goto("/portal/trace-requests/")
    expect(page.locator("main")).to_contain_text("No trace request")
    page.goto("/findings/")
    expect(page.locator("main")).not_to_contain_text("МАХ3490")
    shot(page, "e2e-15-other-manufacturer-findings")
    assert not Notification.objects.filter(organisation__users__user__username="maker_b_officer")
