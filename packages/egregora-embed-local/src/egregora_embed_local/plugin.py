"""Entry point of egregora-embed-local (group `egregora`): registers the ``local`` embedder."""

from __future__ import annotations

from egregora_core import hookimpl


@hookimpl
def egregora_register_embedders(register):
    from .embedder import LocalEmbedder

    register(LocalEmbedder())
