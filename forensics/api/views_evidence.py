"""Weapon systems, recoveries (custody log, photo upload) and photos (served images).

Row visibility is each model's `visible_to` (applied by the base viewset); which fields a role
reads is `clearance` through `serializer_classes`; writes go through forensics.services, which are
atomic and audited.
"""

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import (
    APIException,
    MethodNotAllowed,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from forensics.api.base import (
    ANALYST_CLEARANCE,
    INTERNAL_CLEARANCE,
    MANUFACTURER_CLEARANCE,
    AuditedModelViewSet,
    ClearanceSerializerMixin,
    clearance,
)
from forensics.filters import PhotoFilterSet, RecoveryFilterSet, WeaponSystemFilterSet
from forensics.models import (
    CustodyEvent,
    Finding,
    Photo,
    PhotoDuplicate,
    Recovery,
    WeaponSystem,
    WeaponSystemAlias,
)
from forensics.roles import ADMIN, ALL_ROLES, ANALYST, CURATOR, is_admin, is_analyst
from forensics.services import evidence, recoveries, weapons

from .serializers_evidence import (
    CustodyEventSerializer,
    InternalPhotoSerializer,
    PhotoSerializer,
    PhotoUploadSerializer,
    RecoverySerializer,
    RedactedPhotoSerializer,
    RedactedRecoverySerializer,
    WeaponSystemSerializer,
)

PHOTO_SERIALIZERS = {
    ANALYST_CLEARANCE: PhotoSerializer,
    INTERNAL_CLEARANCE: InternalPhotoSerializer,
    MANUFACTURER_CLEARANCE: RedactedPhotoSerializer,
}
RECOVERY_SERIALIZERS = {
    ANALYST_CLEARANCE: RecoverySerializer,
    INTERNAL_CLEARANCE: RecoverySerializer,
    MANUFACTURER_CLEARANCE: RedactedRecoverySerializer,
}


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the record."
    default_code = "conflict"


def _messages(exc: DjangoValidationError):
    return exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}


def _count_of(queryset, field: str):
    """A correlated COUNT subquery (one per row in SQL, no extra query per row in Python)."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


class AnyMediaRenderer(BaseRenderer):
    """Lets image endpoints answer any Accept header (image/jpeg, */*); errors still go as JSON."""

    media_type = "*/*"
    format = "bin"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, (bytes, str)):
            return data
        return json.dumps(data).encode()


# --------------------------------------------------------------------------------- weapon systems


