"""Findings API: list/detail/write, confirm/reject/unidentifiable, streamed exports, statistics.

Views are thin: visibility comes from `Finding.objects.visible_to` (the base viewset), what a role
sees from `finding_serializer_for`, and every write from forensics.services.findings.
"""

import json

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from catalog.models import Organisation, Part
from forensics.api.base import AuditedModelViewSet, RolePermission
from forensics.api.pagination import Pagination
from forensics.filters import FindingFilterSet
from forensics.models import Finding, FindingPhoto, Recovery
from forensics.models.findings import LISTED_PHOTOS
from forensics.roles import ADMIN, ALL_ROLES, ANALYST
from forensics.services import exports, stats
from forensics.services import findings as services

from .serializers_findings import (
    ConfirmSerializer,
    FindingSerializer,
    VerdictSerializer,
    finding_serializer_for,
)


class CSVRenderer(BaseRenderer):
    """Declares text/csv so `export.csv` negotiates; rows are streamed by the view itself.

    Only error responses (a bad filter value) are rendered here, as JSON text.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data, ensure_ascii=False).encode()


class FindingPagination(Pagination):
    """Pages by id first, then loads those rows with their joins.

    The page's ids come from the finding table alone (filters and ordering, an index scan), so a
    deep page does not join thousands of skipped rows to recoveries, parts and organisations
    before discarding them; one more query per page, the same number for every page.
    """

    def paginate_queryset(self, queryset, request, view=None):
        ids = super().paginate_queryset(queryset.values_list("pk", flat=True), request, view)
        if ids is None:
            return None
        rows = queryset.order_by().in_bulk(ids)
        return [rows[pk] for pk in ids if pk in rows]


# How a list page loads its rows' relations: one small query per relation, each object loaded
# once however many rows share it (a page's 50 findings share a few recoveries and makers) and
# with only the columns the list serializers show; the photo links as a plain list (`to_attr`),
# not a related manager's queryset cloned per row. Against one eight-table join this halves both
# the database time and the app's CPU per page (docs/findings.md).
_ORGANISATION_REF = ("id", "name", "country", "owner_id")

LIST_LOADS = (
    Prefetch(
        "recovery",
        Recovery.objects.select_related("weapon_system").only(
            "id",
            "reference",
            "weapon_system_id",
            "recovered_on",
            "oblast",
            "sharing",
            "weapon_system__id",
            "weapon_system__name",
            "weapon_system__kind",
        ),
    ),
    Prefetch("part", Part.objects.only("id", "mpn", "hs_code", "chpl_tier")),
    Prefetch(
        "manufacturer",
        Organisation.objects.select_related("owner").only(
            *_ORGANISATION_REF, *(f"owner__{field}" for field in _ORGANISATION_REF)
        ),
    ),
    Prefetch("analyst", get_user_model().objects.only("id", "username")),
    Prefetch("confirmed_by", get_user_model().objects.only("id", "username")),
    Prefetch(
        "finding_photos",
        FindingPhoto.objects.select_related("photo")
        .only(
            "id",
            "finding_id",
            "photo_id",
            "crop_x",
            "crop_y",
            "crop_width",
            "crop_height",
            "photo__id",
            "photo__thumbnail",
            "photo__display",
        )
        .order_by("id"),
        to_attr=LISTED_PHOTOS,
    ),
)


class FindingViewSet(AuditedModelViewSet):
    """Components observed in recoveries. Analysts write; every role reads what it may see."""

    queryset = Finding.objects.select_related(
        "recovery",
        "recovery__weapon_system",
        "part",
        "manufacturer",
        "manufacturer__owner",
        "analyst",
        "confirmed_by",
    ).prefetch_related(
        Prefetch(
            "finding_photos",
            queryset=FindingPhoto.objects.select_related("photo").order_by("id"),
        )
    )
    filterset_class = FindingFilterSet
    pagination_class = FindingPagination
    ordering_fields = [
        "id",
        "created_at",
        "updated_at",
        "confidence",
        "status",
        "manufactured_from",
        "recovery__recovered_on",
    ]
    ordering = ["-created_at", "-id"]
    read_roles = ALL_ROLES
    write_roles = (ANALYST, ADMIN)

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            queryset = queryset.select_related(None).prefetch_related(None)
            queryset = queryset.prefetch_related(*LIST_LOADS)
        return queryset

    def get_serializer_class(self):
        if self.action == "confirm":
            return ConfirmSerializer
        if self.action in ("reject", "unidentifiable"):
            return VerdictSerializer
        if self.request is None:
            return FindingSerializer
        return finding_serializer_for(self.request.user)

    def _respond(self, finding, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=finding.pk)
        serializer_class = finding_serializer_for(self.request.user)
        return Response(serializer_class(fresh, context=self.get_serializer_context()).data, code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        photos = data.pop("finding_photos", None)
        finding = services.create_finding(request.user, photos=photos, **data)
        return self._respond(finding, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        photos = data.pop("finding_photos", None)
        finding = services.update_finding(request.user, instance, photos=photos, **data)
        return self._respond(finding)

    def destroy(self, request, *args, **kwargs):
        services.delete_finding(request.user, self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=ConfirmSerializer,
        responses={200: FindingSerializer, 409: OpenApiTypes.OBJECT},
        description=(
            "Confirm the proposal, or send `part` or `manufacturer` to pick another candidate or "
            "correct it. Teaches the resolver. A finding is confirmed once: a second confirmation "
            "(even a concurrent one) gets 409 with who confirmed it and when."
        ),
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        finding = self.get_object()
        serializer = ConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            finding = services.confirm_finding(
                finding.pk,
                request.user,
                part=serializer.validated_data.get("part"),
                manufacturer=serializer.validated_data.get("manufacturer"),
            )
        except services.AlreadyConfirmed as exc:
            done = exc.finding
            return Response(
                {
                    "detail": "Already confirmed.",
                    "confirmed_by": done.confirmed_by.get_username() if done.confirmed_by else None,
                    "confirmed_at": done.confirmed_at,
                    "part": done.part_id,
                    "manufacturer": done.manufacturer_id,
                },
                status=status.HTTP_409_CONFLICT,
            )
        return self._respond(finding)

    @extend_schema(request=VerdictSerializer, responses=FindingSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """The proposal is wrong (the candidates stay on record); an optional `reason`."""
        finding = self.get_object()
        serializer = VerdictSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reason = serializer.validated_data.get("reason", "")
        return self._respond(services.reject_finding(finding.pk, request.user, reason))

    @extend_schema(request=VerdictSerializer, responses=FindingSerializer)
    @action(detail=True, methods=["post"])
    def unidentifiable(self, request, pk=None):
        """Nobody can tell what this component is; an optional `reason`."""
        finding = self.get_object()
        serializer = VerdictSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reason = serializer.validated_data.get("reason", "")
        return self._respond(services.mark_unidentifiable(finding.pk, request.user, reason))

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/json"): OpenApiTypes.OBJECT,
        },
        description=(
            "Stream the findings matching the list's filters as `export.csv` or `export.json` "
            "(or `export/?format=csv|json`). Manufacturers get the redacted columns."
        ),
    )
    @action(detail=False, methods=["get"], renderer_classes=[CSVRenderer, JSONRenderer])
    def export(self, request, *args, **kwargs):
        fmt = request.accepted_renderer.format
        queryset = services.findings_for(request.user, request.query_params)
        response = StreamingHttpResponse(
            exports.stream(queryset, request.user, fmt),
            content_type="text/csv; charset=utf-8" if fmt == "csv" else "application/json",
        )
        response["Content-Disposition"] = f'attachment; filename="findings.{fmt}"'
        return response


class StatisticsViewSet(viewsets.ViewSet):
    """Counts over the findings the user may see: overall, or per weapon system and any filter."""

    permission_classes = [RolePermission]
    read_roles = ALL_ROLES

    @extend_schema(
        parameters=[
            OpenApiParameter("weapon_system", int, description="Only this weapon system."),
            OpenApiParameter(
                "status",
                str,
                description="Statuses to count, comma-separated, or `all`. Default: confirmed.",
            ),
        ],
        responses=OpenApiTypes.OBJECT,
        description=(
            "Counts by manufacturer country, by manufacturer grouped by current owner, by CHPL "
            "tier, and the share made after the export controls (after / possibly after / "
            "before / unknown). Takes the finding list's filters too."
        ),
    )
    def list(self, request):
        return Response(stats.finding_statistics(request.user, request.query_params))
