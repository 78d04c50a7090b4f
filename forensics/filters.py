"""FilterSets of the forensics API (django-filter); also used by exports and statistics."""

from django.core.validators import RegexValidator
from django.db.models import Q
from django_filters import rest_framework as filters

from catalog.models import Organisation

from .models import (
    Finding,
    FindingStatus,
    Photo,
    PhotoState,
    Recovery,
    Sharing,
    WeaponKind,
    WeaponSystem,
)


class StatusInFilter(filters.BaseInFilter, filters.ChoiceFilter):
    pass


TRUE_VALUES = ("true", "True", "1")
FALSE_VALUES = ("false", "False", "0")


def strict_boolean(field_name: str | None = None) -> filters.TypedChoiceFilter:
    """true/false (or 1/0): anything else is a 400, not silently "no filter"."""
    return filters.TypedChoiceFilter(
        field_name=field_name,
        choices=[(v, v) for v in TRUE_VALUES + FALSE_VALUES],
        coerce=lambda value: value in TRUE_VALUES,
    )


class FindingFilterSet(filters.FilterSet):
    """Filters of the finding list, its exports and its statistics.

    `manufacturer` and `owner` both match an organisation's own findings and those of the brands it
    owns; `manufactured_after`/`_before` match findings whose manufacture range overlaps the bound.
    """

    weapon_system = filters.NumberFilter(field_name="recovery__weapon_system_id")
    recovery = filters.NumberFilter(field_name="recovery_id")
    manufacturer = filters.NumberFilter(
        method="filter_maker", label="Manufacturer id (its own findings and its brands')"
    )
    owner = filters.NumberFilter(method="filter_maker", label="Owner id (same as manufacturer)")
    part = filters.NumberFilter(field_name="part_id")
    country = filters.CharFilter(
        method="filter_country",
        label="Manufacturer's country (ISO-2)",
        validators=[RegexValidator(r"^[A-Za-z]{2}$", "Use an ISO-2 country code such as US.")],
    )
    status = StatusInFilter(choices=FindingStatus.choices, label="Status, comma-separated")
    chpl_tier = filters.CharFilter(field_name="part__chpl_tier", label="CHPL tier of the part")
    after_export_controls = strict_boolean()
    possibly_after_export_controls = strict_boolean()
    recovered_after = filters.DateFilter(field_name="recovery__recovered_on", lookup_expr="gte")
    recovered_before = filters.DateFilter(field_name="recovery__recovered_on", lookup_expr="lte")
    manufactured_after = filters.DateFilter(
        field_name="manufactured_to", lookup_expr="gte", label="Made on or after (range overlaps)"
    )
    manufactured_before = filters.DateFilter(
        field_name="manufactured_from",
        lookup_expr="lte",
        label="Made on or before (range overlaps)",
    )
    category = filters.CharFilter(lookup_expr="iexact")
    q = filters.CharFilter(field_name="marking", lookup_expr="icontains", label="Marking contains")

    class Meta:
        model = Finding
        fields: list[str] = []

    def filter_maker(self, queryset, name, value):
        """The organisation and its brands as a literal id list, planned with column statistics."""
        family = Organisation.objects.filter(Q(pk=value) | Q(owner_id=value))
        return queryset.filter(manufacturer_id__in=list(family.values_list("pk", flat=True)))

    def filter_country(self, queryset, name, value):
        """Makers of that country as a literal id list (a few hundred at most): no join."""
        makers = Organisation.objects.filter(country=value.strip().upper())
        return queryset.filter(manufacturer_id__in=list(makers.values_list("pk", flat=True)))


# --- weapon systems, recoveries, photos ---------------------------------------------------------


class SharingInFilter(filters.BaseInFilter, filters.ChoiceFilter):
    pass


class WeaponSystemFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", label="Name or alias contains")
    country = filters.CharFilter(method="filter_country", label="Country of origin (ISO-2)")

    class Meta:
        model = WeaponSystem
        fields = ["kind"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(aliases__name__icontains=value)
        ).distinct()

    def filter_country(self, queryset, name, value):
        return queryset.filter(country=value.strip().upper())


class RecoveryFilterSet(filters.FilterSet):
    """Only fields every reader may see: nobody filters by what their serializer hides."""

    weapon_system = filters.NumberFilter(field_name="weapon_system_id")
    weapon_kind = filters.ChoiceFilter(field_name="weapon_system__kind", choices=WeaponKind.choices)
    oblast = filters.CharFilter(lookup_expr="iexact")
    recovered_after = filters.DateFilter(field_name="recovered_on", lookup_expr="gte")
    recovered_before = filters.DateFilter(field_name="recovered_on", lookup_expr="lte")
    sharing = SharingInFilter(choices=Sharing.choices, label="Sharing level(s), comma-separated")
    q = filters.CharFilter(method="filter_q", label="Reference or serial number contains")

    class Meta:
        model = Recovery
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(reference__icontains=value) | Q(serial_number__icontains=value))


class PhotoFilterSet(filters.FilterSet):
    recovery = filters.NumberFilter(field_name="recovery_id")
    state = filters.ChoiceFilter(choices=PhotoState.choices)

    class Meta:
        model = Photo
        fields: list[str] = []
