"""The project starts, refuses an unsafe production config, and serves its schema."""

import gc
import importlib
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse


def test_production_mode_refuses_default_secret_key(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "0", "SECRET_KEY": "", "VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; "
            "os.environ['DJANGO_SETTINGS_MODULE']='forensics.settings'; django.setup()",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def _manage(tmp_path, *args):
    """manage.py in a bare environment: no DEBUG, no SECRET_KEY (a build step, a cron job)."""
    env = {"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )


def test_makemigrations_check_needs_no_secret_key(tmp_path):
    result = _manage(tmp_path, "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_other_commands_refuse_plainly_without_a_secret_key(tmp_path):
    result = _manage(tmp_path, "migrate")
    assert result.returncode == 1
    assert result.stderr.startswith("manage.py: SECRET_KEY is not set.")
    assert "Traceback" not in result.stderr


def test_production_mode_starts_with_a_secret_key(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "0", "SECRET_KEY": "x" * 50, "VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; "
            "os.environ['DJANGO_SETTINGS_MODULE']='forensics.settings'; django.setup(); print('ok')",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout


@pytest.mark.django_db
def test_api_requires_login(client):
    response = client.get("/api/v1/parts/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_openapi_schema_is_served_and_valid(client_for):
    import yaml
    from drf_spectacular.validation import validate_schema

    response = client_for("analyst").get(reverse("schema"))
    assert response.status_code == 200
    validate_schema(yaml.safe_load(response.content))


def test_openapi_schema_generates_without_warnings():
    """Every view documented, every enum named: `spectacular --fail-on-warn` passes."""
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)


@pytest.mark.django_db
def test_swagger_ui_is_served_offline(client_for):
    response = client_for("analyst").get(reverse("swagger-ui"))
    assert response.status_code == 200
    assert b"swagger-ui" in response.content
    assert b"cdn" not in response.content.lower()


@pytest.mark.parametrize("entry_point", ["forensics.wsgi", "forensics.asgi"])
def test_server_entry_points_freeze_what_loading_made(entry_point):
    """So a full garbage collection during a request does not scan the whole framework."""
    gc.unfreeze()
    try:
        importlib.reload(importlib.import_module(entry_point))
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
