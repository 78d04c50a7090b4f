"""Catalog endpoints: viewsets are registered on the shared /api/v1/ router; plain views listed here."""

from . import views


def register(router):
    router.register("organisations", views.OrganisationViewSet, basename="organisation")
    router.register("manufacturers", views.ManufacturerViewSet, basename="manufacturer")
    router.register("parts", views.PartViewSet, basename="part")
    router.register("offers", views.DistributorOfferViewSet, basename="offer")
    router.register("supply-links", views.SupplyLinkViewSet, basename="supply-link")


urlpatterns: list = []
