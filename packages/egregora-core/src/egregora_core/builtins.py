"""egregora-core's built-in plugin: the steps no extractor may skip.

Registered under the name ``egregora-core`` by :func:`egregora_core.plugins.make_plugin_manager`.
"""

from __future__ import annotations

from . import hookimpl


@hookimpl
def egregora_register_transforms(register):
    """Core transforms (in-chat commands, anonymization, redaction) are registered here."""
    from .transforms import core_transforms

    for transform in core_transforms():
        register(transform)


@hookimpl
def egregora_register_narrators(register):
    """The ``offline`` narrator: deterministic prose, the default and every fallback."""
    from .offline_narrator import OfflineNarrator

    register(OfflineNarrator())
