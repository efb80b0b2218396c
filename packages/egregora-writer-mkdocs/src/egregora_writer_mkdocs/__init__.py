"""egregora-writer-mkdocs: an Egregora plugin."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("egregora-writer-mkdocs")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"
