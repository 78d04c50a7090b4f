"""The list loads relations its own lean way (LIST_LOADS); each row must still read exactly as
the finding's detail does, for the full view and for the redacted one."""

import pytest

from forensics.models import FindingStatus, Sharing

from . import findings_support as support

pytestmark = pytest.mark.django_db

URL = "/api/v1/findings/"


@pytest.fixture
def rows(users, maker_a):
    brand = support.brand_of(maker_a)
    rec = support.recovery(Sharing.AMBER)
    part = support.part_of(brand, "ADM3490ARZ")
    photos = [support.photo(rec, f"board{i}.jpg") for i in range(3)]
    made = []
    for i, status in enumerate([FindingStatus.CONFIRMED, FindingStatus.CONFIRMED]):
        finding = support.finding(
            rec,
            f"ADM3490 {i}",
            manufacturer=brand,
            part=part,
            status=status,
            analyst=users["analyst"],
            confirmed_by=users["analyst"],
        )
        for photo in photos[i:]:
            finding.finding_photos.create(
                photo=photo, crop_x=i, crop_y=1, crop_width=10, crop_height=10
            )
        made.append(finding)
    made.append(support.finding(rec, "no maker yet", analyst=users["analyst"]))
    return made


@pytest.mark.parametrize("role", ["analyst", "manufacturer_a"])
def test_list_rows_read_as_the_detail_does(client_for, rows, role):
    client = client_for(role)
    listed = client.get(URL, {"page_size": 50}).json()["results"]
    assert listed, role
    for row in listed:
        detail = client.get(f"{URL}{row['id']}/").json()
        assert row == detail
    if role == "analyst":
        by_id = {row["id"]: row for row in listed}
        assert [p["crop_x"] for p in by_id[rows[0].pk]["photos"]] == [0, 0, 0]
        assert len(by_id[rows[1].pk]["photos"]) == 2
        assert by_id[rows[0].pk]["owner"]["id"] == rows[0].manufacturer.owner_id
        assert by_id[rows[0].pk]["confirmed_by"] == rows[0].confirmed_by.get_username()
