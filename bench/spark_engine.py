"""Benchmark: one ingest with the transforms on DuckDB vs on PySpark (local[2]).

A generated chat of ``--messages`` messages is ingested into two fresh projects with the
same secret, one per engine, each in this process; the Spark time includes starting the
Spark session (once per process, as for a batch). The stored rows are compared.
Needs the ``spark`` extra, so it is not a ``bench_*.py`` (``nox -s bench`` runs those in
an environment without PySpark); run it in the environment of ``nox -s spark``:

    uv run nox -s spark --install-only && .nox/spark/bin/python bench/spark_engine.py
    .nox/spark/bin/python bench/spark_engine.py --quick     # 10,000 messages
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from egregora_core.ingest import ingest
from egregora_core.lake import Lake
from egregora_core.plugins import make_plugin_manager
from egregora_core.testing import make_context
from egregora_extract_whatsapp.synthetic import generate_chat


def run(root: Path, engine: str, export: Path, secret: Path | None) -> float:
    ctx = make_context(root, plugins=make_plugin_manager(), env={"EGREGORA_INGEST_ENGINE": engine})
    if secret is not None:
        shutil.copy2(secret, ctx.project.secret_path)
    started = time.perf_counter()
    ingest(ctx, [export])
    return time.perf_counter() - started


def rows(root: Path) -> list[tuple]:
    with Lake(root / ".egregora" / "lake", read_only=True) as lake:
        return lake.con.execute("SELECT * FROM lake.messages ORDER BY message_id").fetchall()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 messages")
    args = parser.parse_args()
    if args.quick:
        args.messages = 10_000
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        chat = generate_chat(args.messages, seed=7, group_name="Spark Hikers")
        export = chat.write_txt(tmp / "WhatsApp Chat with Spark Hikers.txt")
        duck = run(tmp / "duckdb", "duckdb", export, None)
        secret = tmp / "duckdb" / ".egregora" / "secret.key"
        spark = run(tmp / "spark", "spark", export, secret)
        same = rows(tmp / "duckdb") == rows(tmp / "spark")
        print(f"{args.messages:,} messages; 2-core machine shared with other jobs")
        print(f"duckdb  {duck:8.1f} s")
        print(f"spark   {spark:8.1f} s  (local[2], session start-up included)")
        print(f"identical rows: {same}")


if __name__ == "__main__":
    main()
