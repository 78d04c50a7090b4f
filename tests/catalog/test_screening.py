"""Screening: the CSL import (real sample file, atomic replacement, bad files), matching of
Cyrillic and legal-form variants, false positives that stick, and re-screening on every path."""

import csv
import datetime
import io
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from catalog import screening, services
from catalog.models import (
    Organisation,
    OrganisationScreening,
    ScreeningDismissal,
    ScreeningEntry,
    ScreeningHit,
    ScreeningKey,
    ScreeningList,
    SupplyLink,
)
from forensics.demo import shared_data_dir
from forensics.models import AuditRecord
from tests.factories import DistributorFactory, OrganisationFactory, SupplyLinkFactory

SAMPLE = shared_data_dir() / "csl-sample.csv"
SAMPLE_DATE = datetime.date(2024, 6, 1)


def sample_rows() -> tuple[list[str], list[dict]]:
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def write_csl(path: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    columns = columns or sample_rows()[0]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


def csl_row(name, uid, source="Entity List (EL) - Bureau of Industry and Security", **fields):
    return {"_id": uid, "source": source, "name": name, **fields}


def import_file(path, date=SAMPLE_DATE, *extra):
    out = io.StringIO()
    call_command("import_screening", str(path), "--date", date.isoformat(), *extra, stdout=out)
    return out.getvalue()


def state():
    """Everything an import may change, to compare before and after a refused one."""
    return (
        sorted(ScreeningList.objects.values_list("source", "file_date", "entry_count")),
        sorted(ScreeningEntry.objects.values_list("screening_list__source", "uid", "name")),
        ScreeningKey.objects.count(),
        sorted(ScreeningHit.objects.values_list("organisation_id", "entry__uid")),
    )


# --- import ---------------------------------------------------------------------------------------


def test_sample_file_imports_one_list_per_source(db):
    columns, rows = sample_rows()
    sources = {row["source"] for row in rows}
    out = import_file(SAMPLE)
    assert ScreeningList.objects.count() == len(sources)
    assert ScreeningEntry.objects.count() == len(rows) == 13
    assert f"{len(sources)} list(s) imported" in out
    entity_list = ScreeningList.objects.get(source__startswith="Entity List")
    assert entity_list.code == "EL"
    assert entity_list.file_date == SAMPLE_DATE
    assert entity_list.file_name == "csl-sample.csv"
    cetc = ScreeningEntry.objects.get(name__startswith="China Electronics Technology Group")
    assert cetc.screening_list == entity_list
    assert "Hebei Semiconductor Research Institute" in cetc.alt_names
    assert len(cetc.alt_names) == 6
    assert cetc.start_date == datetime.date(2018, 8, 1)
    assert cetc.raw["_id"] == cetc.uid
    ssi = ScreeningEntry.objects.get(name="TNK Trading International S.A.")
    assert ssi.programs == ["VENEZUELA-EO13850", "UKRAINE-EO13662"]
    assert ssi.addresses == ["place du Lac 2, Geneve, 1204, CH"]
    assert ssi.screening_list.code == "SSI"
    hsri = screening.screening_key("Hebei Semiconductor Research Institute")
    assert ScreeningKey.objects.filter(entry=cetc, key=hsri, name__startswith="Hebei").exists()
    assert AuditRecord.objects.filter(action="create", object_repr__startswith="EL").exists()


def test_file_date_defaults_to_the_files_modification_date(db, tmp_path):
    copy = tmp_path / "csl.csv"
    shutil.copy(SAMPLE, copy)
    stamp = datetime.datetime(2023, 2, 3, 12, 0).timestamp()
    os.utime(copy, (stamp, stamp))
    call_command("import_screening", str(copy), stdout=io.StringIO())
    assert set(ScreeningList.objects.values_list("file_date", flat=True)) == {
        datetime.date(2023, 2, 3)
    }


def test_a_new_version_replaces_its_list_and_leaves_the_others(db, tmp_path):
    import_file(SAMPLE)
    _, rows = sample_rows()
    ssi = "Sectoral Sanctions Identifications List (SSI) - Treasury Department"
    kept = [r for r in rows if r["source"] == ssi and r["name"] != "SME BANK"]
    added = csl_row("Novy Bank", "ssi-new-1", source=ssi)
    newer = write_csl(tmp_path / "ssi.csv", [*kept, added])
    untouched = sorted(ScreeningEntry.objects.exclude(screening_list__source=ssi).values_list("pk"))
    out = import_file(newer, datetime.date(2024, 7, 1))
    assert "replacing 3" in out
    names = set(
        ScreeningEntry.objects.filter(screening_list__source=ssi).values_list("name", flat=True)
    )
    assert names == {"ROSNEFT TRADE LIMITED", "TNK Trading International S.A.", "Novy Bank"}
    ssi_list = ScreeningList.objects.get(source=ssi)
    assert ssi_list.file_date == datetime.date(2024, 7, 1)
    assert ssi_list.entry_count == 3
    assert (
        sorted(ScreeningEntry.objects.exclude(screening_list__source=ssi).values_list("pk"))
        == untouched
    )
    assert ScreeningList.objects.get(source__startswith="Entity List").file_date == SAMPLE_DATE


@pytest.mark.parametrize(
    "content, message",
    [
        ("name,country\nAcme,US\n", "missing column(s) _id, source"),
        ("", "missing column(s)"),
        ("_id,source,name\n", "no entries"),
        ("_id,source,name\n1,,Acme\n", "Line 2: `source` and `name` are required"),
        ("_id,source,name,start_date\n1,EL,Acme,2020-01-01\n2,EL,Beta,yesterday\n", "Line 3"),
        ("_id,source,name\n1,EL,Acme\n1,EL,Acme again\n", "appears twice"),
        ("_id,source,name\n1,EL,Acme,extra\n", "more fields than the header"),
    ],
)
def test_a_bad_file_is_refused_and_changes_nothing(db, tmp_path, content, message):
    import_file(SAMPLE)
    before = state()
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError) as error:
        import_file(bad)
    assert message in str(error.value)
    assert "Nothing was changed" in str(error.value)
    assert state() == before


