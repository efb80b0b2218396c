"""A local stand-in for the Voyage embeddings API, for tests and benchmarks.

:class:`FakeVoyageServer` answers ``POST /v1/embeddings`` on 127.0.0.1 (ephemeral port)
like the real API: same request and response JSON, same error bodies, base64 float32
vectors. Vectors are deterministic and carry meaning (the feature hashing of egregora-core's
:class:`~egregora_core.testing.FakeEmbedder`), so retrieval tests make sense.

Each request takes ``latency`` seconds in total (the work included), and it plays scripted :class:`Fault` s in arrival order (429
with ``Retry-After``, 500, 503, 401, or a slow answer that trips the client's timeout),
and records every request (:class:`Record`) so tests can assert batch sizes, peak
concurrency, retry counts and the wait after a ``Retry-After``.

Run it alone (for benchmarks)::

    python -m egregora_embed_voyage.testing --latency 0.1   # prints its base URL
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import re
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from http.server import BaseHTTPRequestHandler
from typing import Any

import numpy as np
from egregora_core.testing.http import LoopbackServer

from .models import MAX_INPUTS_PER_REQUEST, MODELS
from .tokens import estimate_tokens

TEST_KEY = "pa-fake-test-key"

_DETAILS = {
    401: "Provided API key is invalid.",
    429: "You have exceeded your rate limit.",
    500: "Internal server error.",
    503: "Service unavailable.",
}


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour, applied to the next request that arrives.

    ``status`` answers with that HTTP status (None = answer normally); ``retry_after`` adds
    a ``Retry-After`` header (seconds); ``delay`` waits that much longer before answering
    (more than the client's timeout makes the client give up on the request).
    """

    status: int | None = None
    retry_after: float | None = None
    delay: float = 0.0

    @classmethod
    def rate_limit(cls, retry_after: float | None = None) -> Fault:
        return cls(429, retry_after)

    @classmethod
    def timeout(cls, delay: float) -> Fault:
        return cls(None, None, delay)


@dataclass
class Record:
    """One request as the server saw it (times from ``time.monotonic()``).

    ``number`` is the order in which requests were answered.
    """

    number: int
    received: float
    answered: float
    inputs: int
    tokens: int
    model: str
    input_type: str | None
    output_dimension: int | None
    status: int
    retry_after: float | None = None


_TOKEN = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1 << 16)
def _slot(token: str, dimensions: int) -> tuple[int, float]:
    value = int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")
    return value % dimensions, 1.0 if (value >> 63) & 1 else -1.0


def hashed_vectors(texts: list[str], dimensions: int) -> np.ndarray:
    """The vectors of egregora-core's ``FakeEmbedder(dimensions)``, for many texts at once.

    Vectorized (and with hashed words cached) so that the server's own work stays small
    next to the latency it simulates; ``test_fake_server`` checks both agree.
    """
    rows, cols, signs = [], [], []
    for row, text in enumerate(texts):
        for token in _TOKEN.findall(text.lower()) or [text]:
            col, sign = _slot(token, dimensions)
            rows.append(row)
            cols.append(col)
            signs.append(sign)
    out = np.zeros((len(texts), dimensions), dtype=np.float32)
    np.add.at(out, (rows, cols), np.asarray(signs, dtype=np.float32))
    norms = np.linalg.norm(out, axis=1)
    empty = (norms == 0) | ~np.isfinite(norms)
    out[empty, 0], norms[empty] = 1.0, 1.0
    return out / norms[:, None]


