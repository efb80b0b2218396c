"""Hints lead somewhere: `site build` without a site -> `init` -> a site build that works."""

from __future__ import annotations

from egregora_cli.main import run


def test_site_build_hint_then_init_completes_the_site(tmp_path, monkeypatch, capsys):
    root = tmp_path / "p"
    assert run(["-q", "init", str(root)]) == 0
    monkeypatch.setenv("EGREGORA_PROJECT", str(root))
    (root / "mkdocs.yml").unlink()
    config = (root / ".egregora" / "egregora.toml").read_text()
    capsys.readouterr()

    assert run(["site", "build", "--no-mkdocs"]) == 2
    err = capsys.readouterr().err
    assert "no mkdocs.yml" in err and "egregora init" in err

    assert run(["init", str(root)]) == 0  # what the hint says: it must not refuse
    assert (root / "mkdocs.yml").is_file()
    assert (root / ".egregora" / "egregora.toml").read_text() == config
    capsys.readouterr()
    code = run(["site", "build", "--no-mkdocs"])
    err = capsys.readouterr().err
    assert "no mkdocs.yml" not in err and "already an Egregora project" not in err
    assert code == 0, err


def test_site_help_shows_whole_descriptions(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    assert run(["site", "--help"]) == 0
    commands = capsys.readouterr().out.split("Commands:", 1)[1]
    assert not [line for line in commands.splitlines() if line.endswith("...")]  # no cut
    assert "--strict" in commands
