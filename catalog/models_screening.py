"""Watch lists (the US Consolidated Screening List) and the hits of supply-chain parties on them.

A list is one `source` of the CSL file (Entity List, SDN, MEU...); importing a newer file replaces its
entries in one transaction. Hits are derived data, recomputed whenever a list or a party changes;
a curator's "false positive" verdict is a separate row keyed by the entry's stable `_id`, so it
survives both re-imports and re-screening. Read by analysts, curators and admins only: screening a
manufacturer's customers is never shown to the manufacturer.
"""

from django.conf import settings
from django.db import models

from forensics.roles import ADMIN, ANALYST, CURATOR, has_role
from forensics.scoping import ScopedQuerySet

SCREENING_READERS = (ANALYST, CURATOR, ADMIN)


def can_see_screening(user) -> bool:
    return has_role(user, *SCREENING_READERS)


class ScreeningQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        return self if can_see_screening(user) else self.none()


class ScreeningList(models.Model):
    """One source list of the CSL, as last imported."""

    source = models.CharField(max_length=300, unique=True, help_text="`source` column of the CSL.")
    code = models.CharField(max_length=20, blank=True, help_text="Abbreviation, e.g. EL, SDN.")
    file_name = models.CharField(max_length=300)
    file_sha256 = models.CharField(max_length=64)
    file_date = models.DateField(help_text="Date of the list file (its publication).")
    imported_at = models.DateTimeField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entry_count = models.PositiveIntegerField(default=0)

    objects = ScreeningQuerySet.as_manager()

    class Meta:
        ordering = ["source"]

    def __str__(self):
        return f"{self.code or self.source} ({self.file_date})"


class ScreeningEntry(models.Model):
    """One listed party: a row of the CSL file, its `;`-separated lists split."""

    screening_list = models.ForeignKey(
        ScreeningList, on_delete=models.CASCADE, related_name="entries"
    )
    uid = models.CharField(max_length=120, help_text="`_id` of the row, stable across versions.")
    entity_number = models.CharField(max_length=40, blank=True)
    entry_type = models.CharField(max_length=40, blank=True)
    name = models.CharField(max_length=1000)
    alt_names = models.JSONField(default=list, blank=True)
    addresses = models.JSONField(default=list, blank=True)
    programs = models.JSONField(default=list, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    federal_register_notice = models.CharField(max_length=500, blank=True)
    license_requirement = models.TextField(blank=True)
    license_policy = models.TextField(blank=True)
    remarks = models.TextField(blank=True)
    source_list_url = models.URLField(max_length=500, blank=True)
    source_information_url = models.URLField(max_length=500, blank=True)
    raw = models.JSONField(default=dict, help_text="The row as read, every column kept.")

    objects = ScreeningQuerySet.as_manager()

    class Meta:
        ordering = ["screening_list_id", "name", "id"]
        verbose_name_plural = "screening entries"
        constraints = [
            models.UniqueConstraint(fields=["screening_list", "uid"], name="screening_entry_uid"),
        ]

    def __str__(self):
        return self.name


class ScreeningKey(models.Model):
    """A spelling of an entry (its name or an alias), normalised, filed under one blocking key.

    Screening a party only scores the entries sharing a block with it, so 10,000 parties against
    10,000 entries is a few hundred thousand comparisons, not a hundred million.
    """

    entry = models.ForeignKey(ScreeningEntry, on_delete=models.CASCADE, related_name="keys")
    name = models.CharField(max_length=1000)
    key = models.CharField(max_length=1000)
    block = models.CharField(max_length=12, db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.block}: {self.key}"


class ScreeningHitQuerySet(ScreeningQuerySet):
    def active(self):
        return self.filter(false_positive=False)


class ScreeningHit(models.Model):
    """An organisation whose name or alias resembles a listed party above the threshold."""

    organisation = models.ForeignKey(
        "catalog.Organisation", on_delete=models.CASCADE, related_name="screening_hits"
    )
    entry = models.ForeignKey(ScreeningEntry, on_delete=models.CASCADE, related_name="hits")
    screening_list = models.ForeignKey(ScreeningList, on_delete=models.CASCADE, related_name="hits")
    score = models.FloatField()
    organisation_name = models.CharField(max_length=300, help_text="The spelling that matched.")
    entry_name = models.CharField(max_length=1000, help_text="The listed spelling it matched.")
    false_positive = models.BooleanField(
        default=False, help_text="Mirrors a curator's ScreeningDismissal for this entry."
    )
    screened_at = models.DateTimeField()  # when the hit was found or last changed

    objects = ScreeningHitQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "entry"], name="screening_hit_unique"),
        ]
        indexes = [models.Index(fields=["organisation", "false_positive"])]

    def __str__(self):
        return f"{self.organisation} ~ {self.entry_name} ({self.score:.0f})"


class ScreeningDismissal(models.Model):
    """A curator's verdict that an organisation is not a listed party: keyed by the entry's `_id`
    within its list, so it holds for every later version of the list."""

    organisation = models.ForeignKey(
        "catalog.Organisation", on_delete=models.CASCADE, related_name="screening_dismissals"
    )
    screening_list = models.ForeignKey(
        ScreeningList, on_delete=models.CASCADE, related_name="dismissals"
    )
    entry_uid = models.CharField(max_length=120)
    reason = models.TextField(blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField()

    objects = ScreeningQuerySet.as_manager()

    class Meta:
        ordering = ["-marked_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "screening_list", "entry_uid"],
                name="screening_dismissal_unique",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} is not {self.entry_uid} ({self.screening_list})"


class OrganisationScreening(models.Model):
    """The screening outbox: a row asks for (re-)screening an organisation; the task that screens
    it sets `screened_at`. Rows asked for but not screened are picked up by the sweep."""

    organisation = models.OneToOneField(
        "catalog.Organisation", on_delete=models.CASCADE, related_name="screening"
    )
    requested_at = models.DateTimeField()
    screened_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = ScreeningQuerySet.as_manager()

    class Meta:
        ordering = ["organisation_id"]

    def __str__(self):
        return f"Screening of {self.organisation_id}: {self.screened_at or 'pending'}"


__all__ = [
    "OrganisationScreening",
    "ScreeningDismissal",
    "ScreeningEntry",
    "ScreeningHit",
    "ScreeningKey",
    "ScreeningList",
    "can_see_screening",
]
