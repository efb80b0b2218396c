"""The worked plugin example: a Telegram export lands in the same lake as a WhatsApp one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from egregora_core.testing.plugin_install import install_plugin, run_egregora
from egregora_core.testing.privacy import project_text

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "egregora-extract-telegram"


@pytest.fixture(scope="module")
def telegram_site(tmp_path_factory) -> Path:
    """The example's wheel, built and installed as a user would."""
    return install_plugin(EXAMPLE, tmp_path_factory.mktemp("telegram"))


def test_telegram_and_whatsapp_in_one_lake(telegram_site, samples, tmp_path):
    export = tmp_path / "ChatExport_2024-03-08"
    export.mkdir()
    shutil.copy(EXAMPLE / "tests" / "data" / "result.json", export / "result.json")
    whatsapp = samples["Conversa do WhatsApp com Horta da Vila"]

    assert run_egregora("init", "p", site=telegram_site, cwd=tmp_path).returncode == 0
    done = run_egregora(
        "--project", "p", "ingest", str(whatsapp), str(export), site=telegram_site, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "(telegram, telegram-desktop" in done.stdout

    listed = run_egregora("--project", "p", "datasets", "--json", site=telegram_site, cwd=tmp_path)
    report = json.loads(listed.stdout)
    assert report["tables"]["sources"] == 2
    assert report["tables"]["messages"] >= 9 + 15
    exported = tmp_path / "sources.jsonl"
    assert (
        run_egregora(
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
