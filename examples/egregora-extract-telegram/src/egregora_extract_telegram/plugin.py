"""Entry point (group ``egregora``): registers the ``telegram`` extractor."""

from __future__ import annotations

from egregora_core import hookimpl

from .extractor import TelegramExtractor


@hookimpl
def egregora_register_extractors(register):
    register(TelegramExtractor())
