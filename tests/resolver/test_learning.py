"""Learning: a confirmed finding's marking resolves first time next, identical or a variant."""

from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType

from catalog.models import KnownMarking
from catalog.resolver import CONFIDENT, learn, resolve
from catalog.resolver.service import learning_keys
from forensics.models import AuditRecord
from forensics.services import findings as finding_services
from tests.forensics import findings_support as support

from .resolver_support import build_catalog, org

pytestmark = pytest.mark.django_db

REF = date(2026, 6, 13)
MARKING = "Secondary operational supporter LM258 274 ZD0XG3"


@pytest.fixture
def parts(db):
    return build_catalog()


def test_learning_keys_are_the_whole_marking_and_its_part_number():
    assert learning_keys(MARKING) == ["LM258274ZD0XG3", "LM258"]
    assert learning_keys("Transceiver МАХ3490") == ["MAX3490"]
    keys = learning_keys("Universal GPS receiver MAXIM 2769E TIT13 +NS8L")
    assert "2769E" in keys and "TIT13" in keys  # no confirmed part: the likeliest numbers


def test_learning_key_follows_the_confirmed_part(parts):
    part = parts["MAX2769ETI+"]
    keys = learning_keys(
        "MAXIM 2769E TIT13",
        {"mpn_norm": part.mpn_norm, "mpn_base": part.mpn_base, "mpn_fold": part.mpn_fold},
    )
    assert keys == ["MAXIM2769ETIT13", "2769E"]


def test_confirmed_marking_resolves_first_with_reason_learned(parts):
    onsemi_part = parts["LM258DR2G"]
    before = resolve(MARKING, reference=REF)
    assert before.candidates[0].manufacturer == "Texas Instruments"

    learn(MARKING, onsemi_part.pk, onsemi_part.manufacturer_id, finding_id=41)

    after = resolve(MARKING, reference=REF)
    best = after.candidates[0]
    assert best.part_id == onsemi_part.pk
    assert best.manufacturer == "onsemi"
    assert best.match == "learned"
    assert any(reason.startswith("learned: this marking") for reason in best.reasons)
    assert after.status == CONFIDENT
    assert after.date_code.token == "274"  # the date and lot still come out of the marking
    assert after.lot_code == "ZD0XG3"


def test_variant_marking_resolves_through_the_learned_part_number(parts):
    onsemi_part = parts["LM258DR2G"]
    learn(MARKING, onsemi_part.pk, onsemi_part.manufacturer_id, finding_id=41)

    variant = resolve("Op amp LM258 2231 XK7Q", reference=REF)
    best = variant.candidates[0]
    assert best.part_id == onsemi_part.pk
    assert any(reason.startswith("learned: LM258") for reason in best.reasons)
    assert variant.date_code.token == "2231"


def test_confirmations_add_up_and_each_is_audited(parts):
    part = parts["AD7450BRZ"]
    learn("AD7450BRZ 2245", part.pk, part.manufacturer_id, finding_id=1)
    rows = learn("AD7450BRZ 2245", part.pk, part.manufacturer_id, finding_id=2)
    assert {row.text_key for row in rows} == {"AD7450BRZ2245", "AD7450BRZ"}
    assert all(row.confirmations == 2 and row.last_finding_id == 2 for row in rows)
    assert KnownMarking.objects.count() == 2
    records = AuditRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(KnownMarking), action="learn"
    )
    assert records.count() == 4
    assert records.order_by("-id").first().after["confirmations"] == 2


def test_maker_only_confirmation(parts):
    holt = org("Holt Integrated Circuits")
    learn("Chip QZX 4417 HX", None, holt.pk)
    result = resolve("Chip QZX 4417 HX", reference=REF)
    best = result.candidates[0]
    assert best.part_id is None
    assert best.manufacturer == "Holt Integrated Circuits"
    assert best.match == "learned"


def test_learning_a_vanished_part_keeps_the_maker(parts):
    maker = org("Texas Instruments")
    rows = learn("TI chip ZZQ1234", 999_999, maker.pk)
    assert rows and all(row.part_id is None and row.manufacturer_id == maker.pk for row in rows)


def test_nothing_to_learn_from_an_empty_marking(parts):
    assert learn("   ", None, org("Texas Instruments").pk) == []
    assert KnownMarking.objects.count() == 0


def test_confirming_a_finding_teaches_the_resolver(parts, users):
    rec = support.recovery()
    finding = support.finding(rec, marking="Transceiver МАХ3490 2231")
    assert finding_services.resolve_finding(finding.pk) == "proposed"
    finding.refresh_from_db()
    assert finding.part_id == parts["MAX3490EESA+"].pk

    other = parts["MAX3490EESA+T"]
    finding_services.confirm_finding(finding.pk, users["analyst"], part=other)

    again = resolve("Transceiver МАХ3490 2231", reference=REF)
    assert again.candidates[0].part_id == other.pk
    assert again.candidates[0].match == "learned"
    assert KnownMarking.objects.filter(part=other, last_finding_id=finding.pk).exists()
