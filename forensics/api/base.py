"""What every API endpoint shares: pagination, role permissions, row scoping and the audit trail."""

from django.db import transaction
from rest_framework import permissions, viewsets

from forensics.audit import record_change, snapshot
from forensics.roles import ADMIN, ALL_ROLES, CURATOR, has_role


class RolePermission(permissions.BasePermission):
    """Reads need one of the view's `read_roles`; writes one of its `write_roles`."""

    message = "Your role does not allow this."

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            roles = getattr(view, "read_roles", ALL_ROLES)
        else:
            roles = getattr(view, "write_roles", (CURATOR, ADMIN))
        return has_role(user, *roles)


class ScopedViewSetMixin:
    """Restricts every queryset to the rows the user may see, via the model's `visible_to`."""

    permission_classes = [RolePermission]
    read_roles = ALL_ROLES
    write_roles = (CURATOR, ADMIN)

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class AuditedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """A model viewset whose every write is atomic and leaves an audit record."""

    def perform_create(self, serializer):
        with transaction.atomic():
            instance = serializer.save()
            record_change(self.request.user, instance, "create", None, snapshot(instance))

    def perform_update(self, serializer):
        with transaction.atomic():
            before = snapshot(serializer.instance)
            instance = serializer.save()
            record_change(self.request.user, instance, "update", before, snapshot(instance))

    def perform_destroy(self, instance):
        with transaction.atomic():
            before = snapshot(instance)
            record_change(self.request.user, instance, "delete", before, None)
            instance.delete()


class ReadOnlyScopedViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