class WeaponSystemViewSet(AuditedModelViewSet):
    """Weapon systems with their aliases; analysts, curators and admins maintain them."""

    queryset = WeaponSystem.objects.prefetch_related(
        Prefetch("aliases", queryset=WeaponSystemAlias.objects.order_by("name"))
    )
    serializer_class = WeaponSystemSerializer
    filterset_class = WeaponSystemFilterSet
    ordering_fields = ["name", "kind", "country", "recovery_count"]
    read_roles = ALL_ROLES
    write_roles = (ANALYST, CURATOR, ADMIN)

    def get_queryset(self):
        visible = Recovery.objects.visible_to(self.request.user)
        return super().get_queryset().annotate(recovery_count=_count_of(visible, "weapon_system"))

    def _save(self, serializer, instance=None):
        data = dict(serializer.validated_data)
        aliases = data.pop("aliases", None)
        system = instance or WeaponSystem()
        for name, value in data.items():
            setattr(system, name, value)
        try:
            system = weapons.save_weapon_system(system, aliases, actor=self.request.user)
        except DjangoValidationError as exc:
            raise ValidationError(_messages(exc))
        return self.get_queryset().get(pk=system.pk)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        system = self._save(serializer)
        return Response(self.get_serializer(system).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return Response(self.get_serializer(self._save(serializer, instance)).data)

    @extend_schema(
        parameters=[OpenApiParameter("name", str, description="A name, alias or slug")],
        responses=WeaponSystemSerializer,
    )
    @action(detail=False, methods=["get"])
    def match(self, request):
        """The system a name, alias or import slug designates (`uav-geran-2-shahed-136-954`)."""
        name = request.query_params.get("name", "").strip()
        if not name:
            raise ValidationError({"name": "Give a name, alias or slug to match."})
        matched_id = weapons.WeaponSystemMatcher().match_id(name)
        if matched_id is None:
            raise NotFound(f"No weapon system is known as “{name}”.")
        return Response(self.get_serializer(self.get_queryset().get(pk=matched_id)).data)


# ------------------------------------------------------------------------------------ recoveries


class RecoveryViewSet(ClearanceSerializerMixin, AuditedModelViewSet):
    """Recovered items. Analysts and admins write; everyone with a role reads what the sharing
    level opens to them, manufacturers without the restricted fields."""

    queryset = Recovery.objects.select_related("weapon_system", "created_by")
    serializer_class = RecoverySerializer
    serializer_classes = RECOVERY_SERIALIZERS
    filterset_class = RecoveryFilterSet
    ordering_fields = ["recovered_on", "reference", "created_at", "updated_at"]
    read_roles = ALL_ROLES
    write_roles = (ANALYST, ADMIN)

    def get_queryset(self):
        user = self.request.user
        return (
            super()
            .get_queryset()
            .annotate(
                photo_count=_count_of(Photo.objects.visible_to(user), "recovery"),
                finding_count=_count_of(Finding.objects.visible_to(user), "recovery"),
            )
        )

    def _respond(self, recovery, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=recovery.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        recovery = recoveries.create_recovery(dict(serializer.validated_data), request.user)
        return self._respond(recovery, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        recoveries.update_recovery(instance, dict(serializer.validated_data), request.user)
        return self._respond(instance)

    def destroy(self, request, *args, **kwargs):
        """Admins only, and only a recovery without photos or findings (recorded in error)."""
        if not is_admin(request.user):
            raise PermissionDenied("Only admins delete recoveries.")
        instance = self.get_object()
        try:
            recoveries.delete_recovery(instance, request.user)
        except DjangoValidationError as exc:
            raise Conflict(" ".join(exc.messages))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], responses=CustodyEventSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=CustodyEventSerializer, responses=CustodyEventSerializer
    )
    @action(
        detail=True,
        methods=["get", "post"],
        serializer_class=CustodyEventSerializer,
        serializer_classes={},
        filterset_class=None,
        pagination_class=None,
    )
    def custody(self, request, pk=None):
        """The chain of custody, oldest first (analysts and admins). Append-only: events are added
        with POST and never changed or removed."""
        recovery = self.get_object()
        if not is_analyst(request.user):
            raise PermissionDenied("The chain of custody is restricted to analysts.")
        if request.method == "GET":
            events = CustodyEvent.objects.visible_to(request.user).filter(recovery=recovery)
            return Response(CustodyEventSerializer(events.order_by("at", "pk"), many=True).data)
        serializer = CustodyEventSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            event = recoveries.add_custody_event(
                recovery, request.user, **serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise ValidationError(_messages(exc))
        return Response(CustodyEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=PhotoSerializer(many=True))
    @extend_schema(methods=["POST"], request={"multipart/form-data": PhotoUploadSerializer})
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser],
        serializer_class=PhotoSerializer,
        serializer_classes=PHOTO_SERIALIZERS,
        filterset_class=None,
    )
    def photos(self, request, pk=None):
        """GET: the recovery's photos. POST (multipart, field `files`, repeatable): upload one or
        many images; the answer reports each file (created with id and state, or refused with a
        code and reason). Refused files are not stored."""
        recovery = self.get_object()
        if request.method == "GET":
            photos = PhotoViewSet.scoped_photos(request.user).filter(recovery=recovery)
            page = self.paginate_queryset(photos)
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
        return self._upload(request, recovery)

    def _upload(self, request, recovery):
        try:
            evidence.check_upload_size(int(request.META.get("CONTENT_LENGTH") or 0))
            files = request.FILES.getlist("files") + request.FILES.getlist("file")
            if not files:
                raise ValidationError(
                    {"files": "Attach one or more image files in the `files` field."}
                )
            evidence.check_upload_count(len(files))
        except evidence.UploadRefused as refused:
            raise evidence_refusal(refused.code, refused.reason, refused.status) from refused
        caption = str(request.data.get("caption", ""))
        results = evidence.accept_uploads(recovery, files, request.user, caption=caption)
        evidence.hide_unseen_duplicates(request.user, results)
        body = []
        for result in results:
            if result.created:
                body.append(
                    {
                        "file": result.file,
                        "status": "created",
                        "id": result.photo.pk,
                        "state": result.photo.state,
                        "sha256": result.photo.sha256,
                        "size_bytes": result.photo.size_bytes,
                        "duplicate_of": result.duplicate_of,
                    }
                )
            else:
                body.append(
                    {
                        "file": result.file,
                        "status": "refused",
                        "code": result.code,
                        "reason": result.reason,
                    }
                )
        created = sum(1 for result in results if result.created)
        if created:
            code = status.HTTP_201_CREATED
        else:
            statuses = {result.status for result in results}
            code = statuses.pop() if len(statuses) == 1 else status.HTTP_400_BAD_REQUEST
        payload = {
            "recovery": recovery.pk,
            "created": created,
            "refused": len(results) - created,
            "results": body,
        }
        return Response(payload, status=code)


