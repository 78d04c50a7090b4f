"""Fixtures of the forensics tests."""

import pytest

from .findings_support import FakeResolver


@pytest.fixture
def fake_resolver(monkeypatch):
    """A scripted resolver in place of `catalog.resolver.resolve`/`learn`/`unlearn` (see findings_support)."""
    fake = FakeResolver()
    monkeypatch.setattr("catalog.resolver.resolve", fake.resolve, raising=False)
    monkeypatch.setattr("catalog.resolver.learn", fake.learn, raising=False)
    monkeypatch.setattr("catalog.resolver.unlearn", fake.unlearn, raising=False)
    return fake


@pytest.fixture
def media(settings, tmp_path):
    """A MEDIA_ROOT of the test's own (evidence files never land in the shared test media)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
