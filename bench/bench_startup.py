"""Benchmark: how long ``egregora`` takes to start, per command that does little work.

Each command runs in a new process (``python -m egregora_cli.main``, the installed plugins
loaded as usual), ``--repeat`` times; the median and the fastest run are reported. The
commands: ``--version``, ``--help``, ``plugins``, ``datasets``, and ``ingest`` of an export
already ingested (a synthetic chat of 1,000 messages), in a project holding that chat. What
they wait for is mostly Python's start-up and the imports, the fixed cost of every command.

    uv run python bench/bench_startup.py             # 15 runs per command
    uv run python bench/bench_startup.py --quick     # 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_ingest import CHILD_ENV
from egregora_extract_whatsapp.synthetic import generate_chat


def egregora(args: list[str]) -> float:
    """Seconds one ``egregora ARGS`` takes in a new process."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "egregora_cli.main", *args],
        check=True,
        capture_output=True,
        env=CHILD_ENV,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="5 runs per command")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    repeat = 5 if args.quick else args.repeat
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        egregora(["-q", "init", str(project)])
        chat = generate_chat(1_000, seed=1)
        export = chat.write_zip(Path(tmp) / "WhatsApp Chat with Startup.zip", with_media=False)
        ingest = ["--project", str(project), "-q", "ingest", str(export)]
        egregora(ingest)  # also writes the bytecode caches
        commands = {
            "egregora --version": ["--version"],
            "egregora --help": ["--help"],
            "egregora plugins": ["--project", str(project), "plugins"],
            "egregora datasets": ["--project", str(project), "datasets"],
            "egregora ingest (again)": ingest,
        }
        print(f"new process per run, {repeat} runs each")
        for name, argv in commands.items():
            runs = [egregora(argv) for _ in range(repeat)]
            print(f"{name:24s}: median {statistics.median(runs):.2f}s, fastest {min(runs):.2f}s")


if __name__ == "__main__":
    main()
