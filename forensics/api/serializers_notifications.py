"""Serializers for notifications, deliveries, webhook endpoints, compliance contacts, preferences."""

from rest_framework import serializers

from catalog.models import Organisation
from forensics.models import (
    ComplianceContact,
    Delivery,
    DeliveryAttempt,
    Notification,
    NotificationPreference,
    WebhookEndpoint,
)
from forensics.roles import is_manufacturer, organisation_of


class OrganisationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name"]


class OrganisationField(serializers.PrimaryKeyRelatedField):
    """An organisation the requesting user may manage: a manufacturer user's own or one of its
    brands; any for analysts and admins. Left out by a manufacturer user, it is their own."""

    def get_queryset(self):
        request = self.context.get("request")
        return Organisation.objects.visible_to(request.user if request else None)


class OwnedByOrganisationSerializer(serializers.ModelSerializer):
    organisation = OrganisationField(required=False)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    def validate(self, attrs):
        if self.instance is None and "organisation" not in attrs:
            user = self.context["request"].user
            own = organisation_of(user) if is_manufacturer(user) else None
            if own is None:
                raise serializers.ValidationError({"organisation": "This field is required."})
            attrs["organisation"] = own
        return super().validate(attrs)


class ComplianceContactSerializer(OwnedByOrganisationSerializer):
    class Meta:
        model = ComplianceContact
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "name",
            "email",
            "receives_digest",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        validators = []  # the (organisation, email) pair is checked in validate()

    def validate(self, attrs):
        attrs = super().validate(attrs)
        organisation = attrs.get("organisation") or self.instance.organisation
        email = attrs.get("email") or self.instance.email
        taken = ComplianceContact.objects.filter(organisation=organisation, email__iexact=email)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError({"email": "This organisation has that contact."})
        return attrs


class WebhookEndpointSerializer(OwnedByOrganisationSerializer):
    """The secret is never read back; it is shown once, by WebhookEndpointSecretSerializer."""

    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    delivered_count = serializers.IntegerField(read_only=True, default=0)
    failed_count = serializers.IntegerField(read_only=True, default=0)
    pending_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "url",
            "active",
            "description",
            "created_by",
            "created_at",
            "updated_at",
            "delivered_count",
            "failed_count",
            "pending_count",
        ]
        read_only_fields = ["created_at", "updated_at"]


class WebhookEndpointSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True)

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class NotificationPreferenceSerializer(OwnedByOrganisationSerializer):
    class Meta:
        model = NotificationPreference
        fields = ["id", "organisation", "organisation_name", "digest_only", "updated_at"]
        read_only_fields = ["updated_at"]
        validators = []

    def validate(self, attrs):
        attrs = super().validate(attrs)
        organisation = attrs.get("organisation")
        others = NotificationPreference.objects.filter(organisation=organisation)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if organisation is not None and others.exists():
            raise serializers.ValidationError(
                {"organisation": "This organisation has preferences already; update them."}
            )
        return attrs


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["id", "at", "finished_at", "outcome", "status_code", "error", "duration_ms"]


class DeliverySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = [
            "id",
            "channel",
            "endpoint",
            "state",
            "attempts",
            "next_attempt_at",
            "last_error",
            "delivered_at",
        ]


class DeliverySerializer(serializers.ModelSerializer):
    """A delivery with its attempt log."""

    idempotency_key = serializers.CharField(source="notification.idempotency_key", read_only=True)
    kind = serializers.CharField(source="notification.kind", read_only=True)
    organisation = serializers.IntegerField(source="notification.organisation_id", read_only=True)
    attempt_log = DeliveryAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "notification",
            "idempotency_key",
            "kind",
            "organisation",
            "channel",
            "endpoint",
            "state",
            "attempts",
            "next_attempt_at",
            "expires_at",
            "last_error",
            "created_at",
            "delivered_at",
            "attempt_log",
        ]


class NotificationSerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer(read_only=True)
    deliveries = DeliverySummarySerializer(many=True, read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "organisation",
            "finding",
            "kind",
            "idempotency_key",
            "state",
            "attempts",
            "next_attempt_at",
            "last_error",
            "created_at",
            "delivered_at",
            "payload",
            "deliveries",
        ]
