"""`POST /api/v1/catalog/import/`: a catalog CSV upload, imported in the background.

Same import as `manage.py import_catalog` (catalog.importer), run by a task on a
`CatalogImportJob` (catalog.import_jobs): curators and admins only. The answer is the job: `202`
while it waits for a worker (follow `url`), or, when the import already ran (in-process mode, no
broker), `200` with its summary, `400` when the file was refused. Files above
CATALOG_IMPORT_MAX_BYTES (200 MB by default) are refused before the body is read; bigger catalogs
go through the command. `GET /api/v1/catalog/imports/` lists the jobs, newest first.
"""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from catalog import import_jobs
from catalog.importer import COLUMNS
from catalog.models import CatalogImportJob, ImportJobState
from forensics.api.base import ReadOnlyScopedViewSet, RolePermission
from forensics.roles import ADMIN, CURATOR

DEFAULT_MAX_BYTES = 200 * 1024 * 1024


def max_import_bytes() -> int:
    return int(getattr(settings, "CATALOG_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


class CatalogImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=f"UTF-8 CSV with a header line; columns {', '.join(COLUMNS)} "
        "(mpn and manufacturer required)."
    )
    strict = serializers.BooleanField(
        default=False, help_text="Refuse the whole file, changing nothing, if any row is rejected."
    )


class ImportRejectSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    reason = serializers.CharField()
    excerpt = serializers.CharField()


class CatalogImportSummarySerializer(serializers.Serializer):
    detail = serializers.CharField(required=False, help_text="Why the file was refused.")
    file = serializers.CharField()
    sha256 = serializers.CharField()
    strict = serializers.BooleanField()
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    offers_created = serializers.IntegerField()
    offers_updated = serializers.IntegerField()
    offers_unchanged = serializers.IntegerField()
    organisations_created = serializers.IntegerField()
    organisation_names = serializers.ListField(child=serializers.CharField())
    rejects = ImportRejectSerializer(many=True, help_text="The first 1,000, in line order.")
    rejects_truncated = serializers.BooleanField()
    refused = serializers.CharField(allow_null=True)
    seconds = serializers.FloatField()


class CatalogImportJobSerializer(serializers.ModelSerializer):
    """A catalog import job: its state and, once it finished, the import's summary."""

    url = serializers.HyperlinkedIdentityField(view_name="catalog-import-job-detail")
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    summary = serializers.SerializerMethodField(
        help_text="The import summary once the job finished (see CatalogImportSummary); in lists "
        "without its `rejects`."
    )

    class Meta:
        model = CatalogImportJob
        fields = [
            "id",
            "url",
            "state",
            "state_label",
            "file_name",
            "size_bytes",
            "strict",
            "attempts",
            "error",
            "summary",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]

    @extend_schema_field(CatalogImportSummarySerializer(allow_null=True))
    def get_summary(self, job) -> dict | None:
        if job.summary is None or not self.context.get("brief"):
            return job.summary
        return {key: value for key, value in job.summary.items() if key != "rejects"}


class CatalogImportView(APIView):
    """Upload a catalog CSV (multipart `file`, optional `strict`); answers the import job.

    202: queued for a worker (`Location` and `url` name the job to follow). 200: imported already
    (in-process mode), `summary` filled in. 400: the upload, or the file, was refused and nothing
    changed (`detail` says why). 413: the upload is too large. 500: the import crashed on every
    attempt; nothing changed.
    """

    permission_classes = [RolePermission]
    read_roles = (CURATOR, ADMIN)
    write_roles = (CURATOR, ADMIN)
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": CatalogImportUploadSerializer},
        responses={
            200: CatalogImportJobSerializer,
            202: CatalogImportJobSerializer,
            400: CatalogImportJobSerializer,
            413: OpenApiResponse(description="The upload is larger than the accepted size."),
            500: CatalogImportJobSerializer,
        },
    )
    def post(self, request):
        limit = max_import_bytes()
        too_large = Response(
            {
                "detail": f"The upload is larger than the {limit:,}-byte limit; import big files "
                "with `manage.py import_catalog`."
            },
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit + 65536:  # the multipart envelope around the file
            return too_large
        form = CatalogImportUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        if upload.size > limit:
            return too_large
        job = import_jobs.queue_import(upload, request.user, strict=form.validated_data["strict"])
        data = CatalogImportJobSerializer(job, context={"request": request}).data
        if job.state == ImportJobState.DONE:
            return Response(data)
        if job.state == ImportJobState.REFUSED:
            data["detail"] = f"File refused, nothing changed: {job.error}"
            return Response(data, status=status.HTTP_400_BAD_REQUEST)
        if job.state == ImportJobState.FAILED:
            data["detail"] = f"The import crashed, nothing changed: {job.error}"
            return Response(data, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
        location = reverse("catalog-import-job-detail", args=[job.pk], request=request)
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})


class CatalogImportJobViewSet(ReadOnlyScopedViewSet):
    """Catalog imports uploaded through the API or the imports page, newest first (curators and
    admins): follow a queued one until its `state` is `done`, `refused` or `failed`."""

    queryset = CatalogImportJob.objects.select_related("created_by")
    serializer_class = CatalogImportJobSerializer
    read_roles = (CURATOR, ADMIN)
    filterset_fields = ["state"]
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "brief": self.action == "list"}
