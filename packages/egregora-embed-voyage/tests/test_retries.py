"""Retries on 429/500/503/timeouts with backoff; Retry-After honoured; clear give-up."""

from __future__ import annotations

import random
from email.utils import formatdate

import numpy as np
import pytest
from egregora_core.errors import EgregoraError
from egregora_embed_voyage import VoyageUnavailable
from egregora_embed_voyage.retry import Backoff, is_retryable, retry_after
from egregora_embed_voyage.testing import Fault
from voyageai import error as verror


@pytest.mark.parametrize(
    "fault",
    [Fault.rate_limit(), Fault(500), Fault(503), Fault(502), Fault.timeout(1.0)],
    ids=["429", "500", "503", "502", "timeout"],
)
def test_retry_then_success(server, make_embedder, embed, fault):
    server.fail(fault, fault)
    embedder = make_embedder(timeout=0.3, max_retries=3)
    texts = ["pizza tonight", "tax forms"]
    vectors = embed(embedder, texts)
    assert vectors.shape == (2, 1024)
    assert np.isfinite(vectors).all()
    assert embedder.last_stats.retries == 2
    assert embedder.last_stats.requests == 3
    assert len(embedder.last_stats.waits) == 2
    if fault.status is not None:
        assert server.statuses() == [fault.status, fault.status, 200]


def test_gives_up_after_all_attempts(server, make_embedder, embed):
    server.fail(*[Fault(503)] * 5)
    embedder = make_embedder(max_retries=2)
    with pytest.raises(VoyageUnavailable) as info:
        embed(embedder, ["hello"])
    message = str(info.value)
    assert "after 3 attempts" in message
    assert "HTTP 503" in message
    assert "\n" not in message
    assert isinstance(info.value, EgregoraError)
    assert len(server.records) == 3  # exactly max_retries + 1 attempts, then stop


def test_give_up_on_timeouts_says_timeout(server, make_embedder, embed):
    server.fail(Fault.timeout(1.0), Fault.timeout(1.0))
    with pytest.raises(VoyageUnavailable, match="last: timeout"):
        embed(make_embedder(max_retries=1, timeout=0.2), ["hello"])


def test_retry_after_is_honoured(server, make_embedder, embed):
    server.fail(Fault.rate_limit(0.4))
    embedder = make_embedder(backoff_base=0.001)
    embed(embedder, ["hello"])
    limited, retried = server.arrivals()
    assert limited.status == 429
    assert retried.status == 200
    assert retried.received - limited.answered >= 0.4  # waited at least Retry-After
    assert embedder.last_stats.waits == [pytest.approx(0.4)]


def test_retry_after_pauses_every_worker(server, make_embedder, embed):
    server.fail(Fault.rate_limit(0.4))
    embed(
        make_embedder(batch_size=1, concurrency=4, backoff_base=0.001), [f"t{i}" for i in range(40)]
    )
    records = server.arrivals()
    limited = records[0]
    assert limited.status == 429
    # Requests already on the wire may land just after the 429; none start in the window.
    later = [r.received - limited.answered for r in records[1:]]
    assert not [gap for gap in later if 0.2 < gap < 0.4]
    assert sum(r.status == 200 for r in records) == 40


def test_non_retryable_statuses_are_not_retried():
    assert not is_retryable(verror.InvalidRequestError("bad", http_status=400))
    assert not is_retryable(verror.AuthenticationError("bad", http_status=401))
    assert is_retryable(verror.ServerError("boom", http_status=500))
    assert is_retryable(verror.APIError("odd 429 body", http_status=429))
    assert is_retryable(verror.Timeout("slow"))


def test_retry_after_parsing():
    def exc(value):
        return verror.RateLimitError("slow down", http_status=429, headers={"Retry-After": value})

    assert retry_after(exc("3")) == 3.0
    assert retry_after(exc("0.25")) == 0.25
    now = 1_000_000.0
    assert retry_after(exc(formatdate(now + 10, usegmt=True)), now=now) == pytest.approx(10)
    assert retry_after(exc("soon")) is None
    assert retry_after(verror.ServerError("x", http_status=500)) is None


def test_backoff_is_jittered_exponential_and_capped():
    backoff = Backoff(base=0.5, cap=4.0)
    rng = random.Random(1)
    for retry in range(1, 8):
        ceiling = min(4.0, 0.5 * 2 ** (retry - 1))
        delays = [backoff.delay(retry, rng=rng) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # full jitter spans the range
    assert backoff.delay(1, floor=7.0, rng=rng) == 7.0
