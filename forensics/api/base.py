"""What every API endpoint shares: pagination, role permissions, row scoping and the audit trail."""

from django.db import transaction
from rest_framework import permissions, viewsets

from forensics.audit import record_change, snapshot
from forensics.roles import ADMIN, ALL_ROLES, CURATOR, has_role, is_analyst, is_manufacturer


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


ANALYST_CLEARANCE = "analyst"
INTERNAL_CLEARANCE = "internal"
MANUFACTURER_CLEARANCE = "manufacturer"


def clearance(user) -> str:
    """How much of the evidence a user may read, from their roles: `analyst` (analysts, admins:
    everything, EXIF and originals included), `manufacturer` (manufacturers' officers: redacted, no
    recovering unit, source, exact location, EXIF or original) or `internal` (curators,
    researchers: full records, but no EXIF or originals)."""
    if is_analyst(user):
        return ANALYST_CLEARANCE
    if is_manufacturer(user):
        return MANUFACTURER_CLEARANCE
    return INTERNAL_CLEARANCE


class ClearanceSerializerMixin:
    """Picks the serializer from `serializer_classes` by the user's clearance: the one place where
    role decides which fields of a record a response carries."""

    serializer_classes: dict[str, type] = {}

    def get_serializer_class(self):
        request = getattr(self, "request", None)
        if request is None or self.serializer_classes == {}:
            return super().get_serializer_class()
        level = clearance(request.user)
        return self.serializer_classes.get(level) or super().get_serializer_class()
