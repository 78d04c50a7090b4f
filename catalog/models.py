"""The parts catalog: organisations (makers, distributors, brokers...), ownership, parts, markings,
distributor offers and supply links.

Normalised forms (`mpn_norm`, `mpn_base`, `mpn_fold`, alias `key`) are written by catalog.services from
catalog.normalize, so lookups are index scans rather than string gymnastics at query time.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from catalog.normalize import FAMILIES, name_key, norm
from forensics.roles import has_role, is_manufacturer, organisation_of, roles_of
from forensics.scoping import ScopedQuerySet


class OrganisationQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Manufacturer users see their own organisation and the brands it owns, nobody else."""
        if is_manufacturer(user):
            org = organisation_of(user)
            if org is None:
                return self.none()
            return self.filter(Q(pk=org.pk) | Q(owner=org))
        return super().visible_to(user)

    def manufacturers(self):
        return self.filter(is_manufacturer=True)


def has_alnum(text: str | None) -> bool:
    return any(ch.isalnum() for ch in text or "")


def visible_organisations(user):
    """The organisations a user may see, as a queryset usable in `__in` subqueries."""
    return Organisation.objects.visible_to(user)


class AliasQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        if is_manufacturer(user):
            return self.filter(organisation__in=visible_organisations(user))
        return super().visible_to(user)


class OwnershipQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Manufacturer users see the acquisitions of their own organisation and its brands."""
        if is_manufacturer(user):
            return self.filter(brand__in=visible_organisations(user))
        return super().visible_to(user)


class ByManufacturerQuerySet(ScopedQuerySet):
    """Rows keyed by `manufacturer`: manufacturer users see their organisation's and its brands'."""

    def visible_to(self, user):
        if is_manufacturer(user):
            return self.filter(manufacturer__in=visible_organisations(user))
        return super().visible_to(user)


class Organisation(models.Model):
    """Any party in a supply chain; one table so a chain can pass through any mix of roles."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    is_manufacturer = models.BooleanField(default=False, db_index=True)
    is_authorized_distributor = models.BooleanField(default=False)
    is_independent_distributor = models.BooleanField(
        default=False, help_text="Independent distributor or broker."
    )
    is_importer = models.BooleanField(default=False)
    is_freight_forwarder = models.BooleanField(default=False)
    is_end_user = models.BooleanField(default=False)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2.")
    website = models.URLField(max_length=300, blank=True)
    identifiers = models.JSONField(
        default=dict, blank=True, help_text="Registration/tax numbers, LEI, CAGE: {kind: value}."
    )
    addresses = models.JSONField(default=list, blank=True)
    mpn_family = models.CharField(
        max_length=32, blank=True, help_text="Packaging-suffix rule family (catalog.normalize)."
    )
    owner = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="brands",
        help_text="Current ultimate owner, derived from ownerships by catalog.services.",
    )
    needs_review = models.BooleanField(
        default=False, db_index=True, help_text="Created by an import; a curator should check it."
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    ROLE_FIELDS = (
        ("is_manufacturer", "manufacturer"),
        ("is_authorized_distributor", "authorized_distributor"),
        ("is_independent_distributor", "independent_distributor"),
        ("is_importer", "importer"),
        ("is_freight_forwarder", "freight_forwarder"),
        ("is_end_user", "end_user"),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def roles(self) -> list[str]:
        return [label for field, label in self.ROLE_FIELDS if getattr(self, field)]

    @property
    def effective_owner(self):
        """The owner if the brand was acquired, else the organisation itself."""
        return self.owner or self

    def clean(self):
        """Country and suffix family must be known; the name must not already name someone else."""
        errors = {}
        self.country = (self.country or "").strip().upper()
        if self.country and (len(self.country) != 2 or not self.country.isalpha()):
            errors["country"] = "Use an ISO 3166-1 alpha-2 code such as 'US'."
        if self.mpn_family and self.mpn_family not in FAMILIES:
            errors["mpn_family"] = (
                f"Unknown part-number family; use one of {', '.join(sorted(FAMILIES))}."
            )
        if not isinstance(self.identifiers, dict) or not all(
            isinstance(value, str) for value in self.identifiers.values()
        ):
            errors["identifiers"] = 'An object of text values, e.g. {"lei": "…", "cage": "…"}.'
        if not isinstance(self.addresses, list):
            errors["addresses"] = "A list of addresses."
        key = name_key(self.name) if has_alnum(self.name) else ""
        if self.name and not key:
            errors["name"] = "A name needs at least one letter or digit."
        elif key:
            other = (
                OrganisationAlias.objects.filter(key=key)
                .exclude(organisation_id=self.pk)
                .select_related("organisation")
                .first()
            )
            if other is not None:
                errors["name"] = (
                    f"“{self.name}” already names {other.organisation.name} "
                    f"(organisation {other.organisation_id})."
                )
        if errors:
            raise ValidationError(errors)


class OrganisationAlias(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=300)
    key = models.CharField(
        max_length=300, unique=True, help_text="catalog.normalize.name_key(name)"
    )

    objects = AliasQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "organisation aliases"

    def __str__(self):
        return self.name

    def clean(self):
        """The key is derived from the name, and one spelling names one organisation only."""
        self.name = (self.name or "").strip()
        self.key = name_key(self.name) if has_alnum(self.name) else ""
        if self.name and not self.key:
            raise ValidationError({"name": "An alias needs at least one letter or digit."})
        clash = (
            OrganisationAlias.objects.filter(key=self.key)
            .exclude(pk=self.pk)
            .select_related("organisation")
            .first()
        )
        if self.key and clash is not None:
            if clash.organisation_id == self.organisation_id:
                message = f"{clash.organisation.name} already has this alias (as “{clash.name}”)."
            else:
                message = (
                    f"“{self.name}” is already an alias of {clash.organisation.name} "
                    f"(organisation {clash.organisation_id})."
                )
            raise ValidationError({"name": message})


class Ownership(models.Model):
    """A brand owned by another organisation from `start` (acquisition) until `end`."""

    brand = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="ownerships")
    owner = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="acquisitions")
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    objects = OwnershipQuerySet.as_manager()

    class Meta:
        ordering = ["brand__name", "start"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(brand=models.F("owner")), name="ownership_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.brand} → {self.owner} ({self.start or '?'})"

    def clean(self):
        """No self-ownership, no reversed dates, no overlapping owners, no cycles (see services)."""
        from catalog.services import ownership_problems

        problems = ownership_problems(self)
        if problems:
            raise ValidationError(problems)


CHPL_TIERS = ("1", "2", "3A", "3B", "4A", "4B")


class HsCode(models.Model):
    """HS-6 codes of the Common High Priority Items list, with their tier."""

    code = models.CharField(max_length=6, primary_key=True)
    tier = models.CharField(max_length=4)
    description = models.CharField(max_length=300)

    class Meta:
        ordering = ["tier", "code"]
        verbose_name = "HS code (CHPL)"

    def __str__(self):
        return f"{self.code} (tier {self.tier})"


class LifecycleStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    NRND = "nrnd", "Not recommended for new designs"
    LAST_TIME_BUY = "last_time_buy", "Last time buy"
    OBSOLETE = "obsolete", "Obsolete"
    DISCONTINUED = "discontinued", "Discontinued"
    UNKNOWN = "unknown", "Unknown"


class PartQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Manufacturer users see the parts of their organisation and of the brands it owns."""
        if not roles_of(user):
            return self.none()
        if is_manufacturer(user):
            org = organisation_of(user)
            if org is None:
                return self.none()
            return self.filter(
                manufacturer__in=Organisation.objects.filter(Q(pk=org.pk) | Q(owner=org))
            )
        return self


class Part(models.Model):
    manufacturer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="parts")
    mpn = models.CharField("MPN", max_length=120, help_text="As the manufacturer writes it.")
    mpn_norm = models.CharField(max_length=120, db_index=True)
    mpn_base = models.CharField(max_length=120, db_index=True)
    mpn_fold = models.CharField(max_length=120, db_index=True)
    category = models.CharField(max_length=120, blank=True, db_index=True)
    family = models.CharField(max_length=160, blank=True)
    description = models.CharField(max_length=500, blank=True)
    hs_code = models.CharField("HS code", max_length=6, blank=True, db_index=True)
    chpl_tier = models.CharField("CHPL tier", max_length=4, blank=True, db_index=True)
    eccn = models.CharField("ECCN", max_length=12, blank=True)
    status = models.CharField(
        max_length=16, choices=LifecycleStatus.choices, default=LifecycleStatus.UNKNOWN
    )
    datasheet = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PartQuerySet.as_manager()

    class Meta:
        ordering = ["mpn_norm", "id"]
        constraints = [
            models.UniqueConstraint(fields=["manufacturer", "mpn_norm"], name="part_unique_mpn"),
        ]

    def __str__(self):
        return self.mpn

    def clean(self):
        """Derived keys are filled here so that forms and services validate the same thing."""
        from catalog.services import fill_part_keys

        errors = {}
        if self.hs_code and (len(self.hs_code) != 6 or not self.hs_code.isdigit()):
            errors["hs_code"] = "An HS-6 code is six digits, e.g. 854231."
        if self.manufacturer_id is not None and self.mpn:
            if not self.manufacturer.is_manufacturer:
                errors["manufacturer"] = (
                    f"{self.manufacturer.name} is not marked as a manufacturer."
                )
            fill_part_keys(self)
            if not self.mpn_norm:
                errors["mpn"] = "An MPN needs at least one letter or digit."
            else:
                clash = (
                    Part.objects.filter(
                        manufacturer_id=self.manufacturer_id, mpn_norm=self.mpn_norm
                    )
                    .exclude(pk=self.pk)
                    .first()
                )
                if clash is not None:
                    errors["mpn"] = (
                        f"{self.manufacturer.name} already has {clash.mpn} (part {clash.pk}), "
                        "the same part number once normalised."
                    )
        if errors:
            raise ValidationError(errors)


class MarkingCode(models.Model):
    """A top-mark code that is not the part number (TI `YE08` is TXB0108PWR)."""

    manufacturer = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="marking_codes"
    )
    code = models.CharField(max_length=40)
    code_norm = models.CharField(max_length=40, db_index=True)
    part = models.ForeignKey(
        Part, null=True, blank=True, on_delete=models.CASCADE, related_name="marking_codes"
    )
    package = models.CharField(max_length=40, blank=True)
    note = models.CharField(max_length=300, blank=True)

    objects = ByManufacturerQuerySet.as_manager()

    class Meta:
        ordering = ["code_norm"]
        constraints = [
            models.UniqueConstraint(
                fields=["manufacturer", "code_norm", "part"], name="marking_code_unique"
            ),
        ]

    def __str__(self):
        return f"{self.code} → {self.part or self.manufacturer}"

    def clean(self):
        """The code is matched normalised; a part given must be the manufacturer's own."""
        self.code_norm = norm(self.code or "")
        if self.code and not self.code_norm:
            raise ValidationError({"code": "A marking code needs at least one letter or digit."})
        if self.manufacturer_id is None:
            return
        if self.part_id is not None and self.part.manufacturer_id != self.manufacturer_id:
            raise ValidationError(
                {"part": f"{self.part.mpn} is not a part of {self.manufacturer.name}."}
            )
        clash = MarkingCode.objects.filter(
            manufacturer_id=self.manufacturer_id, code_norm=self.code_norm, part_id=self.part_id
        ).exclude(pk=self.pk)
        if self.code_norm and clash.exists():
            raise ValidationError({"code": "This marking code is already recorded for this part."})


class OfferQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Offers name other organisations (distributors): not for manufacturer users."""
        if is_manufacturer(user):
            return self.none()
        return super().visible_to(user)


class DistributorOffer(models.Model):
    """A distributor sells a part under its own SKU (Digi-Key `296-1234-1-ND`)."""

    distributor = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="offers")
    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="offers")
    sku = models.CharField("SKU", max_length=120)
    is_authorized = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["distributor_id", "sku"]
        constraints = [
            models.UniqueConstraint(fields=["distributor", "sku"], name="offer_unique_sku"),
        ]

    def __str__(self):
        return f"{self.distributor}: {self.sku}"


class EvidenceKind(models.TextChoices):
    MANUFACTURER_TRACE = "manufacturer_trace", "Manufacturer trace response"
    DISTRIBUTOR_RESPONSE = "distributor_response", "Distributor response"
    CUSTOMS_RECORD = "customs_record", "Customs record"
    INVOICE = "invoice", "Invoice"
    OPEN_SOURCE = "open_source", "Open source"
    INFERENCE = "inference", "Inference"


class Confidence(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    PROBABLE = "probable", "Probable"
    UNPROVEN = "unproven", "Unproven"


class SupplyLinkQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Supply chains are investigative material: analysts, curators, researchers, admins."""
        if has_role(user, "analyst", "curator", "researcher", "admin"):
            return self
        return self.none()


class SupplyLink(models.Model):
    """A directed edge: `seller` supplied `buyer` (optionally a given part or lot)."""

    seller = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="sales")
    buyer = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="purchases")
    part = models.ForeignKey(
        Part, null=True, blank=True, on_delete=models.SET_NULL, related_name="supply_links"
    )
    lot_code = models.CharField(max_length=60, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    evidence_kind = models.CharField(max_length=24, choices=EvidenceKind.choices)
    confidence = models.CharField(
        max_length=12, choices=Confidence.choices, default=Confidence.UNPROVEN
    )
    source_reference = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SupplyLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["seller", "buyer"]), models.Index(fields=["buyer"])]
        constraints = [
            models.CheckConstraint(condition=~Q(seller=models.F("buyer")), name="link_not_self"),
        ]

    def __str__(self):
        return f"{self.seller} → {self.buyer}"


