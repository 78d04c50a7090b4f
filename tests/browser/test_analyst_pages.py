"""An analyst's day in a real browser: record a recovery, upload teardown photos (one refused by
name, one dropped on the page, a duplicate warned about), draw a box around a chip in the viewer,
type its Cyrillic-lettered marking and watch the resolver's candidates follow, confirm the part."""

import io
import re

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from forensics.models import Finding, FindingStatus, Photo, Recovery
from tests.resolver.resolver_support import build_catalog


def board_photo(seed: int, size=(1200, 900)) -> bytes:
    """A green 'circuit board' with dark 'chips': enough structure for pHash and for the eye."""
    image = Image.new("RGB", size, (20, 90 + seed * 10, 40))
    draw = ImageDraw.Draw(image)
    for i in range(6):
        left = 80 + i * 180
        top = 120 + (i % 2) * 300 + seed * 20
        draw.rectangle((left, top, left + 120, top + 160), fill=(25, 25, 28))
        draw.text((left + 10, top + 70), f"U{i + 1}", fill=(220, 220, 220))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def drop_file(page, selector: str, name: str, content: bytes, mime="image/jpeg"):
    """Drop a file on an element, as a person dragging it from their desktop would."""
    data = page.evaluate_handle(
        """([name, bytes, mime]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], name, { type: mime }));
            return transfer;
        }""",
        [name, list(content), mime],
    )
    page.dispatch_event(selector, "dragenter", {"dataTransfer": data})
    page.dispatch_event(selector, "drop", {"dataTransfer": data})


