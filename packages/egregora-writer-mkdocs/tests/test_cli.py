"""``egregora site build`` and ``init`` scaffolding through the plugin's hooks."""

from __future__ import annotations

import json

from click.testing import CliRunner
from egregora_core.project import init_project
from egregora_writer_mkdocs import plugin, scaffold
from egregora_writer_mkdocs.mkdocs_run import serve_command

from .cli_host import State, make_cli


def test_plugin_registers_writer_judge_and_commands():
    state = State(None)
    assert "mkdocs" in state.plugins.writers()
    assert "interactive" in state.plugins.judges()
    assert {"site", "rank"} <= set(make_cli().commands)
    assert callable(plugin.egregora_register_commands)


def test_scaffold_files_and_force(tmp_path):
    project = init_project(tmp_path / "p")
    written = scaffold.scaffold(project)
    names = {p.relative_to(project.root).as_posix() for p in written}
    assert {
        "mkdocs.yml",
        "docs/index.md",
        "docs/about.md",
        "docs/posts/index.md",
        "docs/posts/.authors.yml",
        "docs/profiles/index.md",
    } <= names
    config = (project.root / "mkdocs.yml").read_text()
    assert "font: false" in config
    assert "- blog:" in config
    assert "- search" in config
    assert "pymdownx.escapeall" in config
    (project.root / "docs/about.md").write_text("mine")
    assert scaffold.scaffold(project) == []
    assert (project.root / "docs/about.md").read_text() == "mine"
    scaffold.scaffold(project, force=True)
    assert (project.root / "docs/about.md").read_text() != "mine"


def test_empty_scaffold_builds_strict(tmp_path):
    from .conftest import mkdocs_build

    project = init_project(tmp_path / "p")
    scaffold.scaffold(project)
    result = mkdocs_build(project.root)
    assert result.returncode == 0, result.stderr[-2000:]


def test_site_build_command_runs_mkdocs(project):
    result = CliRunner().invoke(
        make_cli(), ["site", "build", "--period", "month", "--json"], obj=State(project)
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["posts_written"] == 2
    assert (project.root / "site" / "index.html").is_file()
    assert list((project.root / "site/posts").rglob("index.html"))


def test_site_build_reports_mkdocs_failure_in_one_line(project):
    from egregora_writer_mkdocs.mkdocs_run import SiteBuildError

    (project.root / "docs/about.md").write_text("[broken](missing.md)\n")
    result = CliRunner().invoke(make_cli(), ["site", "build", "--no-mkdocs"], obj=State(project))
    assert result.exit_code == 0
    result = CliRunner().invoke(make_cli(), ["site", "build"], obj=State(project))
    assert isinstance(result.exception, SiteBuildError)
    assert "missing.md" in str(result.exception)
    assert "\n" not in str(result.exception)


def test_serve_command_binds_localhost(tmp_path):
    cmd = serve_command(tmp_path, 8123)
    assert cmd[-2:] == ["-a", "127.0.0.1:8123"]
    assert "serve" in cmd
