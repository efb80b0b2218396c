"""egregora-embed-local: an Egregora plugin."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("egregora-embed-local")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"
