"""A small catalog of real part numbers on the seeded manufacturers, for the resolver tests.

The manufacturers, aliases, acquisitions and prefix families come from the seed migration
(catalog/migrations/0002_seed_curated_data.py); the parts are real MPNs written the way the
makers' ordering guides write them. The `OAL` marking code is a test fixture, not a claim about
which part carries that top mark.
"""

from catalog import seed, services
from catalog.models import MarkingCode, Organisation, Part

PARTS = {
    "Maxim Integrated": ["MAX3490EESA+", "MAX3490EESA+T", "MAX2769ETI+", "MAX1623EAP"],
    "Analog Devices": ["AD7450BRZ", "AD7450BRZ-REEL7", "ADF4110BRUZ", "ADF4110BRUZ-RL7"],
    "Linear Technology": ["LTC3414EFE#PBF", "LTC3414EFE#TRPBF", "LT1013ACN8#PBF", "LT1013DS8"],
    "International Rectifier": ["IRF7103TRPBF", "IRF7103PBF"],
    "Texas Instruments": [
        "LM258D",
        "LM258DR",
        "SN74HC595N",
        "SN74HC595DR",
        "TXB0108PWR",
        "TPS62130RGTR",
    ],
    "onsemi": ["LM258DR2G"],
    "STMicroelectronics": ["STM32F407VGT6", "STM32F407VGT6TR", "STM32F103C8T6"],
    "Diodes Incorporated": ["B540-13-F", "B540C-13-F"],
    "NVS Technologies": ["NV08C-CSM"],
    "Microchip Technology": ["PIC16F84A-04/P", "ATMEGA328P-AU"],
}

MARKING_CODES = [("Texas Instruments", "OAL", "TPS62130RGTR")]


def org(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


def build_catalog() -> dict[str, Part]:
    """Create the parts (keys filled by catalog.services) and marking codes; MPN -> Part.

    The seeded manufacturers are loaded again when missing: a transactional test that ran
    before may have flushed what the data migration wrote (the seed loader is idempotent).
    """
    if not Organisation.objects.filter(name="Texas Instruments").exists():
        seed.load_seed()
    parts = {}
    for maker_name, mpns in PARTS.items():
        maker = org(maker_name)
        for mpn in mpns:
            part = Part(manufacturer=maker, mpn=mpn, category="Integrated Circuits (ICs)")
            services.fill_part_keys(part)
            part.save()
            parts[mpn] = part
    for maker_name, code, mpn in MARKING_CODES:
        MarkingCode.objects.create(
            manufacturer=org(maker_name), code=code, code_norm=code, part=parts[mpn]
        )
    return parts
