"""The embed and index stages behind ``egregora build``.

``embed``: rebuild the chunks from the lake (deterministic, see :mod:`chunking`), sync
them into the serving database (with their full-text index and the members' aliases),
then embed every content hash that has no vector yet
for the current embedder and model. Identical text is embedded once (content-hash
dedup). Each batch is committed on its own, so an interrupted build keeps its finished
batches and the next build continues where it stopped. ``--dry-run`` reports how many
chunks would be embedded, the estimated tokens and the cost, and writes nothing.

``index``: (re)build the vector index over the space's vectors when it is missing or
stale.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Sequence
from typing import Any

from .chunking import chunk_messages
from .errors import EgregoraError
from .lake import Lake, WouldBeLake
from .pipeline import Context, Stage, StageResult
from .serving import ServingStore, Space

log = logging.getLogger("egregora.build")

#: Rough tokens per character for models that do not estimate (subword tokenizers on
#: chat text average ~3.5-4 characters per token; we round up to stay conservative).
CHARS_PER_TOKEN = 3.5


def estimate_tokens(text: str) -> int:
    return max(1, int(len(text) / CHARS_PER_TOKEN + 0.999))


def select_embedder(ctx: Context, name: str | None = None) -> Any:
    """The embedder named by ``--embedder`` (or config ``build.embedder``), configured."""
    name = name or ctx.options.get("embedder") or ctx.config["build.embedder"]
    embedder = ctx.plugins.embedders().get_or_fail(
        name, install_hint="pip install egregora-embed-local" if name == "local" else None
    )
    configure = getattr(embedder, "configure", None)
    if callable(configure):
        embedder = configure(ctx.config) or embedder
    return embedder


def select_index(ctx: Context, name: str | None = None) -> Any:
    name = name or ctx.options.get("index") or ctx.config["index.name"]
    return ctx.plugins.indexes().get_or_fail(
        name, install_hint="pip install egregora-ann-duckdb" if name == "duckdb" else None
    )


def batches(
    items: Sequence[tuple[str, str]], max_size: int, max_tokens: int | None
) -> Iterator[list[tuple[str, str]]]:
    """Consecutive batches within the embedder's size and token limits."""
    batch: list[tuple[str, str]] = []
    tokens = 0
    for item in items:
        cost = estimate_tokens(item[1])
        if batch and (len(batch) >= max_size or (max_tokens and tokens + cost > max_tokens)):
            yield batch
            batch, tokens = [], 0
        batch.append(item)
        tokens += cost
    if batch:
        yield batch


def estimate(embedder: Any, texts: list[str]) -> dict[str, float]:
    """Tokens and cost of embedding ``texts``: the embedder's own estimate when it has one."""
    own = getattr(embedder, "estimate", None)
    if callable(own):
        result = dict(own(texts))
        return {
            "tokens": int(result.get("tokens", 0)),
            "cost_usd": float(result.get("cost_usd", 0)),
        }
    return {"tokens": sum(estimate_tokens(t) for t in texts), "cost_usd": 0.0}


def _load_chunks_and_aliases(ctx: Context):
    """The chunks, and (pseudonym, alias) of members who chose a public alias (``from:``)."""
    # A dry run chunks what the lake would hold (with the rows its ingest would add).
    opened = (
        WouldBeLake(ctx.project, ctx.pending)
        if ctx.dry_run
        else Lake.open(ctx.project, read_only=True, empty_ok=True)
    )
    with opened as lake:
        chunks = chunk_messages(lake.table("messages"))
        rows = lake.rows("preferences") if "preferences" in lake.table_names() else []
    return chunks, [(r["pseudonym"], r["alias"]) for r in rows if r.get("alias")]


def _dry_run(ctx: Context, embedder: Any, chunks) -> StageResult:
    # A scratch in-memory store answers "what is missing" without touching the project.
    store = ServingStore(":memory:")
    try:
        store.sync_chunks(chunks)
        existing: set[str] = set()
        if ctx.project.serving_db.exists():
            with ServingStore.open(ctx.project, read_only=True) as on_disk:
                space = on_disk.find_space(embedder.name, embedder.model)
                if space is not None:
                    existing = {
                        r[0]
                        for r in on_disk.con.execute(f"SELECT id FROM {space.table}").fetchall()
                    }
        todo = [text for h, text in store.missing_texts(None) if h not in existing]
    finally:
        store.close()
    cost = estimate(embedder, todo)
    detail = (
        f"would embed {len(todo):,} of {chunks.num_rows:,} chunks with {embedder.name} "
        f"({embedder.model}): ~{cost['tokens']:,} tokens, ~${cost['cost_usd']:.4f}"
    )
    return StageResult(
        "embed",
        counts={"chunks": chunks.num_rows, "to_embed": len(todo), "tokens": cost["tokens"]},
        detail=detail,
        output={"estimate": cost, "to_embed": len(todo)},
    )


