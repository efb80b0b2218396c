"""Errors a user of the Voyage embedder can act on (one line each, exit status 2 in the CLI).

Messages never quote the texts being embedded.
"""

from __future__ import annotations

from egregora_core.errors import EgregoraError

KEY_URL = "https://dashboard.voyageai.com/"


class VoyageError(EgregoraError):
    """Base class of the Voyage embedder's errors."""


class VoyageKeyMissing(VoyageError):
    """No API key in the environment or the configuration."""

    def __init__(self) -> None:
        super().__init__(
            "VOYAGE_API_KEY is not set",
            hint=f"get a key at {KEY_URL} and export VOYAGE_API_KEY=...",
        )


class VoyageAuthError(VoyageError):
    """The API rejected the key (HTTP 401). Never retried."""

    def __init__(self) -> None:
        super().__init__(
            "Voyage AI rejected the API key (HTTP 401)",
            where="VOYAGE_API_KEY",
            hint=f"check the key at {KEY_URL} and export VOYAGE_API_KEY=... again",
        )


class VoyageRequestError(VoyageError):
    """The API refused a request as invalid (HTTP 400/422). Never retried."""


class VoyageUnavailable(VoyageError):
    """Retryable failures (429, 5xx, timeouts) outlasted every attempt."""


def short(detail: object, limit: int = 160) -> str:
    """One line of at most ``limit`` characters from an API error detail."""
    text = " ".join(str(detail).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
