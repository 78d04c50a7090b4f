"""Trace requests (which distributor bought the lot of a part found in a weapon?), their answers,
reminders, and the manufacturer's right of reply on a finding.

A trace request goes to one organisation: first the manufacturer of the findings, then each
distributor named in an answer (a follow-up request whose `parent` is the request answered), so a
chain manufacturer → distributor → broker → importer is built one answer, and one supply link, at a
time. The state machine lives in forensics.services.traces.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from forensics.roles import ADMIN, ANALYST, has_role, is_manufacturer, organisation_of
from forensics.scoping import ScopedQuerySet


class TraceState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ANSWERED = "answered", "Answered"
    DECLINED = "declined", "Declined"
    OVERDUE = "overdue", "Overdue"
    CLOSED = "closed", "Closed"


class AnswerKind(models.TextChoices):
    FIRST_SALE = "first_sale", "First sale of the lot"
    NOT_TRACEABLE = "not_traceable", "Not traceable"


class NotTraceableReason(models.TextChoices):
    NO_LOT_CODE = "no_lot_code", "No lot code"
    COUNTERFEIT = "counterfeit", "Counterfeit"
    RECORDS_NOT_KEPT = "records_not_kept", "Records not kept"
    NOT_OUR_PART = "not_our_part", "Not our part"
    OTHER = "other", "Other"


def _own_and_brands(user) -> Q | None:
    """Q on `organisation` for an external user's organisation and the brands it owns."""
    org = organisation_of(user)
    if org is None:
        return None
    return Q(organisation=org) | Q(organisation__owner=org)


class TraceRequestQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Analysts and admins: all. A manufacturer's or distributor's user: the requests sent to
        their organisation (or a brand it owns), never drafts. Everyone else: none."""
        if has_role(user, ANALYST, ADMIN):
            return self
        if is_manufacturer(user):
            scope = _own_and_brands(user)
            if scope is None:
                return self.none()
            return self.filter(scope).exclude(state=TraceState.DRAFT)
        return self.none()


class TraceRequest(models.Model):
    organisation = models.ForeignKey(
        "catalog.Organisation",
        on_delete=models.PROTECT,
        related_name="trace_requests",
        help_text="The recipient: the manufacturer, or a distributor named in an earlier answer.",
    )
    manufacturer = models.ForeignKey(
        "catalog.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The brand the findings are matched to.",
    )
    recovery = models.ForeignKey(
        "forensics.Recovery", on_delete=models.PROTECT, related_name="trace_requests"
    )
    findings = models.ManyToManyField("forensics.Finding", related_name="trace_requests")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        help_text="The answered request that named this recipient.",
    )
    state = models.CharField(
        max_length=16, choices=TraceState.choices, default=TraceState.DRAFT, db_index=True
    )
    question = models.TextField()
    photo_ids = models.JSONField(
        default=list, blank=True, help_text="Photos of the findings shared (derived images only)."
    )
    request_data = models.JSONField(
        default=dict,
        blank=True,
        help_text="What is asked, as sent: frozen when the request is sent.",
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TraceRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "sent_at"]),
            models.Index(fields=["organisation", "state"]),
        ]

    def __str__(self):
        return f"Trace request {self.pk} to {self.organisation_id} ({self.state})"


class TraceAnswer(models.Model):
    """The recipient's answer: who first bought the lot, or why it cannot be traced."""

    trace_request = models.OneToOneField(
        TraceRequest, on_delete=models.CASCADE, related_name="answer"
    )
    kind = models.CharField(max_length=16, choices=AnswerKind.choices)
    distributor = models.ForeignKey(
        "catalog.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The first buyer of the lot.",
    )
    distributor_created = models.BooleanField(
        default=False, help_text="The distributor was created by this answer (needs review)."
    )
    sale_date = models.DateField(null=True, blank=True)
    quantity = models.PositiveIntegerField(null=True, blank=True)
    invoice_reference = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=20, choices=NotTraceableReason.choices, blank=True)
    reason_text = models.TextField(blank=True)
    note = models.TextField(blank=True)
    supply_links = models.ManyToManyField("catalog.SupplyLink", related_name="trace_answers")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField()

    def __str__(self):
        return f"Answer to trace request {self.trace_request_id}: {self.kind}"


class TraceReminder(models.Model):
    """A reminder due N days after sending; the unique row makes sending it idempotent. A reminder
    overtaken by a later one (the beat was down) is recorded as skipped, not sent."""

    trace_request = models.ForeignKey(
        TraceRequest, on_delete=models.CASCADE, related_name="reminders"
    )
    day = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()
    skipped = models.BooleanField(default=False)
    notification = models.ForeignKey(
        "forensics.Notification",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["trace_request_id", "day"]
        constraints = [
            models.UniqueConstraint(fields=["trace_request", "day"], name="trace_reminder_once"),
        ]

    def __str__(self):
        return f"Day-{self.day} reminder of trace request {self.trace_request_id}"


class FindingCommentQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Analysts and admins: all. A manufacturer's user: its organisation's thread on findings
        it can see. Nobody else."""
        if has_role(user, ANALYST, ADMIN):
            return self
        if is_manufacturer(user):
            scope = _own_and_brands(user)
            if scope is None:
                return self.none()
            from .findings import Finding

            return self.filter(scope, finding__in=Finding.objects.visible_to(user))
        return self.none()


class FindingComment(models.Model):
    """The right of reply: a manufacturer comments on how a finding describes its part (and an
    analyst may answer in the same thread). Append-only."""

    finding = models.ForeignKey(
        "forensics.Finding", on_delete=models.CASCADE, related_name="comments"
    )
    organisation = models.ForeignKey(
        "catalog.Organisation",
        on_delete=models.CASCADE,
        related_name="finding_comments",
        help_text="The manufacturer whose thread this is.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=150)
    from_manufacturer = models.BooleanField(default=True)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FindingCommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["finding", "organisation"])]

    def __str__(self):
        return f"Comment {self.pk} on finding {self.finding_id}"
