"""Benchmark: end-to-end ``egregora ingest`` of a synthetic WhatsApp export, then re-ingest.

Generates a chat with ``egregora_extract_whatsapp.synthetic.generate_chat`` (written to a
temp .zip), then, in a fresh child process per run (so peak RSS is the ingest's own):

* parse-only: the WhatsApp extractor alone (``extract``), for comparison;
* floor: the parse, then the raw rows written into a new lake exactly as the load stage
  writes messages (same partitions and INSERT ranges, one snapshot), with no transform at
  all: what any ingest must at least spend on this machine. The raw rows are copied into
  a temp table first, untimed, and the ids are the ordinals. It writes synthetic names
  to a lake in the benchmark's temp dir, removed at the end;
* the ingest exactly as the CLI runs it (``egregora_core.ingest.ingest`` with the
  installed plugins): extract, transform and load times, total msg/s, peak RSS;
* re-ingest of the same file: time, ratio to the first ingest, rows added (must be 0);
* ``egregora ingest`` itself, twice, in a new process each (what a user waits for: Python
  start-up and imports included).

Best of ``--repeat`` runs is reported (the machine may be shared). The children may write
bytecode caches even where ``PYTHONDONTWRITEBYTECODE`` is set, as an installed tool does
after its first run (see ``CHILD_ENV``).

    uv run python bench/bench_ingest.py              # 1M messages
    uv run python bench/bench_ingest.py --quick      # 100k
    uv run python bench/bench_ingest.py --size 300000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _peak_mb() -> float:
    """This process's peak RSS (``VmHWM``). Not ``ru_maxrss``: on Linux it keeps the peak
    of the forked parent across ``exec``, i.e. the benchmark's own ~1 GB of generated chat."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_parse(path: Path) -> dict:
    from egregora_core.components import ExtractOptions
    from egregora_extract_whatsapp.extractor import WhatsAppExtractor

    started = time.perf_counter()
    extraction = WhatsAppExtractor().extract(path, ExtractOptions())
    seconds = time.perf_counter() - started
    return {"rows": extraction.messages.num_rows, "seconds": seconds, "peak_mb": _peak_mb()}


def child_floor(path: Path, lake_dir: Path) -> dict:
    import ibis
    from egregora_core.components import ExtractOptions
    from egregora_core.ingest import _month_counts, _write_bounds
    from egregora_core.lake import Lake, temp_table
    from egregora_core.schema import MESSAGES
    from egregora_extract_whatsapp.extractor import WhatsAppExtractor

    started = time.perf_counter()
    raw = WhatsAppExtractor().extract(path, ExtractOptions()).messages
    parsed = time.perf_counter()
    lake = Lake(lake_dir)
    opened = time.perf_counter()
    table = ibis.memtable(raw)
    stand_in = {  # what the transforms would add, made from raw values
        "message_id": table.ordinal.cast("string"),
        "group_slug": table.group_name,
        "media_ref": table.media_name,
        "source_id": ibis.literal("floor"),
    }
    typed = {
        f.name: (stand_in[f.name] if f.name in stand_in else table[f.name]).cast(ibis.dtype(f.type))
        for f in MESSAGES
    }
    rows = temp_table(lake.ibis, "_floor", table.select(**typed))
    copied = time.perf_counter()
    with lake.transaction("floor"):
        bounds = _write_bounds(_month_counts(lake.ibis, rows))
        written = lake.insert("messages", rows, bounds=bounds)
    done = time.perf_counter()
    lake.close()
    return {
        "rows": written,
        "parse": parsed - started,
        "open": opened - parsed,
        "write": done - copied,
        "seconds": (parsed - started) + (opened - parsed) + (done - copied),
        "peak_mb": _peak_mb(),
    }


def child_ingest(path: Path, project: Path) -> dict:
    from egregora_core.ingest import ingest
    from egregora_core.pipeline import Context
    from egregora_core.plugins import make_plugin_manager
    from egregora_core.project import Project, init_project

    proj = Project(project) if project.exists() else init_project(project)
    ctx = Context(project=proj, config=proj.config(), plugins=make_plugin_manager())
    cpu, started = _cpu(), time.perf_counter()
    results = ingest(ctx, [path])
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    load = results[-1]
    return {
        "seconds": seconds,
        "cpu": cpu,
        "stages": {r.stage: r.seconds for r in results},
        "new": load.counts.get("new", 0),
        "present": load.counts.get("present", 0),
        "detail": load.detail,
        "peak_mb": _peak_mb(),
    }


