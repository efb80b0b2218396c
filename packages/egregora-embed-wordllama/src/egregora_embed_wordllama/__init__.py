"""egregora-embed-wordllama: a fast offline embedder (WordLlama, 256 dimensions)."""

from importlib.metadata import PackageNotFoundError, version

from .embedder import WordLlamaEmbedder

try:
    __version__ = version("egregora-embed-wordllama")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = ["WordLlamaEmbedder"]
