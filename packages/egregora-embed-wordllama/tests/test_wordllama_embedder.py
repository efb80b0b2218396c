"""egregora-embed-wordllama runs the real model here (its weights ship in the wheel)."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

import numpy as np
import pytest
from egregora_core.testing.conformance import EmbedderTests
from egregora_embed_wordllama import WordLlamaEmbedder
from egregora_embed_wordllama.embedder import MAX_CHARS, bundled_files
from egregora_embed_wordllama.plugin import egregora_register_embedders

_shared = WordLlamaEmbedder()


def cosine(a, b) -> float:
    return float(np.dot(a, b))


class TestWordLlamaConformance(EmbedderTests):
    @pytest.fixture
    def embedder(self):
        return _shared


@pytest.fixture
def no_network(monkeypatch):
    """Any connection or name lookup fails the test: loading must never reach the network."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_registered_as_wordllama():
    found = []
    egregora_register_embedders(found.append)
    assert [(e.name, e.dimensions, e.metric) for e in found] == [("wordllama", 256, "cosine")]


def test_offline_fresh_engine_reads_only_the_wheel(no_network, monkeypatch, tmp_path):
    """A new instance loads from the installed package with no network and no home cache."""
    monkeypatch.setenv("HOME", str(tmp_path))  # wordllama's download cache would go here
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    embedder = WordLlamaEmbedder()
    vectors = embedder.embed_sync(["olá, tudo bem?"])
    assert vectors.shape == (1, 256)
    assert list(tmp_path.iterdir()) == []  # nothing downloaded or cached
    import wordllama

    package = Path(wordllama.__file__).parent
    assert all(path.is_relative_to(package) for path in bundled_files())


def test_library_loader_would_download():
    """Why bundled_files exists: wordllama 0.4.0.post1's own loader does not find the
    tokenizer the wheel ships (it looks in tokenizer/, the wheel has tokenizers/), so
    WordLlama.load() would download it. If a release fixes this, the workaround can go."""
    from wordllama import WordLlama

    with pytest.raises(FileNotFoundError, match="downloads are disabled"):
        WordLlama.load("l2_supercat", dim=256, disable_download=True)


def test_unit_norm_and_deterministic():
    texts = ["churrasco no sábado", "the meeting moved to friday", "x", "🎉", "  "]
    first = _shared.embed_sync(texts)
    again = WordLlamaEmbedder().embed_sync(texts)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first, again)
    assert first.dtype == np.float32


def test_batch_equals_single():
    """A text's vector does not depend on the other texts of its batch (padding, order)."""
    texts = ["um", "dois três quatro cinco seis sete oito", "nove " * 200, ""]
    batch = _shared.embed_sync(texts)
    single = np.vstack([_shared.embed_sync([t]) for t in texts])
    assert np.allclose(batch, single, atol=1e-6)


def test_paraphrases_score_higher_than_unrelated():
    pairs = [
        ("the meeting moved to friday", "we moved the meeting to friday afternoon"),
        ("pizza dinner tonight at home", "let's have pizza for dinner tonight"),
        ("vamos fazer churrasco no sábado", "churrasco no sábado, quem vem?"),
    ]
    unrelated = "the quarterly tax forms are due tomorrow morning"
    for a, b in pairs:
        va, vb, vu = _shared.embed_sync([a, b, unrelated])
        assert cosine(va, vb) > cosine(va, vu) + 0.2, (a, b)


def test_query_and_document_are_the_same_space():
    """A symmetric model: both input types give the same vector, and are both accepted."""
    doc = _shared.embed_sync(["churrasco no sábado"], input_type="document")
    query = _shared.embed_sync(["churrasco no sábado"], input_type="query")
    assert np.array_equal(doc, query)


def test_bad_input_type():
    with pytest.raises(ValueError, match="input_type"):
        _shared.embed_sync(["x"], input_type="passage")


def test_empty_inputs():
    assert _shared.embed_sync([]).shape == (0, 256)
    assert asyncio.run(_shared.embed([])) == []
    empty, other = _shared.embed_sync(["", "bom dia"])
    assert np.isfinite(empty).all()
    assert np.linalg.norm(empty) == pytest.approx(1.0, abs=1e-5)
    assert np.array_equal(empty, _shared.embed_sync([""])[0])  # one fixed vector
    assert not np.allclose(empty, other)


def test_long_text_is_cut():
    head = "o churrasco é no sábado na casa da ana. " * (MAX_CHARS // 20)
    tail = " the tax report is due tomorrow morning." * 100
    cut = _shared.embed_sync([head[:MAX_CHARS]])
    long = _shared.embed_sync([head[:MAX_CHARS] + tail])
    assert np.array_equal(cut, long)
    assert str(MAX_CHARS) in _shared.model  # another cut is another vector space


def test_token_count():
    assert _shared.token_count("") == 0
    short, longer = _shared.token_count("bom dia"), _shared.token_count("bom dia, pessoal " * 10)
    assert 0 < short < longer


def test_import_leaves_root_logging_alone():
    """wordllama calls logging.basicConfig(level=INFO) when imported; the embedder undoes it."""
    import sys

    from egregora_embed_wordllama.embedder import import_wordllama

    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    for name in [m for m in sys.modules if m == "wordllama" or m.startswith("wordllama.")]:
        sys.modules.pop(name)
    # As in a program that has not configured logging (pytest's own handlers would make
    # basicConfig a no-op and the test pointless).
    root.handlers[:] = []
    root.setLevel(logging.WARNING)
    try:
        import_wordllama()
        assert (root.handlers, root.level) == ([], logging.WARNING)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
