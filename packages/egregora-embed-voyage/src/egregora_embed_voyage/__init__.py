"""egregora-embed-voyage: Voyage AI embeddings for Egregora (async batches, retries)."""

from importlib.metadata import PackageNotFoundError, version

from .embedder import EmbedStats, VoyageEmbedder
from .errors import (
    VoyageAuthError,
    VoyageError,
    VoyageKeyMissing,
    VoyageRequestError,
    VoyageUnavailable,
)
from .models import MODELS, ModelInfo

try:
    __version__ = version("egregora-embed-voyage")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = [
    "MODELS",
    "EmbedStats",
    "ModelInfo",
    "VoyageAuthError",
    "VoyageEmbedder",
    "VoyageError",
    "VoyageKeyMissing",
    "VoyageRequestError",
    "VoyageUnavailable",
]
