"""Evidence photos: the original is kept byte for byte; everything shown is a derived, stripped copy."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from forensics.roles import ADMIN, ANALYST, has_role, is_manufacturer, roles_of
from forensics.scoping import ScopedQuerySet

from .weapons import SHARED_WITH_MANUFACTURERS, SHARED_WITH_USERS


class PhotoState(models.TextChoices):
    PENDING = "pending", "Waiting for processing"
    PROCESSING = "processing", "Processing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class PhotoQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        if has_role(user, ANALYST, ADMIN):
            return self
        if is_manufacturer(user):
            from .findings import Finding

            ids = Finding.objects.visible_to(user).values("photos")
            return self.filter(pk__in=ids, recovery__sharing__in=SHARED_WITH_MANUFACTURERS)
        if roles_of(user):
            return self.filter(recovery__sharing__in=SHARED_WITH_USERS)
        return self.none()


def original_path(instance, filename):
    return f"evidence/originals/{instance.recovery_id}/{instance.sha256 or 'upload'}-{filename}"


def derived_path(instance, filename):
    return f"evidence/derived/{instance.recovery_id}/{filename}"


class Photo(models.Model):
    recovery = models.ForeignKey(
        "forensics.Recovery", on_delete=models.PROTECT, related_name="photos"
    )
    original = models.FileField(upload_to=original_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(
        max_length=40, help_text="Image type detected from the content."
    )
    sha256 = models.CharField(max_length=64, db_index=True)
    size_bytes = models.BigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    exif = models.JSONField(
        default=dict, blank=True, help_text="The original's EXIF (analysts only)."
    )
    thumbnail = models.ImageField(upload_to=derived_path, max_length=300, blank=True)
    display = models.ImageField(upload_to=derived_path, max_length=300, blank=True)
    phash = models.CharField(
        max_length=16,
        blank=True,
        help_text="pHash (hex) of the upright image (EXIF orientation applied).",
    )
    phash_rotations = models.JSONField(
        default=list, blank=True, help_text="pHash at 0, 90, 180 and 270 degrees (hex)."
    )
    # The 64-bit pHash in four 16-bit bands, each indexed: near-duplicate search probes these
    # instead of scanning every photo (see forensics.services.evidence.find_duplicates).
    phash_band0 = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    phash_band1 = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    phash_band2 = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    phash_band3 = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    state = models.CharField(
        max_length=12, choices=PhotoState.choices, default=PhotoState.PENDING, db_index=True
    )
    state_changed_at = models.DateTimeField(
        default=timezone.now, help_text="When the state last changed: the sweep finds stuck photos."
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    caption = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        ordering = ["recovery_id", "id"]
        indexes = [models.Index(fields=["state", "state_changed_at"])]

    def __str__(self):
        return f"Photo {self.pk} ({self.original_name})"


class PhotoDuplicate(models.Model):
    """`photo` looks like `other` (pHash Hamming distance over any rotation)."""

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="duplicate_links")
    other = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="+")
    distance = models.PositiveSmallIntegerField()
    exact = models.BooleanField(default=False, help_text="Same SHA-256: the very same file.")

    class Meta:
        ordering = ["distance"]
        constraints = [
            models.UniqueConstraint(fields=["photo", "other"], name="photo_duplicate_unique"),
        ]

    def __str__(self):
        return f"Photo {self.photo_id} ~ photo {self.other_id} (distance {self.distance})"
