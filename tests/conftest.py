"""One base set of users per role, API clients for each, and a query-count helper."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from catalog.models import OrganisationUser
from forensics import roles

from .factories import OrganisationFactory, UserFactory


@pytest.fixture
def maker_a(db):
    return OrganisationFactory(name="Maker A Semiconductors", slug="maker-a")


@pytest.fixture
def maker_b(db):
    return OrganisationFactory(name="Maker B Devices", slug="maker-b")


@pytest.fixture
def users(db, maker_a, maker_b):
    """analyst, curator, researcher, admin, manufacturer_a, manufacturer_b, norole."""
    made = {
        "analyst": UserFactory(username="analyst", role=roles.ANALYST),
        "curator": UserFactory(username="curator", role=roles.CURATOR),
        "researcher": UserFactory(username="researcher", role=roles.RESEARCHER),
        "admin": UserFactory(username="admin", role=roles.ADMIN),
        "manufacturer_a": UserFactory(username="maker_a_officer", role=roles.MANUFACTURER),
        "manufacturer_b": UserFactory(username="maker_b_officer", role=roles.MANUFACTURER),
        "norole": UserFactory(username="norole"),
    }
    OrganisationUser.objects.create(user=made["manufacturer_a"], organisation=maker_a)
    OrganisationUser.objects.create(user=made["manufacturer_b"], organisation=maker_b)
    return made


@pytest.fixture
def client_for(users):
    """client_for("analyst") → an APIClient authenticated as that role's user."""

    def make(role: str | None) -> APIClient:
        client = APIClient()
        if role is not None:
            client.force_authenticate(users[role])
        return client

    return make


@pytest.fixture
def count_queries():
    """with count_queries() as ctx: ...; len(ctx.captured_queries)"""

    def make():
        return CaptureQueriesContext(connection)

    return make


def ensure_seed() -> None:
    """Load the data migrations' seed again if a flush took it (the loaders are idempotent)."""
    from catalog import seed
    from catalog.models import Organisation
    from forensics.models import WeaponSystem

    if not Organisation.objects.filter(name="Texas Instruments").exists():
        seed.load_seed()
    if not WeaponSystem.objects.exists():
        module = importlib.import_module("forensics.migrations.0004_seed_weapon_systems")
        module.seed(apps, None)


@pytest.fixture(autouse=True)
def _seed_survives_flushes(request):
    """Transactional tests (browser, worker, concurrency) flush every table after they run, seed
    included; the tests after them still expect the curated catalog and weapon systems.

    This replaces `serialized_rollback`, whose reload clashes with the content types that a flush
    re-creates."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction", False)
    )
    if transactional:
        from django.contrib.contenttypes.models import ContentType

        request.getfixturevalue("_django_db_helper")
        # A flush re-creates content types under new ids; the cache would hand out the old ones.
        ContentType.objects.clear_cache()
        ensure_seed()


@pytest.fixture
def site_admin(db):
    """A superuser with the admin role: who uses the Django admin's pages."""
    user = UserFactory(username="site-admin", role="admin")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def admin_browser(site_admin):
    """A Django test client signed in as `site_admin`."""
    client = Client()
    client.force_login(site_admin)
    return client
