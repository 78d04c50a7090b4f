"""The catalog admin: every model registered with search and filters, pages render, saves audited."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from catalog import services
from catalog.models import (
    MarkingCode,
    Organisation,
    OrganisationAlias,
    Ownership,
    Part,
    PrefixFamily,
)
from forensics.models import AuditRecord
from tests.factories import (
    DistributorOfferFactory,
    OrganisationFactory,
    PartFactory,
    SupplyLinkFactory,
)

# The models of catalog/models.py (watch-list models in catalog/models_screening.py have their own).
CATALOG_MODELS = sorted(
    (
        model
        for model in apps.get_app_config("catalog").get_models()
        if model.__module__ == "catalog.models"
    ),
    key=lambda model: model.__name__,
)


@pytest.fixture
def rows(db):
    """At least one row of each catalog model, so changelists render real rows."""
    part = PartFactory(mpn="MAX3490EESA+")
    maker = part.manufacturer
    services.save_alias(OrganisationAlias(organisation=maker, name="Some Other Spelling"))
    services.save_ownership(Ownership(brand=OrganisationFactory(), owner=maker))
    services.save_marking_code(MarkingCode(manufacturer=maker, code="YE08", part=part))
    DistributorOfferFactory(part=part)
    SupplyLinkFactory(part=part)
    PrefixFamily.objects.create(prefix="MAX", prefix_norm="MAX", manufacturer=maker)
    return part


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", CATALOG_MODELS, ids=lambda m: m.__name__)
def test_every_catalog_model_is_registered_with_search_and_filters(model):
    assert model in admin.site._registry, f"{model.__name__} has no admin"
    model_admin = admin.site._registry[model]
    assert model_admin.search_fields, f"{model.__name__} admin has no search"
    assert model_admin.list_filter, f"{model.__name__} admin has no filters"


@pytest.mark.parametrize(
    "model", [m for m in CATALOG_MODELS if m in admin.site._registry], ids=lambda m: m.__name__
)
def test_changelist_search_and_add_pages_render(admin_browser, rows, model):
    assert admin_browser.get(url(model, "changelist")).status_code == 200
    assert admin_browser.get(url(model, "changelist"), {"q": "max"}).status_code == 200
    assert admin_browser.get(url(model, "add")).status_code == 200
    instance = model._default_manager.first()
    if instance is not None:
        assert admin_browser.get(url(model, "change", instance.pk)).status_code == 200


def test_part_search_uses_the_normalised_keys(admin_browser, rows):
    response = admin_browser.get(url(Part, "changelist"), {"q": "МАХ-3490"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def records_for(instance, action):
    return AuditRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(instance),
        object_id=str(instance.pk),
        action=action,
    )


def part_form(manufacturer, **overrides):
    return {
        "manufacturer": manufacturer.pk,
        "mpn": "LM358DR",
        "category": "",
        "family": "",
        "description": "",
        "hs_code": "854233",
        "eccn": "",
        "status": "active",
        "datasheet": "",
        **overrides,
    }


def test_saving_a_part_through_the_admin_is_audited(admin_browser, site_admin, db):
    maker = OrganisationFactory()
    response = admin_browser.post(url(Part, "add"), part_form(maker))
    assert response.status_code == 302, response.content
    part = Part.objects.get()
    assert (part.mpn_norm, part.mpn_base) == ("LM358DR", "LM358DR")
    created = records_for(part, "create").get()
    assert created.actor == site_admin and created.after["mpn"] == "LM358DR"

    response = admin_browser.post(
        url(Part, "change", part.pk), part_form(maker, mpn="LM358-DR/NOPB")
    )
    assert response.status_code == 302, response.content
    updated = records_for(part, "update").get()
    assert updated.before["mpn"] == "LM358DR" and updated.after["mpn"] == "LM358-DR/NOPB"


def test_duplicate_part_in_the_admin_is_a_form_error(admin_browser, db):
    maker = OrganisationFactory()
    PartFactory(manufacturer=maker, mpn="LM358DR")
    response = admin_browser.post(url(Part, "add"), part_form(maker, mpn="lm358-dr"))
    assert response.status_code == 200
    assert "already has LM358DR" in str(response.context["adminform"].form.errors)
    assert Part.objects.count() == 1


def organisation_form(name, aliases=(), prefixes=(), owners=()):
    data = {
        "name": name,
        "slug": name.lower().replace(" ", "-"),
        "is_manufacturer": "on",
        "country": "US",
        "website": "",
        "identifiers": "{}",
        "addresses": "[]",
        "mpn_family": "",
        "notes": "",
    }
    for prefix, items in (
        ("aliases", aliases),
        ("ownerships", owners),
        ("prefix_families", prefixes),
    ):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(len(items)),
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
        for i, item in enumerate(items):
            data.update({f"{prefix}-{i}-{key}": value for key, value in item.items()})
    return data


def test_organisation_with_inlines_is_audited_and_owners_derived(admin_browser, site_admin, db):
    parent = OrganisationFactory(name="Parent Holdings")
    form = organisation_form(
        "Orgx Devices",
        aliases=[{"name": "ORGX"}, {"name": "Orgx Devices Inc."}],
        prefixes=[{"prefix": "ox-", "note": ""}],
        owners=[{"owner": parent.pk, "start": "2019-01-01", "end": "", "note": ""}],
    )
    response = admin_browser.post(url(Organisation, "add"), form)
    assert response.status_code == 302, response.context and response.context["errors"]
    org = Organisation.objects.get(name="Orgx Devices")
    assert set(org.aliases.values_list("key", flat=True)) == {"orgx devices", "orgx"}
    assert org.prefix_families.get().prefix_norm == "OX"
    assert org.owner == parent
    assert records_for(org, "create").get().actor == site_admin
    alias = org.aliases.get(key="orgx")
    assert records_for(alias, "create").get().actor == site_admin
    ownership = Ownership.objects.get(brand=org)
    assert records_for(ownership, "create").exists()
    assert records_for(org, "update").get().after == {"owner_id": parent.pk}


def test_alias_held_by_another_organisation_is_a_form_error(admin_browser, db):
    OrganisationFactory(name="Taken Name Corp")
    response = admin_browser.post(
        url(Organisation, "add"), organisation_form("Fresh Org", aliases=[{"name": "TAKEN NAME"}])
    )
    assert response.status_code == 200
    assert "already an alias of Taken Name Corp" in str(
        response.context["inline_admin_formsets"][0].formset.errors
    )
    assert not Organisation.objects.filter(name="Fresh Org").exists()


def test_ownership_cycle_in_the_admin_is_a_form_error(admin_browser, db):
    a, b = OrganisationFactory(), OrganisationFactory()
    services.save_ownership(Ownership(brand=a, owner=b))
    response = admin_browser.post(
        url(Ownership, "add"), {"brand": b.pk, "owner": a.pk, "start": "", "end": "", "note": ""}
    )
    assert response.status_code == 200
    assert "cycle" in str(response.context["adminform"].form.errors)
    assert not Ownership.objects.filter(brand=b).exists()


def test_ownership_admin_save_and_delete_rederive_owner(admin_browser, site_admin, db):
    brand, owner = OrganisationFactory(), OrganisationFactory()
    response = admin_browser.post(
        url(Ownership, "add"),
        {"brand": brand.pk, "owner": owner.pk, "start": "", "end": "", "note": ""},
    )
    assert response.status_code == 302
    brand.refresh_from_db()
    assert brand.owner == owner
    ownership = Ownership.objects.get(brand=brand)
    response = admin_browser.post(url(Ownership, "delete", ownership.pk), {"post": "yes"})
    assert response.status_code == 302
    brand.refresh_from_db()
    assert brand.owner is None
    assert records_for(ownership, "delete").get().actor == site_admin
