"""The curated seed (catalog/migrations/0002_seed_curated_data.py) resolves real-world spellings."""

import pytest

from catalog import services
from catalog.models import Organisation

pytestmark = pytest.mark.django_db

SPELLINGS = {
    "Texas I": ("Texas Instruments", None),
    "TI": ("Texas Instruments", None),
    "texas instruments incorporated": ("Texas Instruments", None),
    "Texas Instruments Inc.": ("Texas Instruments", None),
    "Linear Technology Corporation (Analog Devices)": ("Linear Technology", "Analog Devices"),
    "ADI/MAXIM": ("Maxim Integrated", "Analog Devices"),
    "Maxim Integrated Products (Analog Devices)": ("Maxim Integrated", "Analog Devices"),
    "ON Semiconductor (ONSEMI)": ("onsemi", None),
    "Fairchild Semiconductor (ON Semiconductor)": ("Fairchild Semiconductor", "onsemi"),
    "Xilinx Inc. (AMD)": ("Xilinx", "AMD"),
    "AMD/XILINX": ("Xilinx", "AMD"),
    "Altera Corporation (Intel)": ("Altera", "Intel"),
    "Atmel (Microchip Technology)": ("Atmel", "Microchip Technology"),
    "International Rectifier (Infineon Technologies)": (
        "International Rectifier",
        "Infineon Technologies",
    ),
    "Spansion (Cypress Semiconductor, Infineon Technologies)": (
        "Spansion",
        "Infineon Technologies",
    ),
    "National Semiconductor (Texas Instruments)": ("National Semiconductor", "Texas Instruments"),
    "Analog Devices Inc.": ("Analog Devices", None),
}


@pytest.mark.parametrize(("spelling", "expected"), SPELLINGS.items())
def test_seeded_spellings_resolve_to_brand_and_current_owner(spelling, expected):
    name, owner = expected
    org = services.resolve_manufacturer(spelling)
    assert org is not None, spelling
    assert org.name == name
    assert (org.owner.name if org.owner else None) == owner


@pytest.mark.parametrize("spelling", ["Not identified", "unknown", "Texas", "Semiconductor"])
def test_seeded_catalog_does_not_guess(spelling):
    assert services.resolve_manufacturer(spelling) is None


def test_spansion_to_infineon_chain_is_derived_through_cypress():
    cypress = Organisation.objects.get(name="Cypress Semiconductor")
    spansion = Organisation.objects.get(name="Spansion")
    assert spansion.ownerships.get().owner == cypress
    assert spansion.owner.name == cypress.owner.name == "Infineon Technologies"


def test_seeded_owners_agree_with_the_service():
    assert services.refresh_owners() == 0
