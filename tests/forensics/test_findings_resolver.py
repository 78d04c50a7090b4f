"""The finding flow with the real resolver and the seeded catalog: real markings, proposals,
date and lot codes, and a confirmation that makes the next identical marking resolve as learned."""

import pytest

from catalog.models import KnownMarking
from catalog.services import resolve_manufacturer
from forensics.models import Finding, FindingStatus, Sharing
from tests.factories import PartFactory

from . import findings_support as support

pytestmark = pytest.mark.django_db

URL = "/api/v1/findings/"


def record(client, rec, marking, capture):
    with capture(execute=True):
        response = client.post(URL, {"recovery": rec.pk, "marking": marking}, format="json")
    assert response.status_code == 201, response.json()
    return client.get(f"{URL}{response.json()['id']}/").json()


def test_cyrillic_marking_is_proposed_confirmed_and_learned(
    client_for, users, django_capture_on_commit_callbacks
):
    maxim = resolve_manufacturer("Maxim Integrated")
    adi = resolve_manufacturer("Analog Devices")
    part = PartFactory(manufacturer=maxim, mpn="MAX3490EESA+", hs_code="854239")
    rec = support.recovery(Sharing.AMBER)
    analyst = client_for("analyst")

    first = record(analyst, rec, "Transceiver МАХ3490", django_capture_on_commit_callbacks)
    assert first["status"] == "proposed"  # confident, yet only proposed
    assert first["resolution"] == "confident"
    assert first["part"] == part.pk
    assert first["manufacturer"] == maxim.pk
    assert first["owner"]["id"] == adi.pk
    assert first["candidates"][0]["reasons"]

    response = analyst.post(f"{URL}{first['id']}/confirm/", {}, format="json")
    assert response.status_code == 200
    assert KnownMarking.objects.filter(manufacturer=maxim, part=part).exists()

    second = record(analyst, rec, "Transceiver МАХ3490", django_capture_on_commit_callbacks)
    assert second["status"] == "proposed"
    assert second["part"] == part.pk
    assert second["candidates"][0]["match"] == "learned"


def test_date_and_lot_codes_are_decoded(client_for, users, django_capture_on_commit_callbacks):
    ti = resolve_manufacturer("Texas Instruments")
    PartFactory(manufacturer=ti, mpn="LM258DR", hs_code="854239")
    rec = support.recovery(Sharing.GREEN)
    finding = record(
        client_for("analyst"),
        rec,
        "Secondary operational supporter LM258 274 ZD0XG3",
        django_capture_on_commit_callbacks,
    )
    assert finding["manufacturer"] == ti.pk
    assert finding["date_code"] == "274"
    assert finding["date_code_rule"]
    assert finding["manufactured_from"] <= finding["manufactured_to"]
    assert finding["lot_code"] == "ZD0XG3"


def test_maker_only_answer_and_words_only(client_for, users, django_capture_on_commit_callbacks):
    rec = support.recovery(Sharing.GREEN)
    analyst = client_for("analyst")
    infineon = record(
        analyst, rec, "Dual N-channel MOSFET IRF7103TRPBF", django_capture_on_commit_callbacks
    )
    assert infineon["part"] is None
    assert infineon["manufacturer_detail"]["name"] == "International Rectifier"
    assert infineon["status"] in ("proposed", "unresolved")

    words = record(
        analyst, rec, "Single-phase solid-state relay", django_capture_on_commit_callbacks
    )
    assert words["status"] == "unresolved"
    assert words["resolution"] == "unknown"
    assert Finding.objects.get(pk=words["id"]).status == FindingStatus.UNRESOLVED


def test_gur_slice_with_the_real_resolver(db, django_capture_on_commit_callbacks):
    from forensics.services.imports import ADOPTED_MATCHES, import_gur

    from .test_gur_import import SLICE

    with django_capture_on_commit_callbacks(execute=True):
        report = import_gur(SLICE)
    assert (report.created, report.unchanged) == (100, 0)
    assert not report.unknown_manufacturers
    assert report.taught > 0
    assert KnownMarking.objects.exists()
    for finding in Finding.objects.filter(part__isnull=False):
        chosen = [c for c in finding.candidates if c["part_id"] == finding.part_id]
        assert chosen[0]["match"] in ADOPTED_MATCHES
    known = KnownMarking.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        again = import_gur(SLICE)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 100)
    assert KnownMarking.objects.count() == known
