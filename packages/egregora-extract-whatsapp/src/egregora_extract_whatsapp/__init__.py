"""egregora-extract-whatsapp: an Egregora plugin."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("egregora-extract-whatsapp")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"
