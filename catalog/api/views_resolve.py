"""`POST /api/v1/resolve/`: marking text -> ranked part/manufacturer candidates and date code.

Open to the investigating roles (analyst, curator, researcher, admin). Manufacturer users are
refused: the answer ranks every maker's parts, while the catalog shows them only their own
organisation's (see docs/resolver.md).
"""

from drf_spectacular.utils import OpenApiExample, PolymorphicProxySerializer, extend_schema
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.resolver import resolve_many
from forensics.api.base import RolePermission
from forensics.roles import ADMIN, ANALYST, CURATOR, RESEARCHER

from .serializers_resolve import (
    ResolutionSerializer,
    ResolveBatchSerializer,
    ResolveRequestSerializer,
)

INVESTIGATORS = (ANALYST, CURATOR, RESEARCHER, ADMIN)


class ResolveView(APIView):
    """Resolve one marking (`text`) or up to 1,000 (`texts`); reads only, nothing is stored."""

    permission_classes = [RolePermission]
    parser_classes = [JSONParser]
    read_roles = INVESTIGATORS
    write_roles = INVESTIGATORS

    @extend_schema(
        request=ResolveRequestSerializer,
        responses={
            200: PolymorphicProxySerializer(
                component_name="ResolveResponse",
                serializers=[ResolutionSerializer, ResolveBatchSerializer],
                resource_type_field_name=None,
            )
        },
        description=(
            'With "text": one resolution. With "texts": {"count": n, "results": [...]}, '
            "in the order sent. Candidates are best first; `score` is the probability that "
            "the manufacturer (or its current owner) is right."
        ),
        examples=[
            OpenApiExample("One marking", value={"text": "Transceiver МАХ3490"}),
            OpenApiExample("A batch", value={"texts": ["LM258 274 ZD0XG3", "ADF 4110B 323"]}),
        ],
    )
    def post(self, request):
        request_serializer = ResolveRequestSerializer(data=request.data)
        request_serializer.is_valid(raise_exception=True)
        data = request_serializer.validated_data
        if "text" in data:
            return Response(resolve_many([data["text"]])[0].to_dict())
        results = [resolution.to_dict() for resolution in resolve_many(data["texts"])]
        return Response({"count": len(results), "results": results})
