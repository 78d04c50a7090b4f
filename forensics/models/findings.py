"""Findings: one component observed in a recovery, its marking, and what it was resolved to."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from forensics.roles import ADMIN, ANALYST, has_role, is_manufacturer, organisation_of, roles_of
from forensics.scoping import ScopedQuerySet

from .weapons import SHARED_WITH_MANUFACTURERS, SHARED_WITH_USERS


class FindingStatus(models.TextChoices):
    UNRESOLVED = "unresolved", "Unresolved"
    PROPOSED = "proposed", "Proposed"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"
    UNIDENTIFIABLE = "unidentifiable", "Unidentifiable"


def organisation_family(user, org) -> list[int]:
    """Ids of `org` and the brands it owns, cached on the user object (one query per request).

    A literal id list rather than a join or subquery lets PostgreSQL plan with the manufacturer
    column's statistics: a manufacturer's few hundred findings are fetched by index, not found
    by walking the whole table in date order.
    """
    cached = getattr(user, "_org_family_cache", None)
    if cached is None or cached[0] != org.pk:
        from catalog.models import Organisation

        ids = Organisation.objects.filter(Q(pk=org.pk) | Q(owner=org)).values_list("pk", flat=True)
        cached = (org.pk, list(ids))
        user._org_family_cache = cached
    return cached[1]


class FindingQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Analysts/admins: everything. Manufacturers: *confirmed* findings matched to their
        organisation or a brand it owns, in recoveries shared at AMBER or wider (a proposal is the
        resolver's guess, which may name the wrong company: it would show one maker's evidence to
        another). Other roles: GREEN and CLEAR. Nobody else: nothing.

        Photos, recoveries, comments, statistics, exports and the portal reach a manufacturer's
        findings through this method, so the rule holds for all of them."""
        if has_role(user, ANALYST, ADMIN):
            return self
        if is_manufacturer(user):
            org = organisation_of(user)
            if org is None:
                return self.none()
            return self.filter(
                manufacturer_id__in=organisation_family(user, org),
                status=FindingStatus.CONFIRMED,
                recovery__sharing__in=SHARED_WITH_MANUFACTURERS,
            )
        if roles_of(user):
            return self.filter(recovery__sharing__in=SHARED_WITH_USERS)
        return self.none()


LISTED_PHOTOS = "listed_photos"
"""Where lists put a finding's prefetched photo links (`Prefetch(..., to_attr=LISTED_PHOTOS)`): a
plain list, not a related manager's queryset cloned for every row."""


class Finding(models.Model):
    recovery = models.ForeignKey(
        "forensics.Recovery", on_delete=models.PROTECT, related_name="findings"
    )
    external_id = models.CharField(
        max_length=120, unique=True, null=True, blank=True, help_text="Key of an import source."
    )
    photos = models.ManyToManyField(
        "forensics.Photo", through="FindingPhoto", related_name="findings", blank=True
    )
    board = models.CharField(max_length=120, blank=True)
    module = models.CharField(max_length=120, blank=True)
    position = models.CharField(max_length=40, blank=True, help_text="Reference designator.")
    marking = models.TextField(help_text="The marking as transcribed: the source of truth.")
    category = models.CharField(max_length=120, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    part = models.ForeignKey(
        "catalog.Part", null=True, blank=True, on_delete=models.PROTECT, related_name="findings"
    )
    manufacturer = models.ForeignKey(
        "catalog.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    candidates = models.JSONField(
        default=list, blank=True, help_text="Resolver candidates as they were when proposed."
    )
    resolution = models.CharField(
        max_length=12, blank=True, help_text="Resolver status: confident, ambiguous or unknown."
    )
    status = models.CharField(
        max_length=16,
        choices=FindingStatus.choices,
        default=FindingStatus.UNRESOLVED,
        db_index=True,
    )
    confidence = models.FloatField(null=True, blank=True)
    date_code = models.CharField(max_length=40, blank=True)
    date_code_rule = models.CharField(max_length=40, blank=True)
    manufactured_from = models.DateField(null=True, blank=True)
    manufactured_to = models.DateField(null=True, blank=True)
    after_export_controls = models.BooleanField(default=False)
    possibly_after_export_controls = models.BooleanField(default=False)
    lot_code = models.CharField(max_length=60, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    notes = models.TextField(blank=True)
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(
        null=True, blank=True, help_text="When the resolver last ran on this marking."
    )
    marking_changed_at = models.DateTimeField(
        default=timezone.now,
        help_text="When the marking was last set; unresolved rows resolved before it are the outbox.",
    )
    resolve_attempts = models.PositiveIntegerField(
        default=0,
        help_text="Resolver runs for the current marking (the sweep gives up after a few).",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recovery", "status"]),
            models.Index(fields=["manufacturer", "status"]),
            models.Index(fields=["part"]),
            models.Index(fields=["confidence"], name="finding_confidence"),
            models.Index(fields=["manufactured_from"], name="finding_manufactured_from"),
            # "Made after the controls", alone or for a maker, an owner's brands or a country (a
            # literal id list): counted by an index-only scan.
            models.Index(
                fields=["after_export_controls", "manufacturer"], name="finding_after_maker"
            ),
            # "Made after" filters and their counts: an index-only range scan, not a table scan.
            models.Index(fields=["manufactured_to", "recovery"], name="finding_manufactured_to"),
            # Statistics and counts read only these columns: an index-only scan on PostgreSQL.
            models.Index(
                fields=[
                    "status",
                    "manufacturer",
                    "part",
                    "recovery",
                    "after_export_controls",
                    "possibly_after_export_controls",
                    "manufactured_to",
                ],
                name="finding_stats_cover",
            ),
        ]

    def __str__(self):
        return f"Finding {self.pk}: {self.marking[:60]}"

    def photo_links(self) -> list:
        """The finding's photo links, oldest first: the list a page prefetched, else one query."""
        listed = getattr(self, LISTED_PHOTOS, None)
        if listed is not None:
            return listed
        return list(self.finding_photos.order_by("id"))


class FindingPhoto(models.Model):
    """A photo showing the finding, with an optional crop box in pixels of the original."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="finding_photos")
    photo = models.ForeignKey("forensics.Photo", on_delete=models.PROTECT, related_name="+")
    crop_x = models.PositiveIntegerField(null=True, blank=True)
    crop_y = models.PositiveIntegerField(null=True, blank=True)
    crop_width = models.PositiveIntegerField(null=True, blank=True)
    crop_height = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["finding", "photo"], name="finding_photo_unique"),
        ]

    def __str__(self):
        return f"Finding {self.finding_id} on photo {self.photo_id}"
