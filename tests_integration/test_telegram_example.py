"""The worked plugin example: a Telegram export lands in the same lake as a WhatsApp one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from egregora_core.testing.privacy import project_text

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "egregora-extract-telegram"


@pytest.fixture(scope="module")
def telegram_site(tmp_path_factory) -> Path:
    """Build the example's wheel and install it into a private folder, as a user would."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("uv is required for this test (it builds the example's wheel)")
    root = tmp_path_factory.mktemp("telegram")
    subprocess.run(
        [uv, "build", "--wheel", "-q", "-o", str(root / "dist"), str(EXAMPLE)], check=True
    )
    wheel = next((root / "dist").glob("*.whl"))
    subprocess.run(
        [uv, "pip", "install", "-q", "--no-deps", "--target", str(root / "site"), str(wheel)],
        check=True,
    )
    return root / "site"


def egregora(*args: str, site: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("EGREGORA_LOAD_PLUGINS", None)
    return subprocess.run(
        [sys.executable, "-m", "egregora_cli.main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )


def test_telegram_and_whatsapp_in_one_lake(telegram_site, whatsapp_fixtures, tmp_path):
    export = tmp_path / "ChatExport_2024-03-08"
    export.mkdir()
    shutil.copy(EXAMPLE / "tests" / "data" / "result.json", export / "result.json")
    whatsapp = whatsapp_fixtures / "Conversa do WhatsApp com Teste.zip"

    assert egregora("init", "p", site=telegram_site, cwd=tmp_path).returncode == 0
    done = egregora(
        "--project", "p", "ingest", str(whatsapp), str(export), site=telegram_site, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "(telegram, telegram-desktop" in done.stdout

    listed = egregora("--project", "p", "datasets", "--json", site=telegram_site, cwd=tmp_path)
    report = json.loads(listed.stdout)
    assert report["tables"]["sources"] == 2
    assert report["tables"]["messages"] >= 9 + 15
    exported = tmp_path / "sources.jsonl"
    assert (
        egregora(
            "--project",
            "p",
            "export",
            "sources",
            str(exported),
            "--format",
            "jsonl",
            site=telegram_site,
            cwd=tmp_path,
        ).returncode
        == 0
    )
    extractors = {json.loads(line)["extractor"] for line in exported.read_text().splitlines()}
    assert extractors == {"whatsapp", "telegram"}

    # The example's members never reach disk either.
    text = project_text(tmp_path / "p").casefold()
    for name in ("Maya Rocha", "Leo Brandão", "Ana Guia", "90000-0000"):
        assert name.casefold() not in text
