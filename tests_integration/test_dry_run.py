"""`run --dry-run` on a new project reports what the real run then does, and writes nothing."""

from __future__ import annotations

import re

from egregora_cli.main import run
from egregora_extract_whatsapp.extractor import WhatsAppExtractor


def _counts(output: str) -> dict[str, int]:
    """'embed: dry-run · 254 chunks, …' and 'site: ok · 14 posts_written, …' -> numbers."""
    counts = {}
    for stage, key in (("embed", "chunks"), ("site", "posts_written"), ("load", "new")):
        line = next(line for line in output.splitlines() if line.strip().startswith(stage + ":"))
        counts[key] = int(re.search(rf"([\d,]+) {key}\b", line).group(1).replace(",", ""))
    return counts


def test_dry_run_counts_are_the_real_runs(tmp_path, monkeypatch, capsys):
    export = WhatsAppExtractor().demo_export(tmp_path / "in")
    assert run(["-q", "init", str(tmp_path / "p")]) == 0
    monkeypatch.setenv("EGREGORA_PROJECT", str(tmp_path / "p"))
    state = tmp_path / "p" / ".egregora"
    before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "p").rglob("*"))
    capsys.readouterr()

    assert run(["run", "--dry-run", str(export)]) == 0
    dry = _counts(capsys.readouterr().out)
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "p").rglob("*")) == before
    assert not (state / "lake").exists()

    assert run(["run", str(export)]) == 0
    real = _counts(capsys.readouterr().out)
    assert dry["chunks"] > 0 and dry["posts_written"] > 0  # before: 0 and 0
    assert dry == real
