"""Semantic search over the serving database: ``egregora query`` and :func:`similar_chunks`.

A query text is embedded with ``input_type="query"`` by the same embedder (and model)
that built the vectors; a vector of another dimension is refused. Hits are content
hashes, mapped back to every chunk with that hash.

Filters (group, since/until, author, before) apply before the top-k cut:

* when the filters leave few distinct texts (<= :data:`EXACT_FILTER_LIMIT`), an exact
  scan over just those vectors is both exact and fast;
* otherwise the index is asked for ``k * OVERFETCH`` neighbours, filtered, and asked
  again with a larger fetch until ``k`` hits pass, falling back to the filtered exact
  scan if the index cannot supply enough.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from .build import select_embedder, select_index
from .pipeline import Context
from .serving import Filters, NoVectors, ServingStore, Space, check_dimensions

EXACT_FILTER_LIMIT = 20_000
OVERFETCH = 10


@dataclass
class Hit:
    """One search result: a chunk and its cosine similarity to the query (higher is closer)."""

    id: str
    score: float
    group: str
    start: datetime
    end: datetime
    authors: list[str]
    text: str

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["start"], out["end"] = self.start.isoformat(), self.end.isoformat()
        out["score"] = round(self.score, 6)
        return out


def require_space(store: ServingStore, embedder: Any) -> Space:
    space = store.find_space(embedder.name, embedder.model)
    if space is None or store.vector_count(space) == 0:
        raise NoVectors(
            f"no vectors for embedder '{embedder.name}' ({embedder.model})",
            hint="run `egregora build` (with the same --embedder) first",
        )
    return space


def _hits(
    store: ServingStore, pairs: Sequence[tuple[str, float]], filters: Filters, k: int
) -> list[Hit]:
    distance = dict(pairs)
    rows = store.chunks_for(list(distance), filters)
    rows.sort(key=lambda r: (distance[r["content_hash"]], r["start_ts"], r["chunk_id"]))
    return [
        Hit(
            r["chunk_id"],
            1.0 - float(distance[r["content_hash"]]),
            r["group_slug"],
            r["start_ts"],
            r["end_ts"],
            list(r["authors"] or []),
            r["text"],
        )
        for r in rows[:k]
    ]


def search_vector(
    store: ServingStore,
    space: Space,
    index: Any,
    vector: Sequence[float],
    k: int = 10,
    *,
    filters: Filters = Filters(),
    exact: bool = False,
) -> list[Hit]:
    """Top-``k`` chunks nearest to ``vector`` that pass ``filters``."""
    check_dimensions(space, vector)
    if k <= 0:
        return []
    if filters.active():
        if exact or store.filtered_count(filters) <= EXACT_FILTER_LIMIT:
            return _hits(store, store.exact_search(space, vector, k * 4, filters), filters, k)
        total = store.vector_count(space)
        fetch = k * OVERFETCH
        while True:
            hits = _hits(store, index.search(store.con, space.table, vector, fetch), filters, k)
            if len(hits) >= k or fetch >= total:
                return hits
            if fetch >= 64 * k * OVERFETCH:
                break
            fetch *= 4
        return _hits(store, store.exact_search(space, vector, k * 4, filters), filters, k)
    # k distinct texts give at least k chunks (several chunks may share one text).
    pairs = index.search(store.con, space.table, vector, k, exact=exact)
    return _hits(store, pairs, filters, k)


def query(
    ctx: Context, text: str, k: int = 10, *, filters: Filters = Filters(), exact: bool = False
) -> list[Hit]:
    """Embed ``text`` as a query and search the project's vectors (``egregora query``)."""
    embedder = select_embedder(ctx)
    index = select_index(ctx)
    with ServingStore.open(ctx.project, read_only=True) as store:
        space = require_space(store, embedder)
        vector = asyncio.run(embedder.embed([text], input_type="query"))[0]
        return search_vector(store, space, index, vector, k, filters=filters, exact=exact)


def similar_chunks(
    project: Any,
    text_or_vector: str | Sequence[float],
    k: int = 5,
    *,
    before: datetime | None = None,
    group: str | None = None,
    plugins: Any = None,
    embedder: str | None = None,
) -> list[Hit]:
    """Chunks most similar to a text (embedded as a query) or a vector, for writers.

    ``before`` keeps only chunks that ended before that instant ("related earlier
    posts"); ``group`` keeps one group. Uses the project's configured embedder and
    index unless ``embedder`` names another embedder.
    """
    from .plugins import make_plugin_manager

    plugins = plugins or make_plugin_manager()
    ctx = Context(
        project=project,
        config=project.config(),
        plugins=plugins,
        options={"embedder": embedder} if embedder else {},
    )
    filters = Filters(group=group, before=before)
    if isinstance(text_or_vector, str):
        return query(ctx, text_or_vector, k, filters=filters)
    model = select_embedder(ctx)
    with ServingStore.open(project, read_only=True) as store:
        space = require_space(store, model)
        return search_vector(
            store, space, select_index(ctx), list(text_or_vector), k, filters=filters
        )
