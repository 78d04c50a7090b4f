"""Catalog endpoints. Who sees what is decided by each model's `visible_to` (applied by the base
viewset) and who writes by `read_roles`/`write_roles`; writes go through catalog.services."""

from django.db.models import F, Func, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from catalog import screening, services
from catalog.filters import (
    DistributorOfferFilterSet,
    MarkingCodeFilterSet,
    OrganisationAliasFilterSet,
    OrganisationFilterSet,
    OwnershipFilterSet,
    PartFilterSet,
    SupplyLinkFilterSet,
)
from catalog.models import (
    DistributorOffer,
    MarkingCode,
    Organisation,
    OrganisationAlias,
    Ownership,
    Part,
    SupplyLink,
)
from forensics.api.base import AuditedModelViewSet
from forensics.roles import ADMIN, ANALYST, CURATOR, RESEARCHER

from .serializers import (
    DistributorOfferSerializer,
    ManufacturerSerializer,
    MarkingCodeSerializer,
    OrganisationAliasSerializer,
    OrganisationSerializer,
    OwnershipSerializer,
    PartSerializer,
    SupplyLinkSerializer,
)

INVESTIGATORS = (ANALYST, CURATOR, RESEARCHER, ADMIN)


def count_of(queryset):
    """A correlated COUNT subquery: counts for one page cost one query, with no GROUP BY over the
    whole table (which a million parts would make slow)."""
    counted = queryset.order_by().annotate(
        n=Func(F("pk"), function="COUNT", output_field=IntegerField())
    )
    return Coalesce(Subquery(counted.values("n")[:1]), 0)


ALIASES = Prefetch("aliases", queryset=OrganisationAlias.objects.order_by("name"))
BRANDS = Prefetch("brands", queryset=Organisation.objects.order_by("name"))


class ServiceWriteMixin:
    """Create/update/delete through a catalog.services function that validates (the model's
    `clean`), saves and audits in one transaction. The response is read back through the
    viewset's queryset so annotated fields are present."""

    save_service = None
    delete_service = None

    def _save(self, serializer, instance):
        for field, value in serializer.validated_data.items():
            setattr(instance, field, value)
        self.save_service(instance, actor=self.request.user)
        serializer.instance = self.get_queryset().get(pk=instance.pk)

    def perform_create(self, serializer):
        self._save(serializer, self.get_queryset().model())

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    def perform_destroy(self, instance):
        if self.delete_service is None:
            return super().perform_destroy(instance)
        self.delete_service(instance, actor=self.request.user)


class OrganisationViewSet(ServiceWriteMixin, AuditedModelViewSet):
    """Every party of a supply chain. Curators and admins write; a manufacturer user sees only its
    own organisation and the brands it owns. The name is kept as an alias; the owner is derived
    from /ownerships/."""

    queryset = Organisation.objects.select_related("owner").prefetch_related(ALIASES)
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilterSet
    ordering_fields = ["name", "country", "created_at"]
    save_service = staticmethod(services.save_organisation)
    delete_service = staticmethod(services.delete_organisation)


class ManufacturerViewSet(OrganisationViewSet):
    """Manufacturers with aliases, current owner, the brands they own and their part counts."""

    queryset = (
        Organisation.objects.manufacturers()
        .select_related("owner")
        .prefetch_related(ALIASES, BRANDS)
        .annotate(
            part_count=count_of(Part.objects.filter(manufacturer=OuterRef("pk"))),
            group_part_count=count_of(
                Part.objects.filter(
                    Q(manufacturer=OuterRef("pk")) | Q(manufacturer__owner=OuterRef("pk"))
                )
            ),
        )
    )
    serializer_class = ManufacturerSerializer
    ordering_fields = ["name", "country", "created_at", "part_count", "group_part_count"]

    def perform_create(self, serializer):
        serializer.validated_data["is_manufacturer"] = True
        super().perform_create(serializer)


class OrganisationAliasViewSet(ServiceWriteMixin, AuditedModelViewSet):
    """Spellings that name an organisation (one spelling, one organisation), used by the
    manufacturer resolver and the import."""

    queryset = OrganisationAlias.objects.select_related("organisation")
    serializer_class = OrganisationAliasSerializer
    filterset_class = OrganisationAliasFilterSet
    ordering_fields = ["name", "key"]
    save_service = staticmethod(services.save_alias)
    delete_service = staticmethod(services.delete_alias)


class OwnershipViewSet(ServiceWriteMixin, AuditedModelViewSet):
    """Acquisitions: a brand owned by another organisation over a period. Every write recomputes
    the derived current owners in the same transaction."""

    queryset = Ownership.objects.select_related("brand", "owner")
    serializer_class = OwnershipSerializer
    filterset_class = OwnershipFilterSet
    ordering_fields = ["start", "end"]
    save_service = staticmethod(services.save_ownership)
    delete_service = staticmethod(services.delete_ownership)


class PartViewSet(ServiceWriteMixin, AuditedModelViewSet):
    """Parts; `?q=` matches the start of the normalised MPN (so `МАХ3490` finds MAX3490EESA+)."""

    queryset = Part.objects.select_related("manufacturer", "manufacturer__owner").annotate(
        offer_count=count_of(DistributorOffer.objects.filter(part=OuterRef("pk")))
    )
    serializer_class = PartSerializer
    filterset_class = PartFilterSet
    ordering_fields = ["mpn_norm", "created_at", "category", "hs_code"]
    save_service = staticmethod(services.save_part)


class MarkingCodeViewSet(ServiceWriteMixin, AuditedModelViewSet):
    """Top-mark codes that are not the part number (TI `YE08` is TXB0108PWR)."""

    queryset = MarkingCode.objects.select_related("manufacturer", "part")
    serializer_class = MarkingCodeSerializer
    filterset_class = MarkingCodeFilterSet
    ordering_fields = ["code_norm"]
    save_service = staticmethod(services.save_marking_code)


class DistributorOfferViewSet(AuditedModelViewSet):
    """A distributor's SKU for a part. Not shown to manufacturer users (it names other parties)."""

    queryset = DistributorOffer.objects.select_related("distributor", "part")
    serializer_class = DistributorOfferSerializer
    filterset_class = DistributorOfferFilterSet
    ordering_fields = ["sku", "created_at"]
    read_roles = INVESTIGATORS


class SupplyLinkViewSet(AuditedModelViewSet):
    """Who supplied whom; analysts record links as well as curators."""

    queryset = SupplyLink.objects.select_related("seller", "buyer", "part")
    serializer_class = SupplyLinkSerializer
    filterset_class = SupplyLinkFilterSet
    ordering_fields = ["created_at", "start_date", "end_date"]
    read_roles = INVESTIGATORS
    write_roles = (ANALYST, CURATOR, ADMIN)

    def perform_create(self, serializer):
        serializer.validated_data["created_by"] = self.request.user
        super().perform_create(serializer)
        screening.request_screening([serializer.instance.seller_id, serializer.instance.buyer_id])

    def perform_update(self, serializer):
        parties = [serializer.instance.seller_id, serializer.instance.buyer_id]
        super().perform_update(serializer)
        screening.request_screening(
            [*parties, serializer.instance.seller_id, serializer.instance.buyer_id]
        )

    def perform_destroy(self, instance):
        parties = [instance.seller_id, instance.buyer_id]
        super().perform_destroy(instance)
        screening.request_screening(parties)
