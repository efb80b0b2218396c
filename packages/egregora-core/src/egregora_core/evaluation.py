"""The ANN-vs-exact harness behind ``egregora eval ann`` (and ``bench/bench_ann.py``).

For a set of query vectors it asks the index twice, approximately and exactly
(``exact=True``), and reports recall@k, precision@k, mean reciprocal rank of the true
nearest neighbour, p50/p95 latency of both paths, and the index build time and size.

Corpora: the project's own vectors, or :func:`clustered_vectors`, a fixed generated
corpus (seeded, so every machine gets the same numbers) that CI runs.

:data:`RECALL_THRESHOLD` is the CI gate: ``egregora eval ann`` exits 1 below it. The
index is tuned for recall@10 >= 0.95 at 200k vectors; the gate is 0.90 so that small
CI corpora (where a few misses move the mean) do not flap, while a broken or
mis-tuned index (recall typically < 0.7) fails.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from .serving import vector_array

RECALL_THRESHOLD = 0.90
#: Below this many vectors an index buys nothing (an exact scan of a few thousand
#: vectors takes about a millisecond): the report says so instead of timing noise.
SMALL_CORPUS = 5_000


def clustered_vectors(
    n: int, dim: int, *, clusters: int | None = None, spread: float = 0.35, seed: int = 0
) -> np.ndarray:
    """``n`` L2-normalised float32 vectors around ``clusters`` random centres.

    ``spread`` is the per-coordinate noise relative to unit-variance centres: 0.35 gives
    a cosine of ~0.89 between members of one cluster and ~0 across clusters, a loose
    structure in which within-cluster neighbours are hard to tell apart (harder for an
    ANN index than real topic clusters). Generated in blocks to bound memory.
    """
    rng = np.random.default_rng(seed)
    clusters = clusters or max(1, n // 200)
    centres = rng.normal(size=(clusters, dim)).astype(np.float32)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        labels = rng.integers(0, clusters, stop - start)
        block = centres[labels] + spread * rng.normal(size=(stop - start, dim)).astype(np.float32)
        out[start:stop] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def load_vectors(con: Any, table: str, vectors: np.ndarray, *, batch: int = 100_000) -> None:
    """Create ``table (id, vector FLOAT[dim])`` from a numpy array (ids ``v0``, ``v1``...)."""
    dim = vectors.shape[1]
    con.execute(f"CREATE OR REPLACE TABLE {table} (id VARCHAR, vector FLOAT[{dim}])")
    for start in range(0, len(vectors), batch):
        part = vectors[start : start + batch]
        ids = pa.array([f"v{i}" for i in range(start, start + len(part))], pa.string())
        con.register("_eval_incoming", pa.table({"id": ids, "vector": vector_array(part, dim)}))
        con.execute(f"INSERT INTO {table} SELECT * FROM _eval_incoming")
        con.unregister("_eval_incoming")


@dataclass
class AnnReport:
    """What ``egregora eval ann`` prints (``--json`` emits it as one object)."""

    vectors: int
    dimensions: int
    queries: int
    k: int
    recall_at_k: float
    precision_at_k: float
    mrr: float
    ann_p50_ms: float
    ann_p95_ms: float
    exact_p50_ms: float
    exact_p95_ms: float
    speedup_p50: float
    build_seconds: float | None
    index: str
    index_bytes: int | None = None
    threshold: float = RECALL_THRESHOLD
    #: minimum p50 speed-up over the exact scan (0 = not checked)
    min_speedup: float = 0.0
    #: what the numbers mean when the corpus is too small for an index to matter
    note: str = ""

    @property
    def passed(self) -> bool:
        if self.recall_at_k < self.threshold:
            return False
        return not self.min_speedup or self.speedup_p50 >= self.min_speedup

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}


def _percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000.0, q)) if values else 0.0


def evaluate(
    con: Any,
    table: str,
    index: Any,
    queries: np.ndarray,
    k: int = 10,
    *,
    build: dict[str, Any] | None = None,
    threshold: float = RECALL_THRESHOLD,
    min_speedup: float = 0.0,
) -> AnnReport:
    """Compare ``index.search`` against its exact path on ``queries`` (one row each).

    recall@k counts out of ``min(k, vectors)``: with fewer vectors than k, finding them
    all is full recall.
    """
    n, dim = con.execute(f"SELECT count(*), any_value(len(vector)) FROM {table}").fetchone()
    expected = max(1, min(k, int(n)))
    ann_lat: list[float] = []
    exact_lat: list[float] = []
    found = returned = 0
    reciprocal = 0.0
    for query in queries:
        vector = [float(x) for x in query]
        started = time.perf_counter()
        approx = [hit[0] for hit in index.search(con, table, vector, k)]
        ann_lat.append(time.perf_counter() - started)
        started = time.perf_counter()
        truth = [hit[0] for hit in index.search(con, table, vector, k, exact=True)]
        exact_lat.append(time.perf_counter() - started)
        found += len(set(approx) & set(truth))
        returned += len(approx)
        if truth and truth[0] in approx:
            reciprocal += 1.0 / (approx.index(truth[0]) + 1)
    count = max(1, len(queries))
    ann_p50, exact_p50 = _percentile(ann_lat, 50), _percentile(exact_lat, 50)
    build = build or {}
    return AnnReport(
        vectors=int(n),
        dimensions=int(dim or 0),
        queries=len(queries),
        k=k,
        recall_at_k=found / (expected * count),
        precision_at_k=found / max(1, returned),
        mrr=reciprocal / count,
        ann_p50_ms=ann_p50,
        ann_p95_ms=_percentile(ann_lat, 95),
        exact_p50_ms=exact_p50,
        exact_p95_ms=_percentile(exact_lat, 95),
        speedup_p50=exact_p50 / ann_p50 if ann_p50 else 0.0,
        build_seconds=build.get("seconds"),
        index_bytes=build.get("bytes"),
        index=f"{getattr(index, 'name', '?')} {build.get('kind', '')}".strip(),
        threshold=threshold,
        min_speedup=min_speedup,
        note=(
            f"{n:,} vectors: too few for an index to matter (an exact scan is as fast;"
            f" the index pays off from ~{SMALL_CORPUS:,}); latencies are start-up noise"
            if n < SMALL_CORPUS
            else ""
        ),
    )


def sample_queries(
    con: Any, table: str, count: int, *, seed: int = 1, noise: float = 0.05
) -> np.ndarray:
    """Query vectors near stored ones (a stored vector plus a little noise), reproducibly."""
    rows = con.execute(
        f"SELECT vector FROM {table} USING SAMPLE reservoir({int(count)} ROWS)"
        f" REPEATABLE ({int(seed)})"
    ).fetchall()
    base = np.asarray([r[0] for r in rows], dtype=np.float32)
    if base.size == 0:
        return base
    rng = np.random.default_rng(seed)
    jitter = base + noise * rng.normal(size=base.shape).astype(np.float32) / np.sqrt(base.shape[1])
    return jitter / np.linalg.norm(jitter, axis=1, keepdims=True)


# -- search relevance (``egregora eval search``) ------------------------------------------
@dataclass
class SearchReport:
    """Relevance of one search mode over a labelled query set (means over queries)."""

    mode: str
    queries: int
    k: int
    recall_at_k: float
    mrr: float
    ndcg_at_k: float
    #: recall@k per query kind (``kind`` in the labels), when labels have kinds
    recall_by_kind: dict[str, float]
    #: queries whose first relevant chunk is not in the top k
    misses: list[str]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def load_qrels(path: Any) -> list[dict[str, Any]]:
    """Labelled queries from a JSONL file (one ``{"query", "relevant"/"relevant_text"}`` a line).

    ``relevant``: message or chunk ids that answer the query; ``relevant_text``: the
    exact text of answering messages (portable across projects, whose message ids
    differ); ``kind``: an optional label for per-kind recall.
    """
    import json
    from pathlib import Path

    from .errors import InputError

    source = Path(path)
    try:
        lines = source.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc.strerror}", where=str(source)) from None
    out = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            row = None
        if (
            not isinstance(row, dict)
            or not isinstance(row.get("query"), str)
            or not (row.get("relevant") or row.get("relevant_text"))
        ):
            raise InputError(
                "each line must be a JSON object with a 'query' and a non-empty 'relevant' "
                "(ids) or 'relevant_text' (message texts) list",
                where=f"{source}:{number}",
            )
        out.append(row)
    if not out:
        raise InputError("no labelled queries in the file", where=str(source))
    return out


def ranking_metrics(
    ranked: Sequence[str], relevant: set[str], k: int
) -> tuple[float, float, float]:
    """recall@k (out of min(k, |relevant|)), reciprocal rank and binary nDCG@k of one query."""
    top = list(ranked)[:k]
    found = [i for i, item in enumerate(top) if item in relevant]
    ideal = min(k, len(relevant))
    if not ideal:
        return 0.0, 0.0, 0.0
    recall = len(found) / ideal
    reciprocal = 1.0 / (found[0] + 1) if found else 0.0
    dcg = sum(1.0 / np.log2(i + 2) for i in found)
    idcg = sum(1.0 / np.log2(i + 2) for i in range(ideal))
    return recall, reciprocal, dcg / idcg


def summarize(
    mode: str,
    k: int,
    labelled: Sequence[dict[str, Any]],
    results: Sequence[Sequence[str]],
    relevant: Sequence[set[str]],
) -> SearchReport:
    """Mean metrics of ``results`` (ranked chunk ids per query) against ``relevant``."""
    rows = [ranking_metrics(r, rel, k) for r, rel in zip(results, relevant, strict=True)]
    count = max(1, len(rows))
    kinds: dict[str, list[float]] = {}
    for query, (recall, _, _) in zip(labelled, rows, strict=True):
        if query.get("kind"):
            kinds.setdefault(str(query["kind"]), []).append(recall)
    return SearchReport(
        mode=mode,
        queries=len(rows),
        k=k,
        recall_at_k=sum(r[0] for r in rows) / count,
        mrr=sum(r[1] for r in rows) / count,
        ndcg_at_k=sum(r[2] for r in rows) / count,
        recall_by_kind={kind: sum(v) / len(v) for kind, v in sorted(kinds.items())},
        misses=[q["query"] for q, r in zip(labelled, rows, strict=True) if r[1] == 0.0],
    )


def relevant_chunks(ctx: Any, labelled: Sequence[dict[str, Any]]) -> list[set[str]]:
    """The chunk ids that answer each labelled query (message ids and texts mapped to chunks).

    A label that matches no chunk is an error: it would silently count as a miss.
    """
    from .errors import InputError
    from .lake import Lake
    from .serving import ServingStore

    with ServingStore.open(ctx.project, read_only=True) as store:
        wanted_messages = {
            item
            for row in labelled
            for item in row.get("relevant", [])
            if not store.has_chunk(str(item))
        }
        messages: dict[str, tuple[str, Any, str]] = {}
        if wanted_messages:
            with Lake.open(ctx.project, read_only=True) as lake:
                t = lake.table("messages")
                found = (
                    t.filter(t.message_id.isin(sorted(wanted_messages)))
                    .select("message_id", "group_slug", "ts", "text")
                    .to_pyarrow()
                    .to_pylist()
                )
            messages = {r["message_id"]: (r["group_slug"], r["ts"], r["text"]) for r in found}
        out = []
        for row in labelled:
            chunks: set[str] = set()
            for item in row.get("relevant", []):
                item = str(item)
                if item in messages:
                    chunks |= store.chunks_at(*messages[item])
                elif store.has_chunk(item):
                    chunks.add(item)
            for text in row.get("relevant_text", []):
                chunks |= store.chunks_with_text(str(text))
            if not chunks:
                raise InputError(
                    f"no chunk holds an answer to {row['query']!r}",
                    where="labels",
                    hint="label with ids or message texts of this project (after `egregora build`)",
                )
            out.append(chunks)
    return out


def evaluate_search(
    ctx: Any, labelled: Sequence[dict[str, Any]], k: int = 10, modes: Sequence[str] = ()
) -> list[SearchReport]:
    """Run every labelled query in each mode; recall@k, MRR and nDCG@k per mode."""
    from .search import MODES, search

    relevant = relevant_chunks(ctx, labelled)
    reports = []
    for mode in modes or MODES:
        results = [[hit.id for hit in search(ctx, row["query"], k, mode=mode)] for row in labelled]
        reports.append(summarize(mode, k, labelled, results, relevant))
    return reports
