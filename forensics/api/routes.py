"""Forensics endpoints on the shared /api/v1/ router (called once from forensics/api/urls.py)."""

from . import views_evidence, views_findings, views_notifications, views_traces


def register(router):
    router.register("weapon-systems", views_evidence.WeaponSystemViewSet, basename="weapon-system")
    router.register("recoveries", views_evidence.RecoveryViewSet, basename="recovery")
    router.register("photos", views_evidence.PhotoViewSet, basename="photo")
    router.register("findings", views_findings.FindingViewSet, basename="finding")
    router.register("statistics", views_findings.StatisticsViewSet, basename="statistics")
    views_notifications.register(router)
    views_traces.register(router)