class FakeVoyageServer(LoopbackServer):
    """A threaded HTTP server in a background thread; use as a context manager."""

    thread_name = "fake-voyage"

    def __init__(
        self,
        *,
        latency: float = 0.0,
        api_key: str = TEST_KEY,
        max_inputs: int = MAX_INPUTS_PER_REQUEST,
        max_tokens: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        self.latency = latency
        self.api_key = api_key
        self.max_inputs = max_inputs
        self.max_tokens = max_tokens
        self.records: list[Record] = []
        self.in_flight = 0
        self.peak_in_flight = 0
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()
        super().__init__(_handler_for, host=host, port=port)

    # -- scripting and inspection ------------------------------------------------------
    def fail(self, *faults: Fault | int) -> None:
        """Queue faults (a bare int is a status code) for the next requests, in order."""
        with self._lock:
            self._faults.extend(f if isinstance(f, Fault) else Fault(f) for f in faults)

    def reset(self) -> None:
        with self._lock:
            self._faults.clear()
            self.records.clear()
            self.peak_in_flight = 0

    def arrivals(self) -> list[Record]:
        """Records in the order the requests arrived."""
        with self._lock:
            return sorted(self.records, key=lambda r: r.received)

    def statuses(self) -> list[int]:
        return [r.status for r in self.arrivals()]

    # -- request handling (called from handler threads) ------------------------------------
    def _begin(self) -> Fault:
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            return self._faults.popleft() if self._faults else Fault()

    def _end(self, record: Record) -> None:
        with self._lock:
            self.in_flight -= 1
            record.number = len(self.records)
            self.records.append(record)

    def handle(self, headers: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        """Answer one request: (status, extra headers, JSON body)."""
        received = time.monotonic()
        fault = self._begin()
        request: dict[str, Any] = {}
        status, extra, payload = 200, {}, {}
        try:
            request = json.loads(body or b"{}")
            status, payload = self._answer(headers, request, fault)
            if fault.retry_after is not None:
                extra["Retry-After"] = _seconds(fault.retry_after)
            answer = json.dumps(payload).encode()
            # The latency is the whole response time: computing the vectors happens
            # inside it, like a real server, instead of being added on top.
            time.sleep(max(0.0, received + self.latency + fault.delay - time.monotonic()))
            return status, extra, answer
        finally:
            inputs = request.get("input") or []
            inputs = [inputs] if isinstance(inputs, str) else inputs
            self._end(
                Record(
                    number=-1,
                    received=received,
                    answered=time.monotonic(),
                    inputs=len(inputs),
                    tokens=sum(estimate_tokens(str(t)) for t in inputs),
                    model=str(request.get("model")),
                    input_type=request.get("input_type"),
                    output_dimension=request.get("output_dimension"),
                    status=status,
                    retry_after=fault.retry_after,
                )
            )

    def _answer(
        self, headers: Any, request: dict[str, Any], fault: Fault
    ) -> tuple[int, dict[str, Any]]:
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, {"detail": _DETAILS[401]}
        if fault.status is not None:
            return fault.status, {"detail": _DETAILS.get(fault.status, "Error.")}
        texts = request.get("input")
        texts = [texts] if isinstance(texts, str) else texts
        model = MODELS.get(str(request.get("model")))
        if not isinstance(texts, list) or model is None:
            return 400, {"detail": "input must be a list and model a known model."}
        tokens = sum(estimate_tokens(str(t)) for t in texts)
        cap = self.max_tokens or model.token_cap
        if len(texts) > self.max_inputs or tokens > cap:
            return 400, {
                "detail": f"Batch too large: {len(texts)} inputs, {tokens} tokens "
                f"(limits {self.max_inputs}, {cap})."
            }
        dimensions = request.get("output_dimension") or model.default_dimensions
        if dimensions not in model.dimensions:
            return 400, {"detail": f"output_dimension {dimensions} is not supported."}
        vectors = hashed_vectors([str(t) for t in texts], dimensions).astype("<f4", copy=False)
        as_base64 = request.get("encoding_format") == "base64"
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": base64.b64encode(row.tobytes()).decode()
                if as_base64
                else row.tolist(),
            }
            for i, row in enumerate(vectors)
        ]
        return 200, {
            "object": "list",
            "data": data,
            "model": model.name,
            "usage": {"total_tokens": tokens},
        }


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _handler_for(server: FakeVoyageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like the real API

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.rstrip("/") != "/v1/embeddings":
                status, extra, payload = 404, {}, b'{"detail": "Not found."}'
            else:
                status, extra, payload = server.handle(self.headers, body)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in extra.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client timed out and left

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: tests and benchmarks read the records instead

    return Handler


def main(argv: list[str] | None = None) -> None:
    """Serve until stdin closes or the process is stopped; print the base URL first."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per request")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key", default=TEST_KEY)
    args = parser.parse_args(argv)
    with FakeVoyageServer(latency=args.latency, port=args.port, api_key=args.api_key) as server:
        print(server.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            sys.stdin.read()
        print(
            json.dumps({"requests": len(server.records), "peak_in_flight": server.peak_in_flight}),
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
