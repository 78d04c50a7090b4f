"""Forms of the catalog pages: search, list filters, graph depth, curator imports, screening verdicts.

Filters reuse the API's FilterSets (catalog.filters) so a page and its endpoint accept the same
values; only widgets change (a yes/no choice instead of a `true`/`false` text box).
"""

import datetime

import django_filters
from django import forms

from catalog.filters import OrganisationFilterSet
from catalog.importer import COLUMNS
from catalog.models import Confidence, EvidenceKind, SupplyLink
from forensics.forms import yes_no
from forensics.services import graph

MAX_QUERY_CHARS = 200


class CatalogSearchForm(forms.Form):
    q = forms.CharField(
        label="Part number, marking or manufacturer",
        max_length=MAX_QUERY_CHARS,
        required=False,
        help_text="As printed or written anywhere: Cyrillic look-alikes, spaces, packaging "
        "suffixes and date codes are understood (МАХ3490, LM258 274 ZD0XG3, ADI/MAXIM).",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def clean_q(self):
        value = self.cleaned_data["q"].strip()
        if value and not any(ch.isalnum() for ch in value):
            raise forms.ValidationError("Give at least one letter or digit.")
        if any(ord(ch) < 32 for ch in value):
            raise forms.ValidationError("The search contains control characters.")
        return value


class OrganisationPageFilterSet(OrganisationFilterSet):
    """The organisation list API's filters, with yes/no choices for the flags."""

    needs_review = yes_no("Needs a curator's review")
    is_manufacturer = yes_no("Manufacturer")


class ManufacturerPageFilterSet(OrganisationFilterSet):
    """The manufacturers API's filters; the page offers name/alias and country."""

    needs_review = yes_no("Needs a curator's review")


class SupplyLinkPageFilterSet(django_filters.FilterSet):
    """The supply-link list's choice filters (organisations are reached through their pages)."""

    evidence_kind = django_filters.ChoiceFilter(choices=EvidenceKind.choices, label="Evidence")
    confidence = django_filters.ChoiceFilter(choices=Confidence.choices)
    lot_code = django_filters.CharFilter(lookup_expr="iexact", label="Lot code")

    class Meta:
        model = SupplyLink
        fields = ["evidence_kind", "confidence", "lot_code"]


class GraphDepthForm(forms.Form):
    depth = forms.IntegerField(
        label=f"Hops to follow (1 to {graph.MAX_DEPTH})",
        min_value=1,
        max_value=graph.MAX_DEPTH,
        required=False,
    )

    def depth_or_default(self) -> int:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("depth"):
            return self.cleaned_data["depth"]
        return graph.DEFAULT_DEPTH


class CatalogImportForm(forms.Form):
    """Shares the imports page with ScreeningImportForm: its own element ids (`catalog-file`)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "catalog-%s")
        super().__init__(*args, **kwargs)

    file = forms.FileField(
        label="Catalog CSV file",
        help_text=f"UTF-8 CSV with a header line: {', '.join(COLUMNS)} (mpn and manufacturer "
        "required). Re-importing a file changes nothing; bad rows are listed in the reject report.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    strict = forms.BooleanField(
        label="Strict: refuse the whole file if any row is rejected",
        required=False,
    )


class ScreeningImportForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "screening-%s")
        super().__init__(*args, **kwargs)

    file = forms.FileField(
        label="Consolidated Screening List CSV",
        help_text="The trade.gov CSL download layout. Each list in the file replaces its previous "
        "version, and every supply-chain organisation is screened again.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    file_date = forms.DateField(
        label="Date of the list file",
        initial=datetime.date.today,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="When the list was published; an older file never replaces a newer list.",
    )
    allow_older = forms.BooleanField(
        label="Replace a stored list even if this file is older", required=False
    )

    def clean_file_date(self):
        value = self.cleaned_data["file_date"]
        if value > datetime.date.today():
            raise forms.ValidationError("The list cannot be dated in the future.")
        return value


class FalsePositiveForm(forms.Form):
    reason = forms.CharField(
        label="Why this is not the listed party",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
