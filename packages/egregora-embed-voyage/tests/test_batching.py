"""Requests stay under the input and token caps; results come back in input order."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from egregora_core.testing import FakeEmbedder
from egregora_embed_voyage import VoyageRequestError
from egregora_embed_voyage.models import MODELS, TOKEN_CAP_MARGIN
from egregora_embed_voyage.testing import Fault
from egregora_embed_voyage.tokens import batch_ranges, estimate_tokens


def expected(texts, dimensions=1024):
    hasher = FakeEmbedder(dimensions)
    return np.asarray([hasher.vector(t) for t in texts], dtype=np.float32)


def test_estimate_tokens_grows_with_text():
    assert estimate_tokens("") == 1
    assert estimate_tokens("abc") == 2
    assert estimate_tokens("a" * 300) == 101
    assert estimate_tokens("日本語") == 4  # 9 bytes: one token per CJK character, plus one


@pytest.mark.parametrize(("max_items", "max_tokens"), [(1, None), (3, None), (7, 20), (100, 9)])
def test_batch_ranges_cover_everything_under_caps(max_items, max_tokens):
    texts = [("word " * (i % 9)).strip() for i in range(53)]
    ranges = list(batch_ranges(texts, max_items, max_tokens))
    assert ranges[0][0] == 0
    assert ranges[-1][1] == len(texts)
    for (_, end, _), (start, _, _) in itertools.pairwise(ranges):
        assert end == start  # contiguous, no gaps or overlaps
    for start, end, tokens in ranges:
        assert 1 <= end - start <= max_items
        assert tokens == sum(estimate_tokens(t) for t in texts[start:end])
        if max_tokens is not None and end - start > 1:
            assert tokens <= max_tokens


def test_oversized_text_gets_its_own_batch():
    texts = ["short", "x" * 3000, "short"]
    assert [(a, b) for a, b, _ in batch_ranges(texts, 10, 100)] == [(0, 1), (1, 2), (2, 3)]


def test_embed_splits_by_batch_size(server, make_embedder, embed):
    texts = [f"message number {i}" for i in range(250)]
    embedder = make_embedder(batch_size=64)
    vectors = embed(embedder, texts)
    sizes = sorted(r.inputs for r in server.records)
    assert sizes == [58, 64, 64, 64]
    assert embedder.last_stats.batches == 4
    assert np.allclose(vectors, expected(texts), atol=1e-6)


def test_embed_splits_by_token_cap(server, make_embedder, embed):
    embedder = make_embedder(model="voyage-3-large", batch_size=1000)
    assert embedder.max_batch_tokens == int(MODELS["voyage-3-large"].token_cap * TOKEN_CAP_MARGIN)
    texts = [f"{i} " + "palavra " * 7500 for i in range(10)]  # ~20k estimated tokens each
    vectors = embed(embedder, texts)
    assert len(server.records) > 1
    for record in server.records:
        assert record.status == 200
        assert record.tokens <= embedder.max_batch_tokens
    assert sum(r.inputs for r in server.records) == len(texts)
    assert np.allclose(vectors, expected(texts), atol=1e-6)


def test_order_kept_when_first_batch_finishes_last(server, make_embedder, embed):
    server.fail(Fault(delay=0.3))  # the first request answers long after the others
    texts = [f"texto {i} sobre {i % 7}" for i in range(40)]
    embedder = make_embedder(batch_size=5, concurrency=4)
    vectors = embed(embedder, texts)
    first = min(server.records, key=lambda r: r.received)
    assert first.number == len(server.records) - 1  # it really was answered last
    assert np.allclose(vectors, expected(texts), atol=1e-6)


def test_concurrency_is_bounded(make_embedder, embed):
    from egregora_embed_voyage.testing import FakeVoyageServer

    with FakeVoyageServer(latency=0.05) as slow:
        embedder = make_embedder(base_url=slow.base_url, batch_size=2, concurrency=3)
        embed(embedder, [f"t{i}" for i in range(30)])
        assert slow.peak_in_flight == 3
        assert embedder.last_stats.peak_in_flight == 3


def test_input_type_and_dimension_are_sent(server, make_embedder, embed):
    embed(make_embedder(model="voyage-3.5", output_dimension=512), ["a"], "query")
    embed(make_embedder(model="voyage-multilingual-2"), ["b"])
    flexible, fixed = server.arrivals()
    assert (flexible.input_type, flexible.output_dimension, flexible.model) == (
        "query",
        512,
        "voyage-3.5",
    )
    assert fixed.output_dimension is None  # fixed-size models reject the parameter


def test_empty_input_makes_no_request(server, make_embedder, embed):
    assert embed(make_embedder(), []).shape == (0, 1024)
    assert server.records == []


def test_server_side_rejection_is_clear_and_not_retried(server, make_embedder, embed):
    server.max_inputs = 3  # a server stricter than the embedder thinks
    with pytest.raises(VoyageRequestError) as info:
        embed(make_embedder(batch_size=10), [f"t{i}" for i in range(5)])
    message = str(info.value)
    assert "HTTP 400" in message
    assert "\n" not in message
    assert "t1" not in message  # never quotes the texts
    assert len(server.records) == 1


def test_progress_callback_counts_every_text(make_embedder):
    import asyncio

    seen: list[int] = []
    embedder = make_embedder(batch_size=7)
    asyncio.run(embedder.embed([f"t{i}" for i in range(50)], on_batch=seen.append))
    assert sorted(seen) == [1, 7, 7, 7, 7, 7, 7, 7]