#: The children cache bytecode as an installed tool does after its first run. Some
#: environments (CI, sandboxes) set PYTHONDONTWRITEBYTECODE, which would put compiling
#: every imported module (~0.8 s) into each timing.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_cli(path: Path, project: Path) -> dict:
    """``egregora ingest`` as a user runs it: a new process, imports and all."""
    started = time.perf_counter()
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "egregora_cli.main",
            "--project",
            str(project),
            "-q",
            "ingest",
            "--json",
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
        env=CHILD_ENV,
    )
    return {"seconds": time.perf_counter() - started, "new": json.loads(out.stdout)["new"]}


def _run_child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        check=True,
        capture_output=True,
        text=True,
        env=CHILD_ENV,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100k messages")
    parser.add_argument("--repeat", type=int, default=2, help="runs; best is reported")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        child = {"parse": child_parse, "floor": child_floor, "ingest": child_ingest}[kind]
        result = child(*map(Path, rest))
        print(json.dumps(result))
        return

    from egregora_extract_whatsapp.synthetic import generate_chat

    n = 100_000 if args.quick else args.size
    with tempfile.TemporaryDirectory() as tmp:
        chat = generate_chat(n, seed=1)
        path = chat.write_zip(Path(tmp) / "WhatsApp Chat with Bench.zip", with_media=False)
        size_mb = path.stat().st_size / 1e6
        del chat
        print(f"{n:,} messages, zip {size_mb:.1f} MB; best of {args.repeat}")
        from egregora_core.project import init_project

        parses, floors, firsts, agains, clis, cli_agains = [], [], [], [], [], []
        for i in range(args.repeat):
            project = Path(tmp) / f"project{i}"
            parses.append(_run_child("parse", str(path)))
            floors.append(_run_child("floor", str(path), str(Path(tmp) / f"floor{i}")))
            firsts.append(_run_child("ingest", str(path), str(project)))
            agains.append(_run_child("ingest", str(path), str(project)))
            cli_project = init_project(Path(tmp) / f"cli{i}").root
            clis.append(run_cli(path, cli_project))
            cli_agains.append(run_cli(path, cli_project))
        parse = min(parses, key=lambda r: r["seconds"])
        first = min(firsts, key=lambda r: r["seconds"])
        again = min(agains, key=lambda r: r["seconds"])
        rows = parse["rows"]
        print(
            f"parse only : {parse['seconds']:.2f}s = {rows / parse['seconds']:,.0f} msg/s, "
            f"peak RSS {parse['peak_mb']:,.0f} MB"
        )
        floor = min(floors, key=lambda r: r["seconds"])
        print(
            f"floor      : {floor['seconds']:.2f}s = {rows / floor['seconds']:,.0f} msg/s "
            f"(parse {floor['parse']:.2f}s + lake open {floor['open']:.2f}s + write of the raw "
            f"rows {floor['write']:.2f}s; no transform), peak RSS {floor['peak_mb']:,.0f} MB"
        )
        stages = ", ".join(f"{k} {v:.2f}s" for k, v in first["stages"].items())
        after = first["stages"].get("transform", 0.0) + first["stages"].get("load", 0.0)
        setup = first["seconds"] - sum(first["stages"].values())
        print(
            f"ingest     : {first['seconds']:.2f}s = {rows / first['seconds']:,.0f} msg/s "
            f"({stages}, lock+lake open {setup:.2f}s); transform+load {after:.2f}s = "
            f"{rows / after:,.0f} msg/s; "
            f"{first['new']:,} new; peak RSS {first['peak_mb']:,.0f} MB; CPU {first['cpu']:.1f}s"
        )
        ratio = again["seconds"] / first["seconds"]
        print(
            f"re-ingest  : {again['seconds']:.2f}s = {ratio:.0%} of first; {again['new']:,} new, "
            f"{again['present']:,} present; peak RSS {again['peak_mb']:,.0f} MB; CPU {again['cpu']:.1f}s"
        )
        cli = min(clis, key=lambda r: r["seconds"])
        cli_again = min(cli_agains, key=lambda r: r["seconds"])
        print(
            f"`egregora ingest` (new process, imports included): {cli['seconds']:.2f}s = "
            f"{rows / cli['seconds']:,.0f} msg/s, {cli['new']:,} new; again: "
            f"{cli_again['seconds']:.2f}s = {cli_again['seconds'] / cli['seconds']:.0%}, "
            f"{cli_again['new']:,} new"
        )


if __name__ == "__main__":
    main()
