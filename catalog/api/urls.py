"""Catalog endpoints: viewsets are registered on the shared /api/v1/ router; plain views listed here."""

from django.urls import path

from . import views, views_screening
from .imports import CatalogImportJobViewSet, CatalogImportView
from .views_resolve import ResolveView


def register(router):
    router.register("organisations", views.OrganisationViewSet, basename="organisation")
    router.register("manufacturers", views.ManufacturerViewSet, basename="manufacturer")
    router.register(
        "organisation-aliases", views.OrganisationAliasViewSet, basename="organisation-alias"
    )
    router.register("ownerships", views.OwnershipViewSet, basename="ownership")
    router.register("parts", views.PartViewSet, basename="part")
    router.register("marking-codes", views.MarkingCodeViewSet, basename="marking-code")
    router.register("offers", views.DistributorOfferViewSet, basename="offer")
    router.register("supply-links", views.SupplyLinkViewSet, basename="supply-link")
    router.register(
        "screening-lists", views_screening.ScreeningListViewSet, basename="screening-list"
    )
    router.register("screening-hits", views_screening.ScreeningHitViewSet, basename="screening-hit")
    router.register("catalog/imports", CatalogImportJobViewSet, basename="catalog-import-job")


urlpatterns: list = [
    path("resolve/", ResolveView.as_view(), name="resolve"),
    path("catalog/import/", CatalogImportView.as_view(), name="catalog-import"),
]
