"""Integration tests run against the whole installed set (nox -s integration)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO.parent / "shared" / "fixtures" / "whatsapp"


@pytest.fixture(scope="session")
def whatsapp_fixtures() -> Path:
    """The real sample exports; CI clones the repository with shared/ beside it."""
    if not FIXTURES.is_dir():
        pytest.fail(f"fixtures not found at {FIXTURES}: clone the repository next to shared/")
    return FIXTURES
