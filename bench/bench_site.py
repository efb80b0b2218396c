"""Benchmark: site Markdown for a synthetic anonymized lake (day posts), then one new day.

Targets (issue 6): 1M messages -> day posts in <= 20 s on 2 cores; incremental rewrite
after adding one new day <= 2 s; a second build with no change, for 1,000 windows (posts),
<= 2 s and zero narrator calls. Only the writer is timed (not lake loading, not mkdocs); the
prose is the offline narrator's. ``cached_rerender_s`` re-renders every page (manifest
removed) with every draft taken from the serving database's cache (one lookup query).

    uv run python bench/bench_site.py            # 1,000,000 messages
    uv run python bench/bench_site.py --quick    # 100,000 messages
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
from egregora_core.lake import Lake
from egregora_core.project import init_project
from egregora_core.schema import MEDIA, MESSAGES, SOURCES
from egregora_writer_mkdocs import scaffold, site

WORDS = [
    "praia",
    "viagem",
    "foto",
    "reunião",
    "projeto",
    "música",
    "jantar",
    "futebol",
    "livro",
    "filme",
    "trabalho",
    "festa",
    "cachorro",
    "chuva",
    "sol",
    "amanhã",
    "semana",
    "viagem",
    "código",
    "python",
    "dados",
    "cerveja",
    "café",
    "pão",
    "bolo",
    "eleição",
    "política",
    "escola",
    "aula",
    "prova",
    "corrida",
    "bicicleta",
    "montanha",
    "mar",
    "rio",
    "cidade",
]
GROUP = "benchmark-group"


def synthetic(n: int, days: int, authors: int, seed: int, start: dt.date, ordinal0: int = 0):
    """Canonical MESSAGES rows: ~n messages spread over ``days`` days, 5% with a link."""
    rng = np.random.default_rng(seed)
    day_idx = np.sort(rng.integers(0, days, n))
    seconds = rng.integers(7 * 3600, 23 * 3600, n)
    order = np.lexsort((seconds, day_idx))
    day_idx, seconds = day_idx[order], seconds[order]
    base = dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC)
    ts = np.datetime64(base.replace(tzinfo=None), "us") + (
        day_idx.astype("timedelta64[D]") + seconds.astype("timedelta64[s]")
    )
    names = [hashlib.sha256(f"m{i}".encode()).hexdigest()[:8] for i in range(authors)]
    who = rng.zipf(1.6, n) % authors
    words = np.array(WORDS)
    picks = words[rng.integers(0, len(words), (n, 8))]
    lengths = rng.integers(2, 9, n)
    links = rng.random(n) < 0.05
    texts = []
    for i in range(n):
        text = " ".join(picks[i, : lengths[i]])
        if links[i]:
            text += f" https://site{i % 97}.example.com/p/{i}"
        texts.append(text)
    ordinals = np.arange(ordinal0, ordinal0 + n)
    ids = [f"{GROUP}-{o}" for o in ordinals]
    dates = (np.datetime64(start, "D") + day_idx.astype("timedelta64[D]")).astype("datetime64[D]")
    return pa.Table.from_arrays(
        [
            pa.array(ids),
            pa.array([GROUP] * n),
            pa.array(ts, pa.timestamp("us", tz="UTC")),
            pa.array(dates, pa.date32()),
            pa.array([names[w] for w in who]),
            pa.array(["text"] * n),
            pa.nulls(n, pa.string()),
            pa.array(texts),
            pa.nulls(n, pa.string()),
            pa.array(np.zeros(n, dtype=bool)),
            pa.array(ordinals, pa.int64()),
            pa.array(["src"] * n),
        ],
        schema=MESSAGES,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=1000)
    parser.add_argument("--authors", type=int, default=60)
    parser.add_argument("--quick", action="store_true", help="100k messages over 300 days")
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temp dir)")
    args = parser.parse_args()
    if args.quick:
        args.messages, args.days = 100_000, 300
    root = args.dir or Path(tempfile.mkdtemp(prefix="egregora-bench-site-"))
    project = init_project(root / "project")
    scaffold.scaffold(project)
    start = dt.date(2022, 1, 1)
    t0 = time.perf_counter()
    table = synthetic(args.messages, args.days, args.authors, 1, start)
    sources = pa.Table.from_pylist(
        [
            {
                "source_id": "src",
                "checksum": "0" * 64,
                "file_name": "x.zip",
                "group_name": "Bench",
                "group_slug": GROUP,
                "extractor": "bench",
                "message_count": args.messages,
                "ingested_at": dt.datetime.now(dt.UTC),
            }
        ],
        schema=SOURCES,
    )
    with Lake.open(project) as lake:
        lake.write({"messages": table, "sources": sources, "media": MEDIA.empty_table()})
    setup = time.perf_counter() - t0

    request = site.BuildRequest(period="day")
    t0 = time.perf_counter()
    full = site.build(project, request)
    full_s = time.perf_counter() - t0

    new_day = start + dt.timedelta(days=args.days)
    extra = synthetic(
        max(1, args.messages // args.days), 1, args.authors, 2, new_day, ordinal0=args.messages
    )
    with Lake.open(project) as lake:
        lake.write({"messages": extra})
    t0 = time.perf_counter()
    incremental = site.build(project, request)
    inc_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    unchanged = site.build(project, request)
    nochange_s = time.perf_counter() - t0

    (project.state_dir / site.MANIFEST).unlink()
    t0 = time.perf_counter()
    rerender = site.build(project, request)
    rerender_s = time.perf_counter() - t0

    result = {
        "messages": args.messages,
        "days": args.days,
        "authors": args.authors,
        "setup_s": round(setup, 2),
        "full_write_s": round(full_s, 2),
        "posts": full["posts_written"],
        "profiles": full["profiles_written"],
        "incremental_s": round(inc_s, 2),
        "incremental_posts_written": incremental["posts_written"],
        "incremental_profiles_written": incremental["profiles_written"],
        "incremental_files_written": incremental["files_written"],
        "incremental_narrator_calls": incremental["narrator_calls"],
        "nochange_s": round(nochange_s, 2),
        "nochange_posts_written": unchanged["posts_written"],
        "nochange_narrator_calls": unchanged["narrator_calls"],
        "cached_rerender_s": round(rerender_s, 2),
        "cached_rerender_posts": rerender["posts_written"],
        "cached_rerender_drafts_cached": rerender["drafts_cached"],
        "cached_rerender_narrator_calls": rerender["narrator_calls"],
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
