"""egregora-embed-local runs the real model here (it is small and offline)."""

from __future__ import annotations

import asyncio
import socket

import numpy as np
import pytest
from egregora_core.testing.conformance import EmbedderTests
from egregora_embed_local import LocalEmbedder
from egregora_embed_local.plugin import egregora_register_embedders

_shared = LocalEmbedder()


class TestLocalConformance(EmbedderTests):
    @pytest.fixture
    def embedder(self):
        return _shared


@pytest.fixture
def no_network(monkeypatch):
    """Any socket use fails the test: the embedder must never reach the network."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_registered_as_local():
    found = []
    egregora_register_embedders(found.append)
    assert [(e.name, e.dimensions, e.metric) for e in found] == [("local", 384, "cosine")]


def test_offline_fresh_engine(no_network):
    embedder = LocalEmbedder()  # a new instance loads the weights from the package
    vectors = np.asarray(asyncio.run(embedder.embed(["olá, tudo bem?"])), dtype=np.float32)
    assert vectors.shape == (1, 384)
    assert np.linalg.norm(vectors[0]) == pytest.approx(1.0, abs=1e-3)


def test_query_and_document_differ():
    """e5 prefixes: the same text as query and as passage gives different vectors."""
    doc = asyncio.run(_shared.embed(["churrasco no sábado"], input_type="document"))[0]
    query = asyncio.run(_shared.embed(["churrasco no sábado"], input_type="query"))[0]
    assert not np.allclose(doc, query)


def test_multilingual_retrieval():
    """A Portuguese query finds the matching Portuguese passage among unrelated ones."""
    passages = [
        "vamos fazer churrasco no sábado na casa do pedro",
        "o relatório de impostos vence amanhã",
        "the cat sleeps on the sofa",
    ]
    docs = np.asarray(asyncio.run(_shared.embed(passages)), dtype=np.float32)
    query = np.asarray(asyncio.run(_shared.embed(["quando é o churrasco?"], "query"))[0])
    assert int(np.argmax(docs @ query)) == 0


def test_batch_equals_single():
    texts = ["um", "dois três", "quatro cinco seis"]
    batch = np.asarray(asyncio.run(_shared.embed(texts)), dtype=np.float32)
    single = np.asarray([asyncio.run(_shared.embed([t]))[0] for t in texts], dtype=np.float32)
    assert np.allclose(batch, single, atol=1e-4)


def test_bad_input_type():
    with pytest.raises(ValueError, match="input_type"):
        _shared.embed_sync(["x"], input_type="passage")


def test_threads_split_a_batch_without_changing_vectors():
    """A batch split across worker threads gives the vectors one thread gives, in order."""
    texts = [f"mensagem {i} sobre o churrasco de sábado" * (1 + i % 3) for i in range(9)]
    split = LocalEmbedder(threads=3).embed_sync(texts)
    alone = LocalEmbedder(threads=1).embed_sync(texts)
    assert split.shape == (9, 384)
    assert np.allclose(split, alone, atol=1e-5)


def test_long_text_is_cut_to_what_the_model_reads():
    from egregora_embed_local.embedder import MAX_CHARS

    head = "o churrasco é no sábado na casa da ana. " * (MAX_CHARS // 20)
    tail = " the tax report is due tomorrow morning." * 100
    cut = _shared.embed_sync([head[:MAX_CHARS]])
    long = _shared.embed_sync([head[:MAX_CHARS] + tail])
    assert np.allclose(cut, long, atol=1e-6)
    assert str(MAX_CHARS) in _shared.model  # another cut is another vector space


def test_engine_settings_do_not_leak_into_the_environment(monkeypatch):
    import os

    from egregora_embed_local.embedder import load_engine

    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    load_engine()
    assert os.environ["OMP_NUM_THREADS"] == "7"
    assert "OMP_WAIT_POLICY" not in os.environ


def test_thread_count_from_the_environment(monkeypatch):
    from egregora_embed_local.embedder import default_threads

    monkeypatch.setenv("EGREGORA_EMBED_THREADS", "3")
    assert LocalEmbedder().threads == 3
    monkeypatch.setenv("EGREGORA_EMBED_THREADS", "lots")
    with pytest.raises(ValueError, match="EGREGORA_EMBED_THREADS"):
        default_threads()