def test_a_file_that_is_not_utf8_or_missing_is_refused(db, tmp_path):
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("_id,source,name\n1,EL,Société Générale\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        import_file(latin)
    with pytest.raises(CommandError, match="Cannot read"):
        import_file(tmp_path / "absent.csv")
    with pytest.raises(CommandError, match="not a date"):
        call_command("import_screening", str(SAMPLE), "--date", "June")
    assert ScreeningList.objects.count() == 0


def test_an_error_late_in_the_file_rolls_back_every_list(db, tmp_path):
    """Sources are replaced one after the other: a failure in the last must undo the first."""
    import_file(SAMPLE)
    before = state()
    _, rows = sample_rows()
    rows = [dict(r, name=r["name"] + " (renamed)") for r in rows]
    rows[-1]["end_date"] = "31/12/2030"
    with pytest.raises(CommandError, match="not a date"):
        import_file(write_csl(tmp_path / "late.csv", rows), datetime.date(2024, 8, 1))
    assert state() == before


def test_an_older_file_does_not_replace_a_newer_list(db):
    import_file(SAMPLE, datetime.date(2024, 6, 1))
    before = state()
    with pytest.raises(CommandError, match="newer than this file"):
        import_file(SAMPLE, datetime.date(2023, 1, 1))
    assert state() == before
    import_file(SAMPLE, datetime.date(2023, 1, 1), "--allow-older")
    assert set(ScreeningList.objects.values_list("file_date", flat=True)) == {
        datetime.date(2023, 1, 1)
    }


# --- matching -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ours, listed",
    [
        ("ООО Радиант", "Radiant LLC"),
        ("АО «Радиант»", "RADIANT, JSC"),
        ("TNK Trading International SA", "TNK Trading International S.A."),
        ("Rosneft Trade Ltd.", "ROSNEFT TRADE LIMITED"),
        (
            "Sinobright Import & Export Co., Ltd.",
            "Sinobright Import and Export Company; and any successor, sub-unit, or subsidiary thereof",
        ),
        ("Hebei Semiconductor Research Institute", "Hebei Semiconductor Research Institute"),
        ("Radiant Elcom", "Radiant Elkom"),
        ("Evren Kayakiran", "KAYAKIRAN, Evren"),
        ("АО «Элтех»", "Eltech Ltd"),
        ("OOO Онторкор", "Ontorkor Trading S.A."),
        ("ООО Мексвикпан", "Mexvikpan Inc."),
    ],
)
def test_variants_of_a_listed_name_score_above_the_threshold(ours, listed):
    keys = screening.screening_keys(ours)
    score = max(screening.similarity(key, screening.screening_key(listed)) for key in keys)
    assert score >= 88, (keys, screening.screening_key(listed), score)


@pytest.mark.parametrize(
    "ours, listed",
    [
        ("Bank of Cyprus", "SME BANK"),
        ("Atlas LLC", "Atlas Sanatgaran"),
        (
            "China Electronics Technology Group Corporation 14th Research Institute",
            "China Electronics Technology Group Corporation 13th Research Institute (CETC 13)",
        ),
        ("Shenzhen Huaqiang Electronics", "Shenzhen Xinlian Electronics"),
        ("Arrow Electronics", "Analog Devices"),
        ("Global Technology Ltd", "Global Technology Research Institute Moscow"),
    ],
)
def test_names_sharing_only_common_words_do_not_match(ours, listed):
    score = screening.similarity(screening.screening_key(ours), screening.screening_key(listed))
    assert score < 88, (screening.screening_key(ours), screening.screening_key(listed), score)


names = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "Zs", "P")), max_size=40
)


@given(names, names)
def test_similarity_is_symmetric_and_bounded(a, b):
    ka, kb = screening.screening_key(a), screening.screening_key(b)
    score = screening.similarity(ka, kb)
    assert 0 <= score <= 100
    assert score == screening.similarity(kb, ka)
    assert screening.similarity(ka, ka) == 100


def test_blocking_keeps_candidates_to_names_sharing_a_word_start(db, tmp_path):
    rows = [csl_row(f"Zeta Widget {n}", f"z{n}") for n in range(5)]
    rows += [csl_row("Radiant LLC", "r1"), csl_row("Radiantt Components", "r2")]
    import_file(write_csl(tmp_path / "l.csv", rows))
    index = screening.EntryIndex.load()
    found = {c.name for c in index.candidates(screening.blocks_of("radiant"))}
    assert found == {"Radiant LLC", "Radiantt Components"}


# --- hits and re-screening ------------------------------------------------------------------------


@pytest.fixture
def radiant_list(db, tmp_path):
    """An Entity List naming "Radiant LLC" (alias "Radiant Electronics") next to the sample."""
    _, rows = sample_rows()
    rows.append(
        csl_row("Radiant LLC", "el-radiant", alt_names="Radiant Electronics; OOO Radiant-Elkom")
    )
    path = write_csl(tmp_path / "csl-radiant.csv", rows)
    import_file(path)
    return path


def test_a_cyrillic_legal_form_variant_of_a_listed_name_is_a_hit(radiant_list):
    buyer = DistributorFactory(name="ООО Радиант", country="RU", is_independent_distributor=True)
    screening.screen_organisations([buyer.pk])
    hit = ScreeningHit.objects.get(organisation=buyer)
    assert hit.entry.uid == "el-radiant"
    assert hit.score == 100
    assert hit.organisation_name == "ООО Радиант"
    assert hit.screening_list.code == "EL"
    assert OrganisationScreening.objects.get(organisation=buyer).screened_at is not None


def test_real_sample_entries_are_found_through_aliases(db):
    import_file(SAMPLE)
    org = DistributorFactory(name="Oil Traders Geneva", is_importer=True, country="CH")
    services.add_alias(org, "TNK Trading Intl SA")
    bank = DistributorFactory(name="AO MSP Bank", country="RU")
    screening.screen_organisations([org.pk, bank.pk])
    hits = ScreeningHit.objects.filter(organisation=org)
    # "TNK TRADE LIMITED" is an alias of Rosneft Trade on the SSI list: both are worth a look.
    assert {h.entry.name for h in hits} == {
        "TNK Trading International S.A.",
        "ROSNEFT TRADE LIMITED",
    }
    assert {h.organisation_name for h in hits} == {"TNK Trading Intl SA"}
    bank_hit = ScreeningHit.objects.get(organisation=bank)
    assert bank_hit.entry.name == "SME BANK"
    assert bank_hit.entry_name == "MSP BANK AO"


def test_only_supply_chain_parties_are_screened(radiant_list):
    maker = OrganisationFactory(name="Radiant Electronics Inc.", is_manufacturer=True)
    screening.screen_organisations([maker.pk])
    assert not ScreeningHit.objects.filter(organisation=maker).exists()
    SupplyLinkFactory(seller=maker, buyer=DistributorFactory())
    screening.screen_organisations([maker.pk])
    assert ScreeningHit.objects.filter(organisation=maker).exists()
    SupplyLink.objects.filter(seller=maker).delete()
    screening.screen_organisations([maker.pk])
    assert not ScreeningHit.objects.filter(organisation=maker).exists()


def test_a_new_import_rescreens_everybody(db, tmp_path):
    buyer = DistributorFactory(name="Radiant LLC", country="RU")
    screening.screen_organisations([buyer.pk])
    assert not ScreeningHit.objects.exists()
    import_file(write_csl(tmp_path / "l.csv", [csl_row("OOO Radiant", "el-1")]))
    assert ScreeningHit.objects.filter(organisation=buyer).count() == 1
    import_file(
        write_csl(tmp_path / "l2.csv", [csl_row("Other Party", "el-2")]), datetime.date(2024, 7, 1)
    )
    assert not ScreeningHit.objects.filter(organisation=buyer).exists()


