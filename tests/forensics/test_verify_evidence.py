"""`manage.py verify_evidence`: a clean store passes, a changed or missing original fails."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.factories import PhotoFactory, RecoveryFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("verify_evidence", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_untouched_originals_pass(media):
    PhotoFactory()
    PhotoFactory()
    out, err = run()
    assert "2 of 2 original(s) checked, 0 problem(s)" in out
    assert err == ""


def test_a_tampered_original_fails_with_its_hashes(media):
    kept = PhotoFactory()
    changed = PhotoFactory()
    with open(changed.original.path, "r+b") as handle:
        handle.seek(100)
        handle.write(b"\x00")
    err = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_evidence", stderr=err)
    assert f"MISMATCH photo {changed.pk}" in err.getvalue()
    assert changed.sha256 in err.getvalue()
    assert f"photo {kept.pk}:" not in err.getvalue()


def test_a_missing_original_fails(media):
    photo = PhotoFactory()
    Path(photo.original.path).unlink()
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_evidence", stderr=err)
    assert f"MISSING  photo {photo.pk}" in err.getvalue()


def test_scoped_to_a_recovery(media):
    recovery = RecoveryFactory()
    PhotoFactory(recovery=recovery)
    broken = PhotoFactory()
    Path(broken.original.path).unlink()
    out, _ = run("--recovery", str(recovery.pk))
    assert "1 of 1 original(s) checked, 0 problem(s)" in out
    with pytest.raises(CommandError):
        run("--photo", str(broken.pk))


def _database_url(settings, tmp_path) -> tuple[str, bool]:
    """The test database as a URL another process can open; SQLite's is in memory, so that case
    gets a file database of its own (to be migrated)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{tmp_path / 'db.sqlite3'}", True
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}{port}/{db['NAME']}", False


@pytest.mark.django_db(transaction=True)
def test_the_command_line_exits_non_zero(tmp_path, settings):
    """Through manage.py in a real process: 0 when intact, non-zero once an original changed."""
    database_url, needs_migrate = _database_url(settings, tmp_path)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_SETTINGS_MODULE": "forensics.test_settings",
    }
    manage = [sys.executable, "manage.py"]
    cwd = Path(__file__).resolve().parents[2]
    if needs_migrate:
        subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=cwd, check=True)
    script = "from tests.factories import PhotoFactory; PhotoFactory()"
    subprocess.run([*manage, "shell", "-c", script], env=env, cwd=cwd, check=True)
    ok = subprocess.run([*manage, "verify_evidence"], env=env, cwd=cwd, capture_output=True)
    assert ok.returncode == 0, ok.stderr
    for path in (tmp_path / "media").rglob("*.jpg"):
        path.write_bytes(b"changed")
    bad = subprocess.run([*manage, "verify_evidence"], env=env, cwd=cwd, capture_output=True)
    assert bad.returncode != 0
    assert b"MISMATCH" in bad.stderr
