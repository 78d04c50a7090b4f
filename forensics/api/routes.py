"""Forensics endpoints on the shared /api/v1/ router (called once from forensics/api/urls.py)."""

from . import views_findings, views_notifications


def register(router):
    router.register("findings", views_findings.FindingViewSet, basename="finding")
    router.register("statistics", views_findings.StatisticsViewSet, basename="statistics")
    views_notifications.register(router)
