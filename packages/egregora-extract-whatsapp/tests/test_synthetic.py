"""The synthetic generator is deterministic, parses back exactly, and reports its ground truth."""

from __future__ import annotations

import pytest
from egregora_core.components import ExtractOptions
from egregora_extract_whatsapp.synthetic import generate_chat, tiny_png


def test_deterministic():
    assert generate_chat(500, seed=3).text == generate_chat(500, seed=3).text
    assert generate_chat(500, seed=3).text != generate_chat(500, seed=4).text


@pytest.mark.parametrize("platform", ["android", "ios"])
@pytest.mark.parametrize("locale", ["en", "pt", "es", "de"])
def test_parses_back_to_ground_truth(tmp_path, extractor, platform, locale):
    chat = generate_chat(1500, seed=11, platform=platform, locale=locale)
    result = extractor.extract(chat.write_zip(tmp_path / "chat.zip"), ExtractOptions())
    assert result.messages.num_rows == chat.message_count
    assert result.source["counts"] == dict(chat.kinds)
    assert result.source["platform"] == platform
    authors = set(result.messages.column("author").drop_null().to_pylist())
    assert authors <= set(chat.names) | set(chat.phones)
    in_system = {
        n for names in result.messages.column("names").drop_null().to_pylist() for n in names
    }
    assert in_system <= set(chat.names)


def test_ground_truth_has_hard_identifiers():
    chat = generate_chat(3000, seed=2)
    assert any(not n.isascii() for n in chat.names)  # accents / emoji
    assert chat.phones
    assert chat.emails
    assert any(e in chat.text for e in chat.emails)
    assert "@\u2068" in chat.text
    assert any(f"{n} said" in chat.text for n in chat.names)


def test_tiny_png_is_valid():
    data = tiny_png(5)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert data.endswith(b"IEND\xaeB`\x82")
