"""`POST /api/v1/catalog/import/`: the catalog CSV import as an authenticated upload.

Same service as `manage.py import_catalog` (catalog.importer), run in the request: curators and admins
only. Files above CATALOG_IMPORT_MAX_BYTES (200 MB by default) are refused before the body is read;
bigger catalogs go through the command.
"""

import os
import tempfile

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.importer import COLUMNS, import_catalog_file
from forensics.api.base import RolePermission
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


class CatalogImportView(APIView):
    """Upload a catalog CSV (multipart `file`, optional `strict`); answers the import summary.

    200: the import ran (rejected rows, if any, are listed). 400: the file was refused and nothing
    changed (unknown column, not a CSV, strict mode with rejects...). 413: the upload is too large.
    """

    permission_classes = [RolePermission]
    read_roles = (CURATOR, ADMIN)
    write_roles = (CURATOR, ADMIN)
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": CatalogImportUploadSerializer},
        responses={
            200: CatalogImportSummarySerializer,
            400: CatalogImportSummarySerializer,
            413: OpenApiResponse(description="The upload is larger than the accepted size."),
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
        summary = self._import(upload, request.user, form.validated_data["strict"])
        data = summary.as_dict()
        data.pop("reject_path")
        data.pop("phases")
        if not summary.ok:
            data["detail"] = f"File refused, nothing changed: {summary.refused}"
            return Response(data, status=status.HTTP_400_BAD_REQUEST)
        return Response(data)

    @staticmethod
    def _import(upload, user, strict: bool):
        """Import from the upload's temporary file, or from a copy when it was kept in memory."""
        if hasattr(upload, "temporary_file_path"):
            return import_catalog_file(
                upload.temporary_file_path(), actor=user, strict=strict, source_name=upload.name
            )
        with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as copy:
            for chunk in upload.chunks():
                copy.write(chunk)
        try:
            return import_catalog_file(
                copy.name, actor=user, strict=strict, source_name=upload.name
            )
        finally:
            os.unlink(copy.name)
