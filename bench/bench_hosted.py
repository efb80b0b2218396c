"""Benchmark: ingest throughput of concurrent workers into a hosted lake (PostgreSQL
catalog), side by side with the local lake, on many small exports.

A real PostgreSQL server is started on 127.0.0.1 for the run (as the tests do). Each worker
is a separate process with its own project folder (same lake settings, same secret), like
a worker on another machine; the exports are dealt round-robin and each worker ingests
its share one export per ``ingest`` call. The clock starts when every worker has imported
what it needs and stops when the last one is done. The local lake takes one writer at a
time (a second is refused "busy"), so its row is one worker ingesting every export.

    uv run python bench/bench_hosted.py            # 32 exports of 500 messages; 1,2,4,8 workers
    uv run python bench/bench_hosted.py --quick    # 16 exports of 300 messages
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from egregora_core.testing.postgres import postgres_server
from egregora_extract_whatsapp.synthetic import generate_chat

WORKER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from egregora_core.ingest import ingest
    from egregora_core.plugins import make_plugin_manager
    from egregora_core.testing import make_context

    root, paths = Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]]
    ctx = make_context(root, plugins=make_plugin_manager())
    print("ready", flush=True)
    sys.stdin.readline()
    new = retries = 0
    for path in paths:
        load = ingest(ctx, [path])[-1]
        new += load.counts.get("new", 0)
        retries += load.counts.get("retries", 0)
    print(json.dumps({"new": new, "retries": retries}), flush=True)
""")


def make_exports(folder: Path, count: int, messages: int) -> list[Path]:
    folder.mkdir(parents=True)
    return [
        generate_chat(messages, seed=i, group_name=f"Bench Group {i}").write_txt(
            folder / f"WhatsApp Chat with Bench Group {i}.txt"
        )
        for i in range(count)
    ]


def init(root: Path, secret_from: Path | None, env: dict[str, str], *lake: str) -> Path:
    subprocess.run(
        [sys.executable, "-m", "egregora_cli.main", "-q", "init", str(root), *lake],
        check=True,
        capture_output=True,
        env=env,
    )
    if secret_from is not None:
        shutil.copy2(secret_from / ".egregora" / "secret.key", root / ".egregora" / "secret.key")
    return root


def run_workers(roots: list[Path], exports: list[Path], script: Path, env) -> dict:
    """Start one worker per root on its share of ``exports``; time them from 'go'."""
    shares = [exports[i :: len(roots)] for i in range(len(roots))]
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(root), *map(str, share)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for root, share in zip(roots, shares, strict=True)
    ]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready"
    started = time.perf_counter()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = []
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"a worker failed (exit {proc.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "new": sum(r["new"] for r in results),
        "retries": sum(r["retries"] for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="16 exports of 300 messages")
    parser.add_argument("--exports", type=int, default=32)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--workers", default="1,2,4,8")
    args = parser.parse_args()
    count, messages = (16, 300) if args.quick else (args.exports, args.messages)
    workers = [int(w) for w in args.workers.split(",")]
    with tempfile.TemporaryDirectory() as tmp, postgres_server() as server:
        tmp = Path(tmp)
        env = {**os.environ, **server.env}
        env.pop("EGREGORA_PROJECT", None)
        script = tmp / "worker.py"
        script.write_text(WORKER)
        exports = make_exports(tmp / "exports", count, messages)
        seed = init(tmp / "seed", None, env)
        print(f"{count} exports of {messages} messages; 2-core machine shared with other jobs")
        print(f"{'lake':<22} {'workers':>7} {'seconds':>8} {'msg/s':>8} {'exports/s':>9} retries")

        def report(label: str, n: int, result: dict) -> None:
            rate = result["new"] / result["seconds"]
            per = count / result["seconds"]
            print(
                f"{label:<22} {n:>7} {result['seconds']:>8.2f} {rate:>8,.0f} {per:>9.2f} "
                f"{result['retries']:>7}",
                flush=True,
            )

        local = init(tmp / "local", seed, env)
        report("local (DuckDB file)", 1, run_workers([local], exports, script, env))
        for n in workers:
            conninfo = server.create_database(f"bench_{n}")
            lake = ["--lake", f"postgres:{conninfo}", "--lake-data", str(tmp / f"data-{n}")]
            roots = [init(tmp / f"hosted-{n}-{i}", seed, env, *lake) for i in range(n)]
            report("hosted (PostgreSQL)", n, run_workers(roots, exports, script, env))


if __name__ == "__main__":
    main()
