"""egregora-ann-duckdb: HNSW vector index inside DuckDB with an exact fallback."""

from importlib.metadata import PackageNotFoundError, version

from .index import DuckDBIndex

try:
    __version__ = version("egregora-ann-duckdb")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = ["DuckDBIndex"]
