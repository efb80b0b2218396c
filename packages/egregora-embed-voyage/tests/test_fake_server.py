"""The fake server itself: same vectors as the core's FakeEmbedder, loopback only."""

from __future__ import annotations

import random

import numpy as np
import pytest
from egregora_core.testing import FakeEmbedder
from egregora_embed_voyage.testing import FakeVoyageServer, hashed_vectors


@pytest.mark.parametrize("dimensions", [256, 1024])
def test_hashed_vectors_match_fake_embedder(dimensions):
    rng = random.Random(3)
    words = ["Bom", "dia", "🎉", "pizza", "ünï", "42", "", "  ", "日本語", "a-b"]
    texts = ["".join(rng.choices(words, k=rng.randint(0, 8))) for _ in range(200)]
    reference = FakeEmbedder(dimensions)
    expected = np.asarray([reference.vector(t) for t in texts], dtype=np.float32)
    assert np.allclose(hashed_vectors(texts, dimensions), expected, atol=1e-6)


def test_only_loopback():
    with pytest.raises(ValueError, match="loopback"):
        FakeVoyageServer(host="0.0.0.0")
