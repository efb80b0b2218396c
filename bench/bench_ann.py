"""Vector search benchmark: egregora-ann-duckdb's indexes vs the exact scan.

Clustered synthetic vectors (``egregora_core.evaluation.clustered_vectors``: n/200
random centres, per-coordinate noise 0.35, L2-normalised, seed 0), stored in a DuckDB
file like the serving database, indexed, the database reopened (as `egregora query`
does), then ``--queries`` queries near stored vectors through
``egregora_core.evaluation.evaluate`` (recall@10 against the exact scan, latencies).

    uv run python bench/bench_ann.py                    # 200k and 1M x 384, IVF (default index)
    uv run python bench/bench_ann.py --sizes 200000     # one size
    uv run python bench/bench_ann.py --quick            # 20k x 384, a minute
    uv run python bench/bench_ann.py --variant hnsw     # vss HNSW (index `duckdb-hnsw`)
    uv run python bench/bench_ann.py --candidates 8192  # IVF: read more lists per query
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import duckdb
from egregora_ann_duckdb import HnswIndex, IvfIndex
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
        con.close()
        con = duckdb.connect(str(path))  # measure after reopening, as `egregora query` does
        probes = sample_queries(con, "vecs", queries)
        started = time.perf_counter()  # the first query after opening loads the index
        index.search(con, "vecs", [float(x) for x in probes[0]], k)
        first_query = time.perf_counter() - started
        results = []
        for ef in ef_values or [None]:
            if ef is not None:
                index.ef_search = ef
            out = evaluate(con, "vecs", index, probes, k, build=facts).to_json()
            out.update(
                load_seconds=load_seconds,
                first_query_seconds=first_query,
                file_bytes=os.path.getsize(path),
                params={
                    **{name: v for name, v in vars(index).items() if isinstance(v, int)},
                    **{
                        name: v
                        for name, v in facts.items()
                        if name not in ("rows", "seconds", "bytes")
                    },
                },
            )
            results.append(out)
        con.close()
        return results


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
    parser.add_argument("--variant", choices=["ivf", "hnsw"], default="ivf")
    parser.add_argument("--nlist", type=int, default=0, help="IVF lists (default: sqrt(n))")
    parser.add_argument("--nprobe", type=int, default=0, help="IVF lists per query (0: auto)")
    parser.add_argument("--candidates", type=int, default=4096, help="IVF: rows per query")
    args = parser.parse_args()
    sizes = [20_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    queries = 50 if args.quick else args.queries
    for n in sizes:
        if args.variant == "ivf":
            index = IvfIndex(nlist=args.nlist, nprobe=args.nprobe, candidates=args.candidates)
        else:
            index = HnswIndex(
                m=args.m, ef_construction=args.ef_construction, ef_search=args.ef_search
            )
        sweep = [int(x) for x in args.ef_sweep.split(",") if x] if args.variant == "hnsw" else []
        for result in run(n, args.dim, queries, args.k, index, sweep):
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
