"""Settings for the test suite: production mode (DEBUG off) with a throwaway secret key."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("MEDIA_ROOT", "/tmp/forensics-test-media")

from .settings import *  # noqa: E402,F403

# Tests build rows with factories (no audit record), so nothing may be served from a cache
# between their steps; the dashboard cache has its own tests with a real cache.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
