"""Catalog pages (namespace `catalog`): search, parts, manufacturers, organisations, supply-chain
graphs and the curators' imports. Included from forensics/web_urls.py."""

from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("catalog/search/", views.search, name="search"),
    path("catalog/parts/<int:pk>/", views.part_detail, name="part-detail"),
    path("catalog/manufacturers/", views.manufacturer_list, name="manufacturer-list"),
    path("catalog/manufacturers/<int:pk>/", views.manufacturer_detail, name="manufacturer-detail"),
    path("catalog/organisations/", views.organisation_list, name="organisation-list"),
    path("catalog/organisations/<int:pk>/", views.organisation_detail, name="organisation-detail"),
    path(
        "catalog/screening-hits/<int:pk>/verdict/",
        views.screening_hit_verdict,
        name="screening-hit-verdict",
    ),
    path("supply-chain/", views.supply_chain, name="supply-chain"),
    path(
        "supply-chain/organisations/<int:pk>/",
        views.organisation_graph,
        name="organisation-graph",
    ),
    path("supply-chain/findings/<int:pk>/", views.finding_trace, name="finding-trace"),
    path("catalog/imports/", views.imports, name="imports"),
    path("catalog/imports/catalog/", views.import_catalog, name="import-catalog"),
    path("catalog/imports/jobs/<int:pk>/", views.import_job, name="import-job"),
    path("catalog/imports/screening/", views.import_screening, name="import-screening"),
    path("catalog/imports/rejects/<str:name>/", views.import_rejects, name="import-rejects"),
    path(
        "catalog/imports/rejects/<str:name>/download/",
        views.import_rejects_csv,
        name="import-rejects-csv",
    ),
]
