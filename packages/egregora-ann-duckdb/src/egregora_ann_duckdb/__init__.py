"""egregora-ann-duckdb: an Egregora plugin."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("egregora-ann-duckdb")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"
