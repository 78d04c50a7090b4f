import re

import pytest
from playwright.sync_api import expect


@pytest.mark.django_db(transaction=True)
def test_sign_in_shows_who_and_role(page, users, sign_in, shot):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/"))
    shot(page, "01-sign-in")
    sign_in(page, "analyst")
    header = page.locator("header.top")
    expect(header).to_contain_text("analyst")
    shot(page, "02-dashboard-analyst")


@pytest.mark.django_db(transaction=True)
def test_wrong_password_is_refused_beside_the_form(page, users, sign_in):
    sign_in(page, "analyst", "wrong-password")
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
