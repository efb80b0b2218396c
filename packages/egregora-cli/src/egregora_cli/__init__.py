"""egregora-cli: the ``egregora`` command (alias ``eg3``)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("egregora-cli")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"
