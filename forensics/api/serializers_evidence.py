"""Serializers for weapon systems, recoveries, custody events and photos.

Each record has a full form and a redacted one; which one a response uses is decided only by
`forensics.api.base.clearance` through the viewsets' `serializer_classes`. Redacted forms list
their fields explicitly, so a field added to a model never leaks by default.
"""

from datetime import date

from django.urls import reverse
from rest_framework import serializers

from forensics.models import (
    CustodyEvent,
    Photo,
    PhotoDuplicate,
    Recovery,
    WeaponSystem,
)


class AliasNamesField(serializers.ListField):
    """Alias names in, alias names out (read from the prefetched `aliases`)."""

    def to_representation(self, data):
        return [alias.name for alias in data.all()]


class WeaponSystemSerializer(serializers.ModelSerializer):
    aliases = AliasNamesField(
        child=serializers.CharField(max_length=120),
        required=False,
        help_text="Other names; replaces the list when sent. The name is always an alias.",
    )
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    recovery_count = serializers.IntegerField(read_only=True)
    slug = serializers.SlugField(max_length=140, required=False)

    class Meta:
        model = WeaponSystem
        fields = [
            "id",
            "name",
            "slug",
            "kind",
            "kind_label",
            "country",
            "description",
            "aliases",
            "recovery_count",
        ]

    def validate_country(self, value):
        value = value.strip().upper()
        if value and (len(value) != 2 or not value.isalpha()):
            raise serializers.ValidationError("Use an ISO-2 country code such as RU.")
        return value


class RecoverySerializer(serializers.ModelSerializer):
    """Everything about a recovery: analysts and admins write it, internal roles read it."""

    weapon_system = serializers.PrimaryKeyRelatedField(queryset=WeaponSystem.objects.all())
    weapon_system_name = serializers.CharField(source="weapon_system.name", read_only=True)
    reference = serializers.CharField(
        max_length=80, required=False, help_text="Generated (REC-<year>-<hex>) when left out."
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    photo_count = serializers.IntegerField(read_only=True)
    finding_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Recovery
        fields = [
            "id",
            "reference",
            "external_id",
            "weapon_system",
            "weapon_system_name",
            "serial_number",
            "recovered_on",
            "oblast",
            "location",
            "latitude",
            "longitude",
            "location_precision",
            "recovering_unit",
            "source",
            "source_url",
            "notes",
            "sharing",
            "photo_count",
            "finding_count",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["external_id", "created_by", "created_at", "updated_at"]

    def validate_recovered_on(self, value):
        if value and value > date.today():
            raise serializers.ValidationError("The recovery date cannot be in the future.")
        return value

    def validate_latitude(self, value):
        if value is not None and not -90 <= value <= 90:
            raise serializers.ValidationError("Latitude is between -90 and 90.")
        return value

    def validate_longitude(self, value):
        if value is not None and not -180 <= value <= 180:
            raise serializers.ValidationError("Longitude is between -180 and 180.")
        return value

    def validate(self, attrs):
        instance = self.instance
        latitude = attrs.get("latitude", getattr(instance, "latitude", None))
        longitude = attrs.get("longitude", getattr(instance, "longitude", None))
        if (latitude is None) != (longitude is None):
            raise serializers.ValidationError(
                {"latitude": "Give both latitude and longitude, or neither."}
            )
        return attrs


class RedactedRecoverySerializer(serializers.ModelSerializer):
    """What a manufacturer's officer sees: the weapon, when and which oblast; never who recovered
    it, the source, coordinates, the place description or the analysts' notes."""

    weapon_system_name = serializers.CharField(source="weapon_system.name", read_only=True)
    photo_count = serializers.IntegerField(read_only=True)
    finding_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Recovery
        fields = [
            "id",
            "reference",
            "weapon_system",
            "weapon_system_name",
            "serial_number",
            "recovered_on",
            "oblast",
            "sharing",
            "photo_count",
            "finding_count",
        ]
        read_only_fields = fields


class CustodyEventSerializer(serializers.ModelSerializer):
    at = serializers.DateTimeField(required=False, help_text="Defaults to now.")

    class Meta:
        model = CustodyEvent
        fields = ["id", "at", "action", "location", "note", "actor_name", "created_at"]
        read_only_fields = ["actor_name", "created_at"]


class PhotoDuplicateSerializer(serializers.ModelSerializer):
    photo = serializers.IntegerField(source="other_id", read_only=True)

    class Meta:
        model = PhotoDuplicate
        fields = ["photo", "distance", "exact"]
        read_only_fields = fields


class _PhotoLinks:
    """Addresses of the served images (authenticated views, never public media URLs)."""

    def _link(self, photo, name) -> str:
        request = self.context.get("request")
        path = reverse(f"photo-{name}", args=[photo.pk])
        return request.build_absolute_uri(path) if request else path

    def get_thumbnail_url(self, photo) -> str | None:
        return self._link(photo, "thumbnail") if photo.thumbnail else None

    def get_display_url(self, photo) -> str | None:
        return self._link(photo, "display") if photo.display else None

    def get_original_url(self, photo) -> str:
        return self._link(photo, "original")


class PhotoSerializer(_PhotoLinks, serializers.ModelSerializer):
    """Analysts and admins: the original's EXIF, its address, duplicates and processing state."""

    thumbnail_url = serializers.SerializerMethodField()
    display_url = serializers.SerializerMethodField()
    original_url = serializers.SerializerMethodField()
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    duplicates = PhotoDuplicateSerializer(source="duplicate_links", many=True, read_only=True)

    class Meta:
        model = Photo
        fields = [
            "id",
            "recovery",
            "original_name",
            "content_type",
            "sha256",
            "size_bytes",
            "width",
            "height",
            "caption",
            "state",
            "error",
            "attempts",
            "phash",
            "duplicates",
            "exif",
            "thumbnail_url",
            "display_url",
            "original_url",
            "uploaded_by",
            "uploaded_at",
            "processed_at",
        ]
        read_only_fields = [name for name in fields if name != "caption"]


class InternalPhotoSerializer(_PhotoLinks, serializers.ModelSerializer):
    """Curators and researchers: the record and the derived images; no EXIF, no original."""

    thumbnail_url = serializers.SerializerMethodField()
    display_url = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = [
            "id",
            "recovery",
            "original_name",
            "content_type",
            "sha256",
            "size_bytes",
            "width",
            "height",
            "caption",
            "state",
            "thumbnail_url",
            "display_url",
            "uploaded_at",
            "processed_at",
        ]
        read_only_fields = fields


class RedactedPhotoSerializer(_PhotoLinks, serializers.ModelSerializer):
    """Manufacturers' officers: the derived (stripped) images and their size, nothing else (not
    even the caption, which analysts write for each other)."""

    thumbnail_url = serializers.SerializerMethodField()
    display_url = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = ["id", "recovery", "width", "height", "state", "thumbnail_url", "display_url"]
        read_only_fields = fields


class PhotoUploadSerializer(serializers.Serializer):
    """Multipart form: one or many `files` (the field may repeat), an optional shared caption."""

    files = serializers.ListField(child=serializers.FileField(allow_empty_file=True), min_length=1)
    caption = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
