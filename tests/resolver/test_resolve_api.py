"""POST /api/v1/resolve/: answers, batches, bad input (never a 500) and the role matrix."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.api.serializers_resolve import MAX_TEXT_CHARS, MAX_TEXTS

from .resolver_support import build_catalog

pytestmark = pytest.mark.django_db

URL = "/api/v1/resolve/"


@pytest.fixture
def parts(db):
    return build_catalog()


def test_one_text(client_for, parts):
    response = client_for("analyst").post(URL, {"text": "Transceiver МАХ3490 2231"}, format="json")
    assert response.status_code == 200
    data = response.json()
    assert data["text"] == "Transceiver МАХ3490 2231"
    assert data["status"] == "confident"
    best = data["candidates"][0]
    assert best["part_id"] == parts["MAX3490EESA+"].pk
    assert best["mpn"] == "MAX3490EESA+"
    assert (best["manufacturer"], best["owner"], best["country"]) == (
        "Maxim Integrated",
        "Analog Devices",
        "US",
    )
    assert 0 < best["score"] <= 1 and best["reasons"]
    assert data["tokens"][0] == {"raw": "МАХ3490", "norm": "MAX3490", "line": 1, "index": 0}
    assert data["words"] == ["Transceiver"]
    assert data["date_code"]["token"] == "2231"
    assert data["date_code"]["rule"] == "YYWW"
    assert data["date_code"]["after_export_controls"] is True
    assert data["date_code"]["readings"]


def test_batch_keeps_order(client_for, parts):
    texts = ["AD7450BRZ", "only words here", "5N74HC595N"]
    response = client_for("researcher").post(URL, {"texts": texts}, format="json")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3
    assert [r["text"] for r in data["results"]] == texts
    assert data["results"][0]["candidates"][0]["mpn"] == "AD7450BRZ"
    assert data["results"][1]["status"] == "unknown"
    assert data["results"][2]["candidates"][0]["mpn"] == "SN74HC595N"


def test_batch_query_count_does_not_grow(client_for, parts, count_queries):
    client = client_for("analyst")
    texts = ["AD7450BRZ 2245", "Transceiver МАХ3490", "LTC3414", "STM32F4O7VGT7", "MAXIM 2769E"]
    client.post(URL, {"texts": texts}, format="json")  # warm the user's role cache path
    with count_queries() as few:
        assert client.post(URL, {"texts": texts}, format="json").status_code == 200
    with count_queries() as many:
        assert client.post(URL, {"texts": texts * 40}, format="json").status_code == 200
    assert len(few.captured_queries) == len(many.captured_queries)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "exactly one of"),
        ({"text": "AD7450BRZ", "texts": ["LTC3414"]}, "exactly one of"),
        ({"text": ""}, "empty"),
        ({"text": "   \n "}, "empty"),
        ({"text": "x" * (MAX_TEXT_CHARS + 1)}, "no more than"),
        ({"text": 42}, None),
        ({"text": None}, None),
        ({"text": ["AD7450BRZ"]}, None),
        ({"texts": []}, None),
        ({"texts": "AD7450BRZ"}, None),
        ({"texts": ["AD7450BRZ", ""]}, "texts[1]"),
        ({"texts": ["AD7450BRZ", 7]}, None),
        ({"texts": ["ok"] * (MAX_TEXTS + 1)}, "no more than"),
        ({"text": "AD7450BRZ", "limit": 3}, "Unknown field"),
        ({"text": "AD\x00BRZ"}, "Null characters"),
    ],
)
def test_bad_requests_are_clear_400s(client_for, parts, payload, message):
    response = client_for("analyst").post(URL, payload, format="json")
    assert response.status_code == 400, response.content
    if message:
        assert message in response.content.decode("unicode_escape")


def test_unpaired_surrogate_is_a_400(client_for, parts):
    body = '{"text": "AD7450\\ud800BRZ"}'
    response = client_for("analyst").post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert "surrogate" in response.json()["text"][0].lower()


def test_form_posts_are_refused(client_for, parts):
    response = client_for("analyst").post(URL, {"text": "AD7450BRZ"}, format="multipart")
    assert response.status_code == 415


def test_not_json_is_a_400(client_for, parts):
    response = client_for("analyst").post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "text",
    ["\x01\x02\x7f weird", "🔥 MAX3490 🔥", "operational amplifier", "x" * MAX_TEXT_CHARS],
)
def test_odd_but_valid_text_is_answered(client_for, parts, text):
    response = client_for("analyst").post(URL, {"text": text}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] in ("confident", "ambiguous", "unknown")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_random_text_never_breaks_the_endpoint(client_for, parts, text):
    response = client_for("analyst").post(URL, {"text": text}, format="json")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["status"] in ("confident", "ambiguous", "unknown")


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(st.text(min_size=1, max_size=60), min_size=1, max_size=20))
def test_random_batches_never_break_the_endpoint(client_for, parts, texts):
    response = client_for("analyst").post(URL, {"texts": texts}, format="json")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["count"] == len(texts)


ALLOWED = ("analyst", "curator", "researcher", "admin")
REFUSED = ("manufacturer_a", "manufacturer_b", "norole")


@pytest.mark.parametrize(
    ("role", "method", "expected"),
    [(role, "post", 200) for role in ALLOWED]
    + [(role, "post", 403) for role in REFUSED]
    + [(None, "post", 401)]
    + [(role, method, 405) for role in ALLOWED for method in ("get", "put", "patch", "delete")]
    + [(role, "get", 403) for role in REFUSED]
    + [(None, "get", 401)],
)
def test_permission_matrix(client_for, parts, role, method, expected):
    client = client_for(role)
    response = getattr(client, method)(URL, {"text": "AD7450BRZ"}, format="json")
    if role is None and response.status_code == 403:
        expected = 403  # session-only clients get 403 instead of 401 without a challenge
    assert response.status_code == expected
