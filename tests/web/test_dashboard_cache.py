"""The dashboard's aggregates are cached per user under the newest audit record's id: a second
view skips the scans, any audited write shows at once, and no user is served another's figures."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from forensics.services import findings as finding_services

pytestmark = pytest.mark.django_db

LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def real_cache(settings):
    settings.CACHES = LOCAL_CACHE
    cache.clear()
    yield
    cache.clear()


def _confirmed_count(body: str) -> int:
    return int(re.search(r"status-confirmed\">[^<]*</span> (\d+)", body).group(1))


def test_a_second_view_skips_the_aggregates(world, page_client, count_queries):
    client = page_client("analyst")
    with count_queries() as first:
        cold = client.get(reverse("dashboard")).content.decode()
    with count_queries() as second:
        warm = client.get(reverse("dashboard")).content.decode()
    assert len(second.captured_queries) < len(first.captured_queries)
    assert _confirmed_count(warm) == _confirmed_count(cold) == 4
    statements = " ".join(q["sql"] for q in second.captured_queries)
    assert "GROUP BY" not in statements and 'COUNT(*) AS "__count" FROM "forensics_photo"' not in (
        statements
    )


def test_an_audited_write_shows_at_once(world, page_client, users):
    client = page_client("analyst")
    assert _confirmed_count(client.get(reverse("dashboard")).content.decode()) == 4
    finding_services.mark_unidentifiable(world["finding_b"].pk, users["analyst"], "smudged")
    assert _confirmed_count(client.get(reverse("dashboard")).content.decode()) == 3


def test_users_never_share_cached_figures(world, page_client):
    analyst = page_client("analyst").get(reverse("dashboard")).content.decode()
    maker = page_client("manufacturer_a").get(reverse("dashboard")).content.decode()
    other = page_client("manufacturer_b").get(reverse("dashboard")).content.decode()
    assert _confirmed_count(analyst) == 4
    assert _confirmed_count(maker) == 2  # maker A's GREEN and AMBER findings, not the RED one
    assert _confirmed_count(other) == 1
    assert "Maker B Devices" not in maker and "Maker A Semiconductors" not in other


def test_parameters_are_part_of_the_key(world, page_client):
    client = page_client("analyst")
    client.get(reverse("dashboard"))
    body = client.get(reverse("dashboard") + f"?weapon_system={world['system'].pk}&status=all")
    assert "in <strong>Test Geran</strong>: 4 in all" in body.content.decode()
    bad = client.get(reverse("dashboard") + "?weapon_system=999999").content.decode()
    assert 'id="id_weapon_system_error"' in bad
