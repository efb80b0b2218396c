"""Fixtures: a fake Voyage server per test and embedders pointed at it."""

from __future__ import annotations

import asyncio

import pytest
from egregora_embed_voyage import VoyageEmbedder
from egregora_embed_voyage.testing import TEST_KEY, FakeVoyageServer


@pytest.fixture
def server():
    with FakeVoyageServer(latency=0.005) as fake:
        yield fake


@pytest.fixture
def make_embedder(server):
    """``make_embedder(**overrides)``: an embedder aimed at ``server`` with fast retries."""

    def make(**overrides) -> VoyageEmbedder:
        options = dict(
            base_url=server.base_url,
            api_key=TEST_KEY,
            backoff_base=0.01,
            backoff_max=0.05,
            timeout=5.0,
        )
        options.update(overrides)
        return VoyageEmbedder(**options)

    return make


@pytest.fixture
def embed():
    """Run an embedder's coroutine: ``embed(embedder, texts, input_type="document")``."""

    def run(embedder, texts, input_type="document"):
        return asyncio.run(embedder.embed(texts, input_type))

    return run
