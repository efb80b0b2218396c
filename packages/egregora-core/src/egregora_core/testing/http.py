"""A loopback HTTP server in a background thread: the base of the plugins' fake providers.

Real HTTP through a provider's real client is how the embedder and model plugins test
retries, Retry-After and timeouts. This base owns what every such fake shares: it listens
on loopback only, serves from a daemon thread, and is a context manager.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client closing its keep-alive connection (or timing out) is normal here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LoopbackServer:
    """Serves ``handler_for(self)`` on ``host:port`` (port 0: any free one) once started."""

    thread_name = "fake-server"

    def __init__(
        self,
        handler_for: Callable[[Any], type[BaseHTTPRequestHandler]],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        if host not in LOOPBACK:
            raise ValueError("the fake server only listens on loopback")
        self._httpd = QuietServer((host, port), handler_for(self))
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> Self:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name=self.thread_name, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
