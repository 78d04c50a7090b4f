"""Screening endpoints: who may read lists and hits and mark false positives (manufacturers never),
and constant query counts."""

import datetime

import pytest

from catalog import screening
from catalog.models import ScreeningHit
from tests.factories import DistributorFactory

from .test_screening import csl_row, import_file, write_csl

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
READERS = {"analyst", "curator", "admin"}
MARKERS = {"curator", "admin"}
WORDS = [
    "Amber", "Basalt", "Cobalt", "Dolomite", "Emerald", "Feldspar", "Granite", "Hematite",
    "Jasper", "Kyanite", "Lazurite", "Malachite",
]  # fmt: skip


@pytest.fixture
def hits(users, tmp_path):
    rows = [csl_row(f"{word} Avionics Ltd", f"el-{n}") for n, word in enumerate(WORDS)]
    import_file(write_csl(tmp_path / "csl.csv", rows), datetime.date(2024, 6, 1))
    orgs = [DistributorFactory(name=f"{word} Avionics LLC") for word in WORDS]
    screening.screen_organisations([o.pk for o in orgs])
    return list(ScreeningHit.objects.order_by("pk"))


def client(client_for, role):
    return client_for(None if role == "anonymous" else role)


def expected(role, allowed):
    if role == "anonymous":
        return {401}
    return {200} if role in allowed else {403}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["screening-lists", "screening-hits"])
def test_read_matrix(client_for, hits, role, path):
    api = client(client_for, role)
    listing = api.get(f"/api/v1/{path}/")
    assert listing.status_code in expected(role, READERS)
    first = hits[0].pk if path == "screening-hits" else hits[0].screening_list_id
    assert api.get(f"/api/v1/{path}/{first}/").status_code in expected(role, READERS)
    if role in READERS:
        assert listing.json()["count"] == (12 if path == "screening-hits" else 1)


@pytest.mark.parametrize("role", ROLES)
def test_false_positive_matrix(client_for, hits, role):
    api = client(client_for, role)
    url = f"/api/v1/screening-hits/{hits[0].pk}/false-positive/"
    response = api.post(url, {"reason": "Different company"}, format="json")
    if role in MARKERS:
        assert response.status_code == 200
        assert response.json()["false_positive"] is True
        assert api.delete(url).json()["false_positive"] is False
    else:
        assert response.status_code in expected(role, MARKERS)
        assert not ScreeningHit.objects.get(pk=hits[0].pk).false_positive


def test_lists_show_dates_and_active_hit_counts(client_for, hits, users):
    screening.mark_false_positive(hits[0], users["curator"])
    data = client_for("analyst").get("/api/v1/screening-lists/").json()["results"][0]
    assert data["code"] == "EL"
    assert data["file_date"] == "2024-06-01"
    assert data["entry_count"] == 12
    assert data["hit_count"] == 11


def test_hits_filter_by_organisation_and_verdict(client_for, hits, users):
    screening.mark_false_positive(hits[0], users["curator"])
    api = client_for("curator")
    # The hits are made in whatever order screening takes the organisations: pick by name.
    basalt = next(h for h in hits if h.organisation.name == "Basalt Avionics LLC")
    by_org = api.get(f"/api/v1/screening-hits/?organisation={basalt.organisation_id}").json()
    assert [h["id"] for h in by_org["results"]] == [basalt.pk]
    dismissed = api.get("/api/v1/screening-hits/?false_positive=true").json()
    assert [h["id"] for h in dismissed["results"]] == [hits[0].pk]
    hit = by_org["results"][0]
    assert hit["entry"]["uid"] == "el-1"
    assert hit["screening_list"]["code"] == "EL"
    assert hit["score"] == 100
    assert api.get("/api/v1/screening-hits/?false_positive=maybe").status_code == 400


@pytest.mark.parametrize("path", ["screening-lists", "screening-hits"])
def test_list_query_count_does_not_grow_with_page_size(client_for, hits, count_queries, path):
    api = client_for("analyst")
    api.get(f"/api/v1/{path}/?page_size=1")  # warms the per-user role cache
    with count_queries() as small:
        assert api.get(f"/api/v1/{path}/?page_size=5").status_code == 200
    with count_queries() as large:
        assert api.get(f"/api/v1/{path}/?page_size=50").status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)