def evidence_refusal(code: str, reason: str, http_status: int) -> APIException:
    error = APIException({"code": code, "reason": reason})
    error.status_code = http_status
    return error


# ---------------------------------------------------------------------------------------- photos


class PhotoViewSet(ClearanceSerializerMixin, AuditedModelViewSet):
    """Evidence photos. Upload goes through /recoveries/{id}/photos/. Images are served by
    authenticated endpoints: `thumbnail` and `display` (derived, metadata-free) to whoever may see
    the photo, `original` (byte for byte) to analysts and admins only."""

    queryset = Photo.objects.select_related("uploaded_by")
    serializer_class = PhotoSerializer
    serializer_classes = PHOTO_SERIALIZERS
    filterset_class = PhotoFilterSet
    ordering_fields = ["uploaded_at", "id"]
    read_roles = ALL_ROLES
    write_roles = (ANALYST, ADMIN)
    http_method_names = ["get", "patch", "post", "delete", "head", "options"]

    @staticmethod
    def scoped_photos(user):
        photos = Photo.objects.visible_to(user).select_related("uploaded_by")
        if clearance(user) == ANALYST_CLEARANCE:
            photos = photos.prefetch_related(
                Prefetch(
                    "duplicate_links",
                    queryset=PhotoDuplicate.objects.order_by("distance", "other_id"),
                )
            )
        return photos.order_by("recovery_id", "pk")

    def get_queryset(self):
        return self.scoped_photos(self.request.user)

    def create(self, request, *args, **kwargs):
        raise MethodNotAllowed(
            "POST", detail="Upload photos with POST /api/v1/recoveries/{id}/photos/."
        )

    def destroy(self, request, *args, **kwargs):
        """Admins only; a photo shown by a finding cannot be removed."""
        if not is_admin(request.user):
            raise PermissionDenied("Only admins delete photos.")
        photo = self.get_object()
        try:
            evidence.delete_photo(photo, request.user)
        except DjangoValidationError as exc:
            raise Conflict(" ".join(exc.messages))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"], serializer_classes={})
    def reprocess(self, request, pk=None):
        """Queue the photo for processing again (after a failure); answers with its state."""
        photo = evidence.reprocess(self.get_object(), request.user)
        return Response({"id": photo.pk, "state": photo.state}, status=status.HTTP_202_ACCEPTED)

    def _serve(self, photo, field_name: str, content_type: str, filename: str | None = None):
        file = getattr(photo, field_name)
        if not file:
            raise NotFound(f"Photo {photo.pk} has no {field_name} yet (state: {photo.state}).")
        try:
            handle = file.storage.open(file.name, "rb")
        except FileNotFoundError:
            raise NotFound(f"The {field_name} file of photo {photo.pk} is missing.")
        response = FileResponse(
            handle, content_type=content_type, as_attachment=bool(filename), filename=filename
        )
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @extend_schema(responses={(200, "image/jpeg"): bytes})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, AnyMediaRenderer])
    def thumbnail(self, request, pk=None):
        """The thumbnail (about 320 px, JPEG, no metadata)."""
        return self._serve(self.get_object(), "thumbnail", "image/jpeg")

    @extend_schema(responses={(200, "image/jpeg"): bytes})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, AnyMediaRenderer])
    def display(self, request, pk=None):
        """The display image (about 1600 px, JPEG, upright, no metadata)."""
        return self._serve(self.get_object(), "display", "image/jpeg")

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, AnyMediaRenderer])
    def original(self, request, pk=None):
        """The original file exactly as uploaded (analysts and admins), as an attachment."""
        photo = self.get_object()
        if not is_analyst(request.user):
            raise PermissionDenied("Originals are available to analysts only.")
        return self._serve(photo, "original", photo.content_type, filename=photo.original_name)
