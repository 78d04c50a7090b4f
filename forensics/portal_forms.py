"""Forms of the manufacturer portal and the trace-request pages.

The rules are the API's: each write form is checked by the serializer the matching endpoint uses
(`AnswerSerializer`, `WebhookEndpointSerializer`, `ComplianceContactSerializer`...), and its errors
are put beside this form's fields (`check_with`). The forms here only render and parse.
"""

import django_filters
from django import forms
from django.db.models import Q

from catalog.models import Organisation
from forensics.api.serializers_traces import AnswerSerializer
from forensics.api.views_traces import TraceRequestFilterSet
from forensics.models import (
    AnswerKind,
    Delivery,
    DeliveryState,
    Notification,
    NotificationKind,
    NotificationState,
    NotTraceableReason,
    TraceAnswer,
    TraceRequest,
    TraceState,
)
from forensics.roles import is_manufacturer, organisation_of
from forensics.services.traces import ROLE_FLAGS

ROLE_LABELS = {
    "authorized_distributor": "Authorized distributor",
    "independent_distributor": "Independent distributor or broker",
    "importer": "Importer",
    "freight_forwarder": "Freight forwarder",
    "end_user": "End user",
}
"""How the answer form names the buyer roles the trace service accepts (its ROLE_FLAGS)."""


def check_with(form: forms.Form, serializer_class, data: dict, **kwargs):
    """Validate `data` with the API's serializer; its errors go beside the form's fields (or
    above the form). Returns the serializer when valid, else None."""
    serializer = serializer_class(data=data, **kwargs)
    if serializer.is_valid():
        return serializer
    add_serializer_errors(form, serializer.errors)
    return None


def add_serializer_errors(form: forms.Form, errors) -> None:
    if isinstance(errors, list):
        errors = {"non_field_errors": errors}
    for name, messages in errors.items():
        field = name if name in form.fields else None
        if isinstance(messages, dict):
            messages = [f"{key}: {value}" for key, value in messages.items()]
        for message in messages if isinstance(messages, list) else [messages]:
            form.add_error(field, str(message))


def managed_organisations(user):
    """Organisations whose contacts and endpoints the user may manage, as the API's
    `OrganisationField` allows: a manufacturer's own and its brands; any for analysts and admins."""
    return Organisation.objects.visible_to(user).order_by("name")


class OrganisationChoiceMixin:
    """Adds an `organisation` choice when the user may manage more than their own organisation
    (analysts, admins, groups that own brands); a manufacturer's officer otherwise manages their
    own, as the API defaults it."""

    def add_organisation_field(self, user, *, manufacturers_only: bool = True):
        own = organisation_of(user) if is_manufacturer(user) else None
        queryset = managed_organisations(user)
        if own is not None:
            queryset = queryset.filter(Q(pk=own.pk) | Q(owner=own))
            if not queryset.exclude(pk=own.pk).exists():
                return
        elif manufacturers_only:
            queryset = queryset.filter(is_manufacturer=True)
        self.fields["organisation"] = forms.ModelChoiceField(
            queryset=queryset, label="Organisation", initial=own, required=own is None
        )
        self.order_fields(["organisation", *[n for n in self.fields if n != "organisation"]])

    def organisation_value(self):
        value = self.cleaned_data.get("organisation") if "organisation" in self.fields else None
        return value.pk if value is not None else None


# --- filters ------------------------------------------------------------------------------------


class NotificationPageFilterSet(django_filters.FilterSet):
    """The notifications API's `kind` and `state` filters."""

    kind = django_filters.ChoiceFilter(choices=NotificationKind.choices)
    state = django_filters.ChoiceFilter(choices=NotificationState.choices, label="Delivery")

    class Meta:
        model = Notification
        fields = ["kind", "state"]


class TraceRequestPageFilterSet(TraceRequestFilterSet):
    """The trace-request API's filters; the page picks one state at a time."""

    state = django_filters.ChoiceFilter(choices=TraceState.choices)

    class Meta(TraceRequestFilterSet.Meta):
        model = TraceRequest


class DeliveryPageFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=DeliveryState.choices)

    class Meta:
        model = Delivery
        fields = ["state"]


# --- trace requests -----------------------------------------------------------------------------


