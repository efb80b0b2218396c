from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from egregora_cli import builtin
from egregora_cli.main import build_cli
from egregora_core import hookimpl
from egregora_core.errors import PluginError
from egregora_core.plugins import make_plugin_manager

CORE_COMMANDS = {"init", "plugins", "doctor", "run"}


def test_version(cli_run):
    code, out, _ = cli_run("--version")
    assert code == 0 and out.startswith("egregora 0.") and "egregora-core" in out


def test_help_lists_commands_and_teaches(cli_run):
    code, out, _ = cli_run("--help")
    assert code == 0
    for name in CORE_COMMANDS:
        assert f"  {name} " in out
    assert "egregora run --demo" in out


def test_init_then_commands_find_the_project(cli_run, tmp_path, monkeypatch):
    code, out, _ = cli_run("init", str(tmp_path / "g"))
    assert code == 0 and "Initialized Egregora project" in out
    assert (tmp_path / "g" / ".egregora" / "egregora.toml").is_file()
    config = (tmp_path / "g" / ".egregora" / "egregora.toml").read_text()
    secret = (tmp_path / "g" / ".egregora" / "secret.key").read_text()
    # Again: no dead end ("use --force"): it keeps everything and adds what is missing.
    code, out, err = cli_run("init", str(tmp_path / "g"))
    assert code == 0, err
    assert "already an Egregora project" in out and "kept" in out
    assert (tmp_path / "g" / ".egregora" / "egregora.toml").read_text() == config
    assert (tmp_path / "g" / ".egregora" / "secret.key").read_text() == secret


def test_a_missing_plugin_command_names_its_package(cli_run):
    code, _, err = cli_run("site", "build", env={"EGREGORA_LOAD_PLUGINS": ""})
    assert code == 2
    assert "No such command 'site'" in err
    assert "pip install egregora-writer-mkdocs" in err
    code, _, err = cli_run("nonsense", env={"EGREGORA_LOAD_PLUGINS": ""})
    assert code == 2 and "No such command 'nonsense'" in err and "pip install" not in err


