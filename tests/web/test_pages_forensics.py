"""The analysts' pages through Django's test client: who may open what, forms and their errors,
writes through the services, redaction, exports, and query counts that do not grow with rows."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from forensics.models import (
    AuditRecord,
    CustodyEvent,
    Finding,
    FindingPhoto,
    FindingStatus,
    Recovery,
)
from forensics.web import PAGE_SIZE
from tests.factories import PhotoFactory, RecoveryFactory

from .conftest import add_finding

pytestmark = pytest.mark.django_db

READERS = ("analyst", "admin", "curator", "researcher", "manufacturer_a")
EVERY_ROLE = (*READERS, "manufacturer_b", "norole")


def urls(world) -> dict[str, str]:
    green, photo, finding = world["green"], world["photo"], world["finding_a"]
    return {
        "dashboard": reverse("dashboard"),
        "weapon-system-list": reverse("forensics:weapon-system-list"),
        "weapon-system-detail": reverse("forensics:weapon-system-detail", args=["test-geran"]),
        "recovery-list": reverse("forensics:recovery-list"),
        "recovery-detail": reverse("forensics:recovery-detail", args=[green.pk]),
        "recovery-photos": reverse("forensics:recovery-photos", args=[green.pk]),
        "recovery-create": reverse("forensics:recovery-create"),
        "recovery-edit": reverse("forensics:recovery-edit", args=[green.pk]),
        "photo-viewer": reverse("forensics:photo-viewer", args=[photo.pk]),
        "finding-list": reverse("forensics:finding-list"),
        "finding-detail": reverse("forensics:finding-detail", args=[finding.pk]),
        "finding-create": reverse("forensics:finding-create", args=[green.pk]),
        "finding-edit": reverse("forensics:finding-edit", args=[finding.pk]),
        "resolve-preview": reverse("forensics:resolve-preview") + "?marking=AAA1000X",
    }


WRITE_PAGES = {"recovery-create", "recovery-edit", "finding-create", "finding-edit"}

# role -> page -> expected status (pages not listed: 200).
EXPECTED = {
    "analyst": {},
    "admin": {},
    "curator": dict.fromkeys(WRITE_PAGES, 403),
    "researcher": dict.fromkeys(WRITE_PAGES, 403),
    # Maker A sees the GREEN recovery, its photo and its finding through its own finding there.
    "manufacturer_a": {**dict.fromkeys(WRITE_PAGES, 403), "resolve-preview": 403},
    # Maker B has a finding in the GREEN recovery too, but not finding A (nor its photo).
    "manufacturer_b": {
        **dict.fromkeys(WRITE_PAGES, 403),
        "resolve-preview": 403,
        "finding-detail": 404,
        "photo-viewer": 404,
    },
    "norole": dict.fromkeys(
        [
            "dashboard",
            "weapon-system-list",
            "weapon-system-detail",
            "recovery-list",
            "recovery-detail",
            "recovery-photos",
            "photo-viewer",
            "finding-list",
            "finding-detail",
            "resolve-preview",
            *WRITE_PAGES,
        ],
        403,
    ),
}


@pytest.mark.parametrize("role", EVERY_ROLE)
def test_every_page_answers_each_role_as_the_api_would(world, page_client, role):
    client = page_client(role)
    for name, url in urls(world).items():
        expected = EXPECTED[role].get(name, 200)
        response = client.get(url)
        assert response.status_code == expected, (role, name, response.status_code)


def test_anonymous_visitors_are_sent_to_sign_in(world, page_client):
    client = page_client(None)
    for name, url in urls(world).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login") + "?next="), name


def test_posts_need_an_analyst(world, page_client):
    finding = world["finding_b"]
    posts = {
        reverse("forensics:recovery-create"): {"weapon_system": world["system"].pk},
        reverse("forensics:recovery-custody", args=[world["green"].pk]): {"action": "examined"},
        reverse("forensics:finding-confirm", args=[finding.pk]): {},
        reverse("forensics:finding-reject", args=[finding.pk]): {},
        reverse("forensics:finding-unidentifiable", args=[finding.pk]): {},
    }
    for role in ("curator", "researcher", "manufacturer_a", "norole"):
        client = page_client(role)
        for url, data in posts.items():
            assert client.post(url, data).status_code == 403, (role, url)
    assert Recovery.objects.count() == 3
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.CONFIRMED


def test_header_names_the_user_and_role_and_links_every_section(world, page_client):
    body = page_client("analyst").get(reverse("dashboard")).content.decode()
    header = body[body.index('<header class="top">') : body.index("</header>")]
    assert "analyst" in header
    for name in ("weapon-system-list", "recovery-list", "finding-list"):
        assert f'href="{reverse(f"forensics:{name}")}"' in header
    assert 'aria-current="page"' in header
    officer = page_client("manufacturer_a").get(reverse("dashboard")).content.decode()
    assert "Maker A Semiconductors" in officer
    assert "manufacturer" in officer


def test_an_account_without_a_role_is_told_why_it_sees_nothing(page_client, users):
    response = page_client("norole").get(reverse("dashboard"))
    assert response.status_code == 403
    assert "no role yet" in response.content.decode()


# --- visibility and redaction -------------------------------------------------------------------


def test_manufacturer_a_never_sees_maker_b(world, page_client):
    client = page_client("manufacturer_a")
    pages = [
        reverse("dashboard"),
        reverse("forensics:finding-list"),
        reverse("forensics:recovery-detail", args=[world["green"].pk]),
        reverse("forensics:weapon-system-detail", args=["test-geran"]),
    ]
    for url in pages:
        body = client.get(url).content.decode()
        assert "MAKER-B" not in body and "Maker B Devices" not in body, url
        assert "RED ONLY" not in body, url
    assert (
        client.get(reverse("forensics:finding-detail", args=[world["finding_b"].pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("forensics:recovery-detail", args=[world["red"].pk])).status_code == 404
    )


def test_manufacturers_get_the_redacted_recovery(world, page_client):
    url = reverse("forensics:recovery-detail", args=[world["green"].pk])
    redacted = page_client("manufacturer_a").get(url).content.decode()
    full = page_client("researcher").get(url).content.decode()
    for restricted in ("Unit A1234", "Field team report 17", "Field 2 km north", "50.45010"):
        assert restricted not in redacted
        assert restricted in full
    assert "Chain of custody" not in full  # custody is for analysts
    assert "Chain of custody" in page_client("analyst").get(url).content.decode()


def test_researchers_see_green_and_clear_only(world, page_client):
    client = page_client("researcher")
    body = client.get(reverse("forensics:recovery-list")).content.decode()
    assert "REC-GREEN" in body and "REC-RED" not in body and "REC-AMBER" not in body
    assert (
        client.get(reverse("forensics:recovery-detail", args=[world["red"].pk])).status_code == 404
    )


def test_candidates_and_notes_are_hidden_from_manufacturers(world, page_client):
    finding = world["finding_a"]
    finding.candidates = [
        {"part_id": world["part_b"].pk, "mpn": "BBB2000Y", "manufacturer_id": world["part_b"].manufacturer_id,
         "manufacturer": "Maker B Devices", "owner": "Maker B Devices", "country": "US",
         "score": 0.4, "part_score": 0.4, "match": "fuzzy", "reasons": ["similar"]},
    ]  # fmt: skip
    finding.notes = "analyst-only note"
    finding.save()
    url = reverse("forensics:finding-detail", args=[finding.pk])
    officer = page_client("manufacturer_a").get(url).content.decode()
    assert "BBB2000Y" not in officer and "analyst-only note" not in officer
    analyst = page_client("analyst").get(url).content.decode()
    assert "BBB2000Y" in analyst and "analyst-only note" in analyst


# --- dashboard and charts -----------------------------------------------------------------------


def test_dashboard_charts_carry_their_numbers_as_tables(world, page_client):
    response = page_client("analyst").get(reverse("dashboard"))
    body = response.content.decode()
    assert response.status_code == 200
    for chart in ("chart-export", "chart-tier", "chart-country", "chart-owner"):
        section = body[body.index(f'id="{chart}"') :]
        section = section[: section.index("</figure>")]
        assert "<svg" in section and "<table>" in section, chart
    owners = body[body.index('id="chart-owner"') :]
    assert "Maker A Semiconductors" in owners and "Maker B Devices" in owners
    # 4 confirmed findings, 1 made after the controls: 25 %.
    assert "25.0 %" in body[body.index('id="chart-export"') :]


def test_dashboard_rejects_a_bad_filter_beside_the_field(world, page_client):
    response = page_client("analyst").get(reverse("dashboard") + "?weapon_system=999999")
    assert response.status_code == 200
    assert 'id="id_weapon_system_error"' in response.content.decode()


def test_dashboard_for_one_weapon_system(world, page_client, maker_a):
    other = RecoveryFactory(sharing="green")
    add_finding(other, "ELSEWHERE 1", maker_a)
    url = reverse("dashboard") + f"?weapon_system={world['system'].pk}&status=all"
    body = page_client("analyst").get(url).content.decode()
    assert "in <strong>Test Geran</strong>: 4 in all" in body


# --- lists: filters, pagination, constant queries -----------------------------------------------


def test_finding_list_filters_and_exports_what_it_shows(world, page_client):
    client = page_client("analyst")
    url = reverse("forensics:finding-list") + f"?weapon_system={world['system'].pk}&q=maker-a"
    body = client.get(url).content.decode()
    assert "MAKER-A AAA1000X 2231" in body and "MAKER-B" not in body
    assert "Export the 2 findings this list shows" in body
    controls = re.search(r'<select name="after_export_controls".*?</select>', body, re.S).group(0)
    assert '<option value="" selected>Any</option>' in controls  # no filter unless chosen
    links = re.findall(r'href="(/api/v1/findings/export/\?format=(csv|json)[^"]*)"', body)
    assert {fmt for _, fmt in links} == {"csv", "json"}
    csv_url = next(link for link, fmt in links if fmt == "csv").replace("&amp;", "&")
    export = client.get(csv_url)
    rows = b"".join(export.streaming_content).decode().splitlines()
    assert len(rows) == 1 + 2  # the header and the two findings the list shows
    assert all("MAKER-A" in row for row in rows[1:])


def test_finding_list_shows_bad_filter_values_beside_the_field(world, page_client):
    body = page_client("analyst").get(reverse("forensics:finding-list") + "?country=USA").content
    assert b'id="id_country_error"' in body and b"ISO-2" in body
    assert b"Export the" not in body


def test_dashboard_links_open_the_findings_they_count(world, page_client, maker_a):
    body = page_client("analyst").get(reverse("dashboard")).content.decode()
    link = re.search(rf'href="([^"]*manufacturer={maker_a.pk}[^"]*)"', body).group(1)
    listed = page_client("analyst").get(link.replace("&amp;", "&")).content.decode()
    assert "3 in all" in listed


def _bulk_findings(world, n):
    photo = world["photo"]
    for i in range(n):
        finding = add_finding(
            world["green"], f"BULK {i}", world["part_a"].manufacturer, world["part_a"]
        )
        FindingPhoto.objects.create(
            finding=finding, photo=photo, crop_x=1, crop_y=1, crop_width=5, crop_height=5
        )


def _queries(client, url, count_queries):
    with count_queries() as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "name",
    ["dashboard", "weapon-system-list", "weapon-system-detail", "recovery-list", "recovery-detail",
     "finding-list", "photo-viewer", "recovery-photos"],
)  # fmt: skip
@pytest.mark.parametrize("role", ["analyst", "manufacturer_a"])
def test_list_pages_cost_the_same_queries_for_3_or_60_rows(
    world, page_client, count_queries, name, role
):
    client = page_client(role)
    url = urls(world)[name]
    client.get(url)
    few = _queries(client, url, count_queries)
    _bulk_findings(world, 60)
    for i in range(60):
        PhotoFactory(recovery=world["green"], original_name=f"extra-{i}.jpg")
        RecoveryFactory(weapon_system=world["system"], sharing="green")
    many = _queries(client, url, count_queries)
    assert few == many, (name, role, few, many)


def test_lists_paginate_and_keep_their_filters(world, page_client):
    _bulk_findings(world, PAGE_SIZE + 5)
    client = page_client("analyst")
    body = client.get(reverse("forensics:finding-list") + "?q=BULK").content.decode()
    assert "Page 1 of 2" in body
    assert 'href="?q=BULK&amp;page=2"' in body
    second = client.get(reverse("forensics:finding-list") + "?q=BULK&page=2").content.decode()
    assert second.count('class="marking">BULK') == 5


def test_recovery_list_filters(world, page_client):
    client = page_client("analyst")
    body = client.get(reverse("forensics:recovery-list") + "?sharing=amber").content.decode()
    assert "REC-AMBER" in body and "REC-GREEN" not in body
    bad = client.get(reverse("forensics:recovery-list") + "?recovered_after=yesterday").content
    assert b'id="id_recovered_after_error"' in bad


def test_atlas_groups_components_by_category_and_country(world, page_client, maker_b):
    maker_b.country = "DE"
    maker_b.save()
    body = page_client("analyst").get(urls(world)["weapon-system-detail"]).content.decode()
    atlas = body[body.index('id="atlas-h"') :]
    assert atlas.index("<h3>regulator</h3>") < atlas.index("<h3>transceiver</h3>")
    assert "Made by a DE manufacturer" in atlas and "Made by a US manufacturer" in atlas
    assert "AAA1000X" in atlas and "Jul 2022" not in atlas and "Aug 2022" in atlas
    assert '<svg class="thumb crop"' in atlas  # the boxed component, not the whole board
    narrowed = page_client("analyst").get(urls(world)["weapon-system-detail"] + "?country=DE")
    assert "AAA1000X 2231" not in narrowed.content.decode().split('id="atlas-h"')[1]


# --- recoveries: create, edit, custody ----------------------------------------------------------


def test_recovery_form_shows_errors_beside_the_fields(world, page_client):
    tomorrow = (timezone.now() + datetime.timedelta(days=2)).date().isoformat()
    response = page_client("analyst").post(
        reverse("forensics:recovery-create"),
        {
            "recovered_on": tomorrow,
            "latitude": "50.1",
            "sharing": "red",
            "location_precision": "km",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    for field, message in (
        ("weapon_system", "This field is required."),
        ("recovered_on", "cannot be in the future"),
        ("latitude", "Give both latitude and longitude"),
    ):
        error = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', body, re.S)
        assert error and message in error.group(1), field
        assert f'aria-describedby="id_{field}_error"' in body or f"id_{field}_error" in body
    assert Recovery.objects.count() == 3


def test_recovery_is_created_with_its_first_custody_event_and_audit(world, page_client):
    response = page_client("analyst").post(
        reverse("forensics:recovery-create"),
        {
            "weapon_system": world["system"].pk,
            "serial_number": "SN-1",
            "recovered_on": "2024-05-01",
            "oblast": "Kharkiv",
            "location_precision": "oblast",
            "sharing": "red",
        },
    )
    recovery = Recovery.objects.get(serial_number="SN-1")
    assert response.status_code == 302
    assert response["Location"] == reverse("forensics:recovery-detail", args=[recovery.pk])
    assert recovery.reference.startswith("REC-")
    assert CustodyEvent.objects.filter(recovery=recovery).count() == 1
    assert AuditRecord.objects.filter(object_id=str(recovery.pk), action="create").exists()


def test_recovery_edit_keeps_a_reference(world, page_client):
    url = reverse("forensics:recovery-edit", args=[world["green"].pk])
    form = page_client("analyst").get(url).content.decode()
    assert 'value="REC-GREEN"' in form
    response = page_client("analyst").post(
        url,
        {"reference": "", "weapon_system": world["system"].pk, "sharing": "green",
         "location_precision": "km", "oblast": "Odesa"},
    )  # fmt: skip
    assert response.status_code == 400
    assert b'id="id_reference_error"' in response.content
    ok = page_client("analyst").post(
        url,
        {"reference": "REC-GREEN-2", "weapon_system": world["system"].pk, "sharing": "green",
         "location_precision": "km", "oblast": "Odesa"},
    )  # fmt: skip
    assert ok.status_code == 302
    world["green"].refresh_from_db()
    assert (world["green"].reference, world["green"].oblast) == ("REC-GREEN-2", "Odesa")


def test_custody_events_are_appended_and_checked(world, page_client):
    url = reverse("forensics:recovery-custody", args=[world["green"].pk])
    client = page_client("analyst")
    future = (timezone.now() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = client.post(url, {"action": "transferred", "at": future})
    assert refused.status_code == 400
    assert re.search(r'id="id_at_error">.*cannot be in the future', refused.content.decode(), re.S)
    missing = client.post(url, {})
    assert b'id="id_action_error"' in missing.content
    assert (
        client.post(
            url, {"action": "transferred", "location": "Lab 2", "note": "to lab"}
        ).status_code
        == 302
    )
    event = CustodyEvent.objects.get(recovery=world["green"], action="transferred")
    assert (event.location, event.actor_name) == ("Lab 2", "analyst")


# --- findings: entry, box, verdicts -------------------------------------------------------------


def test_box_from_the_viewer_becomes_original_pixels(world, page_client):
    photo = world["photo"]  # 64 x 48, no EXIF orientation
    url = reverse("forensics:finding-create", args=[world["green"].pk])
    body = (
        page_client("analyst").get(url + f"?photo={photo.pk}&box=0.25,0.5,0.75,1").content.decode()
    )
    for name, value in (("crop_x", 16), ("crop_y", 24), ("crop_width", 32), ("crop_height", 24)):
        assert re.search(rf'name="{name}" value="{value}"', body), name


def test_box_on_a_turned_photo_maps_through_the_orientation(world, page_client):
    photo = PhotoFactory(recovery=world["green"], width=40, height=20, exif={"Orientation": 6})
    url = reverse("forensics:finding-create", args=[world["green"].pk])
    # Upright the photo is 20 x 40; its top-left quarter is the original's top-right... rotated.
    body = page_client("analyst").get(url + f"?photo={photo.pk}&box=0,0,0.5,0.5").content.decode()
    for name, value in (("crop_x", 0), ("crop_y", 10), ("crop_width", 20), ("crop_height", 10)):
        assert re.search(rf'name="{name}" value="{value}"', body), name


def test_finding_entry_creates_through_the_service(world, page_client, monkeypatch):
    monkeypatch.setattr("forensics.services.findings.enqueue_resolution", lambda pk: None)
    photo = world["photo"]
    response = page_client("analyst").post(
        reverse("forensics:finding-create", args=[world["green"].pk]),
        {"marking": "  NEW 123  ", "quantity": 2, "photo": photo.pk,
         "crop_x": 1, "crop_y": 2, "crop_width": 10, "crop_height": 8},
    )  # fmt: skip
    finding = Finding.objects.get(marking="NEW 123")
    assert response.status_code == 302
    assert response["Location"] == reverse("forensics:finding-detail", args=[finding.pk])
    link = finding.finding_photos.get()
    assert (link.crop_x, link.crop_y, link.crop_width, link.crop_height) == (1, 2, 10, 8)
    assert finding.analyst.username == "analyst" and finding.quantity == 2
    assert AuditRecord.objects.filter(object_id=str(finding.pk), action="create").exists()


def test_finding_entry_errors_sit_beside_their_fields(world, page_client):
    photo = world["photo"]
    url = reverse("forensics:finding-create", args=[world["green"].pk])
    client = page_client("analyst")
    empty = client.post(url, {"marking": "   ", "quantity": 0})
    body = empty.content.decode()
    assert empty.status_code == 400
    assert re.search(r'id="id_marking_error">.*Write the marking', body, re.S)
    assert re.search(r'id="id_quantity_error">.*greater than or equal to 1', body, re.S)
    half_box = client.post(url, {"marking": "X1", "quantity": 1, "photo": photo.pk, "crop_x": 3})
    assert b'id="id_crop_width_error"' in half_box.content
    outside = client.post(
        url,
        {"marking": "X1", "quantity": 1, "photo": photo.pk,
         "crop_x": 50, "crop_y": 40, "crop_width": 30, "crop_height": 30},
    )  # fmt: skip
    assert outside.status_code == 400
    assert re.search(r'id="id_photo_error">.*outside photo', outside.content.decode(), re.S)
    other = PhotoFactory(recovery=world["amber"])
    foreign = client.post(url, {"marking": "X1", "quantity": 1, "photo": other.pk})
    assert b'id="id_photo_error"' in foreign.content
    assert not Finding.objects.filter(marking="X1").exists()


def test_editing_the_marking_resets_the_resolution(world, page_client, monkeypatch):
    monkeypatch.setattr("forensics.services.findings.enqueue_resolution", lambda pk: None)
    finding = world["finding_a"]
    url = reverse("forensics:finding-edit", args=[finding.pk])
    form = page_client("analyst").get(url).content.decode()
    assert "MAKER-A AAA1000X 2231" in form and 'name="crop_x" value="4"' in form
    response = page_client("analyst").post(
        url,
        {"marking": "MAKER-A AAA1000X 2240", "quantity": 1, "photo": world["photo"].pk,
         "crop_x": 4, "crop_y": 6, "crop_width": 20, "crop_height": 10},
    )  # fmt: skip
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.UNRESOLVED and finding.part_id is None


def test_verdicts_go_through_the_findings_service(world, page_client):
    client = page_client("analyst")
    finding = add_finding(
        world["green"], "PROPOSED 1", world["part_a"].manufacturer, world["part_a"],
        status=FindingStatus.PROPOSED,
    )  # fmt: skip
    detail = reverse("forensics:finding-detail", args=[finding.pk])
    assert b"Confirm the proposal" in client.get(detail).content
    done = client.post(reverse("forensics:finding-confirm", args=[finding.pk]), follow=True)
    assert b"confirmed as AAA1000X" in done.content
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CONFIRMED and finding.confirmed_by.username == "analyst"
    again = client.post(reverse("forensics:finding-confirm", args=[finding.pk]), follow=True)
    assert b"already confirmed by analyst" in again.content
    client.post(
        reverse("forensics:finding-reject", args=[finding.pk]), {"reject-reason": "wrong maker"}
    )
    finding.refresh_from_db()
    assert finding.status == FindingStatus.REJECTED and "wrong maker" in finding.notes
    picked = client.post(
        reverse("forensics:finding-confirm", args=[finding.pk]), {"part": world["part_b"].pk}
    )
    assert picked.status_code == 302
    finding.refresh_from_db()
    assert (finding.status, finding.part_id) == (FindingStatus.CONFIRMED, world["part_b"].pk)
    client.post(
        reverse("forensics:finding-unidentifiable", args=[finding.pk]),
        {"unidentifiable-reason": ""},
    )
    finding.refresh_from_db()
    assert finding.status == FindingStatus.UNIDENTIFIABLE


def test_confirming_nothing_says_why(world, page_client):
    finding = add_finding(world["green"], "NOTHING", status=FindingStatus.UNRESOLVED)
    response = page_client("analyst").post(
        reverse("forensics:finding-confirm", args=[finding.pk]), {"part": "999999"}, follow=True
    )
    assert b"part:" in response.content and b"Select a valid choice" in response.content
    response = page_client("analyst").post(
        reverse("forensics:finding-confirm", args=[finding.pk]), follow=True
    )
    assert b"Nothing to confirm" in response.content


def test_pending_resolution_polls_until_the_resolver_answers(world, page_client):
    finding = Finding.objects.create(recovery=world["green"], marking="WAITING")
    url = reverse("forensics:finding-detail", args=[finding.pk])
    body = page_client("analyst").get(url).content.decode()
    assert 'hx-trigger="every 2s"' in body
    panel = page_client("analyst").get(url + "?panel=resolution").content.decode()
    assert panel.lstrip().startswith("<section") and "resolver is reading" in panel


def test_photo_viewer_shows_boxes_duplicates_and_exif_to_analysts(world, page_client):
    from forensics.models import PhotoDuplicate

    photo = world["photo"]
    photo.exif = {"Make": "TestCam", "GPS": {"GPSLatitudeRef": "N"}}
    photo.thumbnail = "evidence/derived/x-thumb.jpg"
    photo.display = "evidence/derived/x-display.jpg"
    photo.save()
    twin = PhotoFactory(recovery=world["green"])
    PhotoDuplicate.objects.create(photo=photo, other=twin, distance=2)
    url = reverse("forensics:photo-viewer", args=[photo.pk])
    body = page_client("analyst").get(url).content.decode()
    assert "Possible duplicate of" in body and f"photo {twin.pk}" in body
    assert "GPS.GPSLatitudeRef" in body and "Download the original" in body
    box = re.search(r'class="finding-box"[^>]*style="left:([\d.]+)%;top:([\d.]+)%', body)
    assert box and (float(box.group(1)), float(box.group(2))) == (6.25, 12.5)
    officer = page_client("manufacturer_a").get(url).content.decode()
    assert "TestCam" not in officer and "Download the original" not in officer
    assert "Possible duplicate" not in officer


def test_resolve_preview_reads_cyrillic_markings(db, page_client, users):
    from tests.resolver.resolver_support import build_catalog

    build_catalog()
    url = reverse("forensics:resolve-preview")
    body = (
        page_client("analyst").get(url, {"marking": "Transceiver МАХ3490ESA 2231"}).content.decode()
    )
    assert "MAX3490EESA+" in body and "Maxim Integrated" in body
    assert "after the export controls" in body
    empty = page_client("analyst").get(url, {"marking": "  "}).content.decode()
    assert "Type the marking" in empty
    long = page_client("analyst").get(url, {"marking": "A" * 2001}).content.decode()
    assert "at most 2000 characters" in long


def test_upload_zone_points_at_the_photo_api(world, page_client):
    body = page_client("analyst").get(urls(world)["recovery-detail"]).content.decode()
    api = reverse("recovery-photos", args=[world["green"].pk])
    assert f'data-upload-url="{api}"' in body and 'type="file"' in body
    assert "js/upload.js" in body
    assert (
        'type="file"'
        not in page_client("researcher").get(urls(world)["recovery-detail"]).content.decode()
    )


def test_lists_cut_crops_of_turned_photos_upright(world, page_client):
    """The orientation comes from the photo's EXIF through the list's own query (no EXIF loaded)."""
    from forensics import crops

    turned = PhotoFactory(
        recovery=world["green"], width=40, height=20, exif={"Orientation": 6},
        thumbnail="evidence/derived/turned-thumb.jpg",
    )  # fmt: skip
    finding = add_finding(world["green"], "TURNED 1", world["part_a"].manufacturer)
    FindingPhoto.objects.create(
        finding=finding, photo=turned, crop_x=30, crop_y=2, crop_width=6, crop_height=7
    )
    box = crops.original_to_upright(30, 2, 6, 7, 40, 20, 6)
    expected = f"{box.left * 20:.1f} {box.top * 40:.1f} {box.width * 20:.1f} {box.height * 40:.1f}"
    body = page_client("analyst").get(reverse("forensics:finding-list") + "?q=TURNED").content
    assert f'viewBox="{expected}"'.encode() in body


@pytest.mark.parametrize(
    "role, recoveries, findings",
    [("analyst", 3, 4), ("researcher", 1, 2), ("manufacturer_a", 2, 2), ("manufacturer_b", 1, 1)],
)
def test_weapon_system_list_counts_what_each_role_may_see(
    world, page_client, role, recoveries, findings
):
    body = page_client(role).get(reverse("forensics:weapon-system-list") + "?q=Test+Geran")
    row = re.search(r"Test Geran</a></th>(.*?)</tr>", body.content.decode(), re.S).group(1)
    counts = re.findall(r'<td class="num">(\d+)</td>', row)
    assert counts == [str(recoveries), str(findings)]


def test_row_links_match_reverse():
    from forensics.templatetags.pages import url_with_id

    for name in ("forensics:finding-detail", "forensics:photo-viewer", "photo-thumbnail"):
        for pk in (1, 42, 987654321):
            assert url_with_id(name, pk) == reverse(name, args=[pk])
