"""Admin changes go through the same audit trail as API changes."""

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