def test_help_lists_whole_command_descriptions_at_80_columns(cli_run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = cli_run("--help")
    assert code == 0
    commands = out.split("Commands:", 1)[1]
    assert not [line for line in commands.splitlines() if line.endswith("...")]  # no cut
    assert "every ingest or import is one" in " ".join(commands.split())  # past a full stop
    assert max(len(line) for line in out.splitlines()) <= 80


def test_user_error_is_one_line_exit_2_without_traceback(cli_run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli_run("--project", str(tmp_path / "nowhere"), "run", "--dry-run", __file__)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "Traceback" not in err and "egregora init" in err


def test_verbose_shows_traceback(cli_run, tmp_path):
    code, _, err = cli_run("-v", "--project", str(tmp_path / "nowhere"), "run", __file__)
    assert code == 2 and "Traceback" in err and "ProjectNotFound" in err


def test_usage_error_exit_2(cli_run):
    code, _, err = cli_run("run")
    assert code == 2 and "give at least one export" in err


def test_plugins_json_with_no_entry_points(cli_run):
    code, out, _ = cli_run("plugins", env={"EGREGORA_LOAD_PLUGINS": ""})
    assert code == 0
    plugins = json.loads(out)
    assert {p["name"] for p in plugins} == {"egregora-core", "egregora-cli"}
    cli = next(p for p in plugins if p["name"] == "egregora-cli")
    assert cli["hooks"] == ["egregora_register_commands"] and cli["builtin"] is True


def test_plugins_hook_filter(cli_run):
    code, out, _ = cli_run(
        "plugins", "--hook", "egregora_register_transforms", env={"EGREGORA_LOAD_PLUGINS": ""}
    )
    assert code == 0
    assert [p["name"] for p in json.loads(out)] == ["egregora-core"]


def _manager(*plugins):
    manager = make_plugin_manager(
        load_entry_points=False, env={}, extra_builtins=[(builtin, "egregora-cli", "0")]
    )
    for plugin, name in plugins:
        manager.register(plugin, name)
    return manager


def test_plugins_add_commands_through_the_hook():
    class Plugin:
        @hookimpl
        def egregora_register_commands(self, cli):
            @cli.command("hello")
            def hello():
                """Say hello."""
                click.echo("hi")

    cli = build_cli(_manager((Plugin(), "hello-plugin")))
    assert "hello" in cli.commands and set(cli.commands) >= CORE_COMMANDS
    assert cli.owners["hello"] == "hello-plugin"


def test_duplicate_command_names_both_plugins():
    class Plugin:
        @hookimpl
        def egregora_register_commands(self, cli):
            cli.add_command(click.Command("init"))

    with pytest.raises(PluginError, match="'init' is added by both 'egregora-cli' and 'rogue'"):
        build_cli(_manager((Plugin(), "rogue")))


def test_internal_error_does_not_echo_exception_text(cli_run, monkeypatch, tmp_path):
    from egregora_cli.commands import init as init_module

    def explode(*a, **k):
        raise RuntimeError("Maya R. +55 11 90000-0000")

    monkeypatch.setattr(init_module, "init_project", explode)
    code, out, err = cli_run("init", str(tmp_path))
    assert code == 1
    assert "internal error: RuntimeError" in err and "Maya" not in err + out


def test_doctor_json_reports_checks(cli_run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli_run("doctor", "--json", env={"EGREGORA_LOAD_PLUGINS": ""})
    checks = {c["name"]: c for c in json.loads(out)}
    assert checks["duckdb extension ducklake"]["ok"] is True
    assert checks["egregora-core"]["ok"] is True
    embedder = checks["embedder local"]
    assert embedder["ok"] is False and "egregora-embed-local" in embedder["fix"]
    assert code == 1


def test_help_does_not_import_ibis():
    """Start-up stays short: ibis (~0.2 s to import, ~0.35 s with what it pulls in) is
    imported by the commands that transform or chunk data, not by ``--help`` or any
    command's module. Fails when a top-level ``import ibis`` reaches the CLI again."""
    script = (
        "import sys\n"
        "from egregora_cli.main import run\n"
        "code = run(['--help'])\n"
        "print(code, 'ibis' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines()[-1] == "0 False"


def test_progress_without_a_terminal_is_plain_lines():
    import io

    from egregora_cli.ui import RichProgress
    from rich.console import Console

    out = io.StringIO()
    progress = RichProgress(console=Console(file=out, force_terminal=False, width=80))
    with progress.task("Extracting", total=3) as task:
        for _ in range(3):
            task.advance()
    with progress.task("Embedding") as task:
        task.advance(5)
    lines = out.getvalue().split("\n")
    assert lines[-1] == ""  # ends with a newline
    assert [line.split(" in ")[0] for line in lines[:-1]] == ["Extracting: 3/3", "Embedding: 5"]
    assert "\x1b" not in out.getvalue()  # no cursor movement or colour codes


def test_progress_quiet_prints_nothing():
    import io

    from egregora_cli.ui import RichProgress
    from rich.console import Console

    out = io.StringIO()
    with RichProgress(enabled=False, console=Console(file=out)).task("Extracting", 1) as task:
        task.advance()
    assert out.getvalue() == ""


def test_query_output_is_readable_at_80_columns():
    import io
    from datetime import UTC, datetime

    from egregora_cli.commands.query import print_hits
    from egregora_core.search import Hit
    from rich.console import Console

    text = "ca71a986: " + "alguém vai para a praia no sábado? a previsão está ótima " * 4
    hit = Hit(
        "c1",
        0.8734,
        "conversa-do-whatsapp-com-teste",
        datetime(2024, 6, 3, 10, 0, tzinfo=UTC),
        datetime(2024, 6, 4, 0, 15, tzinfo=UTC),
        ["ca71a986"],
        text,
        snippet=text,
        highlights=[(10, 16)],
    )
    out = io.StringIO()
    print_hits(Console(file=out, width=80, force_terminal=False), [hit, hit])
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0] == "1. conversa-do-whatsapp-com-teste · 2024-06-03 10:00 → 2024-06-04 00:15"
    first = lines[1 : lines.index("")]
    assert all(line.startswith("   ") for line in first)
    assert " ".join(line.strip() for line in first).split() == text.split()  # no word cut
    assert len(first) <= 4  # a table at 80 columns folded this into ~20 lines
