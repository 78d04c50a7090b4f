"""The demo data set loaded by `manage.py load_demo` (and so by `make run`).

Each step is idempotent, so `make run` can be repeated; steps read the real data in SHARED_DATA_DIR.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from catalog.models import Organisation, OrganisationUser
from forensics import roles


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    password: str
    organisation: str | None = None


DEMO_USERS = (
    DemoUser("analyst", roles.ANALYST, "analyst-demo-pw"),
    DemoUser("curator", roles.CURATOR, "curator-demo-pw"),
    DemoUser("researcher", roles.RESEARCHER, "researcher-demo-pw"),
    DemoUser("admin", roles.ADMIN, "admin-demo-pw"),
    DemoUser("ti_officer", roles.MANUFACTURER, "ti-demo-pw", "Texas Instruments"),
    DemoUser("adi_officer", roles.MANUFACTURER, "adi-demo-pw", "Analog Devices"),
)


def shared_data_dir() -> Path:
    default = Path(settings.BASE_DIR).parent / "shared" / "data"
    return Path(os.environ.get("SHARED_DATA_DIR") or default)


def ensure_groups() -> None:
    for name in roles.ALL_ROLES:
        Group.objects.get_or_create(name=name)


@transaction.atomic
def create_demo_users() -> list[DemoUser]:
    ensure_groups()
    User = get_user_model()
    for demo in DEMO_USERS:
        user, created = User.objects.get_or_create(username=demo.username)
        if created:
            user.set_password(demo.password)
        user.email = f"{demo.username}@demo.invalid"
        user.is_staff = demo.role in (roles.ADMIN, roles.CURATOR)
        user.is_superuser = demo.role == roles.ADMIN
        user.save()
        user.groups.add(Group.objects.get(name=demo.role))
        if demo.organisation:
            org = Organisation.objects.get(name=demo.organisation)
            OrganisationUser.objects.update_or_create(user=user, defaults={"organisation": org})
    return list(DEMO_USERS)


def steps():
    """The demo steps in order; each takes the data folder and returns a one-line summary."""
    from catalog.demo import load_catalog_demo
    from forensics.demo_teardown import load_teardown_demo
    from forensics.demo_traces import load_tracing_demo
    from forensics.services.imports import load_gur_demo

    return [load_catalog_demo, load_gur_demo, load_tracing_demo, load_teardown_demo]
