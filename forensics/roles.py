"""Roles are Django groups; these helpers are the only place that reads them.

A user's role set is computed once per request object and cached on the user instance, so permission
checks inside list views cost no queries per row.
"""

from django.contrib.auth.models import AnonymousUser

ANALYST = "analyst"
CURATOR = "curator"
MANUFACTURER = "manufacturer"
RESEARCHER = "researcher"
ADMIN = "admin"
ALL_ROLES = (ANALYST, CURATOR, MANUFACTURER, RESEARCHER, ADMIN)


def roles_of(user) -> frozenset[str]:
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            names.add(ADMIN)
        cached = frozenset(names & set(ALL_ROLES))
        user._role_cache = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def is_admin(user) -> bool:
    return has_role(user, ADMIN)


def is_analyst(user) -> bool:
    """Analysts (and admins) see every finding at every sharing level."""
    return has_role(user, ANALYST, ADMIN)


def is_curator(user) -> bool:
    return has_role(user, CURATOR, ADMIN)


def is_manufacturer(user) -> bool:
    return has_role(user, MANUFACTURER) and not has_role(user, ANALYST, CURATOR, ADMIN)


def organisation_of(user):
    """The organisation a manufacturer user is bound to, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_org_cache"):
        from catalog.models import OrganisationUser

        link = OrganisationUser.objects.select_related("organisation").filter(user=user).first()
        user._org_cache = link.organisation if link else None
    return user._org_cache


def primary_role(user) -> str:
    """The role shown in the page header: the most powerful one the user holds."""
    roles = roles_of(user)
    for role in (ADMIN, CURATOR, ANALYST, RESEARCHER, MANUFACTURER):
        if role in roles:
            return role
    return ""
