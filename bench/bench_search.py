"""Search relevance: vector, text (BM25) and hybrid search on labelled queries, side by side.

Builds a project from a generated bilingual chat (``egregora_extract_whatsapp.topical``:
32 topics between 120 conversations of chatter, Portuguese and English), ingests and
embeds it with the default local embedder, then runs ``egregora eval search`` on
``bench/search/multilingual.jsonl`` (64 labelled queries: paraphrases, exact words and
numbers, place names, Portuguese/English cross-language); with ``--demo-labels`` also on
the labelled queries of the demo chat, when that file exists.

    uv run python bench/bench_search.py            # prints the table of the three modes
    uv run python bench/bench_search.py --check    # CI: exit 1 if hybrid < vector or < floor

The floor (``FLOOR``) is set from the first measurement (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from egregora_extract_whatsapp.topical import topical_zip

HERE = Path(__file__).parent
LABELS = HERE / "search" / "multilingual.jsonl"
#: hybrid recall@10 must stay at or above this (first measurement minus a margin).
FLOOR = 0.80


def egregora(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "egregora_cli.main", *args], check=check, text=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail below the floor")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="(same run; kept for nox bench)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        export = Path(tmp) / "WhatsApp Chat with Amigos.zip"
        export.write_bytes(topical_zip())
        project = Path(tmp) / "project"
        egregora("-q", "init", str(project))
        egregora("--project", str(project), "-q", "run", "--no-site", str(export))
        floor = ["--floor", str(FLOOR)] if args.check else []
        done = egregora(
            "--project",
            str(project),
            "eval",
            "search",
            str(LABELS),
            "--k",
            str(args.k),
            *floor,
            check=False,
        )
    sys.exit(done.returncode)


if __name__ == "__main__":
    main()
