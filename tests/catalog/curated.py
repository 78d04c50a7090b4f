"""A small curated manufacturer set (aliases and acquisitions as real sources spell them).

Works with or without the seed migration: an organisation whose name already resolves (seeded) is
reused, so tests assert against whatever organisation a spelling names in the database.
"""

import datetime

from catalog import services
from catalog.models import Organisation, OrganisationAlias, Ownership
from catalog.normalize import name_key

D = datetime.date

# name: (aliases, mpn_family, (owner name, acquired) or None)
CURATED = {
    "Texas Instruments": (["TI", "Texas I", "Texas Instruments Incorporated"], "ti", None),
    "Analog Devices": (["ADI", "Analog Devices Inc."], "adi", None),
    "Maxim Integrated": (
        ["Maxim", "Maxim Integrated Products", "ADI/MAXIM"],
        "maxim",
        ("Analog Devices", D(2021, 8, 26)),
    ),
    "Linear Technology": (
        ["Linear Technology Corporation"],
        "linear",
        ("Analog Devices", D(2017, 3, 10)),
    ),
    "onsemi": (["ON Semiconductor", "ONSEMI"], "", None),
    "Fairchild Semiconductor": ([], "", ("onsemi", D(2016, 9, 19))),
    "AMD": (["Advanced Micro Devices"], "", None),
    "Xilinx": (["Xilinx Inc.", "AMD/XILINX"], "", ("AMD", D(2022, 2, 14))),
    "Infineon Technologies": (["Infineon"], "infineon", None),
    "Cypress Semiconductor": ([], "", ("Infineon Technologies", D(2020, 4, 16))),
    "Spansion": ([], "", ("Cypress Semiconductor", D(2015, 3, 12))),
    "National Semiconductor": ([], "ti", ("Texas Instruments", D(2011, 9, 23))),
}


def organisation_named(name: str) -> Organisation | None:
    alias = OrganisationAlias.objects.filter(key=name_key(name)).first()
    return alias.organisation if alias else None


def build_curated() -> dict[str, Organisation]:
    """The CURATED organisations by name, creating whatever the database does not hold yet."""
    orgs = {}
    for name, (aliases, family, _) in CURATED.items():
        org = organisation_named(name)
        if org is None:
            org = services.create_organisation(name, is_manufacturer=True, mpn_family=family)
        for alias in aliases:
            services.add_alias(org, alias)
        orgs[name] = org
    for name, (_, _, acquisition) in CURATED.items():
        if acquisition is None:
            continue
        owner, start = acquisition
        if not Ownership.objects.filter(brand=orgs[name], owner=orgs[owner]).exists():
            Ownership.objects.create(brand=orgs[name], owner=orgs[owner], start=start)
    services.refresh_owners()
    for org in orgs.values():
        org.refresh_from_db()
    return orgs
