"""Weapon systems: the seed, alias matching (keys, Cyrillic, slugs), and the API."""

import pytest

from forensics.models import AuditRecord, WeaponSystem, WeaponSystemAlias
from forensics.services.weapons import (
    WeaponSystemMatcher,
    add_alias,
    ensure_weapon_system,
    weapon_key,
    weapon_system_for,
)
from tests.factories import RecoveryFactory, WeaponSystemFactory

pytestmark = pytest.mark.django_db

SEEDED = {
    "Kh-101": ("cruise_missile", "RU"),
    "Kh-555": ("cruise_missile", "RU"),
    "Kh-47M2 Kinzhal": ("ballistic_missile", "RU"),
    "9M727 Iskander-K": ("cruise_missile", "RU"),
    "9M723 Iskander-M": ("ballistic_missile", "RU"),
    "Kalibr": ("cruise_missile", "RU"),
    "Kh-59": ("cruise_missile", "RU"),
    "Shahed-136/Geran-2": ("attack_uav", "IR"),
    "Shahed-131/Geran-1": ("attack_uav", "IR"),
    "Geran-3": ("attack_uav", "IR"),
    "Lancet": ("loitering_munition", "RU"),
    "Orlan-10": ("recon_uav", "RU"),
    "ZALA 421-16E": ("recon_uav", "RU"),
    "Supercam S350": ("recon_uav", "RU"),
    "KN-23/KN-24": ("ballistic_missile", "KP"),
    "Mohajer-6": ("attack_uav", "IR"),
    "Ka-52": ("other", "RU"),
    "R-330BMV": ("radio_ew", "RU"),
    "T-72B3": ("vehicle", "RU"),
}


def test_seeded_systems_have_kind_country_and_their_name_as_alias():
    for name, (kind, country) in SEEDED.items():
        system = WeaponSystem.objects.get(name=name)
        assert (system.kind, system.country) == (kind, country), name
        assert system.aliases.filter(key=weapon_key(name)).exists(), name


def test_weapon_key_is_case_punctuation_cyrillic_and_letter_digit_blind():
    assert weapon_key("Kh-59MK2") == weapon_key("kh-59mk-2") == weapon_key("Х-59МК2")
    assert weapon_key("Kh-59MK2") == "kh 59 mk 2"
    assert weapon_key("Герань-2") == weapon_key("GERAN 2") == "geran 2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Geran-2", "Shahed-136/Geran-2"),
        ("Герань-2", "Shahed-136/Geran-2"),
        ("shahed 136", "Shahed-136/Geran-2"),
        ("uav-geran-2-shahed-136-954", "Shahed-136/Geran-2"),
        ("crp-antenna-of-uav-shahed-136", "Shahed-136/Geran-2"),
        ("Х-101", "Kh-101"),
        ("missile-kh-101-3152631314019-produced-1q2023", "Kh-101"),
        ("electronic-computing-machine-baget-62-037-of-the-kh-101-missile", "Kh-101"),
        ("missile-kh-47m2-kinzhal", "Kh-47M2 Kinzhal"),
        ("jammer-from-the-kinzhal-aviation-missile-system-codename-s200a1-2", "Kh-47M2 Kinzhal"),
        ("9m727-cruise-missile-from-the-iskander-k-missile-system", "9M727 Iskander-K"),
        ("ballistic-missile-9m723-iskander-m", "9M723 Iskander-M"),
        ("missile-kh-59mk-2-4262652337019", "Kh-59"),
        ("active-radar-homing-head-args-14-of-the-3m-14-kalibr-missile", "Kalibr"),
        ("ballistic-missile-kn-23-kn-24", "KN-23/KN-24"),
        ("uav-zala-t-20", "ZALA T-20"),
        ("zala421-16e-uav", "ZALA 421-16E"),
        ("supercam-s150-uav", "Supercam S150"),
        ("uav-supercam-s350-april-2023", "Supercam S350"),
        ("tornado-c-9m549-mlrs-guided-missile", "Tornado-S"),
        ("lancet-loitering-munition-izdeliye-51", "Lancet"),
        ("Orion", "Orion (Inokhodets)"),
        ("orion-uav-system", "Orion (Inokhodets)"),
        ("automated-radio-jamming-station-r-330-bmw", "R-330BMV"),
        ("t-72b3-tank", "T-72B3"),
    ],
)
def test_weapon_system_for_names_aliases_and_slugs(text, expected):
    assert weapon_system_for(text).name == expected


@pytest.mark.parametrize(
    "text",
    [
        "navigation-equipment-orion-sample-1",  # `Orion` alone is exact-only
        "kh-10",  # not Kh-101: tokens must match whole
        "portable-kh-vhf-radio-station-r-353nk",
        "Iskander",  # ambiguous between -K and -M: not guessed
        "",
        "---",
    ],
)
def test_weapon_system_for_does_not_guess(text):
    assert weapon_system_for(text) is None


def test_matcher_is_reusable_for_imports():
    matcher = WeaponSystemMatcher()
    assert matcher.match("geran-2-uav") is matcher.match("uav-shahed-136")


