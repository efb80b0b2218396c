"""Entry point of egregora-embed-voyage (group `egregora`): hook implementations."""

from __future__ import annotations

from egregora_core import hookimpl

from .embedder import VoyageEmbedder


@hookimpl
def egregora_register_embedders(register):
    """Register the ``voyage`` embedder (voyage-3.5 by default; see ``configure``).

    Registering needs no key: the key is read when ``embed`` is first called.
    """
    register(VoyageEmbedder())
