"""Fixtures of the page tests: Django test clients per role and a small world of evidence."""

import datetime

import pytest
from django.test import Client

from forensics.models import Finding, FindingPhoto, FindingStatus
from tests.factories import PartFactory, PhotoFactory, RecoveryFactory, WeaponSystemFactory


@pytest.fixture
def page_client(users):
    """page_client("analyst") -> a Django test Client signed in as that role's user (None: anonymous)."""

    def make(role: str | None) -> Client:
        client = Client()
        if role is not None:
            client.force_login(users[role])
        return client

    return make


def add_finding(recovery, marking, maker=None, part=None, status=FindingStatus.CONFIRMED, **extra):
    return Finding.objects.create(
        recovery=recovery,
        marking=marking,
        manufacturer=maker,
        part=part,
        status=status,
        resolved_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
        marking_changed_at=datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC),
        **extra,
    )


@pytest.fixture
def world(db, users, maker_a, maker_b, media):
    """One weapon system; a GREEN recovery with a photo and a finding of each maker, an AMBER one
    with maker A's finding, and a RED one; restricted fields filled so redaction shows."""
    system = WeaponSystemFactory(name="Test Geran", slug="test-geran")
    green = RecoveryFactory(weapon_system=system, sharing="green", reference="REC-GREEN")
    amber = RecoveryFactory(weapon_system=system, sharing="amber", reference="REC-AMBER")
    red = RecoveryFactory(weapon_system=system, sharing="red", reference="REC-RED")
    photo = PhotoFactory(
        recovery=green,
        width=64,
        height=48,
        state="ready",
        thumbnail="evidence/derived/green-thumb.jpg",
        display="evidence/derived/green-display.jpg",
    )
    part_a = PartFactory(manufacturer=maker_a, mpn="AAA1000X")
    part_b = PartFactory(manufacturer=maker_b, mpn="BBB2000Y")
    finding_a = add_finding(
        green,
        "MAKER-A AAA1000X 2231",
        maker_a,
        part_a,
        category="transceiver",
        date_code="2231",
        manufactured_from=datetime.date(2022, 8, 1),
        manufactured_to=datetime.date(2022, 8, 7),
        after_export_controls=True,
    )
    FindingPhoto.objects.create(
        finding=finding_a, photo=photo, crop_x=4, crop_y=6, crop_width=20, crop_height=10
    )
    finding_b = add_finding(green, "MAKER-B BBB2000Y", maker_b, part_b, category="regulator")
    finding_amber = add_finding(amber, "MAKER-A AAA1000X amber", maker_a, part_a)
    finding_red = add_finding(red, "RED ONLY marking", maker_a, part_a)
    return {
        "system": system,
        "green": green,
        "amber": amber,
        "red": red,
        "photo": photo,
        "part_a": part_a,
        "part_b": part_b,
        "finding_a": finding_a,
        "finding_b": finding_b,
        "finding_amber": finding_amber,
        "finding_red": finding_red,
    }


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