def test_a_false_positive_sticks_across_reimport_and_rescreen(radiant_list, users):
    buyer = DistributorFactory(name="Radiant Electronics", country="DE")
    screening.screen_organisations([buyer.pk])
    hit = ScreeningHit.objects.get(organisation=buyer)
    screening.mark_false_positive(hit, users["curator"], "A German reseller, not the Russian one")
    assert ScreeningHit.objects.get(organisation=buyer).false_positive
    import_file(radiant_list, datetime.date(2024, 9, 1))
    again = ScreeningHit.objects.get(organisation=buyer)
    assert again.false_positive
    screening.screen_organisations([buyer.pk])
    assert ScreeningHit.objects.get(organisation=buyer).false_positive
    assert screening.hit_counts([buyer.pk]) == {}
    screening.clear_false_positive(again, users["curator"])
    assert not ScreeningHit.objects.get(organisation=buyer).false_positive
    assert not ScreeningDismissal.objects.exists()
    assert screening.hit_counts([buyer.pk]) == {buyer.pk: 1}
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {"false_positive", "clear_false_positive"} <= actions


def test_rescreening_keeps_hit_ids_and_updates_names(radiant_list):
    buyer = DistributorFactory(name="Radiant LLC", country="RU")
    screening.screen_organisations([buyer.pk])
    first = ScreeningHit.objects.get(organisation=buyer)
    Organisation.objects.filter(pk=buyer.pk).update(name="Radiant Electronics")
    screening.screen_organisations([buyer.pk])
    second = ScreeningHit.objects.get(organisation=buyer)
    assert second.pk == first.pk
    assert second.organisation_name in ("Radiant Electronics", "Radiant LLC")


def test_the_api_create_path_screens_a_new_organisation(
    radiant_list, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("curator").post(
            "/api/v1/organisations/",
            {"name": "ООО Радиант", "country": "RU", "is_importer": True},
            format="json",
        )
    assert response.status_code == 201, response.json()
    assert ScreeningHit.objects.filter(organisation_id=response.json()["id"]).count() == 1


def test_the_api_alias_and_link_paths_screen_the_organisation(
    radiant_list, client_for, django_capture_on_commit_callbacks
):
    maker = OrganisationFactory(name="Radyant Semiconductors", is_manufacturer=True)
    buyer = DistributorFactory(name="Plain Buyer GmbH")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("analyst").post(
            "/api/v1/supply-links/",
            {"seller": maker.pk, "buyer": buyer.pk, "evidence_kind": "invoice"},
            format="json",
        )
    assert response.status_code == 201, response.json()
    assert OrganisationScreening.objects.get(organisation=maker).screened_at is not None
    assert not ScreeningHit.objects.filter(organisation=maker).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("curator").post(
            "/api/v1/organisation-aliases/",
            {"organisation": maker.pk, "name": "Radiant Elkom"},
            format="json",
        )
    assert response.status_code == 201, response.json()
    assert ScreeningHit.objects.get(organisation=maker).organisation_name == "Radiant Elkom"


def test_the_sweep_screens_what_no_service_asked_for(radiant_list):
    """An organisation written straight to the table (a path that skipped the services)."""
    stray = Organisation.objects.create(name="Radiant LLC", slug="radiant-stray", is_importer=True)
    asked = DistributorFactory(name="Radiant Electronics")
    OrganisationScreening.objects.create(
        organisation=asked, requested_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    )
    result = screening.sweep()
    assert result["unscreened"] >= 1 and result["pending"] == 1
    assert ScreeningHit.objects.filter(organisation=stray).exists()
    assert ScreeningHit.objects.filter(organisation=asked).exists()
    assert screening.sweep()["pending"] == 0


def test_the_admin_paths_screen_too(radiant_list, django_capture_on_commit_callbacks):
    from django.test import Client
    from django.urls import reverse

    from tests.factories import UserFactory

    staff = UserFactory(username="site-admin", role="admin")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    browser = Client()
    browser.force_login(staff)
    maker = OrganisationFactory(name="Plain Maker Inc", is_manufacturer=True)
    buyer = DistributorFactory(name="Quiet Buyer GmbH")
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            reverse("admin:catalog_organisationalias_add"),
            {"organisation": buyer.pk, "name": "Radiant Electronics"},
        )
    assert response.status_code == 302, response.content[:2000]
    assert ScreeningHit.objects.filter(organisation=buyer).count() == 1
    services.add_alias(maker, "OOO Radiant")
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            reverse("admin:catalog_supplylink_add"),
            {
                "seller": maker.pk,
                "buyer": buyer.pk,
                "lot_code": "",
                "evidence_kind": "invoice",
                "confidence": "probable",
                "source_reference": "",
            },
        )
    assert response.status_code == 302, response.content[:2000]
    assert ScreeningHit.objects.filter(organisation=maker).count() == 1