class PrefixFamily(models.Model):
    """A curated MPN prefix that points at its maker when a part is not in the catalog."""

    prefix = models.CharField(max_length=20)
    prefix_norm = models.CharField(max_length=20, db_index=True)
    manufacturer = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="prefix_families"
    )
    note = models.CharField(max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["prefix_norm"]
        verbose_name_plural = "prefix families"
        constraints = [
            models.UniqueConstraint(fields=["prefix_norm", "manufacturer"], name="prefix_unique"),
        ]

    def __str__(self):
        return f"{self.prefix} → {self.manufacturer}"

    def clean(self):
        self.prefix_norm = norm(self.prefix or "")
        if self.prefix and not self.prefix_norm:
            raise ValidationError({"prefix": "A prefix needs at least one letter or digit."})
        clash = PrefixFamily.objects.filter(
            prefix_norm=self.prefix_norm, manufacturer_id=self.manufacturer_id
        ).exclude(pk=self.pk)
        if self.prefix_norm and self.manufacturer_id is not None and clash.exists():
            raise ValidationError({"prefix": "This manufacturer already has this prefix."})


class KnownMarking(models.Model):
    """A marking → part (or maker) learned from confirmed findings, so it resolves first time next."""

    text_key = models.CharField(max_length=200, db_index=True)
    manufacturer = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="known_markings"
    )
    part = models.ForeignKey(
        Part, null=True, blank=True, on_delete=models.CASCADE, related_name="known_markings"
    )
    confirmations = models.PositiveIntegerField(default=1)
    last_finding_id = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["text_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["text_key", "manufacturer", "part"],
                condition=Q(part__isnull=False),
                name="known_marking_unique_part",
            ),
            models.UniqueConstraint(
                fields=["text_key", "manufacturer"],
                condition=Q(part__isnull=True),
                name="known_marking_unique_maker",
            ),
        ]

    def __str__(self):
        return f"{self.text_key} → {self.part or self.manufacturer}"


class OrganisationUser(models.Model):
    """Binds a manufacturer's compliance officer to the one organisation they speak for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organisation_link"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="users")

    objects = ScopedQuerySet.as_manager()

    def __str__(self):
        return f"{self.user} @ {self.organisation}"


from catalog.models_imports import *  # noqa: E402,F401,F403  (background catalog imports)
from catalog.models_screening import *  # noqa: E402,F401,F403  (watch lists and screening hits)
