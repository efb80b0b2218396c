"""egregora-core's embedder conformance suite, run against the fake Voyage server."""

from __future__ import annotations

import pytest
from egregora_core.testing.conformance import EmbedderTests


class TestVoyageConformance(EmbedderTests):
    @pytest.fixture
    def embedder(self, make_embedder):
        return make_embedder()


class TestVoyageLiteSmallConformance(EmbedderTests):
    """Same suite for a flexible-dimension model at 256 dimensions and tiny batches."""

    @pytest.fixture
    def embedder(self, make_embedder):
        return make_embedder(model="voyage-3.5-lite", output_dimension=256, batch_size=2)
