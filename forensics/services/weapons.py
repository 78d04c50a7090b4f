"""Weapon systems: names and aliases matched by a normalised key, inside free text and slugs too.

Published sources name the same system many ways (`Shahed-136`, `Geran-2`, `Герань-2`, the slug
`uav-geran-2-shahed-136-954`). A key is the organisation-name key of `catalog.normalize` (case,
punctuation and Cyrillic blind) further split where letters meet digits, so `Kh-59MK2`,
`kh-59mk-2` and `Х-59МК2` are all `kh 59 mk 2`, and an alias is found inside a longer text when its
tokens appear there in a row (`kh 101` is in `missile kh 101 3152631314019`, `kh 10` is not).
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from catalog.normalize import name_key
from forensics.audit import record_change, snapshot
from forensics.models import WeaponKind, WeaponSystem, WeaponSystemAlias

_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def weapon_tokens(text: str) -> tuple[str, ...]:
    """`"UAV GERAN-2 (Shahed-136)"` -> `("uav", "geran", "2", "shahed", "136")`."""
    words = name_key(text.replace("_", " ")).split()
    return tuple(token for word in words for token in _LETTER_DIGIT.split(word) if token)


def weapon_key(text: str) -> str:
    """The lookup key stored in `WeaponSystemAlias.key`."""
    return " ".join(weapon_tokens(text))


def _contains(tokens: tuple[str, ...], part: tuple[str, ...]) -> int:
    """Index where `part` occurs in `tokens` as consecutive tokens, or -1."""
    size = len(part)
    first = part[0]
    for start in range(len(tokens) - size + 1):
        if tokens[start] == first and tokens[start : start + size] == part:
            return start
    return -1


@dataclass(frozen=True)
class _InTextAlias:
    tokens: tuple[str, ...]
    length: int
    weapon_system_id: int


class WeaponSystemMatcher:
    """Every alias loaded once (a few hundred rows), for matching many names in a row (imports).

    Exact key first (an alias, a system's name or its slug). Otherwise the longest in-text alias
    found in the text wins (`zala t 20` beats a bare `zala`); between equally long aliases of
    different systems, the one written first (`Missile X with Y` is about X).
    """

    def __init__(self):
        self._exact: dict[str, int] = {}
        self._in_text: list[_InTextAlias] = []
        for ws_id, name, slug in WeaponSystem.objects.values_list("id", "name", "slug"):
            self._exact.setdefault(weapon_key(name), ws_id)
            self._exact.setdefault(weapon_key(slug), ws_id)
        for key, in_text, ws_id in WeaponSystemAlias.objects.values_list(
            "key", "in_text", "weapon_system_id"
        ):
            self._exact[key] = ws_id
            tokens = tuple(key.split())
            if in_text and tokens:
                self._in_text.append(_InTextAlias(tokens, len(key), ws_id))
        self._in_text.sort(key=lambda alias: (-len(alias.tokens), -alias.length))
        self._systems: dict[int, WeaponSystem] = {}

    def match_id(self, name_or_slug: str) -> int | None:
        tokens = weapon_tokens(name_or_slug or "")
        if not tokens:
            return None
        exact = self._exact.get(" ".join(tokens))
        if exact is not None:
            return exact
        best: tuple[int, int, int] | None = None  # (token count, char length, -position)
        best_id = None
        for alias in self._in_text:
            if best is not None and (len(alias.tokens), alias.length) < best[:2]:
                break
            position = _contains(tokens, alias.tokens)
            if position < 0:
                continue
            rank = (len(alias.tokens), alias.length, -position)
            if best is None or rank > best:
                best, best_id = rank, alias.weapon_system_id
        return best_id

    def match(self, name_or_slug: str) -> WeaponSystem | None:
        ws_id = self.match_id(name_or_slug)
        if ws_id is None:
            return None
        if ws_id not in self._systems:
            self._systems[ws_id] = WeaponSystem.objects.get(pk=ws_id)
        return self._systems[ws_id]


def weapon_system_for(name_or_slug: str) -> WeaponSystem | None:
    """The weapon system a name, alias or slug designates, or None (see WeaponSystemMatcher)."""
    return WeaponSystemMatcher().match(name_or_slug)


def _check_alias_free(key: str, weapon_system: WeaponSystem, name: str) -> None:
    taken = (
        WeaponSystemAlias.objects.filter(key=key)
        .exclude(weapon_system=weapon_system)
        .select_related("weapon_system")
        .first()
    )
    if taken is not None:
        raise ValidationError(
            {
                "aliases": f"“{name}” already names {taken.weapon_system.name} (alias “{taken.name}”)."
            }
        )


def add_alias(weapon_system: WeaponSystem, name: str, in_text: bool = True) -> WeaponSystemAlias:
    """Attach `name` to the system; an alias already naming another system is refused."""
    key = weapon_key(name)
    if not key:
        raise ValidationError({"aliases": f"“{name}” has no letters or digits."})
    _check_alias_free(key, weapon_system, name)
    alias, _ = WeaponSystemAlias.objects.get_or_create(
        key=key, defaults={"weapon_system": weapon_system, "name": name, "in_text": in_text}
    )
    return alias


def unique_slug(name: str, exclude_pk: int | None = None) -> str:
    base = slugify(name.replace("/", "-"))[:120] or "weapon-system"
    slug, n = base, 2
    while WeaponSystem.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def save_weapon_system(
    weapon_system: WeaponSystem, aliases: list[str] | None = None, actor=None
) -> WeaponSystem:
    """Create or update a system; `aliases` (when given) replaces its alias list; the name is
    always one of its aliases. Atomic and audited."""
    with transaction.atomic():
        creating = weapon_system.pk is None
        before = None
        if not creating:
            before = snapshot(WeaponSystem.objects.get(pk=weapon_system.pk))
            before["aliases"] = list(
                weapon_system.aliases.order_by("name").values_list("name", flat=True)
            )
        if not weapon_system.slug:
            weapon_system.slug = unique_slug(weapon_system.name, weapon_system.pk)
        weapon_system.full_clean(validate_unique=True)
        weapon_system.save()
        if aliases is not None or creating:
            wanted = {weapon_key(weapon_system.name): weapon_system.name}
            for name in aliases or []:
                name = name.strip()
                if name:
                    wanted.setdefault(weapon_key(name), name)
            wanted.pop("", None)
            weapon_system.aliases.exclude(key__in=wanted).delete()
            existing = set(weapon_system.aliases.values_list("key", flat=True))
            for key, name in wanted.items():
                if key not in existing:
                    _check_alias_free(key, weapon_system, name)
                    WeaponSystemAlias.objects.create(
                        weapon_system=weapon_system, name=name, key=key
                    )
        after = snapshot(weapon_system)
        after["aliases"] = list(
            weapon_system.aliases.order_by("name").values_list("name", flat=True)
        )
        record_change(actor, weapon_system, "create" if creating else "update", before, after)
    return weapon_system


def ensure_weapon_system(
    name: str, kind: str = WeaponKind.OTHER, country: str = "", actor=None
) -> tuple[WeaponSystem, bool]:
    """The system `name` designates, or a new one named so (for imports meeting a new weapon).

    Returns (system, created)."""
    found = weapon_system_for(name)
    if found is not None:
        return found, False
    system = WeaponSystem(name=name.strip()[:120], kind=kind, country=country)
    return save_weapon_system(system, [], actor=actor), True