@pytest.mark.django_db(transaction=True)
def test_analyst_records_uploads_boxes_and_confirms(page, users, sign_in, shot, tmp_path):
    build_catalog()
    sign_in(page, "analyst")
    shot(page, "analyst-dashboard")

    # Record a recovery: the empty form first, to see the errors beside the fields.
    page.get_by_role("link", name="Recoveries").first.click()
    page.get_by_role("link", name="Record a recovery").click()
    page.get_by_role("button", name="Record the recovery").click()
    expect(page.locator("#id_weapon_system_error")).to_contain_text("required")
    shot(page, "analyst-recovery-form-errors")
    page.get_by_label("Weapon system").select_option(label="Kh-101")
    page.get_by_label("Serial number").fill("KH101-0042")
    page.get_by_label("Recovered on").fill("2024-03-21")
    page.get_by_label("Oblast").fill("Kyiv")
    page.get_by_role("button", name="Record the recovery").click()
    expect(page.get_by_role("status").first).to_contain_text("recorded")
    recovery = Recovery.objects.get(serial_number="KH101-0042")
    assert recovery.custody.count() == 1

    # Upload: two photos and a fake one by the file input, then a duplicate dropped on the zone.
    good1, good2 = tmp_path / "board-top.jpg", tmp_path / "board-bottom.jpg"
    good1.write_bytes(board_photo(1))
    good2.write_bytes(board_photo(4))
    fake = tmp_path / "not-a-photo.jpg"
    fake.write_bytes(b"<html><body>this is not an image</body></html>")
    page.get_by_label("Photos to upload").set_input_files([str(good1), str(fake), str(good2)])
    uploads = page.locator(".upload-list")
    refused = uploads.locator("li", has_text="not-a-photo.jpg")
    expect(refused).to_contain_text("refused")
    expect(uploads.locator("li.done")).to_have_count(2)
    drop_file(page, ".dropzone", "board-top-again.jpg", good1.read_bytes())
    again = uploads.locator("li", has_text="board-top-again.jpg")
    expect(again).to_contain_text("uploaded as photo")
    expect(again).to_contain_text("possible duplicate of photo")
    expect(page.locator("#photo-grid img")).to_have_count(3)
    expect(page.locator("#photo-grid")).to_contain_text("Possible duplicate of")
    shot(page, "analyst-recovery-uploaded")
    assert Photo.objects.filter(recovery=recovery).count() == 3
    refused_reason = refused.locator(".upload-status").inner_text()
    assert "refused:" in refused_reason and len(refused_reason) > len("refused: ")

    # Tablet width: the same page in one column.
    page.set_viewport_size({"width": 820, "height": 1180})
    shot(page, "analyst-recovery-tablet")
    page.set_viewport_size({"width": 1280, "height": 900})

    # The viewer: zoom with the keyboard, then draw a box around the first chip.
    first = Photo.objects.filter(recovery=recovery).order_by("pk").first()
    page.locator(f"#photo-{first.pk} a").first.click()
    viewport = page.locator("#viewport")
    expect(page.locator("[data-viewer].enhanced")).to_have_count(1)
    zoom = page.locator("[data-zoom-level]")
    before = zoom.inner_text()
    viewport.focus()
    page.keyboard.press("+")
    expect(zoom).not_to_have_text(before)
    page.keyboard.press("0")
    expect(zoom).to_have_text(before)
    page.get_by_role("button", name="Draw a box").click()
    image = page.locator("[data-image]").bounding_box()
    scale = image["width"] / 1200  # the chip U1 is at 80..200 x 140..300 in the original
    page.mouse.move(image["x"] + 70 * scale, image["y"] + 130 * scale)
    page.mouse.down()
    page.mouse.move(image["x"] + 150 * scale, image["y"] + 220 * scale, steps=5)
    page.mouse.move(image["x"] + 210 * scale, image["y"] + 310 * scale, steps=5)
    page.mouse.up()
    expect(page.locator("[data-box-form]")).to_be_visible()
    shot(page, "analyst-photo-viewer-box")
    page.get_by_role("button", name="Start a finding from this box").click()

    # Finding entry: the box arrives in original pixels; the marking is typed with Cyrillic М А Х.
    crop_x = int(page.get_by_label("Box left (px)").input_value())
    crop_w = int(page.get_by_label("Box width (px)").input_value())
    assert 60 <= crop_x <= 80 and 130 <= crop_w <= 150
    marking = page.get_by_label(re.compile(r"^Marking"))
    marking.press_sequentially("Transceiver МАХ34", delay=40)
    preview = page.locator("#resolve-preview")
    expect(preview).to_contain_text("Maxim Integrated")
    marking.press_sequentially("90ESA 2231", delay=40)
    expect(preview).to_contain_text("MAX3490EESA+")
    expect(preview).to_contain_text("after the export controls")
    shot(page, "analyst-finding-entry")
    page.get_by_role("button", name="Record the finding").click()

    # The resolver proposed on save (tasks run in-process here); the analyst confirms.
    expect(page.locator("#resolution")).to_contain_text("Proposed")
    shot(page, "analyst-finding-proposed")
    page.get_by_role("button", name="Confirm the proposal").click()
    expect(page.get_by_role("status").first).to_contain_text("confirmed as MAX3490EESA")
    shot(page, "analyst-finding-confirmed")
    finding = Finding.objects.get(recovery=recovery)
    assert finding.status == FindingStatus.CONFIRMED
    assert finding.part.mpn.startswith("MAX3490EESA")
    assert finding.after_export_controls
    link = finding.finding_photos.get()
    assert (link.photo_id, link.crop_x) == (first.pk, crop_x)

    # The finding shows up in the atlas, the list (with exports) and on the dashboard.
    page.get_by_role("link", name="Kh-101").first.click()
    expect(page.locator(".atlas")).to_contain_text("MAX3490EESA")
    shot(page, "analyst-weapon-system-atlas")
    page.get_by_role("link", name="Findings", exact=True).click()
    expect(page.get_by_role("link", name="CSV")).to_have_attribute("href", re.compile("format=csv"))
    shot(page, "analyst-finding-list")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("#chart-owner")).to_contain_text("Maxim Integrated")
    shot(page, "analyst-dashboard-after")


@pytest.mark.django_db(transaction=True)
def test_keyboard_users_can_skip_to_the_content(page, users, sign_in):
    sign_in(page, "researcher")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))
