"""Benchmark: anonymize + load N messages into DuckLake, then re-ingest (0 rows added).

The WhatsApp parser lives on another branch, so this measures the core stages (chat
commands → anonymize → redact → load) on a generated RAW_MESSAGES table; parse-only
throughput is reported by the extractor's own benchmark.

    uv run python bench/bench_ingest.py --size 1000000     # default size
    uv run python bench/bench_ingest.py --quick            # 100k
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
from egregora_core import hookimpl
from egregora_core.ingest import ingest
from egregora_core.plugins import make_plugin_manager
from egregora_core.schema import RAW_MESSAGES
from egregora_core.testing import make_context
from egregora_core.testing.fakes import FakeExtractor


def generate(n: int, members: int = 60, seed: int = 1) -> pa.Table:
    rng = random.Random(seed)
    names = [f"Mémber{i} Sobrenome{i % 13}" for i in range(members)]
    words = [
        "ok",
        "sim",
        "bora",
        "amanhã",
        "reunião",
        "café",
        "texto",
        "link",
        "foto",
        "legal",
        "valeu",
        "kkk",
    ]
    t0 = datetime(2020, 1, 1, tzinfo=UTC)
    texts, authors = [], []
    for _i in range(n):
        r = rng.random()
        body = " ".join(rng.choices(words, k=rng.randint(1, 12)))
        if r < 0.03:
            body += f" @\u2068{rng.choice(names)}\u2069"
        elif r < 0.06:
            body = f"{rng.choice(names).split()[0]} {body}"
        elif r < 0.08:
            body += f" +55 11 9{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
        texts.append(body)
        authors.append(rng.choice(names))
    ts = [t0 + timedelta(seconds=37 * i) for i in range(n)]
    return pa.table(
        {
            "group_name": pa.array(["Bench Group"] * n),
            "ordinal": pa.array(range(n), pa.int64()),
            "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
            "date": pa.array([t.date() for t in ts], pa.date32()),
            "author": pa.array(authors),
            "kind": pa.array(["text"] * n),
            "subtype": pa.nulls(n, pa.string()),
            "text": pa.array(texts),
            "media_name": pa.nulls(n, pa.string()),
            "edited": pa.array([False] * n),
            "names": pa.nulls(n, pa.list_(pa.string())),
        },
        schema=RAW_MESSAGES,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100k messages")
    args = parser.parse_args()
    n = 100_000 if args.quick else args.size
    table = generate(n)
    extractor = FakeExtractor()

    class Plugin:
        @hookimpl
        def egregora_register_extractors(self, register):
            register(extractor)

    plugins = make_plugin_manager(load_entry_points=False, env={})
    plugins.register(Plugin(), "fake")
    with tempfile.TemporaryDirectory() as tmp:
        path = extractor.add(Path(tmp), "bench.fake", table)
        ctx = make_context(Path(tmp) / "project", plugins=plugins)
        for label in ("first ingest", "re-ingest"):
            started = time.perf_counter()
            results = ingest(ctx, [path])
            seconds = time.perf_counter() - started
            stages = ", ".join(f"{r.stage} {r.seconds:.2f}s" for r in results)
            load = results[-1]
            print(
                f"{label}: {n:,} messages in {seconds:.2f}s = {n / seconds:,.0f} msg/s "
                f"({stages}); {load.counts.get('new', 0):,} new, "
                f"{load.counts.get('present', 0):,} present"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MB (includes the generated input table)")


if __name__ == "__main__":
    main()
