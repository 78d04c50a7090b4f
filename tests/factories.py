"""factory_boy factories shared by every test module."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from catalog import services
from catalog.models import DistributorOffer, Organisation, Part, SupplyLink


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            group, _ = Group.objects.get_or_create(name=extracted)
            self.groups.add(group)
        self.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Test Maker {n}")
    slug = factory.Sequence(lambda n: f"test-maker-{n}")
    is_manufacturer = True
    country = "US"

    @factory.post_generation
    def alias(self, create, extracted, **kwargs):
        if create:
            services.add_alias(self, self.name)


class DistributorFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Test Distributor {n}")
    slug = factory.Sequence(lambda n: f"test-distributor-{n}")
    is_manufacturer = False
    is_authorized_distributor = True


class PartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Part

    manufacturer = factory.SubFactory(OrganisationFactory)
    mpn = factory.Sequence(lambda n: f"TST{1000 + n}ABC")
    category = "Integrated Circuits (ICs)"
    hs_code = "854231"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        part = model_class(*args, **kwargs)
        services.fill_part_keys(part)
        part.save()
        return part


class DistributorOfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DistributorOffer

    distributor = factory.SubFactory(DistributorFactory)
    part = factory.SubFactory(PartFactory)
    sku = factory.Sequence(lambda n: f"{n}-ND")


class SupplyLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplyLink

    seller = factory.SubFactory(OrganisationFactory)
    buyer = factory.SubFactory(DistributorFactory)
    evidence_kind = "open_source"
