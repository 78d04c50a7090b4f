"""Watch lists and screening hits: read by analysts, curators and admins (never by manufacturers'
users: hits name their customers); curators mark a hit as a false positive."""

import django_filters
from django.db.models import OuterRef
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog import screening
from catalog.filters import StrictBooleanFilter
from catalog.models import ScreeningHit, ScreeningList
from forensics.api.base import ReadOnlyScopedViewSet
from forensics.roles import ADMIN, ANALYST, CURATOR

from .serializers_screening import (
    FalsePositiveSerializer,
    ScreeningHitSerializer,
    ScreeningListSerializer,
)
from .views import count_of

SCREENING_READERS = (ANALYST, CURATOR, ADMIN)


class ScreeningListViewSet(ReadOnlyScopedViewSet):
    """The imported lists, with their file date and their hits not marked false positive."""

    queryset = ScreeningList.objects.select_related("imported_by").annotate(
        hit_count=count_of(
            ScreeningHit.objects.filter(screening_list=OuterRef("pk"), false_positive=False)
        )
    )
    serializer_class = ScreeningListSerializer
    ordering_fields = ["source", "file_date", "imported_at"]
    read_roles = SCREENING_READERS


class ScreeningHitFilterSet(django_filters.FilterSet):
    organisation = django_filters.NumberFilter(field_name="organisation_id")
    screening_list = django_filters.NumberFilter(field_name="screening_list_id")
    false_positive = StrictBooleanFilter()
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte")

    class Meta:
        model = ScreeningHit
        fields: list[str] = []


class ScreeningHitViewSet(ReadOnlyScopedViewSet):
    """Organisations resembling a listed party, best score first. `POST .../false-positive/`
    records that the organisation is not that party (kept across re-imports and re-screening);
    `DELETE` withdraws it."""

    queryset = ScreeningHit.objects.select_related("organisation", "entry", "screening_list")
    serializer_class = ScreeningHitSerializer
    filterset_class = ScreeningHitFilterSet
    ordering_fields = ["score", "screened_at"]
    read_roles = SCREENING_READERS
    write_roles = (CURATOR, ADMIN)

    @extend_schema(request=FalsePositiveSerializer, responses=ScreeningHitSerializer)
    @action(detail=True, methods=["post", "delete"], url_path="false-positive")
    def false_positive(self, request, pk=None):
        hit = self.get_object()
        if request.method == "DELETE":
            hit = screening.clear_false_positive(hit, request.user)
        else:
            data = FalsePositiveSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            hit = screening.mark_false_positive(
                hit, request.user, data.validated_data.get("reason", "")
            )
        fresh = self.get_queryset().get(pk=hit.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_200_OK)
