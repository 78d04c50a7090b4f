"""Pages for people (the API is for integrations).

Sign-in, sign-out and the dashboard keep plain names (settings.LOGIN_URL, LOGIN_REDIRECT_URL);
each app's pages live in their own namespace (`forensics:...`), clear of the API router's names
(`finding-list`, `recovery-detail`...). Add another app's pages with one `include` below, and
their navigation entries in forensics/navigation.py.
"""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views, views_findings

forensics_pages = (
    [
        path("weapon-systems/", views.weapon_system_list, name="weapon-system-list"),
        path(
            "weapon-systems/<slug:slug>/",
            views.weapon_system_detail,
            name="weapon-system-detail",
        ),
        path("recoveries/", views.recovery_list, name="recovery-list"),
        path("recoveries/new/", views.recovery_create, name="recovery-create"),
        path("recoveries/<int:pk>/", views.recovery_detail, name="recovery-detail"),
        path("recoveries/<int:pk>/edit/", views.recovery_edit, name="recovery-edit"),
        path("recoveries/<int:pk>/custody/", views.recovery_custody, name="recovery-custody"),
        path("recoveries/<int:pk>/photos/", views.recovery_photos, name="recovery-photos"),
        path("recoveries/<int:pk>/upload/", views.recovery_upload, name="recovery-upload"),
        path(
            "recoveries/<int:recovery_pk>/findings/new/",
            views_findings.finding_create,
            name="finding-create",
        ),
        path("photos/<int:pk>/", views.photo_viewer, name="photo-viewer"),
        path("findings/", views_findings.finding_list, name="finding-list"),
        path(
            "findings/resolve-preview/",
            views_findings.resolve_preview,
            name="resolve-preview",
        ),
        path("findings/<int:pk>/", views_findings.finding_detail, name="finding-detail"),
        path("findings/<int:pk>/edit/", views_findings.finding_edit, name="finding-edit"),
        path("findings/<int:pk>/confirm/", views_findings.finding_confirm, name="finding-confirm"),
        path("findings/<int:pk>/reject/", views_findings.finding_reject, name="finding-reject"),
        path(
            "findings/<int:pk>/unidentifiable/",
            views_findings.finding_unidentifiable,
            name="finding-unidentifiable",
        ),
    ],
    "forensics",
)

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.dashboard, name="dashboard"),
    path("", include(forensics_pages)),
    path("", include("catalog.web_urls")),
    path("", include("forensics.portal_urls")),
]
