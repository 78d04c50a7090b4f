"""What every page view shares: the role check and pagination.

Pages decide nothing about who sees which rows: they read `Model.objects.visible_to(user)` and the
services, exactly as the API does; this module only turns away people without the right role (to
the sign-in page when anonymous, 403 otherwise) and cuts lists into pages.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator

from forensics.api.base import MANUFACTURER_CLEARANCE, clearance
from forensics.roles import ALL_ROLES, has_role

PAGE_SIZE = 50


def role_required(*roles: str):
    """Anonymous -> sign-in page (302); signed in without one of `roles` -> 403.

    Without `roles`, any role will do: an account nobody has given a role sees nothing.
    """
    allowed = roles or ALL_ROLES

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *allowed):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def paginate(request, queryset, *, per_page: int = PAGE_SIZE, param: str = "page", by_id=False):
    """The requested page of `queryset` (out-of-range numbers give the last page).

    The page remembers its query parameter name, so that two lists on one page (photos and
    findings of a recovery) page independently through `includes/pagination.html`.

    `by_id`: page the ids first (the filtered, ordered table alone), then load that page's rows
    with the queryset's joins and prefetches; a deep page then never joins the rows it skips.
    """
    source = queryset.values_list("pk", flat=True) if by_id else queryset
    page = Paginator(source, per_page).get_page(request.GET.get(param))
    if by_id:
        ids = list(page.object_list)
        rows = queryset.order_by().in_bulk(ids)
        page.object_list = [rows[pk] for pk in ids if pk in rows]
    page.param = param
    return page


def filtered(filterset):
    """(rows, valid): the FilterSet's rows, everything when no filter was sent, none when a
    filter value is bad (its form then shows the error beside the field)."""
    if filterset.is_bound and not filterset.is_valid():
        return filterset.queryset.none(), False
    return filterset.qs, True


def is_redacted(user) -> bool:
    """Manufacturers' officers get the redacted view of evidence (as the API's serializers)."""
    return clearance(user) == MANUFACTURER_CLEARANCE
