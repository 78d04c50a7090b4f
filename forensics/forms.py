"""Forms of the analysts' pages, and the page versions of the API's FilterSets.

The page FilterSets subclass those of forensics/filters.py and keep their parameter names and
values, so a page's query string means the same to the API (the export links reuse it); they only
swap free-number inputs for choices people can read. Form checks mirror the API serializers'
messages; the services check again (and their ValidationErrors land beside the fields too).
"""

import html
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.safestring import mark_safe
from django_filters import rest_framework as filters

from catalog.models import Organisation, Part
from forensics.api.serializers_findings import MAX_MARKING_LENGTH
from forensics.filters import TRUE_VALUES, FindingFilterSet, RecoveryFilterSet
from forensics.models import (
    CustodyAction,
    Finding,
    FindingStatus,
    Photo,
    Recovery,
    Sharing,
    WeaponSystem,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TIERS = [(tier, f"Tier {tier}") for tier in ("1", "2", "3A", "3B", "4A", "4B")]


class QuickSelect(forms.Select):
    """A <select> written in plain Python: Django renders each option through a template (and
    copies its attributes), which costs tens of milliseconds for the hundreds of manufacturers a
    filter lists. Flat choices only (no option groups)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = "".join(
            '<option value="{}"{}>{}</option>'.format(
                html.escape(str(key)),
                " selected" if str(key) in chosen else "",
                html.escape(str(label)),
            )
            for key, label in self.choices
        )
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return mark_safe(f"<select{flatatt(final_attrs)}>{options}</select>")


def apply_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError beside the fields it names (else above the form); a form's
    `SERVICE_FIELDS` maps the service's names to its own (`photos` -> `photo`)."""
    renamed = getattr(form, "SERVICE_FIELDS", {})
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            name = renamed.get(name, name)
            field = name if name in form.fields else None
            for error in errors:
                form.add_error(field, error)
    else:
        form.add_error(None, exc)


def yes_no(label: str) -> filters.TypedChoiceFilter:
    """The API's strict true/false filter, offered as a readable choice."""
    return filters.TypedChoiceFilter(
        choices=[("", "Any"), ("true", "Yes"), ("false", "No")],
        coerce=lambda value: value in TRUE_VALUES,
        label=label,
        empty_value=None,
    )


# --- filters ------------------------------------------------------------------------------------


class FindingPageFilterSet(FindingFilterSet):
    """The finding list's filters (one status at a time; the API also takes a comma list)."""

    q = filters.CharFilter(field_name="marking", lookup_expr="icontains", label="Marking contains")
    weapon_system = filters.ModelChoiceFilter(
        queryset=WeaponSystem.objects.order_by("name"),
        method="filter_weapon_system",
        label="Weapon system",
        widget=QuickSelect,
    )
    status = filters.ChoiceFilter(
        choices=[("confirmed,proposed", "Confirmed or proposed"), *FindingStatus.choices],
        method="filter_status",
        label="Status",
    )
    manufacturer = filters.NumberFilter(
        method="filter_maker", label="Manufacturer (with its brands)", widget=forms.Select
    )
    chpl_tier = filters.ChoiceFilter(field_name="part__chpl_tier", choices=TIERS, label="CHPL tier")
    after_export_controls = yes_no("Made after the export controls")
    recovered_after = filters.DateFilter(
        field_name="recovery__recovered_on",
        lookup_expr="gte",
        widget=DATE_INPUT,
        label="Recovered on or after",
    )
    recovered_before = filters.DateFilter(
        field_name="recovery__recovered_on",
        lookup_expr="lte",
        widget=DATE_INPUT,
        label="Recovered on or before",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        makers = Organisation.objects.visible_to(user).filter(is_manufacturer=True)
        choices = [("", "Any")] + [
            (str(pk), name) for pk, name in makers.order_by("name").values_list("pk", "name")
        ]
        chosen = str((self.data or {}).get("manufacturer") or "").strip()
        if chosen.isdigit() and chosen not in {key for key, _ in choices}:
            # An owner that makes nothing itself (a dashboard link): offered so that the form
            # keeps it when it is re-submitted.
            name = Organisation.objects.visible_to(user).filter(pk=chosen).values_list("name")
            choices.append((chosen, (name.first() or (f"Organisation {chosen}",))[0]))
        self.filters["manufacturer"].extra["widget"] = QuickSelect(choices=choices)

    def filter_weapon_system(self, queryset, name, value):
        """The system's recoveries as a literal id list (planned with the recovery index's
        statistics), the same findings as the API's join on the recovery."""
        ids = Recovery.objects.filter(weapon_system=value).values_list("pk", flat=True)
        return queryset.filter(recovery_id__in=list(ids))

    def filter_status(self, queryset, name, value):
        """One status, or the comma list the API takes too (`confirmed,proposed`)."""
        return queryset.filter(status__in=value.split(","))


class AtlasFilterSet(FindingFilterSet):
    """A weapon system's atlas: narrow its findings by category, maker's country or status."""

    status = filters.ChoiceFilter(choices=FindingStatus.choices, label="Status")

    class Meta(FindingFilterSet.Meta):
        fields: list[str] = []


class RecoveryPageFilterSet(RecoveryFilterSet):
    weapon_system = filters.ModelChoiceFilter(
        field_name="weapon_system",
        queryset=WeaponSystem.objects.order_by("name"),
        label="Weapon system",
        widget=QuickSelect,
    )
    sharing = filters.ChoiceFilter(choices=Sharing.choices, label="Sharing level")
    recovered_after = filters.DateFilter(
        field_name="recovered_on",
        lookup_expr="gte",
        widget=DATE_INPUT,
        label="Recovered on or after",
    )
    recovered_before = filters.DateFilter(
        field_name="recovered_on",
        lookup_expr="lte",
        widget=DATE_INPUT,
        label="Recovered on or before",
    )


class DashboardForm(forms.Form):
    """Which findings the dashboard's statistics count (the statistics service's parameters)."""

    SCOPES = [
        ("confirmed", "Confirmed findings"),
        ("confirmed,proposed", "Confirmed and proposed"),
        ("all", "All findings"),
    ]
    weapon_system = forms.ModelChoiceField(
        queryset=WeaponSystem.objects.order_by("name"),
        required=False,
        empty_label="All systems",
        widget=QuickSelect,
    )
    status = forms.ChoiceField(choices=SCOPES, required=False, label="Count")

    def statistics_params(self) -> dict:
        params = {"status": self.cleaned_data.get("status") or "confirmed"}
        if self.cleaned_data.get("weapon_system"):
            params["weapon_system"] = str(self.cleaned_data["weapon_system"].pk)
        return params


# --- recoveries ---------------------------------------------------------------------------------


class RecoveryForm(forms.ModelForm):
    reference = forms.CharField(
        max_length=80, required=False, help_text="Left empty: generated as REC-<year>-<code>."
    )
    source_url = forms.URLField(
        max_length=500, required=False, assume_scheme="https", label="Source URL"
    )

    class Meta:
        model = Recovery
        fields = [
            "reference",
            "weapon_system",
            "serial_number",
            "recovered_on",
            "oblast",
            "location",
            "location_precision",
            "latitude",
            "longitude",
            "recovering_unit",
            "source",
            "source_url",
            "notes",
            "sharing",
        ]
        widgets = {
            "weapon_system": QuickSelect,
            "recovered_on": DATE_INPUT,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weapon_system"].queryset = WeaponSystem.objects.order_by("name")
        if self.instance.pk:
            self.fields["reference"].required = True
            self.fields["reference"].help_text = ""

    def clean_recovered_on(self):
        value = self.cleaned_data.get("recovered_on")
        if value and value > date.today():
            raise ValidationError("The recovery date cannot be in the future.")
        return value

    def clean_latitude(self):
        value = self.cleaned_data.get("latitude")
        if value is not None and not -90 <= value <= 90:
            raise ValidationError("Latitude is between -90 and 90.")
        return value

    def clean_longitude(self):
        value = self.cleaned_data.get("longitude")
        if value is not None and not -180 <= value <= 180:
            raise ValidationError("Longitude is between -180 and 180.")
        return value

    def clean(self):
        data = super().clean()
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if "latitude" in data and "longitude" in data and (latitude is None) != (longitude is None):
            self.add_error("latitude", "Give both latitude and longitude, or neither.")
        return data

    def service_data(self) -> dict:
        """The fields for forensics.services.recoveries (a blank reference is generated there)."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class CustodyEventForm(forms.Form):
    action = forms.ChoiceField(choices=CustodyAction.choices)
    at = forms.DateTimeField(
        label="When", required=False, widget=DATETIME_INPUT, help_text="Left empty: now."
    )
    location = forms.CharField(max_length=200, required=False)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


# --- findings -----------------------------------------------------------------------------------


class FindingForm(forms.Form):
    """A finding as an analyst records it; the photo and its crop box are optional. A finding
    with several photos is edited without the photo fields here: `PhotoLinkFormSet` holds one
    row per photo."""

    marking = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off", "spellcheck": "false"}),
        help_text="As printed on the part, line breaks and all. Cyrillic look-alikes are fine.",
        error_messages={"required": "Write the marking as it is printed on the part."},
    )
    category = forms.CharField(max_length=120, required=False)
    board = forms.CharField(max_length=120, required=False)
    module = forms.CharField(max_length=120, required=False)
    position = forms.CharField(
        max_length=40, required=False, help_text="Reference designator, e.g. U12."
    )
    quantity = forms.IntegerField(min_value=1, initial=1)
    photo = forms.ModelChoiceField(queryset=Photo.objects.none(), required=False)
    crop_x = forms.IntegerField(min_value=0, required=False, label="Box left (px)")
    crop_y = forms.IntegerField(min_value=0, required=False, label="Box top (px)")
    crop_width = forms.IntegerField(min_value=1, required=False, label="Box width (px)")
    crop_height = forms.IntegerField(min_value=1, required=False, label="Box height (px)")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    FIELDS = ("marking", "category", "board", "module", "position", "quantity", "notes")
    SERVICE_FIELDS = {"photos": "photo"}
    BOX = ("crop_x", "crop_y", "crop_width", "crop_height")

    def __init__(self, *args, recovery: Recovery, with_photo: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.recovery = recovery
        self.fields["marking"].widget.attrs.update(
            {
                "hx-get": reverse("forensics:resolve-preview"),
                "hx-trigger": "input changed delay:300ms, keyup changed delay:300ms",
                "hx-target": "#resolve-preview",
                "hx-sync": "this:replace",
                "aria-controls": "resolve-preview",
            }
        )
        if with_photo:
            photos = Photo.objects.filter(recovery=recovery).order_by("pk")
            self.fields["photo"].queryset = photos
            self.fields["photo"].label_from_instance = lambda p: f"Photo {p.pk}: {p.original_name}"
        else:
            for name in ("photo", *self.BOX):
                del self.fields[name]

    def clean_marking(self):
        value = self.cleaned_data["marking"].strip()
        if not value:
            raise ValidationError("Write the marking as it is printed on the part.")
        if len(value) > MAX_MARKING_LENGTH:
            raise ValidationError(f"A marking is at most {MAX_MARKING_LENGTH} characters.")
        if any(ord(ch) < 32 and ch not in "\n\t\r" for ch in value):
            raise ValidationError("The marking contains control characters.")
        return value.replace("\r\n", "\n")

    def clean(self):
        data = super().clean()
        if "photo" not in self.fields:
            return data
        _check_box(self, data, self.BOX)
        return data

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}

    def photo_links(self) -> list[dict] | None:
        """The `photos` argument of the findings service (None: leave the photos alone)."""
        if "photo" not in self.fields:
            return None
        photo = self.cleaned_data.get("photo")
        if photo is None:
            return []
        return [{"photo": photo, **{name: self.cleaned_data.get(name) for name in self.BOX}}]

    @classmethod
    def initial_for(cls, finding: Finding) -> dict:
        initial = {name: getattr(finding, name) for name in cls.FIELDS}
        links = list(finding.finding_photos.all())
        if len(links) == 1:
            link = links[0]
            initial["photo"] = link.photo_id
            initial.update({name: getattr(link, name) for name in cls.BOX})
        return initial


def _check_box(form: forms.Form, data: dict, names: tuple[str, ...]) -> None:
    """A box needs a photo, and all four of its numbers or none (errors beside the fields)."""
    box = [data.get(name) for name in names]
    if any(v is not None for v in box) and not data.get("photo"):
        form.add_error("photo", "A box is drawn on a photo: choose the photo.")
    elif any(v is None for v in box) and any(v is not None for v in box):
        for name, value in zip(names, box, strict=True):
            if value is None and name not in form.errors:
                form.add_error(name, "A box needs its left, top, width and height.")


class PhotoLinkForm(forms.Form):
    """One photo of a finding that has several, with its crop box: a linked photo is fixed (its
    box may change, or the link be removed); the formset's extra row adds another photo."""

    photo = forms.ModelChoiceField(queryset=Photo.objects.none(), required=False)
    crop_x = forms.IntegerField(min_value=0, required=False, label="Box left (px)")
    crop_y = forms.IntegerField(min_value=0, required=False, label="Box top (px)")
    crop_width = forms.IntegerField(min_value=1, required=False, label="Box width (px)")
    crop_height = forms.IntegerField(min_value=1, required=False, label="Box height (px)")
    remove = forms.BooleanField(required=False, label="Remove this photo from the finding")

    def __init__(self, *args, recovery: Recovery, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photo"].queryset = Photo.objects.filter(recovery=recovery).order_by("pk")
        self.fields["photo"].label_from_instance = lambda p: f"Photo {p.pk}: {p.original_name}"
        self.linked = bool(self.initial.get("photo"))
        if self.linked:
            self.fields["photo"].widget = forms.HiddenInput()
        else:
            self.fields["photo"].label = "Add a photo of this recovery"
            del self.fields["remove"]

    def clean(self):
        data = super().clean()
        if not data.get("remove"):
            _check_box(self, data, FindingForm.BOX)
        return data

    def link(self) -> dict | None:
        data = getattr(self, "cleaned_data", None) or {}
        if data.get("remove") or not data.get("photo"):
            return None
        return {"photo": data["photo"], **{name: data.get(name) for name in FindingForm.BOX}}

    @classmethod
    def initial_for(cls, finding: Finding) -> list[dict]:
        return [
            {"photo": link.photo_id, **{name: getattr(link, name) for name in FindingForm.BOX}}
            for link in finding.finding_photos.all()
        ]


class BasePhotoLinkFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        ids = [link["photo"].pk for link in filter(None, (f.link() for f in self.forms))]
        if len(ids) != len(set(ids)):
            raise ValidationError("A photo is listed twice: it is already linked to this finding.")

    def photo_links(self) -> list[dict]:
        """The `photos` argument of the findings service: the kept links, in their order."""
        return [link for link in (form.link() for form in self.forms) if link]


PhotoLinkFormSet = forms.formset_factory(
    PhotoLinkForm, formset=BasePhotoLinkFormSet, extra=1, max_num=100, validate_max=True
)


class ConfirmForm(forms.Form):
    """Confirm the proposal, or another candidate (a part, or a manufacturer alone)."""

    part = forms.ModelChoiceField(queryset=Part.objects.all(), required=False)
    manufacturer = forms.ModelChoiceField(queryset=Organisation.objects.all(), required=False)


class VerdictForm(forms.Form):
    """An optional reason for rejecting or calling a finding unidentifiable (kept in its notes)."""

    LABELS = {
        "reject": "Why it is wrong (optional)",
        "unidentifiable": "Why nobody can tell (optional)",
    }

    reason = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = self.LABELS.get(self.prefix, "Reason")
