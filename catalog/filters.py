import django_filters
from django.db.models import Q

from catalog.normalize import norm

from .models import DistributorOffer, Organisation, Part, SupplyLink


class OrganisationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Name or alias contains")
    role = django_filters.ChoiceFilter(
        method="filter_role", choices=[(label, label) for _, label in Organisation.ROLE_FIELDS]
    )
    owner = django_filters.NumberFilter(field_name="owner_id")

    class Meta:
        model = Organisation
        fields = ["country", "needs_review", "is_manufacturer"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(aliases__name__icontains=value)
        ).distinct()

    def filter_role(self, queryset, name, value):
        field = {label: field for field, label in Organisation.ROLE_FIELDS}[value]
        return queryset.filter(**{field: True})


class PartFilterSet(django_filters.FilterSet):
    manufacturer = django_filters.NumberFilter(method="filter_manufacturer")
    q = django_filters.CharFilter(method="filter_q", label="MPN starts with (normalised)")
    chpl_tier = django_filters.CharFilter()
    hs_code = django_filters.CharFilter()
    category = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Part
        fields = ["manufacturer", "category", "hs_code", "chpl_tier", "status"]

    def filter_manufacturer(self, queryset, name, value):
        """A manufacturer id matches its own parts and those of the brands it owns."""
        return queryset.filter(Q(manufacturer_id=value) | Q(manufacturer__owner_id=value))

    def filter_q(self, queryset, name, value):
        key = norm(value)
        if not key:
            return queryset.none()
        return queryset.filter(Q(mpn_norm__startswith=key) | Q(mpn_base__startswith=key))


class DistributorOfferFilterSet(django_filters.FilterSet):
    class Meta:
        model = DistributorOffer
        fields = ["distributor", "part", "is_authorized", "sku"]


class SupplyLinkFilterSet(django_filters.FilterSet):
    organisation = django_filters.NumberFilter(method="filter_organisation")

    class Meta:
        model = SupplyLink
        fields = ["seller", "buyer", "part", "evidence_kind", "confidence"]

    def filter_organisation(self, queryset, name, value):
        return queryset.filter(Q(seller_id=value) | Q(buyer_id=value))
