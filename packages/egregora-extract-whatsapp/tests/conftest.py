"""Shared fixtures: the project's sample exports, the optional real ones, an extractor, and a
chat-file writer."""

from __future__ import annotations

from pathlib import Path

import pytest
from egregora_core.testing.samples import zip_samples
from egregora_extract_whatsapp.extractor import WhatsAppExtractor

# <repo>/packages/egregora-extract-whatsapp/tests -> <repo>/fixtures/whatsapp
SAMPLES = Path(__file__).resolve().parents[3] / "fixtures" / "whatsapp"


@pytest.fixture(scope="session")
def samples(tmp_path_factory) -> dict[str, Path]:
    """The repository's own sample exports, zipped: ``{zip stem: path}``."""
    assert SAMPLES.is_dir(), f"the repository's sample exports are missing: {SAMPLES}"
    return zip_samples(SAMPLES, tmp_path_factory.mktemp("samples"))


@pytest.fixture
def real_fixtures(egregora_real_fixtures) -> Path:
    """Third-party real sample exports (only when EGREGORA_REAL_FIXTURES names their folder)."""
    return egregora_real_fixtures


@pytest.fixture
def extractor() -> WhatsAppExtractor:
    return WhatsAppExtractor()


@pytest.fixture
def write_chat(tmp_path):
    """write_chat(text, name=...) -> path of a bare .txt export holding ``text``."""

    def write(text: str, name: str = "WhatsApp Chat with Test Group.txt") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode("utf-8"))
        return path

    return write
