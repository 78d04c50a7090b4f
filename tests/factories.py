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


# --- weapon systems, recoveries, photos ---------------------------------------------------------


def image_bytes(size=(64, 48), color=(200, 60, 30), fmt="JPEG", **save_options) -> bytes:
    """A small image file made with Pillow (HEIC through pillow-heif)."""
    import io

    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt, **save_options)
    return out.getvalue()


class WeaponSystemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "forensics.WeaponSystem"
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Test System {n}")
    slug = factory.Sequence(lambda n: f"test-system-{n}")
    kind = "attack_uav"
    country = "RU"


class RecoveryFactory(factory.django.DjangoModelFactory):
    """A recovery with every restricted field filled, so redaction tests see them go missing."""

    class Meta:
        model = "forensics.Recovery"

    reference = factory.Sequence(lambda n: f"REC-TEST-{n:05d}")
    weapon_system = factory.SubFactory(WeaponSystemFactory)
    serial_number = factory.Sequence(lambda n: f"SN{n:06d}")
    recovered_on = factory.Faker("date_between", start_date="-2y", end_date="-1d")
    oblast = "Kyiv"
    location = "Field 2 km north of the village"
    latitude = "50.45010"
    longitude = "30.52340"
    location_precision = "km"
    recovering_unit = "Unit A1234"
    source = "Field team report 17"
    notes = "Internal note"
    sharing = "red"


class PhotoFactory(factory.django.DjangoModelFactory):
    """A stored photo row (state pending) whose original is a real small JPEG with its SHA-256."""

    class Meta:
        model = "forensics.Photo"

    recovery = factory.SubFactory(RecoveryFactory)
    original_name = "board.jpg"
    content_type = "image/jpeg"
    width = 64
    height = 48

    content = None  # the original's bytes; a small JPEG when not given

    @classmethod
    def _create(cls, model_class, *args, content=None, **kwargs):
        import hashlib

        from django.core.files.base import ContentFile

        content = content if content is not None else image_bytes()
        kwargs.setdefault("sha256", hashlib.sha256(content).hexdigest())
        kwargs.setdefault("size_bytes", len(content))
        photo = model_class(*args, **kwargs)
        photo.original.save(photo.original_name, ContentFile(content), save=False)
        photo.save()
        return photo
