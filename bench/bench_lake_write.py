"""Benchmark: the DuckLake write of the load stage under different Parquet options.

Ingests a synthetic chat once (``generate_chat(N, seed=1)``) to get real anonymized
``messages`` rows, keeps them in an in-memory DuckDB table, then writes them into a fresh
lake per run with ``Lake.insert`` (one INSERT, as the option's only effect is measured) and
reports CPU seconds (min / median of ``--repeat``, variants interleaved), file count and
size. CPU with ``--threads 1`` (the default) is the steadiest figure on a shared machine.

    uv run python bench/bench_lake_write.py                 # 1M messages
    uv run python bench/bench_lake_write.py --quick         # 100k
    uv run python bench/bench_lake_write.py --repeat 5 --threads 2
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

#: name -> DuckLake options (``CALL lake.set_option``); ``{}`` = DuckLake's defaults.
VARIANTS: dict[str, dict[str, object]] = {
    "defaults (snappy, v1)": {},
    "zstd": {"parquet_compression": "zstd"},
    "zstd level 1": {"parquet_compression": "zstd", "parquet_compression_level": 1},
    "lz4_raw": {"parquet_compression": "lz4_raw"},
    "uncompressed": {"parquet_compression": "uncompressed"},
    "parquet v2": {"parquet_version": 2},
    "parquet v2 + zstd 1": {
        "parquet_version": 2,
        "parquet_compression": "zstd",
        "parquet_compression_level": 1,
    },
    "row groups of 1M": {"parquet_row_group_size": 1_000_000},
}


def messages_parquet(n: int, folder: Path) -> Path:
    """Ingest a synthetic chat of ``n`` messages; export its messages to one Parquet file."""
    from egregora_core.ingest import ingest
    from egregora_core.lake import Lake
    from egregora_core.pipeline import Context
    from egregora_core.plugins import make_plugin_manager
    from egregora_core.project import init_project
    from egregora_extract_whatsapp.synthetic import generate_chat

    zip_path = folder / "WhatsApp Chat with Bench.zip"
    chat = generate_chat(n, seed=1).write_zip(zip_path, with_media=False)
    project = init_project(folder / "project")
    ingest(Context(project=project, config=project.config(), plugins=make_plugin_manager()), [chat])
    out = folder / "messages.parquet"
    with Lake.open(project, read_only=True) as lake:
        lake.export("messages", out)
    return out


def write_once(source: Path, options: dict[str, object], threads: int, folder: Path) -> tuple:
    from egregora_core.lake import Lake

    with Lake(folder / "lake") as lake:
        lake.con.execute(f"SET threads = {int(threads)}")
        rows = lake.ibis.create_table("_rows", lake.ibis.read_parquet(source), temp=True)
        for key, value in options.items():
            lake.con.execute("CALL lake.set_option(?, ?)", [key, str(value)])
        cpu, wall = time.process_time(), time.perf_counter()
        with lake.transaction():
            lake.insert("messages", rows)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    files = list((folder / "lake" / "data" / "main" / "messages").rglob("*.parquet"))
    return cpu, wall, len(files), sum(f.stat().st_size for f in files) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100k messages")
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    n = 100_000 if args.quick else args.size
    with tempfile.TemporaryDirectory() as tmp:
        source = messages_parquet(n, Path(tmp))
        runs: dict[str, list[tuple]] = {name: [] for name in VARIANTS}
        for _ in range(args.repeat):
            for name, options in VARIANTS.items():
                with tempfile.TemporaryDirectory(dir=tmp) as folder:
                    runs[name].append(write_once(source, options, args.threads, Path(folder)))
        print(f"{n:,} messages, {args.threads} thread(s), {args.repeat} runs: CPU min / median")
        for name, results in runs.items():
            cpu = [r[0] for r in results]
            _, _, files, size = results[0]
            print(
                f"{name:24s} {min(cpu):.2f} / {statistics.median(cpu):.2f} s  "
                f"{files} files  {size:.1f} MB"
            )


if __name__ == "__main__":
    main()
