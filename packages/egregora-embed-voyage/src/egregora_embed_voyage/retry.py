"""When and how long to wait before retrying a Voyage request.

The official client retries only 429, 502-504 and timeouts, and not 500, with its own
fixed backoff that ignores ``Retry-After``. The embedder therefore runs the client with a
single attempt and retries here: exponential backoff with full jitter
(``uniform(0, min(cap, base * 2**n))``), never shorter than the server's ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def is_retryable(exc: BaseException) -> bool:
    """429, 5xx, timeouts and dropped connections are worth another attempt."""
    from voyageai import error as verror  # lazily: see embedder.embed

    if isinstance(exc, verror.Timeout | verror.APIConnectionError | verror.TryAgain):
        return True
    return isinstance(exc, verror.VoyageError) and exc.http_status in RETRY_STATUSES


def describe(exc: BaseException) -> str:
    """A short label for the last failure: 'HTTP 503', 'timeout', 'connection error'."""
    from voyageai import error as verror

    if isinstance(exc, verror.Timeout):
        return "timeout"
    if isinstance(exc, verror.APIConnectionError):
        return "connection error"
    status = getattr(exc, "http_status", None)
    return f"HTTP {status}" if status else type(exc).__name__


def retry_after(exc: BaseException, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait (``Retry-After``: seconds or an HTTP date)."""
    headers: Any = getattr(exc, "headers", None) or {}
    raw = headers.get("Retry-After") or headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter, floored at ``Retry-After``."""

    base: float = 0.5
    cap: float = 30.0

    def delay(self, retry: int, floor: float | None = None, rng: random.Random = random) -> float:  # type: ignore[assignment]
        """Seconds to wait before retry number ``retry`` (1 = first retry)."""
        jittered = rng.uniform(0.0, min(self.cap, self.base * 2 ** (retry - 1)))
        return max(jittered, floor or 0.0)


class Pause:
    """A shared 'hold everything until' so a 429 with Retry-After pauses every worker."""

    def __init__(self) -> None:
        self.until = 0.0

    def extend(self, seconds: float) -> None:
        self.until = max(self.until, time.monotonic() + seconds)

    async def wait(self) -> None:
        while (left := self.until - time.monotonic()) > 0:
            await asyncio.sleep(left)
