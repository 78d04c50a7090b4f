"""Weapon systems, recovered items and their chain of custody."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from forensics.roles import ADMIN, ANALYST, has_role, is_manufacturer, roles_of
from forensics.scoping import ScopedQuerySet


class WeaponKind(models.TextChoices):
    CRUISE_MISSILE = "cruise_missile", "Cruise missile"
    BALLISTIC_MISSILE = "ballistic_missile", "Ballistic missile"
    GLIDE_BOMB = "glide_bomb", "Glide bomb"
    ATTACK_UAV = "attack_uav", "Attack UAV"
    RECON_UAV = "recon_uav", "Reconnaissance UAV"
    LOITERING_MUNITION = "loitering_munition", "Loitering munition"
    RADIO_EW = "radio_ew", "Radio/EW equipment"
    VEHICLE = "vehicle", "Vehicle"
    OTHER = "other", "Other"


class WeaponSystem(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)
    kind = models.CharField(max_length=24, choices=WeaponKind.choices, default=WeaponKind.OTHER)
    country = models.CharField(max_length=2, blank=True, help_text="Country of origin, ISO-2.")
    description = models.TextField(blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class WeaponSystemAlias(models.Model):
    """Another name for a system (`Geran-2` is `Shahed-136`), matched by its normalised key."""

    weapon_system = models.ForeignKey(
        WeaponSystem, on_delete=models.CASCADE, related_name="aliases"
    )
    name = models.CharField(max_length=120)
    key = models.CharField(max_length=140, unique=True)
    in_text = models.BooleanField(
        default=True,
        help_text=(
            "Also recognised inside longer names and slugs. Off for generic words "
            "(`Orion` names a drone and a GNSS receiver), which then match only exactly."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "weapon system aliases"

    def __str__(self):
        return self.name


class Sharing(models.TextChoices):
    """Traffic Light Protocol: who may see a recovery and everything found in it."""

    RED = "red", "TLP:RED (internal only)"
    AMBER = "amber", "TLP:AMBER (shared with notified manufacturers)"
    GREEN = "green", "TLP:GREEN (all registered users)"
    CLEAR = "clear", "TLP:CLEAR (public statistics)"


SHARED_WITH_MANUFACTURERS = (Sharing.AMBER, Sharing.GREEN, Sharing.CLEAR)
SHARED_WITH_USERS = (Sharing.GREEN, Sharing.CLEAR)


class LocationPrecision(models.TextChoices):
    EXACT = "exact", "Exact (within 100 m)"
    KM = "km", "Within about 1 km"
    SETTLEMENT = "settlement", "Settlement"
    DISTRICT = "district", "District (raion)"
    OBLAST = "oblast", "Oblast only"
    UNKNOWN = "unknown", "Unknown"


class RecoveryQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Analysts and admins see all; other roles see what the sharing level opens to them.

        Manufacturers see a recovery only through findings matched to them (see FindingQuerySet);
        here they get the AMBER-or-wider recoveries that hold such a finding.
        """
        if has_role(user, ANALYST, ADMIN):
            return self
        if is_manufacturer(user):
            from .findings import Finding

            ids = Finding.objects.visible_to(user).values("recovery_id")
            return self.filter(pk__in=ids, sharing__in=SHARED_WITH_MANUFACTURERS)
        if roles_of(user):
            return self.filter(sharing__in=SHARED_WITH_USERS)
        return self.none()


class Recovery(models.Model):
    """One recovered item (a missile, a drone, a radio) as examined."""

    reference = models.CharField(max_length=80, unique=True, help_text="Case reference.")
    external_id = models.CharField(
        max_length=200, unique=True, null=True, blank=True, help_text="Key of an import source."
    )
    weapon_system = models.ForeignKey(
        WeaponSystem, on_delete=models.PROTECT, related_name="recoveries"
    )
    serial_number = models.CharField(max_length=120, blank=True, help_text="Serial or tail number.")
    recovered_on = models.DateField(null=True, blank=True)
    oblast = models.CharField(max_length=60, blank=True)
    location = models.CharField(max_length=200, blank=True, help_text="Coarse place description.")
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    location_precision = models.CharField(
        max_length=12, choices=LocationPrecision.choices, default=LocationPrecision.UNKNOWN
    )
    recovering_unit = models.CharField(
        max_length=200, blank=True, help_text="Restricted: never shown to manufacturers."
    )
    source = models.CharField(
        max_length=300, blank=True, help_text="Restricted: never shown to manufacturers."
    )
    source_url = models.URLField(max_length=500, blank=True)
    notes = models.TextField(blank=True)
    sharing = models.CharField(
        max_length=8, choices=Sharing.choices, default=Sharing.RED, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RecoveryQuerySet.as_manager()

    class Meta:
        ordering = ["-recovered_on", "-id"]
        verbose_name_plural = "recoveries"

    def __str__(self):
        return f"{self.reference} ({self.weapon_system})"


class CustodyAction(models.TextChoices):
    RECOVERED = "recovered", "Recovered"
    RECEIVED = "received", "Received"
    TRANSFERRED = "transferred", "Transferred"
    PHOTOGRAPHED = "photographed", "Photographed"
    EXAMINED = "examined", "Examined"
    SAMPLED = "sampled", "Component removed"
    STORED = "stored", "Stored"
    RELEASED = "released", "Released"
    IMPORTED = "imported", "Imported from a published source"
    OTHER = "other", "Other"


class AnalystOnlyQuerySet(ScopedQuerySet):
    """Restricted material (custody, original EXIF): analysts and admins only."""

    def visible_to(self, user):
        return self if has_role(user, ANALYST, ADMIN) else self.none()


class CustodyEvent(models.Model):
    """One entry of a recovery's chain of custody. Append-only: never updated or deleted."""

    recovery = models.ForeignKey(Recovery, on_delete=models.PROTECT, related_name="custody")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=16, choices=CustodyAction.choices)
    location = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AnalystOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d} {self.get_action_display()} ({self.recovery.reference})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("allow_update", False):
            raise ValidationError("The custody log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("The custody log is append-only.")
