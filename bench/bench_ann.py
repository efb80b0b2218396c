"""Vector search benchmark: egregora-ann-duckdb (tuned HNSW) vs the exact scan.

Clustered synthetic vectors (``egregora_core.evaluation.clustered_vectors``: n/200
random centres, per-coordinate noise 0.35, L2-normalised, seed 0), stored in a DuckDB
file like the serving database, indexed with the plugin's defaults, then ``--queries``
queries near stored vectors through ``egregora_core.evaluation.evaluate``.

    uv run python bench/bench_ann.py                  # 200k and 1M x 384 (slow)
    uv run python bench/bench_ann.py --sizes 200000   # one size
    uv run python bench/bench_ann.py --quick          # 20k x 384, a minute
    uv run python bench/bench_ann.py --variant ivf    # the IVF alternative we rejected

``--variant ivf`` measures a prototype IVF index written in DuckDB SQL (numpy k-means on a
sample, vectors stored sorted by list, a query probes ``--nprobe`` lists as rowid ranges),
the "another DuckDB-resident ANN" the issue allows; see docs/benchmarks.md for why
egregora-ann-duckdb ships HNSW instead.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import duckdb
from egregora_ann_duckdb import DuckDBIndex
from egregora_core.evaluation import clustered_vectors, evaluate, load_vectors, sample_queries


def run(n: int, dim: int, queries: int, k: int, index, ef_values: list[int]) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="bench-ann-") as tmp:
        path = Path(tmp) / "serving.duckdb"
        con = duckdb.connect(str(path))
        con.execute("SET threads = 2")
        started = time.perf_counter()
        load_vectors(con, "vecs", clustered_vectors(n, dim))
        con.execute("CHECKPOINT")
        load_seconds = time.perf_counter() - started
        facts = index.build(con, "vecs", dim, "cosine")
        if isinstance(index, DuckDBIndex):  # the prototype keeps its lists in memory
            con.close()
            con = duckdb.connect(str(path))  # measure after reopening, as `egregora query` does
        probes = sample_queries(con, "vecs", queries)
        results = []
        for ef in ef_values or [None]:
            if ef is not None:
                index.ef_search = ef
            out = evaluate(con, "vecs", index, probes, k, build=facts).to_json()
            out.update(
                load_seconds=load_seconds,
                file_bytes=os.path.getsize(path),
                params={name: v for name, v in vars(index).items() if isinstance(v, int)},
            )
            results.append(out)
        con.close()
        return results


class IvfPrototype:
    """Bench-only IVF in DuckDB: k-means lists, rows sorted by list, probe rowid ranges."""

    name = "ivf"

    def __init__(self, nlist: int, nprobe: int):
        self.nlist, self.nprobe = nlist, nprobe

    def build(self, con, table, dim, metric):
        import numpy as np

        started = time.perf_counter()
        rows = con.execute(f"SELECT vector FROM {table}").fetchnumpy()["vector"]
        data = np.stack(rows).astype(np.float32)
        rng = np.random.default_rng(0)
        sample = data[rng.choice(len(data), min(len(data), self.nlist * 40), replace=False)]
        centroids = sample[rng.choice(len(sample), self.nlist, replace=False)].copy()
        for _ in range(8):
            labels = np.argmax(sample @ centroids.T, axis=1)
            for j in range(self.nlist):
                members = sample[labels == j]
                if len(members):
                    centroids[j] = members.mean(0)
            centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
        lists = np.concatenate(
            [
                np.argmax(data[i : i + 50_000] @ centroids.T, axis=1)
                for i in range(0, len(data), 50_000)
            ]
        ).astype(np.int32)
        con.register("_lists", __import__("pyarrow").table({"list_id": lists}))
        con.execute(
            f"CREATE OR REPLACE TABLE {table}__ivf AS SELECT l.list_id, t.id, t.vector"
            f" FROM {table} t POSITIONAL JOIN _lists l ORDER BY l.list_id"
        )
        con.unregister("_lists")
        bounds = con.execute(
            f"SELECT list_id, min(rowid), max(rowid) FROM {table}__ivf GROUP BY 1"
        ).fetchall()
        self.centroids, self.ranges = centroids, {b[0]: (b[1], b[2]) for b in bounds}
        return {
            "kind": f"ivf nlist={self.nlist} nprobe={self.nprobe}",
            "seconds": time.perf_counter() - started,
        }

    def status(self, con, table):
        return "fresh"

    def search(self, con, table, vector, k, *, exact=False):
        import numpy as np

        dim = len(vector)
        if exact:
            return con.execute(
                f"SELECT id, array_cosine_distance(vector, $q::FLOAT[{dim}]) d"
                f" FROM {table} ORDER BY d LIMIT $k",
                {"q": vector, "k": k},
            ).fetchall()
        probes = np.argsort(-(self.centroids @ np.asarray(vector, np.float32)))[: self.nprobe]
        parts = " UNION ALL ".join(
            f"SELECT id, vector FROM {table}__ivf WHERE rowid BETWEEN {lo} AND {hi}"
            for lo, hi in (self.ranges[int(p)] for p in probes if int(p) in self.ranges)
        )
        return con.execute(
            f"SELECT id, array_cosine_distance(vector, $q::FLOAT[{dim}]) d"
            f" FROM ({parts}) ORDER BY d LIMIT $k",
            {"q": vector, "k": k},
        ).fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200000,1000000")
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--m", type=int, default=16)
    parser.add_argument("--ef-construction", type=int, default=64)
    parser.add_argument("--ef-search", type=int, default=256)
    parser.add_argument("--ef-sweep", default="", help="comma list: re-run queries per ef_search")
    parser.add_argument("--quick", action="store_true", help="20k vectors, 50 queries")
    parser.add_argument("--variant", choices=["hnsw", "ivf"], default="hnsw")
    parser.add_argument("--nlist", type=int, default=0, help="IVF lists (default: n / 400)")
    parser.add_argument("--nprobe", type=int, default=8)
    args = parser.parse_args()
    sizes = [20_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    queries = 50 if args.quick else args.queries
    for n in sizes:
        if args.variant == "ivf":
            index = IvfPrototype(args.nlist or max(1, n // 400), args.nprobe)
        else:
            index = DuckDBIndex(
                m=args.m, ef_construction=args.ef_construction, ef_search=args.ef_search
            )
        sweep = [int(x) for x in args.ef_sweep.split(",") if x] if args.variant == "hnsw" else []
        for result in run(n, args.dim, queries, args.k, index, sweep):
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
