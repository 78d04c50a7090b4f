"""Trace requests through the API: the life cycle, answers building supply links, follow-ups
building chains of several hops, reminders and deadlines, and the right of reply."""

import datetime
import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from catalog.models import (
    Organisation,
    OrganisationUser,
    ScreeningHit,
    SupplyLink,
)
from forensics import roles
from forensics.models import (
    AuditRecord,
    FindingComment,
    Notification,
    NotificationKind,
    Sharing,
    TraceReminder,
    TraceRequest,
    TraceState,
)
from forensics.services import traces
from tests.factories import DistributorFactory, UserFactory

from .findings_support import recovery
from .traces_support import amber_recovery, confirmed_finding, first_sale, sent_request

API = "/api/v1/trace-requests/"


@pytest.fixture
def world(users, maker_a, maker_b):
    rec = amber_recovery()
    finding = confirmed_finding(rec, maker_a, mpn="ADC1234", lot="L2311A")
    return {"recovery": rec, "finding": finding, "maker_a": maker_a, "maker_b": maker_b}


def user(username):
    return get_user_model().objects.get(username=username)


def party_client(client_for, org, username):
    """An API client for a user speaking for `org` (a distributor's compliance officer)."""
    user = UserFactory(username=username, role=roles.MANUFACTURER)
    OrganisationUser.objects.create(user=user, organisation=org)
    client = client_for(None)
    client.force_authenticate(user)
    return client


