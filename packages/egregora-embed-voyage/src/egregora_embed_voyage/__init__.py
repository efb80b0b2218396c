"""egregora-embed-voyage: an Egregora plugin."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("egregora-embed-voyage")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"
