"""Catalog FilterSets. Unknown choices and malformed values are 400s (django-filter form errors).

Filters that name another row (`manufacturer`, `organisation`...) only accept rows the user can see,
so a filter value never reveals whether a hidden row exists.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from catalog.normalize import base, name_key, norm

from .models import (
    CHPL_TIERS,
    Confidence,
    DistributorOffer,
    EvidenceKind,
    MarkingCode,
    Organisation,
    OrganisationAlias,
    Ownership,
    Part,
    SupplyLink,
    has_alnum,
)


def needs_alnum(value: str) -> None:
    if not has_alnum(value):
        raise ValidationError("Give at least one letter or digit.")


hs_prefix = RegexValidator(r"^\d{2,6}$", "An HS code (or its first digits): 2 to 6 digits.")


def visible(model):
    """A filter queryset callable: the rows of `model` the requesting user may see."""

    def queryset(request):
        user = getattr(request, "user", None)
        return model.objects.visible_to(user)

    return queryset


@extend_schema_field(OpenApiTypes.INT)
class OrganisationIdFilter(django_filters.ModelChoiceFilter):
    """An organisation id matched by a filter method (the schema cannot infer its type)."""


class StrictBooleanField(forms.NullBooleanField):
    """`true`/`false` (or 1/0); anything else is an error, not silently "no filter"."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in (True, "True", "true", "1"):
            return True
        if value in (False, "False", "false", "0"):
            return False
        raise ValidationError("Use true or false.")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class CatalogFilterSet(django_filters.FilterSet):
    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }


def with_brands(org: Organisation):
    """The organisation and the brands it currently owns, as a subquery of ids."""
    return Organisation.objects.filter(Q(pk=org.pk) | Q(owner_id=org.pk)).values("pk")


class OrganisationFilterSet(CatalogFilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label="Name or alias contains", validators=[needs_alnum]
    )
    role = django_filters.ChoiceFilter(
        method="filter_role", choices=[(label, label) for _, label in Organisation.ROLE_FIELDS]
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=visible(Organisation), label="Brands currently owned by this organisation"
    )
    country = django_filters.CharFilter(
        method="filter_country",
        validators=[RegexValidator(r"^[A-Za-z]{2}$", "An ISO 3166-1 alpha-2 code.")],
    )

    class Meta:
        model = Organisation
        fields = ["q", "role", "owner", "country", "needs_review", "is_manufacturer"]

    def filter_q(self, queryset, name, value):
        key = name_key(value)
        alias = OrganisationAlias.objects.filter(organisation=OuterRef("pk"), key__contains=key)
        return queryset.filter(Q(name__icontains=value.strip()) | Exists(alias))

    def filter_role(self, queryset, name, value):
        field = {label: field for field, label in Organisation.ROLE_FIELDS}[value]
        return queryset.filter(**{field: True})

    def filter_country(self, queryset, name, value):
        return queryset.filter(country=value.upper())


class PartFilterSet(CatalogFilterSet):
    manufacturer = django_filters.ModelChoiceFilter(
        queryset=visible(Organisation),
        method="filter_manufacturer",
        label="Manufacturer id; includes the brands it owns",
    )
    q = django_filters.CharFilter(
        method="filter_q",
        label="MPN starts with (normalised: case, punctuation, Cyrillic look-alikes, packaging)",
        validators=[needs_alnum],
    )
    category = django_filters.CharFilter(lookup_expr="iexact")
    hs_code = django_filters.CharFilter(
        lookup_expr="startswith", label="HS code or its first digits", validators=[hs_prefix]
    )
    chpl_tier = django_filters.ChoiceFilter(choices=[(tier, tier) for tier in CHPL_TIERS])

    class Meta:
        model = Part
        fields = ["manufacturer", "q", "category", "hs_code", "chpl_tier", "status"]

    def filter_manufacturer(self, queryset, name, value):
        """A manufacturer matches its own parts and those of the brands it owns."""
        return queryset.filter(manufacturer_id__in=with_brands(value))

    def filter_q(self, queryset, name, value):
        key, stem = norm(value), base(value)
        if not key:
            return queryset.none()
        match = Q(mpn_norm__startswith=key)
        if stem:
            match |= Q(mpn_base__startswith=stem)
        return queryset.filter(match)


class MarkingCodeFilterSet(CatalogFilterSet):
    manufacturer = django_filters.ModelChoiceFilter(
        queryset=visible(Organisation),
        method="filter_manufacturer",
        label="Manufacturer id; includes the brands it owns",
    )
    part = django_filters.ModelChoiceFilter(queryset=visible(Part))
    code = django_filters.CharFilter(
        method="filter_code", label="Code starts with (normalised)", validators=[needs_alnum]
    )

    class Meta:
        model = MarkingCode
        fields = ["manufacturer", "part", "code"]

    def filter_manufacturer(self, queryset, name, value):
        return queryset.filter(manufacturer_id__in=with_brands(value))

    def filter_code(self, queryset, name, value):
        key = norm(value)
        return queryset.filter(code_norm__startswith=key) if key else queryset.none()


class OrganisationAliasFilterSet(CatalogFilterSet):
    organisation = django_filters.ModelChoiceFilter(queryset=visible(Organisation))
    q = django_filters.CharFilter(
        method="filter_q", label="Alias contains (name key)", validators=[needs_alnum]
    )

    class Meta:
        model = OrganisationAlias
        fields = ["organisation", "q"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(key__contains=name_key(value))


class OwnershipFilterSet(CatalogFilterSet):
    brand = django_filters.ModelChoiceFilter(queryset=visible(Organisation))
    owner = django_filters.ModelChoiceFilter(queryset=visible(Organisation))
    organisation = OrganisationIdFilter(
        queryset=visible(Organisation), method="filter_organisation", label="Brand or owner"
    )

    class Meta:
        model = Ownership
        fields = ["brand", "owner", "organisation"]

    def filter_organisation(self, queryset, name, value):
        return queryset.filter(Q(brand=value) | Q(owner=value))


class DistributorOfferFilterSet(CatalogFilterSet):
    distributor = django_filters.ModelChoiceFilter(queryset=visible(Organisation))
    part = django_filters.ModelChoiceFilter(queryset=visible(Part))
    sku = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = DistributorOffer
        fields = ["distributor", "part", "is_authorized", "sku"]


class SupplyLinkFilterSet(CatalogFilterSet):
    seller = django_filters.ModelChoiceFilter(queryset=visible(Organisation))
    buyer = django_filters.ModelChoiceFilter(queryset=visible(Organisation))
    part = django_filters.ModelChoiceFilter(queryset=visible(Part))
    organisation = OrganisationIdFilter(
        queryset=visible(Organisation), method="filter_organisation", label="Seller or buyer"
    )
    evidence_kind = django_filters.ChoiceFilter(choices=EvidenceKind.choices)
    confidence = django_filters.ChoiceFilter(choices=Confidence.choices)
    lot_code = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = SupplyLink
        fields = [
            "seller",
            "buyer",
            "organisation",
            "part",
            "evidence_kind",
            "confidence",
            "lot_code",
        ]

    def filter_organisation(self, queryset, name, value):
        return queryset.filter(Q(seller=value) | Q(buyer=value))
