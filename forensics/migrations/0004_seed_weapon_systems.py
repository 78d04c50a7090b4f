"""Seed the weapon systems analysts meet most, with the names sources use for them.

Covers the issue's list and the systems the GUR portal names most often in `found_in_drones`.
Aliases marked exact-only are generic words that would otherwise match unrelated equipment
(`Orion` is also a GNSS receiver). Keys come from forensics.services.weapons.weapon_key, the
function the application matches with.
"""

from django.db import migrations

RU, IR, KP = "RU", "IR", "KP"

# (name, slug, kind, country, in-text aliases, exact-only aliases, description)
SYSTEMS = [
    ("Kh-101", "kh-101", "cruise_missile", RU, ["Х-101", "X-101"], [], "Air-launched cruise missile."),
    ("Kh-555", "kh-555", "cruise_missile", RU, ["Х-555", "X-555"], [], "Air-launched cruise missile."),
    (
        "Kh-47M2 Kinzhal", "kh-47m2-kinzhal", "ballistic_missile", RU,
        ["Kinzhal", "Кинжал", "Kh-47M2", "Х-47М2", "X-47M2", "Kh-47", "X-47"], [],
        "Air-launched ballistic missile.",
    ),
    (
        "9M727 Iskander-K", "9m727-iskander-k", "cruise_missile", RU,
        ["9M727", "Iskander-K", "Искандер-К"], [],
        "Ground-launched cruise missile of the Iskander system.",
    ),
    (
        "9M723 Iskander-M", "9m723-iskander-m", "ballistic_missile", RU,
        ["9M723", "Iskander-M", "Искандер-М", "SS-26 Stone"], [],
        "Short-range ballistic missile of the Iskander system.",
    ),
    (
        "Kalibr", "kalibr", "cruise_missile", RU,
        ["3M-14", "Калибр", "Kalibr-NK", "SS-N-30A"], [], "Sea-launched cruise missile 3M-14.",
    ),
    (
        "Kh-59", "kh-59", "cruise_missile", RU,
        ["Х-59", "X-59", "Kh-59M2", "Kh-59M2A", "Kh-59MK", "Kh-59MK2", "Ovod"], [],
        "Air-launched guided missile (Kh-59M2, Kh-59MK, Kh-59MK2).",
    ),
    ("Kh-69", "kh-69", "cruise_missile", RU, ["Х-69", "X-69"], [], "Air-launched cruise missile."),
    ("Kh-32", "kh-32", "cruise_missile", RU, ["Х-32", "X-32"], [], "Air-launched missile."),
    ("Kh-22", "kh-22", "cruise_missile", RU, ["Х-22", "X-22"], [], "Air-launched missile."),
    (
        "3M22 Zircon", "3m22-zircon", "cruise_missile", RU,
        ["3M22", "Zircon", "Tsirkon", "Циркон"], [], "Hypersonic cruise missile.",
    ),
    (
        "KN-23/KN-24", "kn-23-kn-24", "ballistic_missile", KP,
        ["KN-23", "KN-24", "Hwasong-11", "Hwasong-11A", "Hwasong-11B", "Hwasong-11Ga", "Hwasong-11Na"],
        [], "North Korean short-range ballistic missiles.",
    ),
    (
        "Shahed-136/Geran-2", "shahed-136-geran-2", "attack_uav", IR,
        ["Shahed-136", "Geran-2", "Герань-2"], [], "One-way attack UAV; Geran-2 when built in Russia.",
    ),
    (
        "Shahed-131/Geran-1", "shahed-131-geran-1", "attack_uav", IR,
        ["Shahed-131", "Geran-1", "Герань-1"], [], "One-way attack UAV; Geran-1 when built in Russia.",
    ),
    (
        "Geran-3", "geran-3", "attack_uav", IR,
        ["Герань-3", "Shahed-238"], [], "Jet-powered one-way attack UAV (Shahed-238).",
    ),
    ("Geran-4", "geran-4", "attack_uav", RU, ["Герань-4"], [], "One-way attack UAV."),
    ("Geran-5", "geran-5", "attack_uav", RU, ["Герань-5"], [], "One-way attack UAV."),
    ("Shahed-107", "shahed-107", "attack_uav", IR, [], [], "One-way attack UAV."),
    ("Gerbera", "gerbera", "other", RU, ["Гербера"], [], "Decoy UAV."),
    (
        "Lancet", "lancet", "loitering_munition", RU,
        ["Ланцет", "Lancet-1", "Lancet-3", "Izdeliye-51", "Izdeliye-52"], [], "Loitering munition.",
    ),
    ("KUB-BLA", "kub-bla", "loitering_munition", RU, ["KUB", "Куб-БЛА"], [], "Loitering munition."),
    ("Scalpel", "scalpel", "loitering_munition", RU, ["Скальпель"], [], "Loitering munition."),
    ("Orlan-10", "orlan-10", "recon_uav", RU, ["Орлан-10"], [], "Reconnaissance UAV."),
    (
        "ZALA 421-16E", "zala-421-16e", "recon_uav", RU, ["Zala421-16E", "ZALA 421-16EM"], [],
        "Reconnaissance UAV.",
    ),
    ("ZALA T-20", "zala-t-20", "recon_uav", RU, [], [], "Reconnaissance UAV."),
    (
        "Supercam S350", "supercam-s350", "recon_uav", RU, ["Supercam", "Суперкам"], [],
        "Reconnaissance UAV.",
    ),
    ("Supercam S150", "supercam-s150", "recon_uav", RU, [], [], "Reconnaissance UAV."),
    ("Granat-4", "granat-4", "recon_uav", RU, ["Гранат-4"], [], "Reconnaissance UAV."),
    ("Granat-3", "granat-3", "recon_uav", RU, ["Гранат-3"], [], "Reconnaissance UAV."),
    ("Forpost-R", "forpost-r", "recon_uav", RU, ["Forpost", "Форпост"], [], "Reconnaissance and strike UAV."),
    (
        "Orion (Inokhodets)", "orion-inokhodets", "attack_uav", RU,
        ["Orion UAV", "Inokhodets", "Иноходец"], ["Orion"], "Medium-altitude strike UAV.",
    ),
    ("Corsair", "corsair", "recon_uav", RU, ["Korsar", "Корсар"], [], "Reconnaissance UAV."),
    ("Eleron-3SV", "eleron-3sv", "recon_uav", RU, ["Eleron-3", "Eleron"], [], "Reconnaissance UAV."),
    ("Mohajer-6", "mohajer-6", "attack_uav", IR, [], [], "Reconnaissance and strike UAV."),
    (
        "Tornado-S", "tornado-s", "other", RU,
        ["Торнадо-С", "Tornado-C", "9M549", "9M544", "9K515"], [], "300 mm MLRS guided rockets.",
    ),
    (
        "UMPK glide kit", "umpk", "glide_bomb", RU,
        ["UMPK", "UMPK-PD", "УМПК"], [], "Gliding and correction kit fitted to FAB bombs.",
    ),
    ("UMPB D-30SN", "umpb", "glide_bomb", RU, ["UMPB"], [], "Unified guided munition."),
    ("Ka-52", "ka-52", "other", RU, ["Ка-52", "Alligator"], [], "Attack helicopter."),
    ("T-72B3", "t-72b3", "vehicle", RU, ["Т-72Б3", "T-72B3M"], [], "Main battle tank."),
    (
        "R-330BMV", "r-330bmv", "radio_ew", RU, ["R-330", "R-330 BMW", "Р-330БМВ"], [],
        "Automated radio jamming station.",
    ),
    (
        "R-187-P1 Azart", "r-187-p1-azart", "radio_ew", RU, ["R-187-P1", "Azart", "Азарт"], [],
        "Portable radio station.",
    ),
    (
        "R-168 Akveduk", "r-168-akveduk", "radio_ew", RU, ["R-168", "Akveduk", "Aqueduct"], [],
        "Radio station family.",
    ),
    (
        "R-392 Arakhis", "r-392-arakhis", "radio_ew", RU, ["R-392", "Arakhis", "Arachis", "AR-2C"], [],
        "Radio station.",
    ),
]  # fmt: skip


def seed(apps, schema_editor):
    from forensics.services.weapons import weapon_key

    WeaponSystem = apps.get_model("forensics", "WeaponSystem")
    WeaponSystemAlias = apps.get_model("forensics", "WeaponSystemAlias")
    for name, slug, kind, country, in_text, exact_only, description in SYSTEMS:
        system, _ = WeaponSystem.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "kind": kind, "country": country, "description": description},
        )
        names = [(alias, True) for alias in [name, *in_text]]
        names += [(alias, False) for alias in exact_only]
        for alias, matched_in_text in names:
            key = weapon_key(alias)
            if not WeaponSystemAlias.objects.filter(key=key).exists():
                WeaponSystemAlias.objects.create(
                    weapon_system=system, name=alias, key=key, in_text=matched_in_text
                )


def unseed(apps, schema_editor):
    WeaponSystem = apps.get_model("forensics", "WeaponSystem")
    slugs = [row[1] for row in SYSTEMS]
    WeaponSystem.objects.filter(slug__in=slugs, recoveries__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("forensics", "0003_photo_phash_bands_alias_in_text"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
