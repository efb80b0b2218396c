"""Entry point of egregora-ann-duckdb (group `egregora`): registers the vector indexes
``duckdb`` (IVF, the default ``index.name``) and ``duckdb-hnsw`` (vss's HNSW)."""

from __future__ import annotations

from egregora_core import hookimpl


@hookimpl
def egregora_register_indexes(register):
    from .hnsw import HnswIndex
    from .ivf import IvfIndex

    register(IvfIndex())
    register(HnswIndex())
