"""Vector search benchmark: egregora-ann-duckdb (tuned HNSW) vs the exact scan.

Clustered synthetic vectors (``egregora_core.evaluation.clustered_vectors``: n/200
random centres, per-coordinate noise 0.35, L2-normalised, seed 0), stored in a DuckDB
file like the serving database, indexed with the plugin's defaults, then ``--queries``
queries near stored vectors through ``egregora_core.evaluation.evaluate``.

    uv run python bench/bench_ann.py                  # 200k and 1M x 384 (slow)
    uv run python bench/bench_ann.py --sizes 200000   # one size
    uv run python bench/bench_ann.py --quick          # 20k x 384, a minute
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


def run(n: int, dim: int, queries: int, k: int, index: DuckDBIndex) -> dict:
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
        report = evaluate(con, "vecs", index, probes, k, build=facts)
        con.close()
        out = report.to_json()
        out.update(load_seconds=load_seconds, file_bytes=os.path.getsize(path),
                   M=index.m, ef_construction=index.ef_construction, ef_search=index.ef_search)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200000,1000000")
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--m", type=int, default=16)
    parser.add_argument("--ef-construction", type=int, default=64)
    parser.add_argument("--ef-search", type=int, default=256)
    parser.add_argument("--quick", action="store_true", help="20k vectors, 50 queries")
    args = parser.parse_args()
    sizes = [20_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    queries = 50 if args.quick else args.queries
    index = DuckDBIndex(m=args.m, ef_construction=args.ef_construction, ef_search=args.ef_search)
    for n in sizes:
        print(json.dumps(run(n, args.dim, queries, args.k, index)), flush=True)


if __name__ == "__main__":
    main()
