from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback


def exception_handler(exc, context):
    """Model validation errors raised by services become 400s, not 500s; a delete that other
    rows still depend on (on_delete=PROTECT/RESTRICT) is a 409 naming what blocks it."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = ValidationError(detail)
    if isinstance(exc, (ProtectedError, RestrictedError)):
        blocking = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", ())
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in blocking})
        set_rollback()
        return Response(
            {"detail": f"Still referenced by {', '.join(kinds)}; remove or reassign those first."},
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)
