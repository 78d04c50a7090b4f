"""Forensics endpoints on the shared /api/v1/ router (called once from forensics/api/urls.py)."""

from . import views_findings


def register(router):
    router.register("findings", views_findings.FindingViewSet, basename="finding")
    router.register("statistics", views_findings.StatisticsViewSet, basename="statistics")
