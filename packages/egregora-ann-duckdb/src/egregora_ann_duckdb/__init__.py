"""egregora-ann-duckdb: vector indexes inside DuckDB (IVF by default, vss HNSW) with an
exact fallback."""

from importlib.metadata import PackageNotFoundError, version

from .hnsw import HnswIndex
from .ivf import IvfIndex

try:
    __version__ = version("egregora-ann-duckdb")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = ["HnswIndex", "IvfIndex"]
