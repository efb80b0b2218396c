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
    index_bytes: int | None
    index: str
    threshold: float = RECALL_THRESHOLD

    @property
    def passed(self) -> bool:
        return self.recall_at_k >= self.threshold

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
) -> AnnReport:
    """Compare ``index.search`` against its exact path on ``queries`` (one row each)."""
    n, dim = con.execute(f"SELECT count(*), any_value(len(vector)) FROM {table}").fetchone()
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
        recall_at_k=found / (k * count),
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
