"""Crash and concurrency sweep: SIGKILL an ``egregora ingest`` at many points, and run
writers and readers side by side; check what ``docs/reliability.md`` promises.

Write kills: SIGKILL 0, 50, 100 ... ms after the ingest's first Parquet file appears (inside
the write, before COMMIT): files a plain reader would count are left, and the next writer's
open removes them.

Kills: a project holds a small chat; a large chat's ingest is started in its own session
and the whole group is killed after ``i / N`` of one measured ingest time. After each kill:
the lake is at a committed snapshot (its count is the old one, or the new one if the
commit was reached), and once a writer has opened the lake a plain Parquet read of
``data/`` counts exactly the lake's rows. Finally the ingest runs to the end and the count
must be exact.

Concurrency: two ingests of different chats started together (one must say "busy" or wait
for nothing: both outcomes are counted) while ``egregora datasets`` and ``export`` run in
a loop (they must never fail).

    uv run python bench/kill_sweep.py --messages 100000 --kills 15 --write-kills 6
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

EGREGORA = [sys.executable, "-m", "egregora_cli.main"]


def egregora(project: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*EGREGORA, "-q", "--project", str(project), *args],
        capture_output=True,
        text=True,
        check=False,
        **kwargs,
    )


def counts(project: Path) -> tuple[int, int]:
    """(the lake's message count, what a plain Parquet read of data/ counts; -1 when a
    file in data/ cannot be read at all)."""
    from egregora_core.lake import Lake
    from egregora_core.project import Project

    with Lake.open(Project(project), read_only=True) as lake:
        in_lake = lake.count("messages")
    files = sorted((project / ".egregora/lake/data/main/messages").rglob("*.parquet"))
    listed = ", ".join(f"'{f}'" for f in files)
    con = duckdb.connect()  # a fresh one: a failed query aborts a connection's transaction
    try:
        plain = con.execute(f"SELECT count(*) FROM read_parquet([{listed}])").fetchone()[0]
    except duckdb.Error:  # a file cut by the kill: plain readers fail outright
        plain = -1
    finally:
        con.close()
    return in_lake, plain


def reopen_as_writer(project: Path) -> None:
    from egregora_core.lake import Lake

    Lake(project / ".egregora" / "lake").close()


def start_ingest(project: Path, chat: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [*EGREGORA, "-q", "--project", str(project), "ingest", str(chat)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def data_files(project: Path) -> set[Path]:
    return set((project / ".egregora/lake/data/main/messages").rglob("*.parquet"))


def write_kills(folder: Path, messages: int, kills: int) -> None:
    """Kills inside the Parquet write: wait for the first new data file, then kill after
    0, 50, 100 ... ms (the window a time-spread sweep rarely hits)."""
    from egregora_extract_whatsapp.synthetic import generate_chat

    small = generate_chat(500, seed=2, group_name="Small").write_zip(folder / "wsmall.zip")
    big = generate_chat(messages, seed=1, group_name="Big").write_zip(folder / "wbig.zip")
    project = folder / "write-kills"
    subprocess.run([*EGREGORA, "-q", "init", str(project)], check=True, capture_output=True)
    assert egregora(project, "ingest", str(small)).returncode == 0
    base = counts(project)[0]
    orphaned = committed = cut = 0
    for i in range(kills):
        before = data_files(project)
        proc = start_ingest(project, big)
        while proc.poll() is None and not data_files(project) - before:
            time.sleep(0.005)
        time.sleep(0.05 * i)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        in_lake, plain = counts(project)
        committed += in_lake != base
        orphaned += plain != in_lake
        cut += plain == -1
        reopen_as_writer(project)
        in_lake, plain = counts(project)
        assert plain == in_lake, (i, plain, in_lake)
        if in_lake != base:
            break
    print(
        f"write kills: {kills} SIGKILLs 0-{50 * (kills - 1)} ms after the first Parquet file of "
        f"a {messages:,}-message ingest appeared: {orphaned} left files a plain Parquet read "
        f"disagreed with the lake on ({cut} of them a cut file no reader can open), 0 once the "
        f"next writer opened; {committed} reached the commit"
    )


def kill_sweep(folder: Path, messages: int, kills: int) -> None:
    from egregora_extract_whatsapp.synthetic import generate_chat

    small = generate_chat(500, seed=2, group_name="Small").write_zip(folder / "small.zip")
    big = generate_chat(messages, seed=1, group_name="Big").write_zip(folder / "big.zip")
    timing = folder / "timing"
    subprocess.run([*EGREGORA, "-q", "init", str(timing)], check=True, capture_output=True)
    started = time.perf_counter()
    assert egregora(timing, "ingest", str(big)).returncode == 0
    full = time.perf_counter() - started
    expected_big = counts(timing)[0]

    project = folder / "project"
    subprocess.run([*EGREGORA, "-q", "init", str(project)], check=True, capture_output=True)
    assert egregora(project, "ingest", str(small)).returncode == 0
    base = counts(project)[0]
    orphaned = committed = 0
    for i in range(1, kills + 1):
        delay = full * i / (kills + 1)
        proc = subprocess.Popen(
            [*EGREGORA, "-q", "--project", str(project), "ingest", str(big)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        in_lake, plain = counts(project)
        assert in_lake in (base, base + expected_big), (delay, in_lake)
        committed += in_lake != base
        orphaned += plain != in_lake
        reopen_as_writer(project)
        in_lake, plain = counts(project)
        assert plain == in_lake, (delay, plain, in_lake)
        if in_lake != base:  # the commit was reached: start over for the next kill
            project = folder / f"project-{i}"
            subprocess.run([*EGREGORA, "-q", "init", str(project)], check=True, capture_output=True)
            assert egregora(project, "ingest", str(small)).returncode == 0
    assert egregora(project, "ingest", str(big)).returncode == 0
    final, plain = counts(project)
    assert final == plain == base + expected_big
    print(
        f"kills: {kills} SIGKILLs spread over a {full:.1f} s ingest of {expected_big:,} "
        f"messages: lake always at a committed snapshot ({committed} after the commit); "
        f"{orphaned} left files a plain Parquet read counted before the next writer opened; "
        f"0 after it; re-run exact ({final:,})"
    )


def concurrency(folder: Path, rounds: int) -> None:
    from egregora_extract_whatsapp.synthetic import generate_chat

    project = folder / "concurrent"
    subprocess.run([*EGREGORA, "-q", "init", str(project)], check=True, capture_output=True)
    seed = generate_chat(2000, seed=3, group_name="Seed").write_zip(folder / "seed.zip")
    assert egregora(project, "ingest", str(seed)).returncode == 0
    outcomes = {"both ok": 0, "one busy": 0, "other": 0}
    reader_runs = reader_failures = 0
    for r in range(rounds):
        chats = [
            generate_chat(20_000, seed=10 + 2 * r + k, group_name=f"G{r}{k}").write_zip(
                folder / f"c{r}{k}.zip"
            )
            for k in range(2)
        ]
        writers = [
            subprocess.Popen(
                [*EGREGORA, "-q", "--project", str(project), "ingest", str(chat)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for chat in chats
        ]
        while any(w.poll() is None for w in writers):
            for args in (["datasets"], ["export", "messages", str(folder / "out.parquet")]):
                reader_runs += 1
                reader_failures += egregora(project, *args).returncode != 0
        codes = [w.wait() for w in writers]
        errors = [w.stderr.read() for w in writers]
        if codes == [0, 0]:
            outcomes["both ok"] += 1
        elif sorted(codes) == [0, 2] and any("is busy" in e for e in errors):
            outcomes["one busy"] += 1
        else:
            outcomes["other"] += 1
    in_lake, plain = counts(project)
    assert plain == in_lake
    print(
        f"concurrency: {rounds} rounds of two simultaneous ingests: {outcomes}; "
        f"{reader_runs} reader commands during them, {reader_failures} failed; "
        f"plain Parquet count = lake count ({in_lake:,})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--kills", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--write-kills", type=int, default=6)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}; cores {os.cpu_count()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="egregora-kill-sweep-") as tmp:
        if args.write_kills:
            write_kills(Path(tmp), args.messages, args.write_kills)
        if args.kills:
            kill_sweep(Path(tmp), args.messages, args.kills)
        if args.rounds:
            concurrency(Path(tmp), args.rounds)


if __name__ == "__main__":
    main()
