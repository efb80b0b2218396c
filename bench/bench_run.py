"""Benchmark: `egregora run` on a generated export, end to end, with the time of each stage.

Generates a chat with ``egregora_extract_whatsapp.synthetic.generate_chat`` (default
200,000 messages), writes it as a WhatsApp-like zip, then runs what a user runs, in a new
process: ``egregora init`` in an empty folder, then ``egregora run export.zip`` (ingest,
embed with the default local embedder or the one ``--embedder NAME`` names, index, site
with mkdocs). The stage times are the ones `run` prints in its summary. ``--busy`` runs
the same again beside one CPU-bound process (``python -c 'while True: pass'``, started
and killed by the benchmark), as on a laptop that is doing something else.

    uv run python bench/bench_run.py                   # 200k messages, idle
    uv run python bench/bench_run.py --busy            # also beside a CPU-bound process
    uv run python bench/bench_run.py --messages 20000  # a quick look
    uv run python bench/bench_run.py --embedder wordllama   # `run --embedder wordllama`
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGE = re.compile(r"^\s+(\w+): (\w+) · (.*?)([\d.]+)s$")


def egregora(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("egregora") or str(Path(sys.executable).parent / "egregora")
    return subprocess.run(
        [exe, *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}
    )


def one_run(export: Path, *, busy: bool, embedder: str | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="egregora-bench-run-") as tmp:
        project = Path(tmp) / "project"
        project.mkdir()
        init = egregora("init", ".", cwd=project)
        if init.returncode != 0:
            raise SystemExit(f"init failed: {init.stderr.strip()}")
        hog = None
        if busy:
            hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            started = time.perf_counter()
            choice = ["--embedder", embedder] if embedder else []
            run = egregora("run", *choice, str(export), cwd=project)
            wall = time.perf_counter() - started
        finally:
            if hog is not None:
                hog.kill()
                hog.wait()
        if run.returncode != 0:
            raise SystemExit(f"run failed ({run.returncode}): {run.stderr.strip()[-2000:]}")
        stages = {}
        for line in run.stdout.splitlines():
            match = STAGE.match(line)
            if match:
                stages[match.group(1)] = {
                    "seconds": float(match.group(4)),
                    "detail": match.group(3).strip(" ·"),
                }
        return {"busy": busy, "wall_s": round(wall, 1), "stages": stages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--busy", action="store_true", help="also run beside a CPU hog")
    parser.add_argument(
        "--embedder", metavar="NAME", help="embedder for `run` (default: build.embedder)"
    )
    args = parser.parse_args()

    from egregora_extract_whatsapp.synthetic import generate_chat

    with tempfile.TemporaryDirectory(prefix="egregora-bench-export-") as tmp:
        export = generate_chat(args.messages, seed=0).write_zip(Path(tmp) / "export.zip")
        results = [one_run(export, busy=False, embedder=args.embedder)]
        if args.busy:
            results.append(one_run(export, busy=True, embedder=args.embedder))
    report = {
        "messages": args.messages,
        "embedder": args.embedder or "default",
        "cpus": os.cpu_count(),
        "runs": results,
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