def test_alias_of_another_system_is_refused():
    system = WeaponSystemFactory()
    with pytest.raises(Exception, match="already names Shahed-136/Geran-2"):
        add_alias(system, "Geran 2")


def test_ensure_weapon_system_creates_only_unknown_ones():
    known, created = ensure_weapon_system("UAV Shahed-136 №13678")
    assert (known.name, created) == ("Shahed-136/Geran-2", False)
    new, created = ensure_weapon_system("Knyaz Veschyi Oleg UAV")
    assert created and new.slug == "knyaz-veschyi-oleg-uav"
    assert weapon_system_for("knyaz-veschyi-oleg-uav") == new
    assert AuditRecord.objects.filter(action="create", object_id=str(new.pk)).exists()


def test_list_is_readable_by_every_role_with_aliases(client_for):
    response = client_for("manufacturer_a").get("/api/v1/weapon-systems/?q=geran-2")
    assert response.status_code == 200
    (row,) = [r for r in response.json()["results"] if r["name"] == "Shahed-136/Geran-2"]
    assert "Geran-2" in row["aliases"] and row["kind_label"] == "Attack UAV"
    assert client_for("norole").get("/api/v1/weapon-systems/").status_code == 403
    assert client_for(None).get("/api/v1/weapon-systems/").status_code == 401


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("analyst", 201),
        ("curator", 201),
        ("admin", 201),
        ("researcher", 403),
        ("manufacturer_a", 403),
        ("norole", 403),
    ],
)
def test_create_permissions(client_for, role, expected):
    response = client_for(role).post(
        "/api/v1/weapon-systems/",
        {
            "name": "Molniya-2",
            "kind": "attack_uav",
            "country": "ru",
            "aliases": ["Молния-2", "Molniya FPV"],
        },
        format="json",
    )
    assert response.status_code == expected
    if expected == 201:
        body = response.json()
        assert body["slug"] == "molniya-2" and body["country"] == "RU"
        # Молния-2 has the key of Molniya-2 (transliterated), so it is the same alias.
        assert sorted(body["aliases"]) == ["Molniya FPV", "Molniya-2"]
        assert weapon_system_for("молния 2").pk == body["id"]
        assert AuditRecord.objects.filter(action="create", object_id=str(body["id"])).exists()


def test_update_replaces_aliases_and_refuses_taken_ones(client_for):
    system = WeaponSystemFactory(name="Molniya-1", slug="molniya-1")
    client = client_for("analyst")
    url = f"/api/v1/weapon-systems/{system.pk}/"
    response = client.patch(url, {"aliases": ["Molniya 1 FPV"]}, format="json")
    assert response.status_code == 200
    assert sorted(response.json()["aliases"]) == ["Molniya 1 FPV", "Molniya-1"]
    response = client.patch(url, {"aliases": ["Lancet-3"]}, format="json")
    assert response.status_code == 400
    assert "Lancet" in str(response.json())
    record = AuditRecord.objects.filter(action="update", object_id=str(system.pk)).first()
    assert record.after["aliases"] == ["Molniya 1 FPV", "Molniya-1"]


def test_bad_country_is_a_400(client_for):
    response = client_for("analyst").post(
        "/api/v1/weapon-systems/", {"name": "X", "kind": "other", "country": "RUS"}, format="json"
    )
    assert response.status_code == 400 and "country" in response.json()


def test_delete_of_a_system_in_use_is_a_conflict(client_for):
    recovery = RecoveryFactory()
    url = f"/api/v1/weapon-systems/{recovery.weapon_system_id}/"
    assert client_for("admin").delete(url).status_code == 409
    unused = WeaponSystemFactory()
    assert client_for("admin").delete(f"/api/v1/weapon-systems/{unused.pk}/").status_code == 204
    assert not WeaponSystemAlias.objects.filter(weapon_system_id=unused.pk).exists()


def test_match_endpoint(client_for):
    client = client_for("researcher")
    response = client.get("/api/v1/weapon-systems/match/", {"name": "uav-geran-2-shahed-136-954"})
    assert response.status_code == 200 and response.json()["name"] == "Shahed-136/Geran-2"
    assert client.get("/api/v1/weapon-systems/match/", {"name": "nothing"}).status_code == 404
    assert client.get("/api/v1/weapon-systems/match/").status_code == 400


def test_recovery_count_follows_visibility(client_for):
    system = WeaponSystemFactory()
    RecoveryFactory(weapon_system=system, sharing="red")
    RecoveryFactory(weapon_system=system, sharing="green")
    counts = {}
    for role in ("analyst", "researcher"):
        body = client_for(role).get(f"/api/v1/weapon-systems/{system.pk}/").json()
        counts[role] = body["recovery_count"]
    assert counts == {"analyst": 2, "researcher": 1}


def test_list_query_count_does_not_grow_with_page_size(client_for, count_queries):
    client = client_for("analyst")
    client.get("/api/v1/weapon-systems/")  # the user's roles are read once, then cached
    counts = []
    for size in (5, 40):
        with count_queries() as ctx:
            assert client.get(f"/api/v1/weapon-systems/?page_size={size}").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
