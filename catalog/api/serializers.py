"""Catalog serializers: shape and format checks only.

Cross-row rules (one spelling names one organisation, one part per normalised MPN, no ownership
cycles...) live in the models' `clean` methods and run when catalog.services saves, so the admin and
the API refuse the same things with the same messages.
"""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from catalog.models import (
    DistributorOffer,
    MarkingCode,
    Organisation,
    OrganisationAlias,
    Ownership,
    Part,
    SupplyLink,
)


@extend_schema_serializer(component_name="CatalogOrganisationRef")
class OrganisationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "country"]


@extend_schema_serializer(component_name="CatalogPartRef")
class PartRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Part
        fields = ["id", "mpn", "manufacturer"]


class OrganisationSerializer(serializers.ModelSerializer):
    aliases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    owner = OrganisationRefSerializer(
        read_only=True, help_text="Current ultimate owner, derived from the ownerships."
    )
    roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    slug = serializers.SlugField(
        required=False, max_length=220, help_text="Generated from the name when left out."
    )
    identifiers = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="Registration/tax numbers, LEI, CAGE: {kind: value}.",
    )
    addresses = serializers.ListField(child=serializers.JSONField(), required=False)

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


class ManufacturerSerializer(OrganisationSerializer):
    is_manufacturer = serializers.BooleanField(read_only=True)
    part_count = serializers.IntegerField(read_only=True, help_text="Parts under its own name.")
    group_part_count = serializers.IntegerField(
        read_only=True, help_text="Its own parts plus those of the brands it owns."
    )
    brands = OrganisationRefSerializer(many=True, read_only=True)

    class Meta(OrganisationSerializer.Meta):
        fields = OrganisationSerializer.Meta.fields + ["part_count", "group_part_count", "brands"]


class OrganisationAliasSerializer(serializers.ModelSerializer):
    organisation_detail = OrganisationRefSerializer(source="organisation", read_only=True)

    class Meta:
        model = OrganisationAlias
        fields = ["id", "organisation", "organisation_detail", "name", "key"]
        read_only_fields = ["key"]
        validators: list = []  # uniqueness is by key, checked in OrganisationAlias.clean


class OwnershipSerializer(serializers.ModelSerializer):
    brand_detail = OrganisationRefSerializer(source="brand", read_only=True)
    owner_detail = OrganisationRefSerializer(source="owner", read_only=True)

    class Meta:
        model = Ownership
        fields = ["id", "brand", "brand_detail", "owner", "owner_detail", "start", "end", "note"]


class PartSerializer(serializers.ModelSerializer):
    manufacturer_detail = OrganisationRefSerializer(source="manufacturer", read_only=True)
    owner = OrganisationRefSerializer(
        source="manufacturer.owner",
        read_only=True,
        help_text="The manufacturer's current ultimate owner, if it was acquired.",
    )
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
        validators: list = []  # one part per normalised MPN: checked in Part.clean


class MarkingCodeSerializer(serializers.ModelSerializer):
    manufacturer_detail = OrganisationRefSerializer(source="manufacturer", read_only=True)
    part_detail = PartRefSerializer(source="part", read_only=True)

    class Meta:
        model = MarkingCode
        fields = [
            "id",
            "manufacturer",
            "manufacturer_detail",
            "code",
            "code_norm",
            "part",
            "part_detail",
            "package",
            "note",
        ]
        read_only_fields = ["code_norm"]
        validators: list = []  # matched on the normalised code: checked in MarkingCode.clean


class DistributorOfferSerializer(serializers.ModelSerializer):
    distributor_detail = OrganisationRefSerializer(source="distributor", read_only=True)
    part_detail = PartRefSerializer(source="part", read_only=True)

    class Meta:
        model = DistributorOffer
        fields = [
            "id",
            "distributor",
            "distributor_detail",
            "part",
            "part_detail",
            "sku",
            "is_authorized",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        validators: list = []

    def validate(self, attrs):
        distributor = attrs.get("distributor", getattr(self.instance, "distributor", None))
        sku = attrs.get("sku", getattr(self.instance, "sku", None))
        clash = DistributorOffer.objects.filter(distributor=distributor, sku=sku)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(
                {"sku": f"{distributor.name} already offers a part under SKU {sku}."}
            )
        return attrs


class SupplyLinkSerializer(serializers.ModelSerializer):
    seller_detail = OrganisationRefSerializer(source="seller", read_only=True)
    buyer_detail = OrganisationRefSerializer(source="buyer", read_only=True)
    part_detail = PartRefSerializer(source="part", read_only=True)

    class Meta:
        model = SupplyLink
        fields = [
            "id",
            "seller",
            "seller_detail",
            "buyer",
            "buyer_detail",
            "part",
            "part_detail",
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
            raise serializers.ValidationError(
                {"buyer": "A supply link joins two different organisations."}
            )
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"end_date": "The end date is before the start date."}
            )
        return attrs


class CatalogImportSerializer(serializers.Serializer):
    file = serializers.FileField()
    strict = serializers.BooleanField(default=False)
