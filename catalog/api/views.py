from django.db import transaction
from django.db.models import Count, Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from catalog import services
from catalog.filters import (
    DistributorOfferFilterSet,
    OrganisationFilterSet,
    PartFilterSet,
    SupplyLinkFilterSet,
)
from catalog.models import DistributorOffer, Organisation, OrganisationAlias, Part, SupplyLink
from forensics.api.base import AuditedModelViewSet
from forensics.audit import record_change, snapshot
from forensics.roles import ADMIN, ANALYST, CURATOR, RESEARCHER

from .serializers import (
    DistributorOfferSerializer,
    ManufacturerSerializer,
    OrganisationSerializer,
    PartSerializer,
    SupplyLinkSerializer,
)

ALIASES = Prefetch("aliases", queryset=OrganisationAlias.objects.order_by("name"))


class OrganisationViewSet(AuditedModelViewSet):
    """Every party of a supply chain. Curators and admins write; manufacturers see only their own."""

    queryset = Organisation.objects.select_related("owner").prefetch_related(ALIASES)
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilterSet
    ordering_fields = ["name", "country", "created_at"]

    def perform_create(self, serializer):
        with transaction.atomic():
            if not serializer.validated_data.get("slug"):
                serializer.validated_data["slug"] = services.unique_slug(
                    serializer.validated_data["name"]
                )
            org = serializer.save()
            services.add_alias(org, org.name)
            record_change(self.request.user, org, "create", None, snapshot(org))


class ManufacturerViewSet(OrganisationViewSet):
    """Manufacturers with aliases, current owner, the brands they own and their part counts."""

    queryset = (
        Organisation.objects.manufacturers()
        .select_related("owner")
        .prefetch_related(ALIASES, "brands")
        .annotate(part_count=Count("parts", distinct=True))
    )
    serializer_class = ManufacturerSerializer
    ordering_fields = ["name", "country", "part_count"]


class PartViewSet(AuditedModelViewSet):
    """Parts; writes go through catalog.services.save_part so derived keys are always right."""

    queryset = Part.objects.select_related("manufacturer", "manufacturer__owner").annotate(
        offer_count=Count("offers")
    )
    serializer_class = PartSerializer
    filterset_class = PartFilterSet
    ordering_fields = ["mpn_norm", "created_at", "category"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        part = services.save_part(Part(**serializer.validated_data), actor=request.user)
        return self._respond(part, status=201)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        for field, value in serializer.validated_data.items():
            setattr(instance, field, value)
        part = services.save_part(instance, actor=request.user)
        return self._respond(part)

    def _respond(self, part, status=200):
        fresh = self.get_queryset().get(pk=part.pk)
        return Response(self.get_serializer(fresh).data, status=status)


class DistributorOfferViewSet(AuditedModelViewSet):
    queryset = DistributorOffer.objects.select_related("distributor", "part")
    serializer_class = DistributorOfferSerializer
    filterset_class = DistributorOfferFilterSet


class SupplyLinkViewSet(AuditedModelViewSet):
    queryset = SupplyLink.objects.select_related("seller", "buyer")
    serializer_class = SupplyLinkSerializer
    filterset_class = SupplyLinkFilterSet
    read_roles = (ANALYST, CURATOR, RESEARCHER, ADMIN)
    write_roles = (ANALYST, CURATOR, ADMIN)

    @extend_schema(description="Record a supply link; the creator is kept.")
    def perform_create(self, serializer):
        with transaction.atomic():
            link = serializer.save(created_by=self.request.user)
            record_change(self.request.user, link, "create", None, snapshot(link))
