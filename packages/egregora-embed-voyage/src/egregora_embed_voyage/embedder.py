"""The Voyage AI embedder: any number of texts in, one vector per text out, in order.

``embed`` splits the texts into requests under the API's per-request input and token caps,
sends them through the official ``voyageai.AsyncClient`` with at most ``concurrency``
requests in flight, retries 429/5xx/timeouts itself (see :mod:`.retry`), and reassembles
the vectors in input order as one float32 matrix.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from egregora_core.config import plugin_settings
from egregora_core.errors import ConfigError

from .errors import (
    VoyageAuthError,
    VoyageKeyMissing,
    VoyageRequestError,
    VoyageUnavailable,
    short,
)
from .models import DEFAULT_MODEL, MAX_INPUTS_PER_REQUEST, ModelInfo, model_info
from .retry import Backoff, Pause, describe, is_retryable, retry_after
from .tokens import batch_ranges, estimate_tokens

if TYPE_CHECKING:  # pragma: no cover
    import voyageai
    from voyageai import error as verror

KEY_ENV = "VOYAGE_API_KEY"
INPUT_TYPES = ("document", "query")

#: Keys of the ``[voyage]`` config section (and ``EGREGORA_VOYAGE_<KEY>``) -> field type.
CONFIG_KEYS: dict[str, type] = {
    "model": str,
    "output_dimension": int,
    "batch_size": int,
    "concurrency": int,
    "max_retries": int,
    "timeout": float,
    "backoff_base": float,
    "backoff_max": float,
    "base_url": str,
}


@dataclass
class EmbedStats:
    """What the last ``embed`` call did: for logs, ``build`` summaries and tests."""

    texts: int = 0
    requests: int = 0  # HTTP attempts, retries included
    batches: int = 0
    retries: int = 0
    tokens: int = 0  # as reported by the API
    waits: list[float] = field(default_factory=list)  # seconds slept before each retry
    peak_in_flight: int = 0
    seconds: float = 0.0


@dataclass
class VoyageEmbedder:
    """Embedder for Voyage AI models (see ``docs/voyage.md``).

    ``max_retries`` counts retries after the first attempt, so a request is tried at most
    ``max_retries + 1`` times. ``api_key`` defaults to ``$VOYAGE_API_KEY`` at call time;
    ``base_url`` points the client elsewhere (a proxy, or the fake server in tests).
    """

    model: str = DEFAULT_MODEL
    output_dimension: int | None = None
    batch_size: int = 128
    concurrency: int = 4
    max_retries: int = 5
    timeout: float = 60.0
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    name: str = "voyage"
    last_stats: EmbedStats = field(
        default_factory=EmbedStats, init=False, repr=False, compare=False
    )

    metric: ClassVar[str] = "cosine"

    def __post_init__(self) -> None:
        info = model_info(self.model)
        if self.output_dimension is not None and self.output_dimension not in info.dimensions:
            raise ConfigError(
                f"{self.model} cannot return {self.output_dimension} dimensions "
                f"(allowed: {', '.join(map(str, info.dimensions))})",
                where="voyage.output_dimension",
            )
        if not 1 <= self.batch_size <= MAX_INPUTS_PER_REQUEST:
            raise ConfigError(
                f"batch_size must be 1..{MAX_INPUTS_PER_REQUEST}, got {self.batch_size}",
                where="voyage.batch_size",
            )
        for key in ("concurrency", "timeout"):
            if getattr(self, key) <= 0:
                raise ConfigError(f"{key} must be positive", where=f"voyage.{key}")
        if self.max_retries < 0:
            raise ConfigError("max_retries must be >= 0", where="voyage.max_retries")

    # -- the Embedder protocol ------------------------------------------------------
    @property
    def info(self) -> ModelInfo:
        return model_info(self.model)

    @property
    def dimensions(self) -> int:
        return self.output_dimension or self.info.default_dimensions

    @property
    def max_batch_size(self) -> int:
        return self.batch_size

    @property
    def max_batch_tokens(self) -> int:
        return self.info.batch_token_budget

    async def embed(
        self,
        texts: Sequence[str],
        input_type: str = "document",
        *,
        on_batch: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """One float32 row per text, in input order. ``on_batch(n)`` reports progress."""
        started = time.perf_counter()
        stats = self.last_stats = EmbedStats(texts=len(texts))
        out = np.empty((len(texts), self.dimensions), dtype=np.float32)
        if input_type not in INPUT_TYPES:
            raise VoyageRequestError(
                f"input_type must be 'document' or 'query', got {input_type!r}",
                where="VoyageEmbedder.embed",
            )
        if len(texts) == 0:
            return out
        # Imported here, not at module level: voyageai pulls in langchain, huggingface_hub
        # and aiohttp (~1.4 s), which every `egregora` command would otherwise pay at startup.
        import aiohttp
        import voyageai

        client = voyageai.AsyncClient(
            api_key=self._key(), base_url=self.base_url, max_retries=1, timeout=self.timeout
        )
        ranges = list(batch_ranges(texts, self.max_batch_size, self.max_batch_tokens))
        stats.batches = len(ranges)
        run = _Run(self, client, input_type, stats, out, on_batch)
        # One aiohttp session for the whole call, so connections are reused; voyageai
        # reads it from this context variable (otherwise it opens a session per request).
        connector = aiohttp.TCPConnector(limit=self.concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            token = voyageai.aiosession.set(session)
            try:
                await _gather_or_fail(run.batch(texts[a:b], a) for a, b, _ in ranges)
            finally:
                voyageai.aiosession.reset(token)
        stats.seconds = time.perf_counter() - started
        return out

    # -- optional methods used by `egregora build` -----------------------------------
    def estimate(self, texts: Sequence[str]) -> dict[str, Any]:
        """Estimated tokens, requests and USD cost of embedding ``texts`` (for --dry-run)."""
        tokens = sum(estimate_tokens(text) for text in texts)
        requests = sum(1 for _ in batch_ranges(texts, self.max_batch_size, self.max_batch_tokens))
        return {
            "model": self.model,
            "tokens": tokens,
            "requests": requests,
            "cost_usd": tokens * self.info.usd_per_million_tokens / 1_000_000,
        }

    def estimate_cost(self, texts: Sequence[str]) -> float:
        """Estimated USD cost of embedding ``texts`` with this model (list prices)."""
        return self.estimate(texts)["cost_usd"]

    def configure(self, config: Any, env: Mapping[str, str] | None = None) -> VoyageEmbedder:
        """A copy configured from the ``[voyage]`` section, overridden by ``EGREGORA_VOYAGE_*``."""
        return dataclasses.replace(self, **plugin_settings(config, "voyage", CONFIG_KEYS, env))

    def _key(self) -> str:
        key = self.api_key or os.environ.get(KEY_ENV, "").strip()
        if not key:
            raise VoyageKeyMissing()
        return key


class _Run:
    """State shared by the requests of one ``embed`` call."""

    def __init__(
        self,
        embedder: VoyageEmbedder,
        client: voyageai.AsyncClient,
        input_type: str,
        stats: EmbedStats,
        out: np.ndarray,
        on_batch: Callable[[int], None] | None,
    ):
        self.e = embedder
        self.client = client
        self.input_type = input_type
        self.stats = stats
        self.out = out
        self.on_batch = on_batch
        self.slots = asyncio.Semaphore(embedder.concurrency)
        self.pause = Pause()
        self.backoff = Backoff(embedder.backoff_base, embedder.backoff_max)
        self.in_flight = 0

    async def batch(self, texts: Sequence[str], start: int) -> None:
        async with self.slots:
            response = await self.request(list(texts))
        vectors = _decode(response.data, len(texts))
        if vectors.shape != (len(texts), self.e.dimensions):
            raise VoyageRequestError(
                f"Voyage AI returned vectors of shape {vectors.shape} for "
                f"{len(texts)} texts of {self.e.dimensions} dimensions",
                hint="check voyage.model and voyage.output_dimension",
            )
        self.out[start : start + len(texts)] = vectors
        self.stats.tokens += int(response.usage["total_tokens"])
        if self.on_batch is not None:
            self.on_batch(len(texts))

    async def request(self, texts: list[str]) -> Any:
        import voyageai
        from voyageai import error as verror

        attempts = self.e.max_retries + 1
        for attempt in range(1, attempts + 1):
            await self.pause.wait()
            self.stats.requests += 1
            self.in_flight += 1
            self.stats.peak_in_flight = max(self.stats.peak_in_flight, self.in_flight)
            try:
                # The official client's request function, asking for base64 explicitly:
                # AsyncClient.embed() turns every vector into a list of Python floats
                # (~11 ms per 128x1024 batch), which capped throughput at ~70% of the ideal.
                # The key, base URL, session and timeout still come from the AsyncClient.
                self.client._require_api_key()
                return await voyageai.Embedding.acreate(
                    input=texts,
                    model=self.e.model,
                    input_type=self.input_type,
                    truncation=True,
                    output_dimension=self._output_dimension(),
                    encoding_format="base64",
                    **self.client._params,
                )
            except verror.VoyageError as exc:
                self._raise_if_final(exc, attempt, attempts)
                floor = retry_after(exc)
                if floor:
                    self.pause.extend(floor)
                wait = self.backoff.delay(attempt, floor)
            finally:
                self.in_flight -= 1
            self.stats.retries += 1
            self.stats.waits.append(wait)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _output_dimension(self) -> int | None:
        # Fixed-size models reject the parameter, so send it only where it is accepted.
        return self.e.dimensions if self.e.info.flexible else None

    def _raise_if_final(self, exc: verror.VoyageError, attempt: int, attempts: int) -> None:
        from voyageai import error as verror

        if isinstance(exc, verror.AuthenticationError) or exc.http_status == 401:
            raise VoyageAuthError() from None
        if not is_retryable(exc):
            raise VoyageRequestError(
                f"Voyage AI refused the request ({describe(exc)}: {short(exc.user_message)})",
                where=f"model {self.e.model}",
                hint="check voyage.model, voyage.output_dimension and voyage.batch_size",
            ) from None
        if attempt == attempts:
            raise VoyageUnavailable(
                f"Voyage AI request failed after {attempts} attempts (last: {describe(exc)})",
                hint="try again later, or raise voyage.max_retries / voyage.timeout",
            ) from None


def _decode(data: Sequence[Any], count: int) -> np.ndarray:
    """Response rows (base64 little-endian float32, or float lists) -> (count, dim) float32."""
    rows: list[np.ndarray | None] = [None] * count
    for item in data:
        embedding = item["embedding"]
        rows[item["index"]] = (
            np.frombuffer(base64.b64decode(embedding), dtype="<f4")
            if isinstance(embedding, str)
            else np.asarray(embedding, dtype=np.float32)
        )
    if any(row is None for row in rows):
        raise VoyageRequestError(f"Voyage AI returned {len(data)} vectors for {count} texts")
    return np.vstack(rows)


async def _gather_or_fail(coros) -> None:
    """Run every coroutine; on the first failure cancel the rest and raise that error."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
