"""Shared fixtures: the real fixtures folder, an extractor, and a chat-file writer."""

from __future__ import annotations

from pathlib import Path

import pytest
from egregora_extract_whatsapp.extractor import WhatsAppExtractor

# <repo>/packages/egregora-extract-whatsapp/tests -> <repo>/../shared/fixtures/whatsapp
FIXTURES = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures" / "whatsapp"


@pytest.fixture
def fixtures() -> Path:
    assert FIXTURES.is_dir(), f"real WhatsApp fixtures missing: expected them at {FIXTURES}"
    return FIXTURES


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
