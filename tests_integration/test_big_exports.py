"""Big exports: thousands of media files ingest; a zip bomb is refused (exit 2) unless the
limit that refused it is raised, and the error names that limit."""

from __future__ import annotations

import json
import zipfile

import pytest
from egregora_cli.main import run

CHAT = "".join(
    f"17/03/2024, 21:{i % 60:02d} - Maya: IMG-2024{i:05d}-WA0000.jpg (file attached)\n"
    for i in range(50)
)


@pytest.fixture
def project(tmp_path, monkeypatch, capsys):
    assert run(["-q", "init", str(tmp_path / "p")]) == 0
    monkeypatch.setenv("EGREGORA_PROJECT", str(tmp_path / "p"))
    capsys.readouterr()
    return tmp_path / "p"


def _cli(capsys, *args):
    code = run(["-q", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_ten_thousand_file_export_ingests(project, tmp_path, capsys):
    path = tmp_path / "WhatsApp Chat with Big Group.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("WhatsApp Chat with Big Group.txt", CHAT)
        for i in range(10_000):
            archive.writestr(f"IMG-2024{i:05d}-WA0000.jpg", i.to_bytes(4, "big"))
    code, out, err = _cli(capsys, "ingest", "--json", path)
    assert code == 0, err
    report = json.loads(out)
    assert report["exports"][0]["counts"]["media"] == 50
    stored = list((project / ".egregora" / "media").iterdir())
    assert len(stored) >= 50


def test_a_zip_bomb_is_refused_naming_the_limit(project, tmp_path, capsys):
    path = tmp_path / "WhatsApp Chat with Bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("WhatsApp Chat with Bomb.txt", CHAT)
        archive.writestr("IMG-202400000-WA0000.jpg", bytes(8 * 1024**2))
    code, _, err = _cli(capsys, "ingest", path)
    assert code == 2
    assert "extract.max_ratio" in err
    assert "--limit max_ratio=N" in err
    assert len(err.strip().splitlines()) == 1
    assert not (project / ".egregora" / "lake").exists() or not list(
        (project / ".egregora" / "media").glob("*")
    )
    code, _, err = _cli(capsys, "ingest", "--limit", "max_ratio=5000", path)
    assert code == 0, err
    code, _, err = _cli(capsys, "ingest", "--limit", "max_files=3", path)
    assert code == 2 and "max_ratio" in err  # the flag lists the names it knows
