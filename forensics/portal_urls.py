"""Manufacturer portal and trace-request pages (namespace `portal`); included from
forensics/web_urls.py."""

from django.urls import path

from . import portal_views as views

app_name = "portal"

urlpatterns = [
    path("portal/inbox/", views.inbox, name="inbox"),
    path("portal/notifications/<int:pk>/", views.notification_detail, name="notification-detail"),
    path("portal/findings/", views.finding_list, name="finding-list"),
    path("portal/findings/<int:pk>/", views.finding_detail, name="finding-detail"),
    path("portal/trace-requests/", views.trace_list, name="trace-list"),
    path("portal/trace-requests/open/", views.trace_open, name="trace-open"),
    path("portal/trace-requests/<int:pk>/", views.trace_detail, name="trace-detail"),
    path("portal/trace-requests/<int:pk>/send/", views.trace_send, name="trace-send"),
    path(
        "portal/trace-requests/<int:pk>/acknowledge/",
        views.trace_acknowledge,
        name="trace-acknowledge",
    ),
    path("portal/trace-requests/<int:pk>/answer/", views.trace_answer, name="trace-answer"),
    path("portal/trace-requests/<int:pk>/decline/", views.trace_decline, name="trace-decline"),
    path("portal/trace-requests/<int:pk>/close/", views.trace_close, name="trace-close"),
    path(
        "portal/trace-requests/<int:pk>/follow-up/", views.trace_follow_up, name="trace-follow-up"
    ),
    path("portal/webhooks/", views.webhook_list, name="webhook-list"),
    path("portal/webhooks/<int:pk>/", views.webhook_detail, name="webhook-detail"),
    path("portal/webhooks/<int:pk>/test/", views.webhook_test, name="webhook-test"),
    path("portal/webhooks/<int:pk>/rotate-secret/", views.webhook_rotate, name="webhook-rotate"),
    path("portal/webhooks/<int:pk>/delete/", views.webhook_delete, name="webhook-delete"),
    path("portal/deliveries/<int:pk>/retry/", views.delivery_retry, name="delivery-retry"),
    path("portal/contacts/", views.contact_list, name="contact-list"),
    path("portal/contacts/<int:pk>/edit/", views.contact_edit, name="contact-edit"),
    path("portal/contacts/<int:pk>/delete/", views.contact_delete, name="contact-delete"),
    path("portal/preferences/", views.preferences, name="preferences"),
]
