"""``duckdb``: an IVF (inverted file) index stored in DuckDB — the default vector index.

Build: spherical k-means (numpy) on a sample of the vectors gives ``nlist`` centroids
(one per ~1,024 rows by default); every vector is assigned to its nearest centroid, and the
copy ``<table>__ivf (list_id, id, vector)`` is written *sorted by list*, so each list is
one contiguous rowid range; ``<table>__ivf_lists`` keeps each list's centroid and range.

Search: the query is compared with the centroids (in memory, cached per build), the
``nprobe`` nearest lists are read as rowid ranges — DuckDB skips straight to them — and
only those candidates are scored exactly with ``array_cosine_distance`` in DuckDB.

Why IVF and not vss's HNSW (docs/benchmarks.md): at 200k x 384 on 2 cores IVF builds in
~10 s instead of 50-150 s, and at 1M it keeps recall@10 near 0.99 where HNSW fell to 0.87.
Two measured details matter for speed:

* the copy is stored *uncompressed*: DuckDB's default for random floats (ALP-RD) costs
  more to decode than the scan itself, so reads are ~2x faster uncompressed (the index
  takes ~10% more disk);
* each probed range costs a separate scan (~0.3 ms) and DuckDB reads whole 2,048-row
  vectors, so lists are large (~1,024 rows) and few are probed (4, about ``candidates``
  = 4,096 rows) rather than many small ones.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
from egregora_core.extensions import vector_literal

from .index import DISTANCES, IndexBase, IndexError_, ident

#: Rows per block when assigning vectors to lists (bounds memory: block x nlist floats).
BLOCK = 16_384


def _matrix(column: pa.ChunkedArray | pa.Array, dim: int) -> np.ndarray:
    """A FLOAT[dim] Arrow column as an (n, dim) float32 matrix."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    return np.asarray(column.flatten(), dtype=np.float32).reshape(-1, dim)


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(norms == 0, 1.0, norms)


def prepared(x: np.ndarray, metric: str) -> np.ndarray:
    """Vectors as they are compared with centroids: unit length for the angular metrics."""
    return x if metric == "l2sq" else _unit(x)


def closeness(
    x: np.ndarray, centroids: np.ndarray, metric: str, sq: np.ndarray | None = None
) -> np.ndarray:
    """Higher = nearer, for each (prepared) row of ``x`` and each centroid.

    Angular metrics: the dot product. ``l2sq``: ``2 x.c - |c|^2`` (``-|x - c|^2`` minus a
    per-row constant); ``sq`` = the centroids' squared norms, if already computed.
    """
    dots = x @ centroids.T
    if metric != "l2sq":
        return dots
    return 2 * dots - ((centroids * centroids).sum(1) if sq is None else sq)


def nearest(x: np.ndarray, centroids: np.ndarray, metric: str) -> np.ndarray:
    """Index of the nearest centroid of each (prepared) row of ``x``."""
    out = np.empty(len(x), dtype=np.int32)
    sq = (centroids * centroids).sum(1) if metric == "l2sq" else None
    for start in range(0, len(x), BLOCK):
        out[start : start + BLOCK] = closeness(
            x[start : start + BLOCK], centroids, metric, sq
        ).argmax(1)
    return out


def kmeans(
    sample: np.ndarray, nlist: int, metric: str, *, iterations: int, seed: int
) -> np.ndarray:
    """Lloyd's k-means (spherical for cosine/ip): ``nlist`` centroids of ``sample``."""
    rng = np.random.default_rng(seed)
    centroids = sample[rng.choice(len(sample), nlist, replace=False)].copy()
    for _ in range(iterations):
        labels = nearest(sample, centroids, metric)
        order = np.argsort(labels, kind="stable")
        counts = np.bincount(labels, minlength=nlist)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        filled = counts > 0
        sums = np.add.reduceat(sample[order], starts[filled], axis=0)
        if metric == "l2sq":
            centroids[filled] = sums / counts[filled, None]
        else:
            centroids[filled] = _unit(sums)
    return centroids


