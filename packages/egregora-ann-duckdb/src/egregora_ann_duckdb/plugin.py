"""Entry point of egregora-ann-duckdb (group `egregora`): registers the ``duckdb`` index."""

from __future__ import annotations

from egregora_core import hookimpl


@hookimpl
def egregora_register_indexes(register):
    from .index import DuckDBIndex

    register(DuckDBIndex())
