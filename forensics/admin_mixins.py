"""Admin changes go through the same audit trail as API changes; read-only records stay read-only."""

from django.db import transaction

from .audit import record_change, snapshot


class AuditedAdminMixin:
    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = None
            if change and obj.pk:
                previous = type(obj)._base_manager.filter(pk=obj.pk).first()
                before = snapshot(previous)
            super().save_model(request, obj, form, change)
            record_change(
                request.user, obj, "update" if change else "create", before, snapshot(obj)
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            record_change(request.user, obj, "delete", snapshot(obj), None)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                record_change(request.user, obj, "delete", snapshot(obj), None)
            super().delete_queryset(request, queryset)


class ReadOnlyAdminMixin:
    """For records that only their service writes (the audit trail, background jobs): listed and
    shown, never added, changed or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
