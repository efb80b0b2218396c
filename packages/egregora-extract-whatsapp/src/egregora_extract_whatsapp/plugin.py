"""Entry point of egregora-extract-whatsapp (group `egregora`): hook implementations."""

from __future__ import annotations

from egregora_core import hookimpl

from .extractor import WhatsAppExtractor


@hookimpl
def egregora_register_extractors(register):
    """Register the ``whatsapp`` extractor."""
    register(WhatsAppExtractor())
