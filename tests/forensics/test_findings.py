"""The finding flow through the API: record, resolve (task on commit), propose, confirm, audit."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from forensics.models import AuditRecord, Finding, FindingStatus, Sharing
from forensics.services import findings as services
from forensics.tasks import resolve_finding

from . import findings_support as support

pytestmark = pytest.mark.django_db

URL = "/api/v1/findings/"


def audit_actions(finding):
    content_type = ContentType.objects.get_for_model(Finding)
    return list(
        AuditRecord.objects.filter(content_type=content_type, object_id=str(finding.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


@pytest.fixture
def world(users, maker_a, maker_b):
    rec = support.recovery(Sharing.AMBER)
    return {
        "recovery": rec,
        "other_recovery": support.recovery(Sharing.AMBER),
        "lm258": support.part_of(maker_a, "LM258DR"),
        "lm258_b": support.part_of(maker_b, "LM258N"),
        "photo": support.photo(rec),
    }


def create(client, world, django_capture_on_commit_callbacks, **extra):
    payload = {"recovery": world["recovery"].pk, "marking": "LM258 274 ZD0XG3", **extra}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, payload, format="json")
    return response


def test_whole_flow_create_propose_confirm_audit(
    client_for, users, world, fake_resolver, maker_a, django_capture_on_commit_callbacks
):
    fake_resolver.answer(
        "LM258 274 ZD0XG3",
        status="confident",
        candidates=[
            support.candidate(world["lm258"], score=0.96),
            support.candidate(world["lm258_b"], score=0.41),
        ],
        date_code=support.FakeDateCode(
            "274", "YWW", datetime.date(2022, 6, 27), datetime.date(2022, 7, 3), True, False
        ),
        lot_code="ZD0XG3",
    )
    analyst = client_for("analyst")
    response = create(
        analyst,
        world,
        django_capture_on_commit_callbacks,
        board="Flight controller",
        position="U7",
        photos=[
            {
                "photo": world["photo"].pk,
                "crop_x": 10,
                "crop_y": 20,
                "crop_width": 300,
                "crop_height": 200,
            }
        ],
    )
    assert response.status_code == 201, response.json()
    finding_id = response.json()["id"]
    assert response.json()["status"] == "unresolved"  # answered before the task ran

    detail = analyst.get(f"{URL}{finding_id}/").json()
    assert detail["status"] == "proposed"
    assert detail["part"] == world["lm258"].pk
    assert detail["manufacturer"] == maker_a.pk
    assert detail["confidence"] == pytest.approx(0.96)
    assert [c["part_id"] for c in detail["candidates"]] == [world["lm258"].pk, world["lm258_b"].pk]
    assert detail["date_code"] == "274"
    assert detail["manufactured_from"] == "2022-06-27"
    assert detail["after_export_controls"] is True
    assert detail["lot_code"] == "ZD0XG3"
    assert detail["analyst"] == "analyst"
    assert detail["photos"][0]["crop_width"] == 300
    assert fake_resolver.learned == []  # a proposal teaches nothing

    response = analyst.post(f"{URL}{finding_id}/confirm/", {}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["confirmed_by"] == "analyst"
    assert body["part"] == world["lm258"].pk
    assert fake_resolver.learned == [
        ("LM258 274 ZD0XG3", world["lm258"].pk, maker_a.pk, finding_id)
    ]

    finding = Finding.objects.get(pk=finding_id)
    assert audit_actions(finding) == ["create", "resolve", "confirm"]
    confirm = AuditRecord.objects.filter(object_id=str(finding_id), action="confirm").get()
    assert confirm.actor == users["analyst"]
    assert confirm.before["status"] == "proposed"
    assert confirm.after["status"] == "confirmed"
    assert confirm.after["photos"] == [[world["photo"].pk, 10, 20, 300, 200]]


def test_confirm_picks_another_candidate_or_corrects_the_manufacturer(
    client_for, world, fake_resolver, maker_a, maker_b, django_capture_on_commit_callbacks
):
    fake_resolver.answer(
        "LM258 274 ZD0XG3",
        status="ambiguous",
        candidates=[
            support.candidate(world["lm258"], 0.6),
            support.candidate(world["lm258_b"], 0.55),
        ],
    )
    analyst = client_for("analyst")
    finding_id = create(analyst, world, django_capture_on_commit_callbacks).json()["id"]
    assert analyst.get(f"{URL}{finding_id}/").json()["status"] == "proposed"

    response = analyst.post(
        f"{URL}{finding_id}/confirm/", {"part": world["lm258_b"].pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["manufacturer"] == maker_b.pk
    assert fake_resolver.learned[-1][1:3] == (world["lm258_b"].pk, maker_b.pk)

    other = create(analyst, world, django_capture_on_commit_callbacks).json()["id"]
    response = analyst.post(f"{URL}{other}/confirm/", {"manufacturer": maker_b.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["part"] is None  # the proposed part is maker A's: dropped
    assert response.json()["manufacturer"] == maker_b.pk


def test_confirm_refuses_a_part_of_another_maker_and_an_empty_confirmation(
    client_for, world, fake_resolver, maker_a, django_capture_on_commit_callbacks
):
    analyst = client_for("analyst")
    finding_id = create(analyst, world, django_capture_on_commit_callbacks).json()["id"]
    assert analyst.get(f"{URL}{finding_id}/").json()["status"] == "unresolved"

    response = analyst.post(f"{URL}{finding_id}/confirm/", {}, format="json")
    assert response.status_code == 400
    assert "Nothing to confirm" in str(response.json())

    response = analyst.post(
        f"{URL}{finding_id}/confirm/",
        {"part": world["lm258_b"].pk, "manufacturer": maker_a.pk},
        format="json",
    )
    assert response.status_code == 400
    assert Finding.objects.get(pk=finding_id).status == FindingStatus.UNRESOLVED
    assert fake_resolver.learned == []


def test_second_confirmation_is_409_and_changes_nothing(
    client_for, world, fake_resolver, maker_a, maker_b, django_capture_on_commit_callbacks
):
    fake_resolver.answer("LM258 274 ZD0XG3", candidates=[support.candidate(world["lm258"])])
    analyst = client_for("analyst")
    admin = client_for("admin")
    finding_id = create(analyst, world, django_capture_on_commit_callbacks).json()["id"]
    assert analyst.post(f"{URL}{finding_id}/confirm/", {}, format="json").status_code == 200

    response = admin.post(
        f"{URL}{finding_id}/confirm/", {"manufacturer": maker_b.pk}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["confirmed_by"] == "analyst"
    finding = Finding.objects.get(pk=finding_id)
    assert finding.manufacturer_id == maker_a.pk
    assert len(fake_resolver.learned) == 1
    assert audit_actions(finding).count("confirm") == 1


def test_reject_and_unidentifiable_keep_the_candidates_and_record_the_reason(
    client_for, world, fake_resolver, django_capture_on_commit_callbacks
):
    fake_resolver.answer("LM258 274 ZD0XG3", candidates=[support.candidate(world["lm258"])])
    analyst = client_for("analyst")
    finding_id = create(analyst, world, django_capture_on_commit_callbacks).json()["id"]

    response = analyst.post(
        f"{URL}{finding_id}/reject/", {"reason": "Wrong package"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "rejected"
    assert body["part"] is None
    assert len(body["candidates"]) == 1
    assert "Wrong package" in body["notes"]

    response = analyst.post(f"{URL}{finding_id}/unidentifiable/", {}, format="json")
    assert response.json()["status"] == "unidentifiable"
    # an analyst may still confirm afterwards, with an explicit part
    response = analyst.post(
        f"{URL}{finding_id}/confirm/", {"part": world["lm258"].pk}, format="json"
    )
    assert response.status_code == 200
    actions = audit_actions(Finding.objects.get(pk=finding_id))
    assert actions == ["create", "resolve", "rejected", "unidentifiable", "confirm"]


def test_changing_the_marking_resets_the_resolution_and_resolves_again(
    client_for, world, fake_resolver, maker_b, django_capture_on_commit_callbacks
):
    fake_resolver.answer("LM258 274 ZD0XG3", candidates=[support.candidate(world["lm258"])])
    fake_resolver.answer("LM258N 2231", candidates=[support.candidate(world["lm258_b"])])
    analyst = client_for("analyst")
    finding_id = create(analyst, world, django_capture_on_commit_callbacks).json()["id"]
    analyst.post(f"{URL}{finding_id}/confirm/", {}, format="json")

    with django_capture_on_commit_callbacks(execute=True):
        response = analyst.patch(f"{URL}{finding_id}/", {"board": "PSU"}, format="json")
    assert response.json()["status"] == "confirmed"  # no marking change: nothing reset

    with django_capture_on_commit_callbacks(execute=True):
        response = analyst.patch(f"{URL}{finding_id}/", {"marking": "LM258N 2231"}, format="json")
    assert response.status_code == 200
    finding = Finding.objects.get(pk=finding_id)
    assert finding.status == FindingStatus.PROPOSED
    assert finding.manufacturer_id == maker_b.pk
    assert finding.confirmed_by is None
    assert audit_actions(finding) == ["create", "resolve", "confirm", "update", "update", "resolve"]


def test_a_late_task_never_overwrites_a_decision(world, users, fake_resolver, maker_a):
    fake_resolver.answer("LM258 274", candidates=[support.candidate(world["lm258"])])
    finding = support.finding(world["recovery"], "LM258 274")
    services.confirm_finding(
        finding.pk, users["analyst"], manufacturer=world["lm258_b"].manufacturer
    )
    assert services.resolve_finding(finding.pk) == "skipped"
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CONFIRMED
    assert finding.manufacturer_id == world["lm258_b"].manufacturer_id


def test_a_marking_changed_while_resolving_is_not_overwritten(
    world, users, fake_resolver, monkeypatch
):
    finding = support.finding(world["recovery"], "LM258 274")
    fake_resolver.answer("LM258 274", candidates=[support.candidate(world["lm258"])])
    real_resolve = fake_resolver.resolve

    def resolve_then_edit(text):
        answer = real_resolve(text)
        Finding.objects.filter(pk=finding.pk).update(
            marking="LM358", marking_changed_at=timezone.now()
        )
        return answer

    monkeypatch.setattr("catalog.resolver.resolve", resolve_then_edit)
    assert services.resolve_finding(finding.pk) == "superseded"
    finding.refresh_from_db()
    assert finding.status == FindingStatus.UNRESOLVED
    assert finding.part_id is None


def test_the_task_is_idempotent(world, fake_resolver):
    fake_resolver.answer("LM258 274", candidates=[support.candidate(world["lm258"])])
    finding = support.finding(world["recovery"], "LM258 274")
    assert services.resolve_finding(finding.pk) == "proposed"
    assert services.resolve_finding(finding.pk) == "skipped"
    assert services.resolve_finding(10**9) == "missing"
    assert fake_resolver.calls == ["LM258 274"]
    assert audit_actions(finding) == ["resolve"]


def test_unknown_answer_stays_unresolved_and_leaves_the_outbox(world, fake_resolver):
    finding = support.finding(world["recovery"], "Chip OAL 67J")
    assert services.resolve_finding(finding.pk) == "unresolved"
    finding.refresh_from_db()
    assert finding.resolution == "unknown"
    assert finding.resolved_at is not None
    assert not services.pending_resolution().filter(pk=finding.pk).exists()


def test_sweep_resolves_what_a_lost_task_left_behind(world, fake_resolver, users):
    fake_resolver.answer("LM258 274", candidates=[support.candidate(world["lm258"])])
    lost = support.finding(world["recovery"], "LM258 274")
    fresh = support.finding(world["recovery"], "LM258 274")
    Finding.objects.filter(pk=lost.pk).update(
        marking_changed_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    assert services.sweep_unresolved() == 1  # eager: the task ran in-process
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.status == FindingStatus.PROPOSED
    assert fresh.status == FindingStatus.UNRESOLVED  # too recent: its own task is on its way


def test_failing_resolver_is_retried_then_left_for_the_sweep(world, fake_resolver):
    fake_resolver.fail = True
    finding = support.finding(world["recovery"], "LM258 274")
    resolve_finding.apply(args=[finding.pk])
    finding.refresh_from_db()
    assert finding.resolve_attempts == 1 + resolve_finding.max_retries
    assert finding.status == FindingStatus.UNRESOLVED
    assert services.pending_resolution().filter(pk=finding.pk).exists()

    Finding.objects.filter(pk=finding.pk).update(
        marking_changed_at=timezone.now() - datetime.timedelta(hours=1),
        resolve_attempts=services.MAX_RESOLVE_ATTEMPTS,
    )
    assert services.sweep_unresolved() == 0  # gave up: logged, left for an analyst


def test_broker_failure_keeps_the_write_and_the_outbox_row(
    client_for, world, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(resolve_finding, "delay", refuse)
    response = create(client_for("analyst"), world, django_capture_on_commit_callbacks)
    assert response.status_code == 201
    assert services.pending_resolution().filter(pk=response.json()["id"]).exists()


def test_confirm_hooks_run_inside_the_transaction(world, users, fake_resolver, monkeypatch):
    monkeypatch.setattr(services, "CONFIRM_HOOKS", [])
    seen = []
    services.on_finding_confirmed(lambda finding: seen.append(finding.status))
    maker = world["lm258"].manufacturer
    finding = support.finding(world["recovery"], "LM258 274", manufacturer=maker)
    services.confirm_finding(finding.pk, users["analyst"])
    assert seen == ["confirmed"]

    def boom(finding):
        raise RuntimeError("outbox write failed")

    services.on_finding_confirmed(boom)
    other = support.finding(world["recovery"], "LM258 274", manufacturer=maker)
    with pytest.raises(RuntimeError):
        services.confirm_finding(other.pk, users["analyst"])
    other.refresh_from_db()
    assert other.status == FindingStatus.UNRESOLVED  # rolled back together with the hook
    assert "confirm" not in audit_actions(other)


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"marking": "   "}, "may not be blank"),
        ({"marking": "X" * 2001}, "at most 2000"),
        ({"marking": "LM258\x07"}, "control characters"),
        ({"quantity": 0}, "at least 1"),
        ({"recovery": 10**9}, "object does not exist"),
    ],
)
def test_bad_finding_input_is_400(client_for, world, payload, message):
    body = {"recovery": world["recovery"].pk, "marking": "LM258", **payload}
    response = client_for("analyst").post(URL, body, format="json")
    assert response.status_code == 400
    assert message in str(response.json())
    assert not Finding.objects.exists()


@pytest.mark.parametrize(
    "link, message",
    [
        ({"crop_x": 1, "crop_y": 1}, "needs crop_x, crop_y"),
        ({"crop_x": 3900, "crop_y": 0, "crop_width": 200, "crop_height": 10}, "outside photo"),
        ({"crop_x": 0, "crop_y": 0, "crop_width": 0, "crop_height": 10}, "positive width"),
    ],
)
def test_bad_crop_box_is_400(client_for, world, link, message):
    body = {
        "recovery": world["recovery"].pk,
        "marking": "LM258",
        "photos": [{"photo": world["photo"].pk, **link}],
    }
    response = client_for("analyst").post(URL, body, format="json")
    assert response.status_code == 400
    assert message in str(response.json())
    assert not Finding.objects.exists()


def test_photo_of_another_recovery_is_400(client_for, world):
    foreign = support.photo(world["other_recovery"])
    body = {"recovery": world["recovery"].pk, "marking": "LM258", "photos": [{"photo": foreign.pk}]}
    response = client_for("analyst").post(URL, body, format="json")
    assert response.status_code == 400
    assert "another recovery" in str(response.json())
    assert not Finding.objects.exists()


def test_moving_a_finding_needs_photos_of_the_new_recovery(client_for, world):
    analyst = client_for("analyst")
    body = {
        "recovery": world["recovery"].pk,
        "marking": "LM258",
        "photos": [{"photo": world["photo"].pk}],
    }
    finding_id = analyst.post(URL, body, format="json").json()["id"]
    move = {"recovery": world["other_recovery"].pk}
    response = analyst.patch(f"{URL}{finding_id}/", move, format="json")
    assert response.status_code == 400
    new_photo = support.photo(world["other_recovery"])
    response = analyst.patch(
        f"{URL}{finding_id}/", {**move, "photos": [{"photo": new_photo.pk}]}, format="json"
    )
    assert response.status_code == 200
    assert [p["photo"] for p in response.json()["photos"]] == [new_photo.pk]


def test_only_admins_delete_and_the_deletion_is_audited(client_for, world):
    finding = support.finding(world["recovery"])
    assert client_for("analyst").delete(f"{URL}{finding.pk}/").status_code == 403
    assert client_for("admin").delete(f"{URL}{finding.pk}/").status_code == 204
    assert audit_actions(finding) == ["delete"]
