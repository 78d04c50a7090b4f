"""Notifications to manufacturers: who to tell (contacts, webhook endpoints, preferences), what was
told (notifications, an outbox written in the confirming transaction) and how each channel fared
(deliveries and every attempt).

A notification is the event; a delivery is one channel carrying it (one e-mail to the organisation's
contacts, one POST per webhook endpoint, or a line in the daily digest). Deliveries are claimed with a
conditional UPDATE, so two workers never send the same one, and a claim that outlives its timeout can be
taken over: the outbox survives a killed worker or a restarted broker.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from forensics.roles import ADMIN, ANALYST, has_role, is_manufacturer, organisation_of
from forensics.scoping import ScopedQuerySet
from forensics.services.webhooks import validate_webhook_url


def _organisation_scope(user, path: str) -> Q | None:
    """Q limiting `path` (an Organisation relation) to the user's organisation and the brands it
    owns; None when the user may see every organisation's rows; Q(pk__in=[]) when none."""
    if has_role(user, ANALYST, ADMIN):
        return None
    if is_manufacturer(user):
        org = organisation_of(user)
        if org is not None:
            return Q(**{path: org}) | Q(**{f"{path}__owner": org})
    return Q(pk__in=[])


class OrganisationScopedQuerySet(ScopedQuerySet):
    """Analysts and admins see every organisation's rows; a manufacturer user sees its own
    organisation's and its brands'; every other role nothing."""

    organisation_path = "organisation"

    def visible_to(self, user):
        scope = _organisation_scope(user, self.organisation_path)
        return self if scope is None else self.filter(scope)


class DeliveryQuerySet(OrganisationScopedQuerySet):
    organisation_path = "notification__organisation"


class AttemptQuerySet(OrganisationScopedQuerySet):
    organisation_path = "delivery__notification__organisation"


class ComplianceContact(models.Model):
    """A person at an organisation who receives notifications by e-mail."""

    organisation = models.ForeignKey(
        "catalog.Organisation", on_delete=models.CASCADE, related_name="compliance_contacts"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField()
    receives_digest = models.BooleanField(
        default=False,
        help_text="One e-mail a day listing new notifications instead of one e-mail each.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organisation_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"], name="compliance_contact_unique_email"
            ),
        ]

    def __str__(self):
        return f"{self.name} <{self.email}> ({self.organisation})"


class WebhookEndpoint(models.Model):
    """An HTTPS address that receives signed JSON events. The secret signs every request; it is
    shown once, when the endpoint is created (or its secret rotated)."""

    organisation = models.ForeignKey(
        "catalog.Organisation", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500, validators=[validate_webhook_url])
    secret = models.CharField(max_length=128, editable=False)
    active = models.BooleanField(default=True)
    description = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organisation_id", "id"]

    def __str__(self):
        return f"{self.url} ({self.organisation})"


class NotificationPreference(models.Model):
    """Per-organisation choices; an organisation without a row gets the defaults."""

    organisation = models.OneToOneField(
        "catalog.Organisation", on_delete=models.CASCADE, related_name="notification_preference"
    )
    digest_only = models.BooleanField(
        default=False,
        help_text="Every contact gets one daily digest e-mail instead of one e-mail each "
        "(webhooks still fire at once).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organisation_id"]

    def __str__(self):
        return f"Preferences of {self.organisation}"


class NotificationKind(models.TextChoices):
    FINDING_CONFIRMED = "finding_confirmed", "Finding confirmed"
    TRACE_REQUEST = "trace_request", "Trace request"
    REMINDER = "reminder", "Reminder"
    TEST = "test", "Test event"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERING = "delivering", "Delivering"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class NotificationState(models.TextChoices):
    """The notification's state summarises its deliveries; `no_channel` means the organisation
    had no contacts or endpoints, so the notification is only readable through the API."""

    PENDING = "pending", "Pending"
    DELIVERING = "delivering", "Delivering"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    NO_CHANNEL = "no_channel", "No channel (API only)"


class Notification(models.Model):
    """One event for one organisation: the outbox row, written in the transaction that caused it."""

    organisation = models.ForeignKey(
        "catalog.Organisation", on_delete=models.CASCADE, related_name="notifications"
    )
    finding = models.ForeignKey(
        "forensics.Finding",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    payload = models.JSONField(help_text="The event as sent: built once, identical on every retry.")
    idempotency_key = models.CharField(max_length=200, unique=True)
    state = models.CharField(
        max_length=12,
        choices=NotificationState.choices,
        default=NotificationState.PENDING,
        db_index=True,
    )
    attempts = models.PositiveIntegerField(default=0, help_text="Attempts over all deliveries.")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-created_at"])]
        constraints = [
            # Two analysts confirming at the same moment still produce one notification.
            models.UniqueConstraint(
                fields=["organisation", "finding", "kind"],
                condition=Q(kind="finding_confirmed"),
                name="notification_one_per_confirmed_finding",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.organisation} ({self.idempotency_key})"


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", "E-mail"
    WEBHOOK = "webhook", "Webhook"
    DIGEST = "digest", "Daily digest e-mail"


class Delivery(models.Model):
    """One channel carrying one notification, retried with backoff until delivered or failed."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=8, choices=DeliveryChannel.choices)
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    state = models.CharField(
        max_length=12, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="Last time a task was sent for it; the sweep re-sends."
    )
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="No retry after this: the delivery is marked failed."
    )
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["endpoint", "-created_at"], name="delivery_endpoint_log"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "endpoint"],
                condition=Q(channel="webhook"),
                name="delivery_one_per_endpoint",
            ),
            models.UniqueConstraint(
                fields=["notification", "channel"],
                condition=~Q(channel="webhook"),
                name="delivery_one_per_mail_channel",
            ),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} of notification {self.notification_id}: {self.state}"


class AttemptOutcome(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    SUCCESS = "success", "Delivered"
    ERROR = "error", "Error"
    ABANDONED = "abandoned", "Abandoned (worker lost or timed out)"
    SUPERSEDED = "superseded", "Finished after another worker took over"


class DeliveryAttempt(models.Model):
    """Every try, logged when it starts, so an attempt cut short by a killed worker still shows."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=12, choices=AttemptOutcome.choices, default=AttemptOutcome.IN_PROGRESS
    )
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    claim_token = models.CharField(max_length=32)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["delivery", "at"])]

    def __str__(self):
        return (
            f"Attempt on delivery {self.delivery_id} at {self.at:%Y-%m-%d %H:%M:%S}: {self.outcome}"
        )
