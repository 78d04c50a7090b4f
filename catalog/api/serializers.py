from django.utils.text import slugify
from rest_framework import serializers

from catalog.models import (
    DistributorOffer,
    Organisation,
    OrganisationAlias,
    Part,
    SupplyLink,
)


class OrganisationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "country"]


class OrganisationSerializer(serializers.ModelSerializer):
    aliases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    owner = OrganisationRefSerializer(read_only=True)
    roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    slug = serializers.SlugField(required=False)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "slug",
            "roles",
            "is_manufacturer",
            "is_authorized_distributor",
            "is_independent_distributor",
            "is_importer",
            "is_freight_forwarder",
            "is_end_user",
            "country",
            "website",
            "identifiers",
            "addresses",
            "mpn_family",
            "owner",
            "aliases",
            "needs_review",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate_country(self, value):
        if value and (len(value) != 2 or not value.isalpha()):
            raise serializers.ValidationError("Use an ISO 3166-1 alpha-2 code such as 'US'.")
        return value.upper()

    def validate(self, attrs):
        if not attrs.get("slug") and attrs.get("name"):
            attrs["slug"] = slugify(attrs["name"])[:200] or None
        return attrs


class ManufacturerSerializer(OrganisationSerializer):
    part_count = serializers.IntegerField(read_only=True)
    brands = OrganisationRefSerializer(many=True, read_only=True)

    class Meta(OrganisationSerializer.Meta):
        fields = OrganisationSerializer.Meta.fields + ["part_count", "brands"]


class OrganisationAliasSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrganisationAlias
        fields = ["id", "name"]


class PartSerializer(serializers.ModelSerializer):
    manufacturer_detail = OrganisationRefSerializer(source="manufacturer", read_only=True)
    owner = OrganisationRefSerializer(source="manufacturer.owner", read_only=True)
    offer_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Part
        fields = [
            "id",
            "manufacturer",
            "manufacturer_detail",
            "owner",
            "mpn",
            "mpn_norm",
            "mpn_base",
            "category",
            "family",
            "description",
            "hs_code",
            "chpl_tier",
            "eccn",
            "status",
            "datasheet",
            "offer_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["mpn_norm", "mpn_base", "chpl_tier", "created_at", "updated_at"]
        validators: list = []

    def validate_hs_code(self, value):
        if value and (len(value) != 6 or not value.isdigit()):
            raise serializers.ValidationError("An HS-6 code is six digits, e.g. 854231.")
        return value


class DistributorOfferSerializer(serializers.ModelSerializer):
    distributor_detail = OrganisationRefSerializer(source="distributor", read_only=True)
    part_mpn = serializers.CharField(source="part.mpn", read_only=True)

    class Meta:
        model = DistributorOffer
        fields = [
            "id",
            "distributor",
            "distributor_detail",
            "part",
            "part_mpn",
            "sku",
            "is_authorized",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class SupplyLinkSerializer(serializers.ModelSerializer):
    seller_detail = OrganisationRefSerializer(source="seller", read_only=True)
    buyer_detail = OrganisationRefSerializer(source="buyer", read_only=True)

    class Meta:
        model = SupplyLink
        fields = [
            "id",
            "seller",
            "seller_detail",
            "buyer",
            "buyer_detail",
            "part",
            "lot_code",
            "start_date",
            "end_date",
            "evidence_kind",
            "confidence",
            "source_reference",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["created_by", "created_at"]

    def validate(self, attrs):
        seller = attrs.get("seller", getattr(self.instance, "seller", None))
        buyer = attrs.get("buyer", getattr(self.instance, "buyer", None))
        if seller is not None and seller == buyer:
            raise serializers.ValidationError("A supply link joins two different organisations.")
        start, end = attrs.get("start_date"), attrs.get("end_date")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"end_date": "The end date is before the start date."}
            )
        return attrs


class CatalogImportSerializer(serializers.Serializer):
    file = serializers.FileField()
    strict = serializers.BooleanField(default=False)
