"""The runnable examples in examples/ are executed, so they cannot rot."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_example(name: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr or done.stdout
    return done.stdout


def test_demo_end_to_end(tmp_path):
    out = run_example("demo_end_to_end.py", str(tmp_path))
    assert "load: ok" in out and "site: ok" in out
    hits = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert len(hits) == 3 and all(h["group"] == "quinta-crew" for h in hits)
    # "when is the trip?" with the real local embedder: the answer is the first hit
    assert "The trip is 14 to 18 May" in hits[0]["text"], hits[0]["text"]
    assert "(built)" in out
    project = tmp_path / "egregora-demo"
    posts = list((project / "docs" / "posts" / "posts").glob("*.md"))
    assert len(posts) >= 10
    text = "\n".join(p.read_text(encoding="utf-8") for p in posts)
    for topic in ("Sete Cidades", "Pão de queijo", "Os Galos", "Campo de Ourique"):
        assert topic in text, topic  # the posts carry the chat's real topics
    for name in ("Teodora", "Marwick", "Lucinda Ferraz", "Okonkwo", "7700 900456"):
        assert name not in text, name  # and no member's name or number


def test_overlapping_exports_dedup_and_snapshots(tmp_path):
    out = run_example("overlapping_exports.py", str(tmp_path))
    first, second, third = [line for line in out.splitlines() if "already present" in line][:3]
    new_first = int(re.search(r"(\d[\d,]*) new", first).group(1).replace(",", ""))
    new_second, present_second = (
        int(x.replace(",", ""))
        for x in re.search(r"(\d[\d,]*) new, (\d[\d,]*) already", second).groups()
    )
    assert new_first > 0 and present_second == new_first  # the overlap is recognized
    assert "0 new" in third  # the same export again adds nothing
    counts = dict(re.findall(r"snapshot (\d): (\d+) messages", out))
    assert int(counts["2"]) == new_first
    assert int(counts["3"]) == new_first + new_second


def test_read_lake_with_plain_duckdb(tmp_path):
    run_example("overlapping_exports.py", str(tmp_path))
    out = run_example("read_lake_with_duckdb.py", str(tmp_path / "project"))
    assert "-- messages per group and month" in out
    assert re.search(r"weekend-hikers\S* 2024-01 text \d+", out)
    first = out.split("-- first snapshot with messages")[1].split()
    assert int(first[0]) > 0