def embed_stage(ctx: Context, value: Any = None) -> StageResult:
    """Chunk the lake, sync chunks, embed what has no vector yet (see module docstring)."""
    embedder = select_embedder(ctx)
    chunks, aliases = _load_chunks_and_aliases(ctx)
    if ctx.dry_run:
        return _dry_run(ctx, embedder, chunks)
    with ServingStore.open(ctx.project) as store:
        synced = store.sync_chunks(chunks)
        store.sync_members(aliases)
        store.build_text_index()  # BM25 over the chunks, for text and hybrid search
        space = store.ensure_space(
            embedder.name, embedder.model, embedder.dimensions, embedder.metric
        )
        todo = store.missing_texts(space)
        embedded = asyncio.run(_embed_all(ctx, embedder, store, space, todo))
        pruned = store.prune_vectors(space)
        vectors = store.vector_count(space)
    counts = {
        "chunks": synced["chunks"],
        "embedded": embedded,
        "reused": synced["chunks"] - embedded,
        "vectors": vectors,
    }
    detail = f"{embedder.name} ({embedder.model}, {embedder.dimensions}-d)"
    if pruned:
        detail += f", {pruned:,} unused vectors removed"
    return StageResult("embed", counts=counts, detail=detail, output=space)


async def _embed_all(
    ctx: Context, embedder: Any, store: ServingStore, space: Space, todo: list[tuple[str, str]]
) -> int:
    """Embed ``todo`` batch by batch; a batch is stored while the next one is embedded.

    One batch at a time in the embedder (it already uses the cores it should for one
    batch); each stored batch stays its own transaction (an interruption keeps it).
    """
    done = 0

    def store_batch(batch: list[tuple[str, str]], vectors: Any) -> None:
        if len(vectors) != len(batch):
            raise EgregoraError(
                f"embedder '{embedder.name}' returned {len(vectors)} vectors for "
                f"{len(batch)} texts",
                hint="this is a bug in the embedder plugin",
            )
        store.add_vectors(space, [h for h, _ in batch], vectors)

    with ctx.progress.task("Embedding", total=len(todo)) as task:
        ready: tuple[list[tuple[str, str]], Any] | None = None  # embedded, not yet stored
        for batch in batches(todo, embedder.max_batch_size, embedder.max_batch_tokens):
            texts = [text for _, text in batch]
            running = asyncio.create_task(embedder.embed(texts, input_type="document"))
            try:
                await asyncio.sleep(0)  # let the embedding start before storing the previous
                if ready is not None:
                    store_batch(*ready)
                    done += len(ready[0])
                    task.advance(len(ready[0]))
                ready = (batch, await running)
            except BaseException:
                running.cancel()
                await asyncio.gather(running, return_exceptions=True)
                raise
        if ready is not None:
            store_batch(*ready)
            done += len(ready[0])
            task.advance(len(ready[0]))
    return done


def index_stage(ctx: Context, space: Any = None) -> StageResult:
    """Build the vector index over the current space when it is missing or stale."""
    if ctx.dry_run:
        return StageResult("index", detail="would refresh the vector index")
    index = select_index(ctx)
    with ServingStore.open(ctx.project) as store:
        if not isinstance(space, Space):
            embedder = select_embedder(ctx)
            space = store.find_space(embedder.name, embedder.model)
        if space is None or store.vector_count(space) == 0:
            return StageResult("index", status="skipped", detail="no vectors to index")
        status = index.status(store.con, space.table)
        if status == "fresh" and not ctx.options.get("reindex"):
            return StageResult("index", status="skipped", detail=f"{index.name} index is fresh")
        facts = index.build(store.con, space.table, space.dimensions, space.metric)
    counts = {"vectors": int(facts.get("rows", 0))}
    detail = f"{index.name} {facts.get('kind', '')} built in {facts.get('seconds', 0):.1f}s"
    return StageResult("index", counts=counts, detail=detail, output=facts)


BUILD_STAGES = [Stage("embed", embed_stage), Stage("index", index_stage)]
