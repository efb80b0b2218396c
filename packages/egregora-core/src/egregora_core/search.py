"""Search over the serving database: ``egregora query`` and :func:`similar_chunks`.

Three modes (:func:`search`):

* ``vector``: the query's embedding against the chunks' vectors (meaning, paraphrases,
  other languages);
* ``text``: BM25 over the chunks' text (DuckDB's fts extension: exact words, names of
  places, links, numbers); needs no model, so it starts fastest;
* ``hybrid`` (default): both lists, :data:`FUSION_DEPTH` deep, merged by reciprocal rank
  fusion: a chunk scores ``sum(1 / (RRF_K + rank))`` over the lists it appears in, so a
  chunk near the top of either list ranks high and one in both ranks highest, with no
  need to calibrate BM25 against cosine scores.

The query text may carry ``"phrases"`` and ``from:``/``after:``/``before:``/``group:``
operators (:mod:`egregora_core.query_syntax`). Each hit carries a snippet of its text
around the matched words, with their spans for highlighting.

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
import logging
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from .build import select_embedder, select_index
from .errors import ConfigError
from .pipeline import Context
from .query_syntax import parse_query
from .serving import Filters, NoVectors, ServingStore, Space, check_dimensions, fold

log = logging.getLogger("egregora.search")

EXACT_FILTER_LIMIT = 20_000
OVERFETCH = 10
MODES = ("hybrid", "vector", "text")
#: Reciprocal rank fusion's constant (Cormack et al. 2009): damps the weight of the very
#: first ranks so that agreement between the lists matters more than one list's top.
RRF_K = 60
#: How deep each list is read before fusing (at least k).
FUSION_DEPTH = 50
SNIPPET_CHARS = 200


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
    #: a stretch of ``text`` around the matched words, and their [start, end) spans in it
    snippet: str = ""
    highlights: list[tuple[int, int]] = field(default_factory=list)
    #: rank (1-based) of this chunk in each list it came from: {"vector": 3, "text": 1}
    ranks: dict[str, int] = field(default_factory=dict)
    #: the page of the site that holds this conversation, when a site was built
    url: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["start"], out["end"] = self.start.isoformat(), self.end.isoformat()
        out["score"] = round(self.score, 6)
        out["highlights"] = [list(span) for span in self.highlights]
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


# -- hybrid search ---------------------------------------------------------------------
def _hit_from_row(row: dict, score: float) -> Hit:
    return Hit(
        row["chunk_id"],
        score,
        row["group_slug"],
        row["start_ts"],
        row["end_ts"],
        list(row["authors"] or []),
        row["text"],
    )


def text_hits(
    store: ServingStore, text: str, k: int, filters: Filters = Filters(), *, all_words=False
) -> list[Hit]:
    """Top-``k`` chunks by BM25 over their text (``score`` = BM25)."""
    pairs = store.text_search(text, k, filters, all_words=all_words) if text.strip() else []
    rows = store.chunk_rows([chunk_id for chunk_id, _ in pairs])
    return [_hit_from_row(rows[chunk_id], float(score)) for chunk_id, score in pairs]


def fuse(lists: dict[str, list[Hit]], k: int, rrf_k: int = RRF_K) -> list[Hit]:
    """Reciprocal rank fusion of ranked hit lists (by chunk id); ties keep time order."""
    fused: dict[str, Hit] = {}
    scores: dict[str, float] = {}
    for name, hits in lists.items():
        for rank, hit in enumerate(hits, start=1):
            kept = fused.setdefault(hit.id, replace(hit, ranks={}))
            kept.ranks[name] = rank
            scores[hit.id] = scores.get(hit.id, 0.0) + 1.0 / (rrf_k + rank)
    order = sorted(fused, key=lambda cid: (-scores[cid], fused[cid].start, cid))
    out = []
    for chunk_id in order[:k]:
        hit = fused[chunk_id]
        hit.score = scores[chunk_id]
        out.append(hit)
    return out


_WORD = re.compile(r"\w+", re.UNICODE)


def _folded_with_offsets(text: str) -> tuple[str, list[int]]:
    """``fold(text)`` and, for each of its characters, the index it came from in ``text``."""
    chars: list[str] = []
    origin: list[int] = []
    for i, c in enumerate(text):
        f = fold(c) if not c.isascii() else c.lower()
        chars.append(f)
        origin.extend([i] * len(f))
    return "".join(chars), origin


def snippet(
    text: str, words: str, phrases: tuple[str, ...] = (), width: int = SNIPPET_CHARS
) -> tuple[str, list[tuple[int, int]]]:
    """A ``width``-character stretch of ``text`` around the first match, and match spans.

    Words match case- and accent-insensitively at the start of a word ("encontr" would
    match "Encontro", words under 4 letters only whole); a word matches its stem too
    ("meeting" marks "meet"). Phrases match anywhere.
    """
    folded, origin = _folded_with_offsets(text)
    terms = {fold(w) for w in _WORD.findall(words) if len(w) >= 2}
    stems = {t[:-3] if t.endswith("ing") and len(t) > 5 else t.rstrip("s") or t for t in terms}
    spans: list[tuple[int, int]] = []
    for phrase in phrases:
        target = fold(phrase)
        start = folded.find(target)
        while target and start >= 0:
            spans.append((start, start + len(target)))
            start = folded.find(target, start + len(target))
    if stems:
        # A stem of 4+ letters matches longer words ("meet" -> "meeting"); a short
        # word only itself ("la" must not mark "landing").
        alternatives = [
            re.escape(t) + (r"\w*" if len(t) >= 4 else r"\b")
            for t in sorted(stems, key=len, reverse=True)
        ]
        pattern = re.compile(r"\b(?:" + "|".join(alternatives) + ")")
        spans += [(m.start(), m.end()) for m in pattern.finditer(folded)]
    spans = sorted({(origin[a], origin[b - 1] + 1) for a, b in spans if b > a})
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    first = merged[0][0] if merged else 0
    line_start = text.rfind("\n", 0, first) + 1
    # Start at the matched line when the match is near its start, else a little before it.
    lo = line_start if first - line_start < width // 2 else max(0, first - width // 4)
    hi = min(len(text), lo + width)
    shown = text[lo:hi]
    prefix = "…" if lo > 0 else ""
    suffix = "…" if hi < len(text) else ""
    inside = [
        (a - lo + len(prefix), min(b, hi) - lo + len(prefix)) for a, b in merged if lo <= a < hi
    ]
    return prefix + shown + suffix, inside


def _narrowest(pick, *moments: datetime | None) -> datetime | None:
    given = [m for m in moments if m is not None]
    return pick(given) if given else None


def search(
    ctx: Context,
    text: str,
    k: int = 10,
    *,
    mode: str = "hybrid",
    filters: Filters = Filters(),
    exact: bool = False,
    depth: int = FUSION_DEPTH,
) -> list[Hit]:
    """``egregora query``: parse ``text``, search in ``mode``, add snippets (module docstring)."""
    if mode not in MODES:
        raise ConfigError(f"search mode must be one of {', '.join(MODES)}, not {mode!r}")
    parsed = parse_query(text)
    ranked = parsed.ranked_text
    if not ranked and not parsed.phrases:
        raise ConfigError(
            "the query has no words to search for",
            where="query",
            hint='add some words, e.g. egregora query "churrasco from:ana"',
        )
    with ServingStore.open(ctx.project, read_only=True) as store:
        author = parsed.author or filters.author
        filters = Filters(
            group=parsed.group or filters.group,
            since=_narrowest(max, parsed.since, filters.since),
            until=_narrowest(min, parsed.until, filters.until),
            author=store.resolve_author(author) if author else None,
            before=filters.before,
            phrases=filters.phrases + parsed.phrases,
        )
        lists: dict[str, list[Hit]] = {}
        fetch = k if mode != "hybrid" else max(k, depth)
        if mode in ("text", "hybrid"):
            try:
                # In the fusion only chunks with every word count: a chunk that shares one
                # common word with a question is noise that would outvote the vector list.
                lists["text"] = text_hits(store, ranked, fetch, filters, all_words=mode == "hybrid")
            except NoVectors:
                if mode == "text":
                    raise
                log.warning("no full-text index yet (run `egregora build`); vector search only")
        if mode in ("vector", "hybrid"):
            embedder = select_embedder(ctx)
            space = require_space(store, embedder)
            vector = asyncio.run(embedder.embed([ranked], input_type="query"))[0]
            lists["vector"] = search_vector(
                store, space, select_index(ctx), vector, fetch, filters=filters, exact=exact
            )
        hits = lists[mode] if mode != "hybrid" else fuse(lists, k)
        for rank, hit in enumerate(hits, start=1):
            if not hit.ranks:
                hit.ranks = {mode: rank}
            hit.snippet, hit.highlights = snippet(hit.text, parsed.words, parsed.phrases)
        return hits[:k]
