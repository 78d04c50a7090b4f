"""The same answers on SQLite and PostgreSQL: one golden table, asserted on whichever database
the suite runs on (CI runs it on both), covering every way a candidate is found, the fuzzy
round included (PostgreSQL's trigram search only adds to what both databases read first)."""

from datetime import date

import pytest

from catalog.resolver import resolve_many

from .resolver_support import build_catalog

pytestmark = pytest.mark.django_db

REF = date(2026, 6, 13)

GOLDEN = {
    # text: (status, top MPN or None, top manufacturer, how it was found)
    "AD7450BRZ": ("confident", "AD7450BRZ", "Analog Devices", "exact"),
    "LTC3414EFE": ("confident", "LTC3414EFE#PBF", "Linear Technology", "base"),
    "LTC3414EFE#TRPBF": ("confident", "LTC3414EFE#TRPBF", "Linear Technology", "exact"),
    "IRF7103TRLPBF": ("confident", "IRF7103PBF", "International Rectifier", "suffix"),
    "Transceiver МАХ3490": ("confident", "MAX3490EESA+", "Maxim Integrated", "prefix"),
    "LTC3414": ("confident", "LTC3414EFE#PBF", "Linear Technology", "prefix"),
    "STM32F4O7VGT6": ("confident", "STM32F407VGT6", "STMicroelectronics", "fold"),
    "5N74HC595N": ("confident", "SN74HC595N", "Texas Instruments", "fold"),
    "STM32F4O7VGT7": ("confident", "STM32F407VGT6", "STMicroelectronics", "fuzzy"),
    "AD745OBRZXX": ("confident", "AD7450BRZ", "Analog Devices", "fold-head"),
    "SN74HC595NQQ": ("confident", "SN74HC595N", "Texas Instruments", "head"),
    "Chip OAL 67J P8K4": ("confident", "TPS62130RGTR", "Texas Instruments", "code"),
    "MAXIM 2769E TIT13": ("confident", "MAX2769ETI+", "Maxim Integrated", "prefix"),
    "Microcontroller STM32F999ZZT6": ("confident", None, "STMicroelectronics", "prefix-family"),
    "LM258": ("ambiguous", "LM258D", "Texas Instruments", "prefix"),
    "Maxim": ("ambiguous", None, "Maxim Integrated", "brand"),
    "operational amplifier": ("unknown", None, None, None),
}


@pytest.fixture
def parts(db):
    return build_catalog()


def test_golden_answers(parts):
    texts = list(GOLDEN)
    answers = {}
    for text, result in zip(texts, resolve_many(texts, reference=REF), strict=True):
        best = result.candidates[0] if result.candidates else None
        answers[text] = (
            result.status,
            best.mpn if best else None,
            best.manufacturer if best else None,
            best.match if best else None,
        )
    assert answers == GOLDEN
