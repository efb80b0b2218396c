"""egregora-core: the plugin host of Egregora v3.

Plugins import :data:`hookimpl` from here and implement hooks from
:mod:`egregora_core.hookspecs`.
"""

from importlib.metadata import PackageNotFoundError, version

import pluggy

try:
    __version__ = version("egregora-core")
except PackageNotFoundError:  # running from a source tree without metadata
    __version__ = "0.0.0"

PROJECT_NAME = "egregora"

#: Marker for hook implementations: ``@hookimpl def egregora_register_extractors(register): ...``
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

__all__ = ["PROJECT_NAME", "__version__", "hookimpl"]
