"""Finding serializers: one full view (analysts and other internal roles) and one redacted view.

Which one a user gets is decided in one place, `finding_serializer_for(user)`, from the user's
`clearance` (forensics.api.base), as for recoveries and photos. The redacted view is
what manufacturers' compliance officers see: no recovering unit, source, exact location, original
EXIF, analyst identities, notes or the resolver's other candidates (they name other makers).
"""

from rest_framework import serializers

from catalog.api.serializers import OrganisationRefSerializer
from catalog.models import Organisation, Part
from forensics.api.base import (
    ANALYST_CLEARANCE,
    INTERNAL_CLEARANCE,
    MANUFACTURER_CLEARANCE,
    clearance,
)
from forensics.models import Finding, FindingPhoto, Photo, Recovery, WeaponSystem
from forensics.models.findings import LISTED_PHOTOS

MAX_MARKING_LENGTH = 2000


class PhotoLinkListSerializer(serializers.ListSerializer):
    """Reads a finding's photo links from the list's prefetched plain list when it is there
    (`Prefetch(..., to_attr=LISTED_PHOTOS)`), else from the related manager as usual."""

    def get_attribute(self, instance):
        listed = getattr(instance, LISTED_PHOTOS, None)
        return listed if listed is not None else super().get_attribute(instance)


class WeaponSystemRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = WeaponSystem
        fields = ["id", "name", "kind"]


class RecoveryRefSerializer(serializers.ModelSerializer):
    weapon_system = WeaponSystemRefSerializer(read_only=True)

    class Meta:
        model = Recovery
        fields = ["id", "reference", "weapon_system", "recovered_on", "oblast", "sharing"]


class PartRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Part
        fields = ["id", "mpn", "hs_code", "chpl_tier"]


class FindingPhotoSerializer(serializers.ModelSerializer):
    """A photo showing the finding, with an optional crop box in pixels of the original."""

    photo = serializers.PrimaryKeyRelatedField(queryset=Photo.objects.all())
    thumbnail = serializers.ImageField(source="photo.thumbnail", read_only=True)
    display = serializers.ImageField(source="photo.display", read_only=True)

    class Meta:
        model = FindingPhoto
        fields = ["photo", "crop_x", "crop_y", "crop_width", "crop_height", "thumbnail", "display"]
        list_serializer_class = PhotoLinkListSerializer


class FindingSerializer(serializers.ModelSerializer):
    """The full finding, as analysts (and curators, researchers) see it. Analysts write it."""

    recovery = serializers.PrimaryKeyRelatedField(queryset=Recovery.objects.all())
    recovery_detail = RecoveryRefSerializer(source="recovery", read_only=True)
    part_detail = PartRefSerializer(source="part", read_only=True)
    manufacturer_detail = OrganisationRefSerializer(source="manufacturer", read_only=True)
    owner = OrganisationRefSerializer(
        source="manufacturer.effective_owner", read_only=True, allow_null=True
    )
    photos = FindingPhotoSerializer(source="finding_photos", many=True, required=False)
    analyst = serializers.SlugRelatedField(slug_field="username", read_only=True)
    confirmed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "recovery",
            "recovery_detail",
            "external_id",
            "board",
            "module",
            "position",
            "marking",
            "category",
            "quantity",
            "status",
            "part",
            "part_detail",
            "manufacturer",
            "manufacturer_detail",
            "owner",
            "confidence",
            "resolution",
            "candidates",
            "date_code",
            "date_code_rule",
            "manufactured_from",
            "manufactured_to",
            "after_export_controls",
            "possibly_after_export_controls",
            "lot_code",
            "source_url",
            "notes",
            "photos",
            "analyst",
            "confirmed_by",
            "confirmed_at",
            "resolved_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "external_id",
            "status",
            "part",
            "manufacturer",
            "confidence",
            "resolution",
            "candidates",
            "date_code",
            "date_code_rule",
            "manufactured_from",
            "manufactured_to",
            "after_export_controls",
            "possibly_after_export_controls",
            "lot_code",
            "confirmed_at",
            "resolved_at",
            "created_at",
            "updated_at",
        ]

    def validate_marking(self, value):
        value = value.strip()
        if not value:
            raise serializers.ValidationError("Write the marking as it is printed on the part.")
        if len(value) > MAX_MARKING_LENGTH:
            raise serializers.ValidationError(
                f"A marking is at most {MAX_MARKING_LENGTH} characters."
            )
        if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
            raise serializers.ValidationError("The marking contains control characters.")
        return value

    def validate_quantity(self, value):
        if value < 1:
            raise serializers.ValidationError("The quantity is at least 1.")
        return value


class RedactedFindingPhotoSerializer(serializers.ModelSerializer):
    """Only the derived images (metadata stripped), never the original or its EXIF."""

    thumbnail = serializers.ImageField(source="photo.thumbnail", read_only=True)
    display = serializers.ImageField(source="photo.display", read_only=True)

    class Meta:
        model = FindingPhoto
        fields = ["photo", "crop_x", "crop_y", "crop_width", "crop_height", "thumbnail", "display"]
        list_serializer_class = PhotoLinkListSerializer
        read_only_fields = fields


class RedactedFindingSerializer(serializers.ModelSerializer):
    """What a manufacturer's compliance officer sees of a finding matched to their organisation."""

    recovery = RecoveryRefSerializer(read_only=True)
    part_detail = PartRefSerializer(source="part", read_only=True)
    manufacturer_detail = OrganisationRefSerializer(source="manufacturer", read_only=True)
    owner = OrganisationRefSerializer(
        source="manufacturer.effective_owner", read_only=True, allow_null=True
    )
    photos = RedactedFindingPhotoSerializer(source="finding_photos", many=True, read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "recovery",
            "board",
            "module",
            "position",
            "marking",
            "category",
            "quantity",
            "status",
            "part",
            "part_detail",
            "manufacturer",
            "manufacturer_detail",
            "owner",
            "confidence",
            "date_code",
            "date_code_rule",
            "manufactured_from",
            "manufactured_to",
            "after_export_controls",
            "possibly_after_export_controls",
            "lot_code",
            "photos",
            "confirmed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


SERIALIZER_BY_CLEARANCE = {
    ANALYST_CLEARANCE: FindingSerializer,
    INTERNAL_CLEARANCE: FindingSerializer,
    MANUFACTURER_CLEARANCE: RedactedFindingSerializer,
}


def finding_serializer_for(user) -> type[serializers.ModelSerializer]:
    """The one place that picks what a role sees of a finding (by `clearance`, as evidence does)."""
    return SERIALIZER_BY_CLEARANCE[clearance(user)]


class ConfirmSerializer(serializers.Serializer):
    """Confirm the proposal, or pick another candidate / correct it with a part or manufacturer."""

    part = serializers.PrimaryKeyRelatedField(
        queryset=Part.objects.select_related("manufacturer"), required=False, allow_null=True
    )
    manufacturer = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True
    )


class VerdictSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
