"""Trace requests, the right of reply, and the supply-chain graph endpoints.

Thin views: who sees which request is `TraceRequest.objects.visible_to` (applied by the base
viewset, so another organisation's request is a 404), who may take which action is `action_roles`
here and the party checks in forensics.services.traces, which does every write.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from catalog.models import Organisation
from forensics.api.base import RolePermission, ScopedViewSetMixin
from forensics.models import (
    Finding,
    FindingComment,
    TraceRequest,
    TraceState,
)
from forensics.roles import ADMIN, ANALYST, CURATOR, MANUFACTURER, RESEARCHER, has_role
from forensics.services import graph, traces

from .serializers_traces import (
    AnswerSerializer,
    CloseSerializer,
    DeclineSerializer,
    FindingCommentSerializer,
    FollowUpSerializer,
    TraceRequestCreateSerializer,
    TraceRequestSerializer,
    TraceRequestUpdateSerializer,
    trace_request_serializer_for,
)

ANALYSTS = (ANALYST, ADMIN)
PARTIES = (ANALYST, ADMIN, MANUFACTURER)
GRAPH_READERS = (ANALYST, CURATOR, RESEARCHER, ADMIN)


class ActionRolePermission(RolePermission):
    """`action_roles[action]` when the view names the action, else read/write roles."""

    def has_permission(self, request, view):
        roles = getattr(view, "action_roles", {}).get(getattr(view, "action", None))
        if roles is None:
            return super().has_permission(request, view)
        return bool(
            request.user and request.user.is_authenticated and has_role(request.user, *roles)
        )


class ConflictMixin:
    """A request changed by someone else meanwhile (two answers at once) is a 409."""

    def handle_exception(self, exc):
        if isinstance(exc, traces.TraceConflict):
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)


class TraceRequestFilterSet(filters.FilterSet):
    state = filters.MultipleChoiceFilter(choices=TraceState.choices)
    organisation = filters.NumberFilter(field_name="organisation_id")
    manufacturer = filters.NumberFilter(field_name="manufacturer_id")
    recovery = filters.NumberFilter(field_name="recovery_id")
    finding = filters.NumberFilter(field_name="findings", distinct=True)
    parent = filters.NumberFilter(field_name="parent_id")

    class Meta:
        model = TraceRequest
        fields: list[str] = []


@extend_schema(responses=TraceRequestSerializer)
class TraceRequestViewSet(
    ConflictMixin,
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Trace requests: analysts open, send, follow up and close them; the recipient organisation's
    users acknowledge, answer or decline the ones sent to them (and analysts may record an answer
    received otherwise)."""

    queryset = TraceRequest.objects.select_related(
        "organisation",
        "manufacturer",
        "recovery",
        "created_by",
        "sent_by",
        "answer",
        "answer__distributor",
        "answer__answered_by",
    ).prefetch_related(
        Prefetch("findings", queryset=Finding.objects.only("pk").order_by("pk")),
        Prefetch("follow_ups", queryset=TraceRequest.objects.only("pk", "parent_id")),
        "reminders",
        Prefetch("answer__supply_links"),
    )
    permission_classes = [ActionRolePermission]
    filterset_class = TraceRequestFilterSet
    ordering_fields = ["created_at", "sent_at", "deadline", "state"]
    read_roles = PARTIES
    write_roles = ANALYSTS
    action_roles = {
        "create": ANALYSTS,
        "partial_update": ANALYSTS,
        "send": ANALYSTS,
        "close": ANALYSTS,
        "follow_up": ANALYSTS,
        "acknowledge": (MANUFACTURER,),
        "answer": PARTIES,
        "decline": PARTIES,
    }

    def get_serializer_class(self):
        if self.request is None:
            return TraceRequestSerializer
        return trace_request_serializer_for(self.request.user)

    def _respond(self, trace_request, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=trace_request.pk)
        serializer = self.get_serializer_class()(fresh, context=self.get_serializer_context())
        return Response(serializer.data, status=code)

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(request=TraceRequestCreateSerializer, responses={201: TraceRequestSerializer})
    def create(self, request, *args, **kwargs):
        data = self._input(TraceRequestCreateSerializer)
        trace_request = traces.create_trace_request(
            request.user,
            data["findings"],
            organisation=data.get("organisation"),
            question=data.get("question", ""),
            photo_ids=data.get("photo_ids"),
            send=data["send"],
        )
        return self._respond(trace_request, status.HTTP_201_CREATED)

    @extend_schema(request=TraceRequestUpdateSerializer)
    def partial_update(self, request, *args, **kwargs):
        data = self._input(TraceRequestUpdateSerializer)
        trace_request = traces.update_draft(
            self.get_object(),
            request.user,
            question=data.get("question"),
            photo_ids=data.get("photo_ids"),
        )
        return self._respond(trace_request)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        """Send a draft: freezes what is asked, starts the 28-day deadline, notifies."""
        return self._respond(traces.send_trace_request(self.get_object(), request.user))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """The recipient has received the request and is looking into it."""
        return self._respond(traces.acknowledge(self.get_object(), request.user))

    @extend_schema(request=AnswerSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """The first sale of the lot (creates the supply link) or why it cannot be traced."""
        trace_request = self.get_object()
        data = self._input(AnswerSerializer)
        if data["kind"] == "first_sale":
            reply = traces.FirstSale(
                sale_date=data["sale_date"],
                distributor=data.get("distributor"),
                name=data.get("distributor_name", ""),
                country=data.get("distributor_country", ""),
                role=data.get("distributor_role", ""),
                quantity=data.get("quantity"),
                invoice_reference=data.get("invoice_reference", ""),
                note=data.get("note", ""),
            )
        else:
            reply = traces.NotTraceable(
                reason=data["reason"],
                reason_text=data.get("reason_text", ""),
                note=data.get("note", ""),
            )
        traces.answer(trace_request, request.user, reply)
        return self._respond(trace_request)

    @extend_schema(request=DeclineSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        data = self._input(DeclineSerializer)
        return self._respond(traces.decline(self.get_object(), request.user, data["reason"]))

    @extend_schema(request=CloseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        data = self._input(CloseSerializer)
        return self._respond(traces.close(self.get_object(), request.user, data.get("note", "")))

    @extend_schema(request=FollowUpSerializer, responses={201: TraceRequestSerializer})
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request, pk=None):
        """Open the next request, to the buyer this request's answer named."""
        data = self._input(FollowUpSerializer)
        child = traces.follow_up(
            self.get_object(),
            request.user,
            question=data.get("question", ""),
            photo_ids=data.get("photo_ids"),
            send=data["send"],
        )
        return self._respond(child, status.HTTP_201_CREATED)


class FindingCommentFilterSet(filters.FilterSet):
    finding = filters.NumberFilter(field_name="finding_id")
    organisation = filters.NumberFilter(field_name="organisation_id")

    class Meta:
        model = FindingComment
        fields: list[str] = []


class FindingCommentViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The right of reply: a manufacturer comments on how a finding describes its part; analysts
    answer in that manufacturer's thread. Append-only; seen by analysts and that manufacturer."""

    queryset = FindingComment.objects.select_related("organisation")
    serializer_class = FindingCommentSerializer
    filterset_class = FindingCommentFilterSet
    ordering_fields = ["created_at"]
    read_roles = PARTIES
    write_roles = PARTIES

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        comment = traces.add_comment(
            request.user, data["finding"], data["text"], organisation=data.get("organisation")
        )
        fresh = self.get_queryset().get(pk=comment.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)


DEPTH_PARAMETER = OpenApiParameter(
    "depth",
    OpenApiTypes.INT,
    description=f"Hops to follow, 1 to {graph.MAX_DEPTH} (default {graph.DEFAULT_DEPTH}).",
)
GRAPH_DESCRIPTION = (
    "Nodes (organisations with roles, country, depth and, for analysts, curators and admins, the "
    "count of screening hits not marked false positive) and edges (supply links with dates, "
    "evidence kind, confidence, part and lot), from one recursive query. `truncated` is true when "
    "the graph had more edges than GRAPH_MAX_EDGES."
)


def _depth(request) -> int:
    try:
        return graph.clamp_depth(request.query_params.get("depth"))
    except ValueError as exc:
        raise ValidationError({"depth": str(exc)})


class GraphViewSet(viewsets.ViewSet):
    permission_classes = [RolePermission]
    read_roles = GRAPH_READERS


class FindingTraceViewSet(GraphViewSet):
    """`/findings/{id}/trace/`: the chain downstream of the finding's manufacturer (and its owner)
    along links of the finding's part and lot. Manufacturers' users get 403: supply chains are
    investigative material (their own answers are on their trace requests)."""

    @extend_schema(
        parameters=[DEPTH_PARAMETER],
        responses={200: OpenApiTypes.OBJECT},
        description=GRAPH_DESCRIPTION,
    )
    def list(self, request, finding_pk=None):
        depth = _depth(request)
        queryset = Finding.objects.visible_to(request.user).select_related(
            "manufacturer", "part__manufacturer"
        )
        finding = get_object_or_404(queryset, pk=finding_pk)
        result = graph.finding_trace(finding, depth, request.user).as_dict()
        return Response({"finding": finding.pk, **result})


class OrganisationGraphViewSet(GraphViewSet):
    """`/organisations/{id}/graph/?depth=N`: every supply link within N hops, both directions."""

    @extend_schema(
        parameters=[DEPTH_PARAMETER],
        responses={200: OpenApiTypes.OBJECT},
        description=GRAPH_DESCRIPTION,
    )
    def list(self, request, organisation_pk=None):
        depth = _depth(request)
        organisation = get_object_or_404(
            Organisation.objects.visible_to(request.user), pk=organisation_pk
        )
        result = graph.organisation_graph(organisation, depth, request.user).as_dict()
        return Response({"organisation": organisation.pk, **result})


def register(router):
    """Routes of this module on the shared router (called from forensics/api/routes.py)."""
    router.register("trace-requests", TraceRequestViewSet, basename="trace-request")
    router.register("finding-comments", FindingCommentViewSet, basename="finding-comment")
    router.register(
        r"findings/(?P<finding_pk>[0-9]+)/trace", FindingTraceViewSet, basename="finding-trace"
    )
    router.register(
        r"organisations/(?P<organisation_pk>[0-9]+)/graph",
        OrganisationGraphViewSet,
        basename="organisation-graph",
    )
