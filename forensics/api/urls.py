"""/api/v1/: one router for every app, so the schema and the browsable root list everything."""

from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from catalog.api.urls import register as register_catalog
from forensics.api.routes import register as register_forensics

router = DefaultRouter()
register_catalog(router)
register_forensics(router)

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("", include("catalog.api.urls")),
    path("", include(router.urls)),
]
