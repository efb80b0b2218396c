"""Entry point of egregora-embed-wordllama (group `egregora`): registers ``wordllama``."""

from __future__ import annotations

from egregora_core import hookimpl


@hookimpl
def egregora_register_embedders(register):
    from .embedder import WordLlamaEmbedder

    register(WordLlamaEmbedder())