class OpenTraceForm(forms.Form):
    finding = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    question = forms.CharField(
        label="Question (leave empty for the standard one)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    send = forms.BooleanField(label="Send it now (else keep it as a draft)", required=False)


class AnswerForm(forms.Form):
    """The answer to a trace request: the first sale of the lot, or why it cannot be traced."""

    kind = forms.ChoiceField(
        label="Your answer", choices=AnswerKind.choices, widget=forms.RadioSelect
    )
    distributor = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        label="First buyer, already named before",
        help_text="Or give a new buyer's name and country below.",
    )
    distributor_name = forms.CharField(
        label="First buyer's name",
        max_length=200,
        required=False,
        help_text="A name the catalog already knows (any spelling of it) is linked to that "
        "organisation; a new one is created for a curator to review.",
    )
    distributor_country = forms.CharField(
        label="Buyer's country (ISO-2)", max_length=2, required=False
    )
    distributor_role = forms.ChoiceField(
        label="The buyer is",
        choices=[
            ("", "(an authorized distributor, if we sold to it)"),
            *[(role, ROLE_LABELS.get(role, role)) for role in ROLE_FLAGS],
        ],
        required=False,
    )
    sale_date = forms.DateField(
        label="Date of the sale",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    quantity = forms.IntegerField(label="Quantity", min_value=1, required=False)
    invoice_reference = forms.CharField(label="Invoice reference", max_length=200, required=False)
    reason = forms.ChoiceField(
        label="Why it cannot be traced",
        choices=[("", "—"), *NotTraceableReason.choices],
        required=False,
    )
    reason_text = forms.CharField(
        label="Explanation", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(
        label="Note to the analysts", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user=None, trace_request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["distributor"].queryset = known_buyers(user, trace_request)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        payload = {key: value for key, value in data.items() if value not in (None, "")}
        if payload.get("distributor") is not None:
            payload["distributor"] = payload["distributor"].pk
        serializer = AnswerSerializer(data=payload)
        if serializer.is_valid():
            data["validated"] = serializer.validated_data
            return data
        errors = dict(serializer.errors)
        if "distributor" in errors and not self.offers_known_buyers:
            errors["distributor_name"] = errors.pop("distributor")
        add_serializer_errors(self, errors)
        return data

    @property
    def offers_known_buyers(self) -> bool:
        """Whether the form lists buyers to pick (else the buyer is named in the text field)."""
        if not hasattr(self, "_offers_known_buyers"):
            self._offers_known_buyers = self.fields["distributor"].queryset.exists()
        return self._offers_known_buyers


def known_buyers(user, trace_request=None):
    """Buyers to pick from a list: those named in earlier answers about the same manufacturer's
    parts that the user may read (a manufacturer's officer: its own answers). Anyone else is
    named in the text field; a name the catalog knows is linked to that organisation."""
    if user is None or trace_request is None:
        return Organisation.objects.none()
    named = TraceAnswer.objects.filter(
        trace_request__in=TraceRequest.objects.visible_to(user).filter(
            manufacturer_id=trace_request.manufacturer_id
        ),
        distributor__isnull=False,
    ).values("distributor_id")
    return Organisation.objects.filter(pk__in=named).order_by("name")


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why you decline", max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CloseForm(forms.Form):
    note = forms.CharField(
        label="Closing note",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FollowUpForm(forms.Form):
    question = forms.CharField(
        label="Question to the buyer (leave empty for the standard one)",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    send = forms.BooleanField(label="Send it now", required=False, initial=True)


class CommentForm(forms.Form):
    text = forms.CharField(
        label="Your comment",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="How the finding describes your part: seen by the analysts and your organisation.",
    )

    def __init__(self, *args, threads=None, **kwargs):
        super().__init__(*args, **kwargs)
        if threads:
            self.fields["organisation"] = forms.ModelChoiceField(
                queryset=threads, label="In the thread of", empty_label=None
            )


# --- webhooks, contacts, preferences --------------------------------------------------------------


class WebhookEndpointForm(OrganisationChoiceMixin, forms.Form):
    url = forms.URLField(
        label="HTTPS address",
        max_length=500,
        assume_scheme="https",
        help_text="Receives a signed JSON POST per event (X-Signature: HMAC-SHA256 over the "
        "timestamp and body). Private, loopback and link-local addresses are refused.",
    )
    description = forms.CharField(label="Description", max_length=300, required=False)
    active = forms.BooleanField(label="Active", required=False, initial=True)

    def __init__(self, *args, user=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            self.add_organisation_field(user)

    def api_data(self) -> dict:
        data = {
            "url": self.cleaned_data["url"],
            "description": self.cleaned_data["description"],
            "active": self.cleaned_data["active"],
        }
        if self.organisation_value() is not None:
            data["organisation"] = self.organisation_value()
        return data


class ContactForm(OrganisationChoiceMixin, forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    email = forms.EmailField(label="E-mail")
    receives_digest = forms.BooleanField(
        label="One daily digest instead of an e-mail per notification", required=False
    )

    def __init__(self, *args, user=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            self.add_organisation_field(user)

    def api_data(self) -> dict:
        data = {key: self.cleaned_data[key] for key in ("name", "email", "receives_digest")}
        if self.organisation_value() is not None:
            data["organisation"] = self.organisation_value()
        return data


class PreferenceForm(forms.Form):
    digest_only = forms.BooleanField(
        label="Every contact gets one daily digest instead of an e-mail per notification "
        "(webhooks still fire at once)",
        required=False,
    )
