"""Trace request, answer and finding-comment serializers: shapes and format checks only; the rules
are in forensics.services.traces.

Analysts get the full request (findings, recovery, parent and follow-ups, reminders, the supply links
an answer created). The recipient organisation's users get what was asked as it was sent
(`request`), the dates and their own answer: never the recovery, its unit or source, or who in the
team wrote the request.
"""

import datetime

from rest_framework import serializers

from catalog.api.serializers import OrganisationRefSerializer
from catalog.models import Organisation
from forensics.models import (
    AnswerKind,
    Finding,
    FindingComment,
    NotTraceableReason,
    TraceAnswer,
    TraceReminder,
    TraceRequest,
)
from forensics.roles import is_manufacturer
from forensics.services.traces import ROLE_FLAGS


class TraceReminderSerializer(serializers.ModelSerializer):
    class Meta:
        model = TraceReminder
        fields = ["day", "sent_at", "skipped", "notification"]
        read_only_fields = fields


class TraceAnswerSerializer(serializers.ModelSerializer):
    distributor = OrganisationRefSerializer(read_only=True)
    answered_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    supply_links = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = TraceAnswer
        fields = [
            "kind",
            "distributor",
            "distributor_created",
            "sale_date",
            "quantity",
            "invoice_reference",
            "reason",
            "reason_text",
            "note",
            "supply_links",
            "answered_by",
            "answered_at",
        ]
        read_only_fields = fields


class RecipientTraceAnswerSerializer(TraceAnswerSerializer):
    class Meta(TraceAnswerSerializer.Meta):
        fields = [f for f in TraceAnswerSerializer.Meta.fields if f != "supply_links"]
        read_only_fields = fields


class TraceRequestSerializer(serializers.ModelSerializer):
    """The full request, as analysts see it."""

    organisation = OrganisationRefSerializer(read_only=True)
    manufacturer = OrganisationRefSerializer(read_only=True)
    recovery_reference = serializers.CharField(source="recovery.reference", read_only=True)
    findings = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    follow_ups = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    answer = TraceAnswerSerializer(read_only=True, allow_null=True)
    reminders = TraceReminderSerializer(many=True, read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    sent_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = TraceRequest
        fields = [
            "id",
            "state",
            "organisation",
            "manufacturer",
            "recovery",
            "recovery_reference",
            "findings",
            "parent",
            "follow_ups",
            "question",
            "photo_ids",
            "request_data",
            "sent_at",
            "deadline",
            "acknowledged_at",
            "answered_at",
            "declined_at",
            "decline_reason",
            "overdue_at",
            "closed_at",
            "close_note",
            "answer",
            "reminders",
            "created_by",
            "sent_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RecipientTraceRequestSerializer(serializers.ModelSerializer):
    """What the recipient organisation sees: the request as sent and its own answer."""

    organisation = OrganisationRefSerializer(read_only=True)
    request = serializers.JSONField(source="request_data", read_only=True)
    answer = RecipientTraceAnswerSerializer(read_only=True, allow_null=True)

    class Meta:
        model = TraceRequest
        fields = [
            "id",
            "state",
            "organisation",
            "request",
            "sent_at",
            "deadline",
            "acknowledged_at",
            "answered_at",
            "declined_at",
            "decline_reason",
            "overdue_at",
            "closed_at",
            "answer",
        ]
        read_only_fields = fields


def trace_request_serializer_for(user):
    return RecipientTraceRequestSerializer if is_manufacturer(user) else TraceRequestSerializer


class TraceRequestCreateSerializer(serializers.Serializer):
    findings = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        allow_empty=False,
        max_length=200,
        help_text="Confirmed findings of one manufacturer in one recovery.",
    )
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(),
        required=False,
        help_text="The manufacturer of the findings (default) or the group that owns it.",
    )
    question = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    photo_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        help_text="Photos of these findings to share (default: all of them).",
    )
    send = serializers.BooleanField(default=False, help_text="Send at once instead of a draft.")


class TraceRequestUpdateSerializer(serializers.Serializer):
    question = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    photo_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)


class FollowUpSerializer(serializers.Serializer):
    question = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    photo_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)
    send = serializers.BooleanField(default=False)


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class CloseSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class AnswerSerializer(serializers.Serializer):
    """Either the first sale of the lot (`kind=first_sale`) or why it cannot be traced."""

    kind = serializers.ChoiceField(choices=AnswerKind.choices)
    distributor = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(),
        required=False,
        allow_null=True,
        help_text="An organisation already known (its id), or give distributor_name instead.",
    )
    distributor_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    distributor_country = serializers.CharField(required=False, allow_blank=True, max_length=2)
    distributor_role = serializers.ChoiceField(
        choices=list(ROLE_FLAGS), required=False, allow_blank=True
    )
    sale_date = serializers.DateField(required=False, allow_null=True)
    quantity = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    invoice_reference = serializers.CharField(required=False, allow_blank=True, max_length=200)
    reason = serializers.ChoiceField(
        choices=NotTraceableReason.choices, required=False, allow_blank=True
    )
    reason_text = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    def validate(self, attrs):
        if attrs["kind"] == AnswerKind.FIRST_SALE:
            errors = {}
            named = bool((attrs.get("distributor_name") or "").strip())
            if attrs.get("distributor") is None and not named:
                errors["distributor"] = (
                    "Give the buyer: `distributor` (an id) or `distributor_name`."
                )
            if attrs.get("distributor") is not None and named:
                errors["distributor_name"] = "Give `distributor` or `distributor_name`, not both."
            sale_date = attrs.get("sale_date")
            if sale_date is None:
                errors["sale_date"] = "Give the date of the sale."
            elif sale_date > datetime.date.today():
                errors["sale_date"] = "The sale date is in the future."
            if errors:
                raise serializers.ValidationError(errors)
        elif not attrs.get("reason"):
            raise serializers.ValidationError(
                {"reason": f"Say why: one of {', '.join(NotTraceableReason.values)}."}
            )
        return attrs


class FindingCommentSerializer(serializers.ModelSerializer):
    organisation_detail = OrganisationRefSerializer(source="organisation", read_only=True)
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(),
        required=False,
        help_text="Analysts: the manufacturer whose thread this answers (manufacturers: their own).",
    )

    class Meta:
        model = FindingComment
        fields = [
            "id",
            "finding",
            "organisation",
            "organisation_detail",
            "author_name",
            "from_manufacturer",
            "text",
            "created_at",
        ]
        read_only_fields = ["author_name", "from_manufacturer", "created_at"]
        extra_kwargs = {"text": {"max_length": 10000}}

    def get_fields(self):
        """A finding the user cannot see is "does not exist", as it is everywhere else."""
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["finding"].queryset = Finding.objects.visible_to(request.user)
        return fields
