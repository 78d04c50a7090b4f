"""catalog.services: manufacturer resolution, derived owners, and validated, audited writes."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from catalog import services
from catalog.models import (
    HsCode,
    MarkingCode,
    Organisation,
    OrganisationAlias,
    Ownership,
    Part,
)
from catalog.normalize import name_key
from forensics.models import AuditRecord
from tests.factories import OrganisationFactory, PartFactory, SupplyLinkFactory, UserFactory

from .curated import build_curated

D = datetime.date

SPELLINGS = [
    ("Texas I", "Texas Instruments"),
    ("TI", "Texas Instruments"),
    ("texas instruments incorporated", "Texas Instruments"),
    ("TEXAS INSTRUMENTS, INC.", "Texas Instruments"),
    ("Texas Instruments Corp", "Texas Instruments"),
    ("Linear Technology Corporation (Analog Devices)", "Linear Technology"),
    ("ADI/MAXIM", "Maxim Integrated"),
    ("Maxim Integrated Products (Analog Devices)", "Maxim Integrated"),
    ("ON Semiconductor (ONSEMI)", "onsemi"),
    ("Fairchild Semiconductor (ON Semiconductor)", "Fairchild Semiconductor"),
    ("Xilinx Inc. (AMD)", "Xilinx"),
    ("AMD/XILINX", "Xilinx"),
    ("Spansion (Cypress Semiconductor, Infineon Technologies)", "Spansion"),
    ("National Semiconductor (Texas Instruments)", "National Semiconductor"),
    ("analog devices gmbh", "Analog Devices"),
    ("Infineon Technologies AG", "Infineon Technologies"),
    # A brand nobody recorded, owned by a known company: the owner is what the source can vouch for.
    ("Burr-Brown Unknown Division (Texas Instruments)", "Texas Instruments"),
]


@pytest.fixture
def curated(db):
    return build_curated()


@pytest.mark.parametrize(("spelling", "expected"), SPELLINGS)
def test_resolve_manufacturer_spellings(curated, spelling, expected):
    org = services.resolve_manufacturer(spelling)
    assert org is not None, spelling
    assert org.pk == curated[expected].pk


@pytest.mark.parametrize(("spelling", "expected"), SPELLINGS)
def test_bulk_resolution_agrees_with_single_lookup(curated, spelling, expected):
    index, owners = services.alias_index(), services.owner_index()
    assert services.resolve_manufacturer_in(index, spelling, owners) == curated[expected].pk


@pytest.mark.parametrize(
    "spelling",
    ["", "   ", "Texas", "Instruments", "Totally Unknown Semiconductor", "Inc.", "Maxim Linear"],
)
def test_unknown_names_are_not_guessed(curated, spelling):
    assert services.resolve_manufacturer(spelling) is None


def test_brand_owner_pair_prefers_the_brand_without_a_curated_alias(db):
    holding = services.create_organisation("Umbrella Holdings", is_manufacturer=True)
    brand = services.create_organisation("Tinybrand Microdevices", is_manufacturer=True)
    services.add_alias(holding, "UMB")
    services.add_alias(brand, "TINYBRAND")
    services.save_ownership(Ownership(brand=brand, owner=holding, start=D(2021, 8, 26)))
    assert not OrganisationAlias.objects.filter(key=name_key("UMB/TINYBRAND")).exists()
    assert services.resolve_manufacturer("UMB/TINYBRAND") == brand
    assert services.resolve_manufacturer("Tinybrand (Umbrella Holdings)") == brand
    assert services.resolve_manufacturer("UMB") == holding


def owners_of(*orgs):
    return dict(
        Organisation.objects.filter(pk__in=[o.pk for o in orgs]).values_list("pk", "owner_id")
    )


def test_refresh_owners_follows_chains_through_time(db):
    top = OrganisationFactory(name="Chain Top")
    middle = OrganisationFactory(name="Chain Middle")
    bottom = OrganisationFactory(name="Chain Bottom")
    Ownership.objects.create(brand=bottom, owner=middle, start=D(2015, 3, 12))
    Ownership.objects.create(brand=middle, owner=top, start=D(2020, 4, 16))

    services.refresh_owners(today=D(2014, 1, 1))
    assert owners_of(top, middle, bottom) == {top.pk: None, middle.pk: None, bottom.pk: None}
    services.refresh_owners(today=D(2016, 1, 1))
    assert owners_of(top, middle, bottom) == {top.pk: None, middle.pk: None, bottom.pk: middle.pk}
    services.refresh_owners(today=D(2021, 1, 1))
    assert owners_of(top, middle, bottom) == {top.pk: None, middle.pk: top.pk, bottom.pk: top.pk}
    assert services.refresh_owners(today=D(2021, 1, 1)) == 0


def test_refresh_owners_drops_an_ended_ownership_and_audits_each_change(db):
    actor = UserFactory(username="curator-x")
    parent, brand = OrganisationFactory(), OrganisationFactory()
    Ownership.objects.create(brand=brand, owner=parent, start=D(2000, 1, 1), end=D(2010, 1, 1))
    assert services.refresh_owners(today=D(2005, 1, 1), actor=actor) >= 1
    assert owners_of(brand) == {brand.pk: parent.pk}
    assert services.refresh_owners(today=D(2010, 1, 1), actor=actor) >= 1
    assert owners_of(brand) == {brand.pk: None}
    records = AuditRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(Organisation), object_id=str(brand.pk)
    ).order_by("id")
    assert [(r.actor, r.before, r.after) for r in records] == [
        (actor, {"owner_id": None}, {"owner_id": parent.pk}),
        (actor, {"owner_id": parent.pk}, {"owner_id": None}),
    ]


def test_a_later_acquisition_replaces_the_earlier_owner(db):
    first, second, brand = OrganisationFactory(), OrganisationFactory(), OrganisationFactory()
    Ownership.objects.create(brand=brand, owner=first, start=D(2000, 1, 1), end=D(2015, 1, 1))
    Ownership.objects.create(brand=brand, owner=second, start=D(2015, 1, 1))
    services.refresh_owners(today=D(2020, 1, 1))
    brand.refresh_from_db()
    assert brand.owner == second


class TestOwnershipRules:
    def test_cycle_is_refused(self, db):
        a, b, c = OrganisationFactory(), OrganisationFactory(), OrganisationFactory()
        services.save_ownership(Ownership(brand=a, owner=b))
        services.save_ownership(Ownership(brand=b, owner=c))
        with pytest.raises(ValidationError) as caught:
            services.save_ownership(Ownership(brand=c, owner=a))
        assert "cycle" in caught.value.message_dict["owner"][0]
        assert not Ownership.objects.filter(brand=c).exists()

    def test_reverse_ownership_in_a_later_period_is_not_a_cycle(self, db):
        a, b = OrganisationFactory(), OrganisationFactory()
        services.save_ownership(Ownership(brand=a, owner=b, start=D(2000, 1, 1), end=D(2005, 1, 1)))
        services.save_ownership(Ownership(brand=b, owner=a, start=D(2006, 1, 1)))
        b.refresh_from_db()
        assert b.owner == a

    def test_overlapping_owners_of_one_brand_are_refused(self, db):
        brand, x, y = OrganisationFactory(), OrganisationFactory(), OrganisationFactory()
        services.save_ownership(Ownership(brand=brand, owner=x, start=D(2010, 1, 1)))
        with pytest.raises(ValidationError) as caught:
            services.save_ownership(Ownership(brand=brand, owner=y, start=D(2015, 1, 1)))
        assert "overlapping" in caught.value.message_dict["start"][0]

    def test_self_ownership_and_reversed_dates_are_refused(self, db):
        a, b = OrganisationFactory(), OrganisationFactory()
        with pytest.raises(ValidationError) as caught:
            services.save_ownership(Ownership(brand=a, owner=a))
        assert "itself" in str(caught.value)
        with pytest.raises(ValidationError) as caught:
            services.save_ownership(
                Ownership(brand=a, owner=b, start=D(2010, 1, 1), end=D(2009, 1, 1))
            )
        assert "end" in caught.value.message_dict

    def test_deleting_an_ownership_rederives_owners(self, db):
        brand, owner = OrganisationFactory(), OrganisationFactory()
        link = services.save_ownership(Ownership(brand=brand, owner=owner))
        brand.refresh_from_db()
        assert brand.owner == owner
        services.delete_ownership(link)
        brand.refresh_from_db()
        assert brand.owner is None


class TestParts:
    def test_save_part_fills_keys_and_tier_and_audits(self, db):
        HsCode.objects.update_or_create(code="854231", defaults={"tier": "1", "description": "ICs"})
        maxim = OrganisationFactory(name="Maxim Integrated", mpn_family="maxim")
        actor = UserFactory(username="curator-p")
        part = services.save_part(
            Part(manufacturer=maxim, mpn="MAX3490EESA+", hs_code="854231"), actor=actor
        )
        assert (part.mpn_norm, part.mpn_base, part.chpl_tier) == ("MAX3490EESA", "MAX3490EESA", "1")
        record = AuditRecord.objects.get(object_id=str(part.pk), action="create")
        assert record.actor == actor and record.after["mpn"] == "MAX3490EESA+"

    def test_same_normalised_mpn_for_one_maker_is_refused(self, db):
        maker = OrganisationFactory()
        services.save_part(Part(manufacturer=maker, mpn="LM358DR"))
        with pytest.raises(ValidationError) as caught:
            services.save_part(Part(manufacturer=maker, mpn="lm358-dr"))
        assert "already has LM358DR" in caught.value.message_dict["mpn"][0]
        other = OrganisationFactory()
        assert services.save_part(Part(manufacturer=other, mpn="lm358-dr")).pk

    def test_bad_values_are_field_errors(self, db):
        distributor = OrganisationFactory(is_manufacturer=False)
        with pytest.raises(ValidationError) as caught:
            services.save_part(Part(manufacturer=distributor, mpn="+++", hs_code="85423"))
        assert set(caught.value.message_dict) >= {"manufacturer", "mpn", "hs_code"}
        assert not Part.objects.exists()

    def test_changing_the_suffix_family_rekeys_parts(self, db):
        org = services.save_organisation(Organisation(name="Some IR Brand", is_manufacturer=True))
        part = services.save_part(Part(manufacturer=org, mpn="IRF7103TRPBF"))
        assert part.mpn_base == "IRF7103TRPBF"
        org.mpn_family = "infineon"
        services.save_organisation(org)
        part.refresh_from_db()
        assert part.mpn_base == "IRF7103"

    def test_apply_chpl_tier_rederives_parts(self, db):
        part = PartFactory(hs_code="392690")  # plastics: not on the CHPL list
        assert part.chpl_tier == ""
        HsCode.objects.create(code="392690", tier="3B", description="test only")
        assert services.apply_chpl_tier("392690") == 1
        part.refresh_from_db()
        assert part.chpl_tier == "3B"
        HsCode.objects.filter(code="392690").delete()
        services.apply_chpl_tier("392690")
        part.refresh_from_db()
        assert part.chpl_tier == ""


class TestOrganisationsAndAliases:
    def test_save_organisation_makes_a_unique_slug_and_keeps_the_name_as_alias(self, db):
        OrganisationFactory(name="Acme", slug="acme-devices")
        org = services.save_organisation(Organisation(name="Acme Devices", is_manufacturer=True))
        assert org.slug == "acme-devices-2"
        assert services.resolve_manufacturer("ACME DEVICES, INC.") == org

    def test_a_name_that_already_names_another_organisation_is_refused(self, db):
        OrganisationFactory(name="Acme Devices")
        with pytest.raises(ValidationError) as caught:
            services.save_organisation(Organisation(name="ACME Devices Ltd."))
        assert "already names Acme Devices" in caught.value.message_dict["name"][0]

    def test_organisation_field_checks(self, db):
        with pytest.raises(ValidationError) as caught:
            services.save_organisation(
                Organisation(name="Bad", country="USA", mpn_family="nope", identifiers=[1])
            )
        assert set(caught.value.message_dict) == {"country", "mpn_family", "identifiers"}
        org = services.save_organisation(Organisation(name="Good", country="de"))
        assert org.country == "DE"

    def test_alias_clash_and_own_name_protection(self, db):
        a, b = OrganisationFactory(name="Alpha Chips"), OrganisationFactory(name="Beta Chips")
        alias = services.save_alias(OrganisationAlias(organisation=a, name="ALPHA"))
        assert alias.key == "alpha"
        with pytest.raises(ValidationError) as caught:
            services.save_alias(OrganisationAlias(organisation=b, name="Alpha Inc."))
        assert "already an alias of Alpha Chips" in caught.value.message_dict["name"][0]
        with pytest.raises(ValidationError):
            services.save_alias(OrganisationAlias(organisation=a, name="alpha"))
        own = OrganisationAlias.objects.get(organisation=a, key=name_key("Alpha Chips"))
        with pytest.raises(ValidationError):
            services.delete_alias(own)
        services.delete_alias(alias)
        assert services.resolve_manufacturer("ALPHA") is None

    def test_delete_organisation_refuses_while_parts_or_links_depend_on_it(self, db):
        maker = PartFactory().manufacturer
        with pytest.raises(ValidationError, match="1 part"):
            services.delete_organisation(maker)
        linked = SupplyLinkFactory().seller
        with pytest.raises(ValidationError, match="1 supply link"):
            services.delete_organisation(linked)
        free = OrganisationFactory()
        services.delete_organisation(free)
        assert not Organisation.objects.filter(pk=free.pk).exists()

    def test_deleting_an_owner_rederives_its_brands(self, db):
        brand, owner = OrganisationFactory(), OrganisationFactory()
        services.save_ownership(Ownership(brand=brand, owner=owner))
        services.delete_organisation(owner)
        brand.refresh_from_db()
        assert brand.owner is None


class TestMarkingCodes:
    def test_code_is_normalised_and_must_match_the_parts_maker(self, db):
        ti = OrganisationFactory(name="Texas Instruments")
        part = PartFactory(manufacturer=ti, mpn="TXB0108PWR")
        code = services.save_marking_code(MarkingCode(manufacturer=ti, code="ye-08", part=part))
        assert code.code_norm == "YE08"
        other = PartFactory()
        with pytest.raises(ValidationError) as caught:
            services.save_marking_code(MarkingCode(manufacturer=ti, code="ZZ1", part=other))
        assert "part" in caught.value.message_dict

    def test_duplicates_are_refused_even_without_a_part(self, db):
        ti = OrganisationFactory()
        services.save_marking_code(MarkingCode(manufacturer=ti, code="YE08"))
        with pytest.raises(ValidationError):
            services.save_marking_code(MarkingCode(manufacturer=ti, code="ye08"))
        assert MarkingCode.objects.count() == 1