def actions(trace_request):
    return list(
        AuditRecord.objects.filter(
            content_type__model="tracerequest", object_id=str(trace_request.pk)
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )


# --- opening and sending --------------------------------------------------------------------------


def test_an_analyst_opens_a_draft_and_sends_it(client_for, world):
    api = client_for("analyst")
    finding = world["finding"]
    response = api.post(API, {"findings": [finding.pk]}, format="json")
    assert response.status_code == 201, response.json()
    draft = response.json()
    assert draft["state"] == "draft"
    assert draft["organisation"]["id"] == world["maker_a"].pk
    assert draft["findings"] == [finding.pk]
    assert draft["photo_ids"] == [finding.finding_photos.get().photo_id]
    assert "first sold" in draft["question"]
    assert not Notification.objects.exists()

    edited = api.patch(
        f"{API}{draft['id']}/", {"question": "Who bought lot L2311A?"}, format="json"
    )
    assert edited.json()["question"] == "Who bought lot L2311A?"

    before = timezone.now()
    sent = api.post(f"{API}{draft['id']}/send/").json()
    assert sent["state"] == "sent"
    deadline = datetime.datetime.fromisoformat(sent["deadline"])
    assert datetime.timedelta(days=28) <= deadline - before < datetime.timedelta(days=28, minutes=1)
    asked = sent["request_data"]
    assert asked["recovery_month"] == "2024-03"
    assert asked["weapon_system"] == world["recovery"].weapon_system.name
    assert asked["findings"] == [
        {
            "id": finding.pk,
            "marking": finding.marking,
            "part": "ADC1234",
            "lot_code": "L2311A",
            "date_code": "2234",
            "quantity": 1,
        }
    ]
    assert asked["photo_ids"] == draft["photo_ids"]
    assert asked["question"] == "Who bought lot L2311A?"
    text = str(asked)
    for secret in ("Kharkiv", "93rd Brigade", "Field team", "2024-03-17", "48.5"):
        assert secret not in text

    notification = Notification.objects.get()
    assert notification.organisation == world["maker_a"]
    assert notification.kind == NotificationKind.TRACE_REQUEST
    assert notification.idempotency_key == f"trace_request:{draft['id']}"
    assert notification.payload["trace_request"]["findings"][0]["lot_code"] == "L2311A"
    assert actions(TraceRequest.objects.get()) == ["create", "update", "send"]

    again = api.post(f"{API}{draft['id']}/send/")
    assert again.status_code == 400
    assert "only from: draft" in str(again.json())
    assert Notification.objects.count() == 1


@pytest.mark.parametrize(
    "case, message",
    [
        ("unconfirmed", "Only confirmed findings"),
        ("two_makers", "of one manufacturer"),
        ("two_recoveries", "from one recovery"),
        ("other_recipient", "first trace request goes to the findings' manufacturer"),
        ("stray_photo", "do not show any of these findings"),
        ("missing", "No such finding"),
        ("empty", "findings"),
    ],
)
def test_bad_requests_are_refused(client_for, world, case, message):
    finding = world["finding"]
    body = {"findings": [finding.pk]}
    if case == "unconfirmed":
        finding.status = "proposed"
        finding.save()
    elif case == "two_makers":
        other = confirmed_finding(world["recovery"], world["maker_b"], mpn="BBB9")
        body["findings"].append(other.pk)
    elif case == "two_recoveries":
        other = confirmed_finding(amber_recovery(), world["maker_a"], mpn="AAA9")
        body["findings"].append(other.pk)
    elif case == "other_recipient":
        body["organisation"] = DistributorFactory().pk
    elif case == "stray_photo":
        elsewhere = confirmed_finding(world["recovery"], world["maker_a"], mpn="AAA8")
        body["photo_ids"] = [elsewhere.finding_photos.get().photo_id]
    elif case == "missing":
        body["findings"] = [999999]
    elif case == "empty":
        body["findings"] = []
    response = client_for("analyst").post(API, body, format="json")
    assert response.status_code == 400
    assert message in str(response.json())
    assert not TraceRequest.objects.exists()


def test_a_tlp_red_recovery_cannot_be_sent(client_for, users, maker_a):
    finding = confirmed_finding(recovery(sharing=Sharing.RED), maker_a)
    api = client_for("analyst")
    draft = api.post(API, {"findings": [finding.pk]}, format="json").json()
    response = api.post(f"{API}{draft['id']}/send/")
    assert response.status_code == 400
    assert "TLP:RED" in str(response.json())
    assert TraceRequest.objects.get().state == TraceState.DRAFT
    assert not Notification.objects.exists()


def test_a_group_of_findings_goes_to_the_owner_of_the_brand(client_for, users, maker_a):
    from .findings_support import brand_of

    brand = brand_of(maker_a)
    rec = amber_recovery()
    one = confirmed_finding(rec, brand, mpn="BR100", lot="X1")
    two = confirmed_finding(rec, brand, mpn="BR200", lot="X2")
    body = {"findings": [one.pk, two.pk], "organisation": maker_a.pk, "send": True}
    response = client_for("analyst").post(API, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["state"] == "sent"
    assert data["organisation"]["id"] == maker_a.pk
    assert data["manufacturer"]["id"] == brand.pk
    assert len(data["request_data"]["findings"]) == 2


# --- answering -------------------------------------------------------------------------------------


def test_the_manufacturer_acknowledges_and_names_a_new_distributor(
    client_for, world, django_capture_on_commit_callbacks
):
    request = sent_request(user("analyst"), world["finding"])
    maker_api = client_for("manufacturer_a")
    ack = maker_api.post(f"{API}{request.pk}/acknowledge/")
    assert ack.status_code == 200
    assert ack.json()["state"] == "acknowledged"
    body = {
        "kind": "first_sale",
        "distributor_name": "Elcom Components Ltd.",
        "distributor_country": "hk",
        "sale_date": "2023-05-02",
        "quantity": 2500,
        "invoice_reference": "INV-2023-0042",
        "note": "Reel of 2,500",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = maker_api.post(f"{API}{request.pk}/answer/", body, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["state"] == "answered"
    assert data["answer"]["distributor"]["name"] == "Elcom Components Ltd."
    assert data["answer"]["distributor_created"] is True
    assert "supply_links" not in data["answer"]
    buyer = Organisation.objects.get(name="Elcom Components Ltd.")
    assert buyer.needs_review and buyer.is_authorized_distributor and buyer.country == "HK"
    link = SupplyLink.objects.get()
    assert (link.seller, link.buyer) == (world["maker_a"], buyer)
    assert link.part == world["finding"].part
    assert link.lot_code == "L2311A"
    assert link.start_date == datetime.date(2023, 5, 2)
    assert link.evidence_kind == "manufacturer_trace"
    assert link.confidence == "confirmed"
    assert link.source_reference == f"trace-request:{request.pk}"
    assert link.created_by.username == "maker_a_officer"
    assert buyer.screening.screened_at is not None
    assert actions(request) == ["create", "send", "acknowledge", "answer"]
    assert AuditRecord.objects.filter(action="create", content_type__model="supplylink").exists()
    analyst_view = client_for("analyst").get(f"{API}{request.pk}/").json()
    assert analyst_view["answer"]["supply_links"] == [link.pk]


def test_an_answer_naming_a_known_spelling_reuses_the_organisation(client_for, world):
    known = DistributorFactory(name="Dist One")
    request = sent_request(user("analyst"), world["finding"])
    body = {"kind": "first_sale", "distributor_name": "DIST ONE LLC", "sale_date": "2023-01-09"}
    response = client_for("manufacturer_a").post(f"{API}{request.pk}/answer/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["answer"]["distributor"]["id"] == known.pk
    assert response.json()["answer"]["distributor_created"] is False
    assert SupplyLink.objects.get().buyer == known


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "first_sale", "sale_date": "2023-01-01"}, "distributor"),
        ({"kind": "first_sale", "distributor_name": "X Ltd", "distributor_country": "HK"}, "sale_date"),
        ({"kind": "first_sale", "distributor_name": "X Ltd", "sale_date": "2023-01-01"}, "distributor_country"),
        ({"kind": "first_sale", "distributor_name": "X Ltd", "distributor_country": "HK", "sale_date": "2999-01-01"}, "sale_date"),
        ({"kind": "first_sale", "distributor": 1, "distributor_name": "X", "sale_date": "2023-01-01"}, "distributor_name"),
        ({"kind": "first_sale", "distributor_name": "X", "distributor_country": "HK", "sale_date": "2023-01-01", "quantity": 0}, "quantity"),
        ({"kind": "not_traceable"}, "reason"),
        ({"kind": "not_traceable", "reason": "other"}, "reason_text"),
        ({"kind": "not_traceable", "reason": "lost"}, "reason"),
        ({"kind": "maybe"}, "kind"),
    ],
)  # fmt: skip
def test_bad_answers_are_400_and_change_nothing(client_for, world, body, field):
    request = sent_request(user("analyst"), world["finding"])
    response = client_for("manufacturer_a").post(f"{API}{request.pk}/answer/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    request.refresh_from_db()
    assert request.state == TraceState.SENT
    assert not SupplyLink.objects.exists()
    assert not Organisation.objects.filter(name="X Ltd").exists()


def test_the_seller_cannot_name_itself(client_for, world):
    request = sent_request(user("analyst"), world["finding"])
    body = {"kind": "first_sale", "distributor": world["maker_a"].pk, "sale_date": "2023-01-01"}
    response = client_for("manufacturer_a").post(f"{API}{request.pk}/answer/", body, format="json")
    assert response.status_code == 400
    assert "cannot be the seller" in str(response.json())


def test_not_traceable_and_decline(client_for, world):
    analyst = user("analyst")
    maker_api = client_for("manufacturer_a")
    first = sent_request(analyst, world["finding"])
    body = {"kind": "not_traceable", "reason": "counterfeit", "note": "Our lot codes never look so"}
    data = maker_api.post(f"{API}{first.pk}/answer/", body, format="json").json()
    assert data["state"] == "answered"
    assert data["answer"]["reason"] == "counterfeit"
    assert not SupplyLink.objects.exists()
    follow = client_for("analyst").post(f"{API}{first.pk}/follow-up/", {}, format="json")
    assert follow.status_code == 400
    assert "names the first buyer" in str(follow.json())

    second = sent_request(analyst, world["finding"])
    assert (
        maker_api.post(f"{API}{second.pk}/decline/", {"reason": " "}, format="json").status_code
        == 400
    )
    declined = maker_api.post(
        f"{API}{second.pk}/decline/", {"reason": "Legal review"}, format="json"
    )
    assert declined.json()["state"] == "declined"
    assert declined.json()["decline_reason"] == "Legal review"
    late = maker_api.post(
        f"{API}{second.pk}/answer/",
        {"kind": "not_traceable", "reason": "no_lot_code"},
        format="json",
    )
    assert late.status_code == 400
    closed = client_for("analyst").post(
        f"{API}{second.pk}/close/", {"note": "Escalated"}, format="json"
    )
    assert closed.json()["state"] == "closed"
    assert (
        client_for("analyst").post(f"{API}{second.pk}/close/", {}, format="json").status_code == 400
    )


def test_an_analyst_records_an_answer_received_by_mail(client_for, world):
    request = sent_request(user("analyst"), world["finding"])
    body = {"kind": "not_traceable", "reason": "records_not_kept"}
    response = client_for("analyst").post(f"{API}{request.pk}/answer/", body, format="json")
    assert response.status_code == 200
    assert response.json()["answer"]["answered_by"] == "analyst"


# --- follow-ups: chains of several hops ------------------------------------------------------------


def test_follow_ups_build_a_chain_manufacturer_distributor_broker_importer(
    client_for, world, django_capture_on_commit_callbacks
):
    analyst_api = client_for("analyst")
    first = sent_request(user("analyst"), world["finding"])
    hops = [
        (client_for("manufacturer_a"), "Arrowhead Distribution", "US", "authorized_distributor"),
        (None, "Kowloon Brokers Ltd", "HK", "independent_distributor"),
        (None, "ООО Радиант", "RU", "importer"),
    ]
    current, seller = first, world["maker_a"]
    expected_kinds = []
    for number, (api, name, country, role) in enumerate(hops):
        if api is None:
            api = party_client(client_for, seller, f"officer{number}")
        body = {
            "kind": "first_sale",
            "distributor_name": name,
            "distributor_country": country,
            "distributor_role": role,
            "sale_date": f"2023-0{number + 5}-01",
        }
        with django_capture_on_commit_callbacks(execute=True):
            answered = api.post(f"{API}{current.pk}/answer/", body, format="json")
        assert answered.status_code == 200, answered.json()
        expected_kinds.append("manufacturer_trace" if number == 0 else "distributor_response")
        buyer = Organisation.objects.get(name=name)
        assert getattr(buyer, f"is_{role}")
        follow = analyst_api.post(f"{API}{current.pk}/follow-up/", {"send": True}, format="json")
        assert follow.status_code == 201, follow.json()
        child = follow.json()
        assert child["organisation"]["id"] == buyer.pk
        assert child["parent"] == current.pk
        assert child["state"] == "sent"
        assert child["findings"] == [world["finding"].pk]
        again = analyst_api.post(f"{API}{current.pk}/follow-up/", {}, format="json")
        assert again.status_code == 409
        current, seller = TraceRequest.objects.get(pk=child["id"]), buyer

    links = list(SupplyLink.objects.order_by("pk"))
    assert [link.evidence_kind for link in links] == expected_kinds
    assert [link.seller_id for link in links[1:]] == [link.buyer_id for link in links[:-1]]
    assert {link.lot_code for link in links} == {"L2311A"}
    trace = analyst_api.get(f"/api/v1/findings/{world['finding'].pk}/trace/?depth=5").json()
    assert [e["id"] for e in trace["edges"]] == [link.pk for link in links]
    importer = next(n for n in trace["nodes"] if n["name"] == "ООО Радиант")
    assert importer["depth"] == 3
    last = TraceRequest.objects.get(organisation=importer["id"])
    assert last.parent.parent.parent == first
    # The distributor's officer sees the request sent to it, and nothing of the one before.
    distributor_view = party_client(client_for, links[0].buyer, "arrowhead").get(API).json()
    assert [r["id"] for r in distributor_view["results"]] == [
        TraceRequest.objects.get(organisation=links[0].buyer).pk
    ]


def test_follow_up_needs_an_analyst_and_an_answer(client_for, world):
    request = sent_request(user("analyst"), world["finding"])
    assert (
        client_for("analyst").post(f"{API}{request.pk}/follow-up/", {}, format="json").status_code
        == 400
    )
    assert (
        client_for("manufacturer_a")
        .post(f"{API}{request.pk}/follow-up/", {}, format="json")
        .status_code
        == 403
    )


# --- conflicts -------------------------------------------------------------------------------------


def test_a_stale_answer_is_a_conflict(world):
    analyst = user("analyst")
    request = sent_request(analyst, world["finding"])
    stale = TraceRequest.objects.get(pk=request.pk)
    traces.answer(request, analyst, traces.NotTraceable(reason="no_lot_code"))
    with pytest.raises(traces.TraceConflict):
        traces.answer(stale, analyst, first_sale(name="Late Buyer", country="DE"))
    assert not Organisation.objects.filter(name="Late Buyer").exists()
    assert not SupplyLink.objects.exists()


def test_the_api_answers_409_when_the_request_changed_meanwhile(client_for, world, monkeypatch):
    request = sent_request(user("analyst"), world["finding"])

    def raced(*args, **kwargs):
        raise traces.TraceConflict("Trace request was answered meanwhile.")

    monkeypatch.setattr(traces, "answer", raced)
    body = {"kind": "not_traceable", "reason": "counterfeit"}
    response = client_for("manufacturer_a").post(f"{API}{request.pk}/answer/", body, format="json")
    assert response.status_code == 409
    assert "meanwhile" in response.json()["detail"]


def test_transition_table_refuses_every_move_it_does_not_list():
    for action, (starts, _target) in traces.TRANSITIONS.items():
        for state in set(TraceState.values) - set(starts):
            with pytest.raises(ValidationError):
                traces._check_state(action, state)
    assert traces.TRANSITIONS["answer"][1] == TraceState.ANSWERED
    assert TraceState.CLOSED not in traces.TRANSITIONS["close"][0]


# --- reminders and deadlines -----------------------------------------------------------------------


def test_reminders_at_14_and_21_days_then_overdue_once_each(world):
    request = sent_request(user("analyst"), world["finding"])
    sent_at = request.sent_at
    at = lambda days, hours=1: sent_at + datetime.timedelta(days=days, hours=hours)  # noqa: E731

    assert traces.process_due(at(13)) == {"reminders": 0, "skipped": 0, "overdue": 0}
    assert traces.process_due(at(14)) == {"reminders": 1, "skipped": 0, "overdue": 0}
    assert traces.process_due(at(15)) == {"reminders": 0, "skipped": 0, "overdue": 0}
    assert traces.process_due(at(21))["reminders"] == 1
    assert traces.process_due(at(22))["reminders"] == 0
    reminders = Notification.objects.filter(kind=NotificationKind.REMINDER).order_by("pk")
    assert [n.idempotency_key for n in reminders] == [
        f"trace_reminder:{request.pk}:14",
        f"trace_reminder:{request.pk}:21",
    ]
    assert list(TraceReminder.objects.values_list("day", "skipped")) == [(14, False), (21, False)]
    assert traces.process_due(at(28))["overdue"] == 1
    assert traces.process_due(at(29))["overdue"] == 0
    request.refresh_from_db()
    assert request.state == TraceState.OVERDUE
    assert actions(request)[-1] == "mark_overdue"
    traces.answer(request, user("maker_a_officer"), traces.NotTraceable(reason="no_lot_code"))
    request.refresh_from_db()
    assert request.state == TraceState.ANSWERED


def test_a_missed_beat_sends_only_the_latest_reminder(world):
    request = sent_request(user("analyst"), world["finding"])
    result = traces.process_due(request.sent_at + datetime.timedelta(days=25))
    assert result == {"reminders": 1, "skipped": 1, "overdue": 0}
    assert list(TraceReminder.objects.values_list("day", "skipped")) == [(14, True), (21, False)]
    assert Notification.objects.filter(kind=NotificationKind.REMINDER).count() == 1


def test_answered_and_acknowledged_requests(world):
    analyst = user("analyst")
    officer = user("maker_a_officer")
    answered = sent_request(analyst, world["finding"])
    traces.answer(answered, analyst, traces.NotTraceable(reason="not_our_part"))
    acknowledged = sent_request(analyst, world["finding"])
    traces.acknowledge(acknowledged, officer)
    result = traces.process_due(timezone.now() + datetime.timedelta(days=30))
    assert result == {"reminders": 1, "skipped": 1, "overdue": 1}
    acknowledged.refresh_from_db()
    assert acknowledged.state == TraceState.OVERDUE
    assert not TraceReminder.objects.filter(trace_request=answered).exists()


# --- right of reply --------------------------------------------------------------------------------


def test_the_manufacturer_replies_and_an_analyst_answers_in_its_thread(client_for, world):
    finding = world["finding"]
    maker_api = client_for("manufacturer_a")
    reply = maker_api.post(
        "/api/v1/finding-comments/",
        {"finding": finding.pk, "text": "This is a 2019 lot sold to a distributor in Asia."},
        format="json",
    )
    assert reply.status_code == 201, reply.json()
    assert reply.json()["organisation"] == world["maker_a"].pk
    assert reply.json()["from_manufacturer"] is True
    analyst_api = client_for("analyst")
    missing_thread = analyst_api.post(
        "/api/v1/finding-comments/", {"finding": finding.pk, "text": "Thanks"}, format="json"
    )
    assert missing_thread.status_code == 400
    answer = analyst_api.post(
        "/api/v1/finding-comments/",
        {"finding": finding.pk, "text": "Thanks, noted.", "organisation": world["maker_a"].pk},
        format="json",
    )
    assert answer.status_code == 201
    assert answer.json()["from_manufacturer"] is False
    thread = maker_api.get(f"/api/v1/finding-comments/?finding={finding.pk}").json()
    assert [c["text"] for c in thread["results"]] == [
        "This is a 2019 lot sold to a distributor in Asia.",
        "Thanks, noted.",
    ]
    assert client_for("manufacturer_b").get("/api/v1/finding-comments/").json()["count"] == 0
    assert AuditRecord.objects.filter(content_type__model="findingcomment").count() == 2
    assert (
        maker_api.patch(
            f"/api/v1/finding-comments/{reply.json()['id']}/", {"text": "x"}
        ).status_code
        == 405
    )


def test_no_reply_on_findings_not_shared_with_the_manufacturer(client_for, world):
    red = confirmed_finding(recovery(sharing=Sharing.RED), world["maker_a"], mpn="RED1")
    b_finding = confirmed_finding(world["recovery"], world["maker_b"], mpn="BBB1")
    for finding in (red, b_finding):
        response = client_for("manufacturer_a").post(
            "/api/v1/finding-comments/", {"finding": finding.pk, "text": "Not ours"}, format="json"
        )
        assert response.status_code == 400
        assert "does not exist" in str(response.json()["finding"])
    assert not FindingComment.objects.exists()


def test_screening_hits_never_reach_the_manufacturer(client_for, world, tmp_path):
    from tests.catalog.test_screening import csl_row, import_file, write_csl

    import_file(write_csl(tmp_path / "csl.csv", [csl_row("Radiant LLC", "el-r")]))
    request = sent_request(user("analyst"), world["finding"])
    traces.answer(request, user("analyst"), first_sale(name="OOO Radiant", country="RU"))
    from catalog import screening

    screening.screen_organisations(Organisation.objects.values_list("pk", flat=True))
    assert ScreeningHit.objects.count() == 1
    maker_api = client_for("manufacturer_a")
    body = str(maker_api.get(f"{API}{request.pk}/").json())
    assert "screening" not in body and "Radiant LLC" not in body
    assert maker_api.get("/api/v1/screening-hits/").status_code == 403
    graph = maker_api.get(f"/api/v1/findings/{world['finding'].pk}/trace/")
    assert graph.status_code == 403


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: two connections writing at once (SQLite serialises writers, "
    "and the in-memory test database is not shared between threads)",
)


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_answers_at_once_make_one_answer_and_one_409(client_for, world, monkeypatch):
    request = sent_request(user("analyst"), world["finding"])
    make_links = traces._links_for

    def slow_links(*args):
        time.sleep(0.3)  # hold the lock while the other answer arrives
        return make_links(*args)

    monkeypatch.setattr(traces, "_links_for", slow_links)
    clients = [client_for("manufacturer_a"), client_for("analyst")]
    barrier = threading.Barrier(2)
    codes = [None, None]

    def post(i):
        try:
            barrier.wait()
            body = {
                "kind": "first_sale",
                "distributor_name": f"Racing Buyer {i}",
                "distributor_country": "DE",
                "sale_date": "2023-03-03",
            }
            codes[i] = (
                clients[i].post(f"{API}{request.pk}/answer/", body, format="json").status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(codes) == [200, 409], codes
    winner = codes.index(200)
    assert list(
        Organisation.objects.filter(name__startswith="Racing").values_list("name", flat=True)
    ) == [f"Racing Buyer {winner}"]
    assert SupplyLink.objects.count() == 1
    assert actions(TraceRequest.objects.get(pk=request.pk)).count("answer") == 1


def test_the_demo_step_builds_a_chain_once(users, django_capture_on_commit_callbacks):
    from forensics.demo import shared_data_dir
    from forensics.demo_traces import DEMO_QUESTION, load_tracing_demo

    ti = Organisation.objects.get(name="Texas Instruments")
    officer = UserFactory(username="ti_officer", role=roles.MANUFACTURER)
    OrganisationUser.objects.create(user=officer, organisation=ti)
    finding = confirmed_finding(amber_recovery(), ti, mpn="TXB0108PWR", lot="3BK42")
    with django_capture_on_commit_callbacks(execute=True):
        first = load_tracing_demo(shared_data_dir())
    with django_capture_on_commit_callbacks(execute=True):
        again = load_tracing_demo(shared_data_dir())
    assert first == again
    chain = list(TraceRequest.objects.filter(question=DEMO_QUESTION).order_by("pk"))
    assert [r.state for r in chain] == ["answered", "answered", "sent"]
    assert [r.organisation.name for r in chain] == [
        "Texas Instruments",
        "Elcom Components Ltd.",
        "Sinobright Import & Export Co., Ltd.",
    ]
    assert list(chain[0].findings.all()) == [finding]
    hit = ScreeningHit.objects.get(organisation=chain[2].organisation)
    assert hit.screening_list.code == "ISN"
