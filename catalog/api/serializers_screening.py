"""Screening list and hit serializers (read-only but for the curator's false-positive verdict)."""

from rest_framework import serializers

from catalog.models import ScreeningEntry, ScreeningHit, ScreeningList

from .serializers import OrganisationRefSerializer


class ScreeningListSerializer(serializers.ModelSerializer):
    hit_count = serializers.IntegerField(
        read_only=True, help_text="Hits on this list not marked false positive."
    )
    imported_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ScreeningList
        fields = [
            "id",
            "source",
            "code",
            "file_name",
            "file_sha256",
            "file_date",
            "imported_at",
            "imported_by",
            "entry_count",
            "hit_count",
        ]
        read_only_fields = fields


class ScreeningEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = ScreeningEntry
        fields = [
            "id",
            "uid",
            "entity_number",
            "entry_type",
            "name",
            "alt_names",
            "addresses",
            "programs",
            "start_date",
            "end_date",
            "federal_register_notice",
            "license_requirement",
            "license_policy",
            "remarks",
            "source_list_url",
            "source_information_url",
        ]
        read_only_fields = fields


class ScreeningListRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScreeningList
        fields = ["id", "code", "source", "file_date"]
        read_only_fields = fields


class ScreeningHitSerializer(serializers.ModelSerializer):
    organisation_detail = OrganisationRefSerializer(source="organisation", read_only=True)
    screening_list = ScreeningListRefSerializer(read_only=True)
    entry = ScreeningEntrySerializer(read_only=True)

    class Meta:
        model = ScreeningHit
        fields = [
            "id",
            "organisation",
            "organisation_detail",
            "organisation_name",
            "entry_name",
            "score",
            "false_positive",
            "screening_list",
            "entry",
            "screened_at",
        ]
        read_only_fields = fields


class FalsePositiveSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
