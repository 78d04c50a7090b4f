"""Row-level visibility: every model the API exposes has a QuerySet with `visible_to(user)`.

The base viewset applies it to every request, so who-sees-what is decided in one method per model and
tested as a matrix, never re-implemented in a view.
"""

from django.db import models

from .roles import roles_of


class ScopedQuerySet(models.QuerySet):
    """Default: readable by any signed-in user holding a role; subclasses narrow it."""

    def visible_to(self, user):
        if not roles_of(user):
            return self.none()
        return self


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    pass
