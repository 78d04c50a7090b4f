"""Notification endpoints. Manufacturer users see and manage their own organisation's (and its
brands') notifications, deliveries, webhook endpoints, contacts and preferences; analysts and admins
see and manage all; every other role gets 403. Row scoping is each model's `visible_to`."""

from django.db import transaction
from django.db.models import Count, Prefetch, Q
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from forensics.api.base import AuditedModelViewSet, ReadOnlyScopedViewSet
from forensics.audit import record_change
from forensics.models import (
    ComplianceContact,
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    Notification,
    NotificationPreference,
    WebhookEndpoint,
)
from forensics.roles import ADMIN, ANALYST, MANUFACTURER
from forensics.services import notifications, webhooks

from .serializers_notifications import (
    ComplianceContactSerializer,
    DeliverySerializer,
    NotificationPreferenceSerializer,
    NotificationSerializer,
    WebhookEndpointSecretSerializer,
    WebhookEndpointSerializer,
)

NOTIFICATION_ROLES = (ANALYST, ADMIN, MANUFACTURER)
ATTEMPTS = Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("at", "id"))


class NotificationRolesMixin:
    read_roles = NOTIFICATION_ROLES
    write_roles = NOTIFICATION_ROLES


class NotificationViewSet(NotificationRolesMixin, ReadOnlyScopedViewSet):
    """Notifications with the state of each delivery; `?state=failed` shows what needs a look."""

    queryset = Notification.objects.select_related("organisation").prefetch_related(
        Prefetch("deliveries", queryset=Delivery.objects.order_by("id"))
    )
    serializer_class = NotificationSerializer
    filterset_fields = ["organisation", "finding", "kind", "state"]
    ordering_fields = ["created_at", "delivered_at", "state"]


class DeliveryViewSet(NotificationRolesMixin, ReadOnlyScopedViewSet):
    """Per-channel deliveries with every attempt (time, status code, error, duration)."""

    queryset = Delivery.objects.select_related("notification").prefetch_related(ATTEMPTS)
    serializer_class = DeliverySerializer
    filterset_fields = ["notification", "endpoint", "channel", "state"]
    ordering_fields = ["created_at", "delivered_at", "next_attempt_at"]

    @extend_schema(request=None, responses=DeliverySerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Give a failed delivery a fresh 24-hour retry window."""
        delivery = notifications.retry_delivery(self.get_object(), request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=delivery.pk)).data)


class WebhookEndpointViewSet(NotificationRolesMixin, AuditedModelViewSet):
    """Webhook endpoints. The signing secret is returned once, in the answer to the create (or
    to rotate-secret); audit records keep it redacted."""

    queryset = (
        WebhookEndpoint.objects.select_related("organisation", "created_by")
        .annotate(
            delivered_count=Count(
                "deliveries", filter=Q(deliveries__state=DeliveryState.DELIVERED)
            ),
            failed_count=Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED)),
            pending_count=Count(
                "deliveries",
                filter=Q(deliveries__state__in=[DeliveryState.PENDING, DeliveryState.DELIVERING]),
            ),
        )
        .order_by("organisation_id", "id")
    )
    serializer_class = WebhookEndpointSerializer
    filterset_fields = ["organisation", "active"]
    ordering_fields = ["created_at", "url"]

    @extend_schema(responses={201: WebhookEndpointSecretSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            endpoint = serializer.save(created_by=request.user, secret=webhooks.generate_secret())
            record_change(
                request.user, endpoint, "create", None, notifications.endpoint_snapshot(endpoint)
            )
        endpoint = self.get_queryset().get(pk=endpoint.pk)
        return Response(WebhookEndpointSecretSerializer(endpoint).data, status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        with transaction.atomic():
            before = notifications.endpoint_snapshot(serializer.instance)
            endpoint = serializer.save()
            after = notifications.endpoint_snapshot(endpoint)
            record_change(self.request.user, endpoint, "update", before, after)

    def perform_destroy(self, instance):
        with transaction.atomic():
            before = notifications.endpoint_snapshot(instance)
            record_change(self.request.user, instance, "delete", before, None)
            instance.delete()

    @extend_schema(request=None, responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Send a test event through the normal delivery path; answers with its delivery."""
        endpoint = self.get_object()
        notification = notifications.send_test_event(endpoint, request.user)
        delivery = (
            Delivery.objects.prefetch_related(ATTEMPTS)
            .select_related("notification")
            .get(notification=notification)
        )
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=DeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """This endpoint's delivery log, newest first, each with its attempts."""
        endpoint = self.get_object()
        queryset = (
            Delivery.objects.filter(endpoint=endpoint)
            .select_related("notification")
            .prefetch_related(ATTEMPTS)
            .order_by("-created_at", "-id")
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses=WebhookEndpointSecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """Replace the signing secret; the new one is shown in this answer only."""
        endpoint = self.get_object()
        notifications.rotate_secret(endpoint, request.user)
        endpoint = self.get_queryset().get(pk=endpoint.pk)
        return Response(WebhookEndpointSecretSerializer(endpoint).data)


class ComplianceContactViewSet(NotificationRolesMixin, AuditedModelViewSet):
    """People who receive notification e-mails (each one, or a daily digest)."""

    queryset = ComplianceContact.objects.select_related("organisation")
    serializer_class = ComplianceContactSerializer
    filterset_fields = ["organisation", "receives_digest"]
    ordering_fields = ["name", "created_at"]


class NotificationPreferenceViewSet(NotificationRolesMixin, AuditedModelViewSet):
    """Per-organisation options: `digest_only` turns every e-mail into a daily digest."""

    queryset = NotificationPreference.objects.select_related("organisation")
    serializer_class = NotificationPreferenceSerializer
    filterset_fields = ["organisation"]


def register(router):
    router.register("notifications", NotificationViewSet, basename="notification")
    router.register("deliveries", DeliveryViewSet, basename="delivery")
    router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")
    router.register("compliance-contacts", ComplianceContactViewSet, basename="compliance-contact")
    router.register(
        "notification-preferences",
        NotificationPreferenceViewSet,
        basename="notification-preference",
    )