class IvfIndex(IndexBase):
    """The ``duckdb`` vector index (see the module docstring).

    ``nlist``: lists (0 = one per ``list_size`` rows). ``nprobe``: lists read per query
    (0 = enough lists for about ``candidates`` rows: 4 by default). Raise ``candidates``
    (or ``nprobe``) for higher recall on hard data; ``egregora eval ann`` measures it.
    ``preload``: the first query after opening reads the whole copy into memory.
    """

    name = "duckdb"
    kind = "ivf"

    def __init__(
        self,
        *,
        nlist: int = 0,
        list_size: int = 1024,
        nprobe: int = 0,
        candidates: int = 4096,
        sample_per_list: int = 32,
        iterations: int = 10,
        seed: int = 0,
        preload: bool = True,
    ):
        self.nlist = nlist
        self.list_size = list_size
        self.nprobe = nprobe
        self.candidates = candidates
        self.sample_per_list = sample_per_list
        self.iterations = iterations
        self.seed = seed
        self.preload = preload
        self._cache: dict[tuple, dict[str, Any]] = {}

    def lists_table(self, table: str) -> str:
        return f"{self.ann_table(table)}_lists"

    def probes(self, nlist: int, rows: int) -> int:
        """Lists read per query for an index of ``nlist`` lists over ``rows`` rows."""
        if self.nprobe:
            return max(1, min(self.nprobe, nlist))
        per_list = max(1.0, rows / max(1, nlist))
        return max(1, min(nlist, round(self.candidates / per_list)))

    # -- build --------------------------------------------------------------------
    @contextlib.contextmanager
    def _building(self, con: Any) -> Iterator[None]:
        # Compression is decided when rows are written (and at checkpoint): see above.
        con.execute("SET force_compression = 'uncompressed'")
        try:
            yield
        finally:
            con.execute("RESET force_compression")

    def _create(self, con, table, copy, dimensions, metric, rows):
        source, lists = ident(table), self.lists_table(table)
        nlist = max(1, min(rows, self.nlist or round(rows / self.list_size))) if rows else 0
        centroids = np.zeros((0, dimensions), np.float32)
        labels = pa.table({"row": pa.array([], pa.int64()), "list_id": pa.array([], pa.int32())})
        if rows:
            sample = _matrix(
                con.execute(
                    f"SELECT vector FROM {source} USING SAMPLE reservoir"
                    f"({min(rows, nlist * self.sample_per_list)} ROWS) REPEATABLE ({self.seed})"
                ).to_arrow_table()["vector"],
                dimensions,
            )
            sample = prepared(sample, metric)
            centroids = kmeans(sample, nlist, metric, iterations=self.iterations, seed=self.seed)
            labels = self._assign(con, source, centroids, dimensions, metric)
        # Rows inside this transaction carry temporary rowids; once committed, the copy's
        # rowids are 0..rows-1 in insertion order (preserve_insertion_order), so each list's
        # range follows from the counts. `_verify` checks that after the commit.
        counts = np.bincount(labels["list_id"].to_numpy(), minlength=len(centroids))
        lo = np.cumsum(counts) - counts
        filled = counts > 0
        con.execute("SET preserve_insertion_order = true")
        con.register("_egregora_ivf_labels", labels)
        con.register(
            "_egregora_ivf_lists",
            pa.table(
                {
                    "list_id": pa.array(np.flatnonzero(filled).astype(np.int32)),
                    "lo": pa.array(lo[filled].astype(np.int64)),
                    "hi": pa.array((lo + counts - 1)[filled].astype(np.int64)),
                    "n": pa.array(counts[filled].astype(np.int64)),
                    "centroid": pa.FixedSizeListArray.from_arrays(
                        pa.array(centroids[filled].ravel(), pa.float32()), dimensions
                    ),
                }
            ),
        )
        try:
            con.execute(
                f"CREATE TABLE {copy} AS SELECT l.list_id, t.id, t.vector FROM {source} t"
                f" JOIN _egregora_ivf_labels l ON t.rowid = l.row ORDER BY l.list_id, l.row"
            )
            con.execute(f"CREATE TABLE {lists} AS SELECT * FROM _egregora_ivf_lists")
        finally:
            con.unregister("_egregora_ivf_labels")
            con.unregister("_egregora_ivf_lists")
        return {
            "nlist": nlist,
            "nprobe": self.probes(nlist, rows),
            "candidates": self.candidates,
            "storage": "uncompressed",
        }

    def _verify(self, con: Any, table: str) -> None:
        """After the commit: every list's recorded range holds exactly that list."""
        copy, lists = self.ann_table(table), self.lists_table(table)
        wrong = con.execute(
            f"SELECT count(*) FROM (SELECT list_id, min(rowid) AS lo, max(rowid) AS hi,"
            f" count(*) AS n FROM {copy} GROUP BY list_id) r FULL JOIN {lists} l USING (list_id)"
            f" WHERE r.lo IS DISTINCT FROM l.lo OR r.hi IS DISTINCT FROM l.hi"
            f" OR r.hi - r.lo + 1 <> r.n"
        ).fetchone()[0]
        if wrong:  # pragma: no cover - DuckDB keeps CTAS order with preserve_insertion_order
            con.execute("DELETE FROM egregora_ann_index WHERE table_name = ?", [table])
            raise IndexError_(
                f"IVF lists of {table} are not contiguous; index dropped (exact search is used)",
                hint="report this as a bug",
            )

    def _assign(
        self, con: Any, source: str, centroids: np.ndarray, dim: int, metric: str
    ) -> pa.Table:
        """(rowid, list id) of every row, reading the vectors in bounded batches."""
        reader = con.execute(f"SELECT rowid AS row, vector FROM {source}").to_arrow_reader(65_536)
        rows, lists = [], []
        for batch in reader:
            x = _matrix(batch.column(1), dim)
            rows.append(batch.column(0))
            lists.append(nearest(prepared(x, metric), centroids, metric))
        return pa.table(
            {
                "row": pa.concat_arrays(rows).cast(pa.int64()),
                "list_id": pa.array(np.concatenate(lists), pa.int32()),
            }
        )

    # -- search -------------------------------------------------------------------
    def _lists(self, con: Any, table: str, state: dict[str, Any]) -> dict[str, Any]:
        """Centroids and rowid ranges of the current build (read once per build)."""
        key = state["build_key"]
        found = self._cache.get(key)
        if found is None:
            dim = state["dimensions"]
            got = con.execute(
                f"SELECT lo, hi, centroid FROM {self.lists_table(table)} ORDER BY list_id"
            ).to_arrow_table()
            centroids = _matrix(got["centroid"], dim)
            found = {
                "lo": got["lo"].to_numpy(),
                "hi": got["hi"].to_numpy(),
                "centroids": centroids,
                "sq": (centroids * centroids).sum(1),
                "nprobe": state["params"].get("nprobe") or self.probes(len(centroids), 0),
            }
            self._cache = {k: v for k, v in self._cache.items() if k[:2] != key[:2]}
            self._cache[key] = found
            if self.preload:
                # Read the whole copy once into DuckDB's buffer pool, as an HNSW index is
                # loaded whole on first use: later queries seek in memory instead of
                # decoding blocks from disk (1M x 384: ~1.3 s once; p50 17 -> 12 ms cold).
                con.execute(f"SELECT count(vector[1]), count(id) FROM {self.ann_table(table)}")
        return found

    def ranges(self, con: Any, table: str, vector: list[float]) -> list[tuple[int, int]]:
        """The rowid ranges of ``<table>__ivf`` a query for ``vector`` reads (merged)."""
        state = self._state(con, table)
        return self._ranges(self._lists(con, table, state), vector, state["metric"])

    def _ranges(self, lists: dict[str, Any], vector: list[float], metric: str):
        q = np.asarray(vector, dtype=np.float32)
        scores = closeness(prepared(q, metric), lists["centroids"], metric, lists["sq"])
        nprobe = min(lists["nprobe"], len(scores))
        if nprobe == 0:
            return []
        chosen = np.argpartition(-scores, nprobe - 1)[:nprobe]
        merged: list[tuple[int, int]] = []
        spans = zip(lists["lo"][chosen].tolist(), lists["hi"][chosen].tolist(), strict=True)
        for lo, hi in sorted(spans):
            if merged and lo == merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], hi)
            else:
                merged.append((lo, hi))
        return merged

    def _ann(self, con, table, query, k, state):
        spans = self._ranges(self._lists(con, table, state), query, state["metric"])
        if not spans:
            return []
        copy = self.ann_table(table)
        # One scan per range: DuckDB turns a rowid BETWEEN into a direct seek, which an OR
        # of ranges or a list_id IN (...) filter does not (measured: 2-30x slower).
        parts = " UNION ALL ".join(
            f"SELECT id, vector FROM {copy} WHERE rowid BETWEEN {lo} AND {hi}" for lo, hi in spans
        )
        distance = DISTANCES[state["metric"]]
        return con.execute(
            f"SELECT id, {distance}(vector, {vector_literal(query, state['dimensions'])})"
            f" AS distance FROM ({parts}) ORDER BY distance, id LIMIT {int(k)}",
        ).fetchall()
