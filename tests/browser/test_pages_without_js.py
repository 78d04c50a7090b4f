"""The recovery page's upload form with JavaScript turned off (a plain multipart POST, per-file
results after the redirect), and the finding list's sortable headers in a real browser."""

import pytest
from playwright.sync_api import expect

from forensics.models import Photo
from tests.factories import RecoveryFactory, WeaponSystemFactory

from .test_analyst_pages import board_photo


@pytest.fixture
def no_js_page(chromium, live_server):
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900},
        base_url=live_server.url,
        java_script_enabled=False,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.django_db(transaction=True)
def test_upload_without_javascript(no_js_page, users, sign_in, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    page = no_js_page
    system = WeaponSystemFactory(name="No-JS Test System", slug="no-js-test-system")
    recovery = RecoveryFactory(weapon_system=system, sharing="green", reference="REC-NOJS")
    good = tmp_path / "board-plain.jpg"
    good.write_bytes(board_photo(3))
    fake = tmp_path / "drawing.svg"
    fake.write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    sign_in(page, "analyst")
    page.goto(f"/recoveries/{recovery.pk}/")
    page.get_by_label("Photos to upload").set_input_files([str(good), str(fake)])
    page.get_by_role("button", name="Upload the photos").click()
    results = page.locator(".upload-list")
    photo = Photo.objects.get(recovery=recovery)
    expect(results.locator("li.done")).to_contain_text(f"uploaded as photo {photo.pk}")
    expect(results.locator("li.refused")).to_contain_text("drawing.svg")
    expect(results.locator("li.refused")).to_contain_text("refused:")
    assert page.url.endswith(f"/recoveries/{recovery.pk}/#photos-h")


@pytest.mark.django_db(transaction=True)
def test_upload_button_is_hidden_when_the_script_takes_over(page, users, sign_in):
    system = WeaponSystemFactory(name="JS Test System", slug="js-test-system")
    recovery = RecoveryFactory(weapon_system=system, sharing="green", reference="REC-JS")
    sign_in(page, "analyst")
    page.goto(f"/recoveries/{recovery.pk}/")
    expect(page.get_by_label("Photos to upload")).to_be_visible()
    expect(page.get_by_role("button", name="Upload the photos")).to_be_hidden()
    # The recovery list's headers sort by a click and mark the sorted column.
    page.goto("/recoveries/")
    page.get_by_role("link", name="Reference").click()
    expect(page.locator('th[aria-sort="ascending"]')).to_contain_text("Reference")
    page.get_by_role("link", name="Reference").click()
    expect(page.locator('th[aria-sort="descending"]')).to_contain_text("Reference")
