"""Who may do what with trace requests, finding comments and the graph: every role against every
endpoint and action, "manufacturer A never sees B's requests", redaction, and query counts."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from forensics.models import Sharing, TraceRequest
from forensics.services import traces

from .traces_support import amber_recovery, confirmed_finding, sent_request

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
API = "/api/v1/trace-requests/"


def user(username):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def rows(users, maker_a, maker_b):
    analyst = user("analyst")
    rec = amber_recovery()
    finding_a = confirmed_finding(rec, maker_a, mpn="AAA1")
    finding_b = confirmed_finding(rec, maker_b, mpn="BBB1")
    return {
        "finding_a": finding_a,
        "finding_b": finding_b,
        "sent_a": sent_request(analyst, finding_a),
        "draft_a": traces.create_trace_request(analyst, [finding_a.pk]),
        "sent_b": sent_request(analyst, finding_b),
    }


def client(client_for, role):
    return client_for(None if role == "anonymous" else role)


ANALYSTS = {"analyst", "admin"}
DENIED = {"norole", "curator", "researcher"}


def expect(role, allowed: dict[str, int], default=403):
    if role == "anonymous":
        return {401}
    return {allowed.get(role, default)}


LIST_EXPECTED = {
    "analyst": ["sent_b", "draft_a", "sent_a"],
    "admin": ["sent_b", "draft_a", "sent_a"],
    "manufacturer_a": ["sent_a"],
    "manufacturer_b": ["sent_b"],
}


@pytest.mark.parametrize("role", ROLES)
def test_list(client_for, rows, role):
    response = client(client_for, role).get(API)
    assert response.status_code in expect(role, dict.fromkeys(LIST_EXPECTED, 200))
    if role in LIST_EXPECTED:
        ids = [r["id"] for r in response.json()["results"]]
        assert ids == [rows[name].pk for name in LIST_EXPECTED[role]]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("target", ["sent_a", "draft_a", "sent_b"])
def test_retrieve(client_for, rows, role, target):
    response = client(client_for, role).get(f"{API}{rows[target].pk}/")
    owner = "manufacturer_a" if target.endswith("_a") else "manufacturer_b"
    other = "manufacturer_b" if owner == "manufacturer_a" else "manufacturer_a"
    allowed = {"analyst": 200, "admin": 200, other: 404}
    allowed[owner] = 404 if target == "draft_a" else 200
    assert response.status_code in expect(role, allowed)


def _body(action):
    return {
        "answer": {"kind": "not_traceable", "reason": "no_lot_code"},
        "decline": {"reason": "Legal review pending"},
        "close": {"note": "done"},
    }.get(action, {})


# action → (target, role → status); roles not listed get 403.
ACTIONS = {
    "send": ("draft_a", {"analyst": 200, "admin": 200}),
    "acknowledge": ("sent_a", {"manufacturer_a": 200, "manufacturer_b": 404}),
    "answer": (
        "sent_a",
        {"analyst": 200, "admin": 200, "manufacturer_a": 200, "manufacturer_b": 404},
    ),
    "decline": (
        "sent_a",
        {"analyst": 200, "admin": 200, "manufacturer_a": 200, "manufacturer_b": 404},
    ),
    "close": ("sent_a", {"analyst": 200, "admin": 200}),
    "follow-up": ("sent_a", {"analyst": 400, "admin": 400}),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_actions(client_for, rows, role, action):
    target, allowed = ACTIONS[action]
    trace_request = rows[target]
    response = client(client_for, role).post(
        f"{API}{trace_request.pk}/{action}/", _body(action), format="json"
    )
    assert response.status_code in expect(role, allowed), response.content
    state = TraceRequest.objects.get(pk=trace_request.pk).state
    if response.status_code == 200:
        assert state != trace_request.state
    else:
        assert state == trace_request.state


@pytest.mark.parametrize("role", ROLES)
def test_create_and_edit(client_for, rows, role):
    api = client(client_for, role)
    created = api.post(API, {"findings": [rows["finding_a"].pk]}, format="json")
    assert created.status_code in expect(role, {"analyst": 201, "admin": 201})
    edited = api.patch(f"{API}{rows['draft_a'].pk}/", {"question": "New?"}, format="json")
    assert edited.status_code in expect(role, {"analyst": 200, "admin": 200})
    assert api.put(f"{API}{rows['draft_a'].pk}/", {}, format="json").status_code in expect(
        role, {"analyst": 405, "admin": 405}
    )
    assert api.delete(f"{API}{rows['draft_a'].pk}/").status_code in expect(
        role, {"analyst": 405, "admin": 405}
    )


def test_a_sent_request_cannot_be_edited(client_for, rows):
    response = client_for("analyst").patch(
        f"{API}{rows['sent_a'].pk}/", {"question": "Changed?"}, format="json"
    )
    assert response.status_code == 400


def test_the_recipient_sees_the_request_as_sent_and_nothing_internal(client_for, rows):
    data = client_for("manufacturer_a").get(f"{API}{rows['sent_a'].pk}/").json()
    assert set(data) == {
        "id",
        "state",
        "organisation",
        "request",
        "sent_at",
        "deadline",
        "acknowledged_at",
        "answered_at",
        "declined_at",
        "decline_reason",
        "overdue_at",
        "closed_at",
        "answer",
    }
    assert data["request"]["findings"][0]["id"] == rows["finding_a"].pk
    text = str(data)
    for internal in ("93rd Brigade", "Field team", "REC-", "analyst", "48.5", "Kharkiv"):
        assert internal not in text


@pytest.mark.parametrize("role", ["analyst", "manufacturer_a"])
def test_list_query_count_does_not_grow_with_page_size(
    client_for, users, maker_a, count_queries, role
):
    analyst = user("analyst")
    rec = amber_recovery()
    for n in range(8):
        finding = confirmed_finding(rec, maker_a, mpn=f"QC{n}")
        request = sent_request(analyst, finding)
        if n % 2:
            traces.answer(
                request,
                analyst,
                traces.FirstSale(
                    sale_date=finding.confirmed_at.date(), name=f"Buyer {n}", country="DE"
                ),
            )
        traces.process_due(request.sent_at + datetime.timedelta(days=22))
    api = client_for(role)
    api.get(API, {"page_size": 1})  # warms the per-user role cache
    with count_queries() as small:
        assert api.get(API, {"page_size": 5}).status_code == 200
    with count_queries() as large:
        assert api.get(API, {"page_size": 50}).json()["count"] == 8
    assert len(small.captured_queries) == len(large.captured_queries)


# --- finding comments -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_finding_comment_matrix(client_for, rows, role, maker_a):
    comment = traces.add_comment(user("maker_a_officer"), rows["finding_a"], "Our part, 2019 lot")
    api = client(client_for, role)
    listing = api.get("/api/v1/finding-comments/")
    readers = {"analyst": 200, "admin": 200, "manufacturer_a": 200, "manufacturer_b": 200}
    assert listing.status_code in expect(role, readers)
    if listing.status_code == 200:
        expected_ids = [] if role == "manufacturer_b" else [comment.pk]
        assert [c["id"] for c in listing.json()["results"]] == expected_ids
    detail = api.get(f"/api/v1/finding-comments/{comment.pk}/")
    assert detail.status_code in expect(role, {**readers, "manufacturer_b": 404})
    body = {"finding": rows["finding_a"].pk, "text": "A reply", "organisation": maker_a.pk}
    created = api.post("/api/v1/finding-comments/", body, format="json")
    writers = {"analyst": 201, "admin": 201, "manufacturer_a": 201, "manufacturer_b": 400}
    assert created.status_code in expect(role, writers)


# --- graph ----------------------------------------------------------------------------------------

GRAPH_READERS = {"analyst": 200, "curator": 200, "researcher": 200, "admin": 200}


@pytest.mark.parametrize("role", ROLES)
def test_graph_matrix(client_for, users, maker_a, role):
    from .findings_support import recovery

    finding = confirmed_finding(recovery(sharing=Sharing.GREEN), maker_a, mpn="GRN1")
    api = client(client_for, role)
    trace = api.get(f"/api/v1/findings/{finding.pk}/trace/")
    assert trace.status_code in expect(role, GRAPH_READERS)
    graph = api.get(f"/api/v1/organisations/{maker_a.pk}/graph/")
    assert graph.status_code in expect(role, GRAPH_READERS)
    if graph.status_code == 200:
        node = graph.json()["nodes"][0]
        assert ("screening" in node) == (role in {"analyst", "curator", "admin"})


@pytest.mark.parametrize("role", ["analyst", "manufacturer_a"])
def test_comment_list_query_count_does_not_grow_with_page_size(
    client_for, rows, count_queries, role
):
    officer = user("maker_a_officer")
    for n in range(8):
        traces.add_comment(officer, rows["finding_a"], f"Comment {n}")
    api = client_for(role)
    api.get("/api/v1/finding-comments/", {"page_size": 1})  # warms the per-user role cache
    with count_queries() as small:
        assert api.get("/api/v1/finding-comments/", {"page_size": 5}).status_code == 200
    with count_queries() as large:
        assert api.get("/api/v1/finding-comments/", {"page_size": 50}).json()["count"] == 8
    assert len(small.captured_queries) == len(large.captured_queries)
