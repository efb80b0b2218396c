"""A minimal stand-in for the ``egregora`` CLI host (this package must not need egregora-cli).

Run as a script for the pseudo-terminal test: ``python cli_host.py PROJECT_DIR rank ...``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from egregora_core.pipeline import Context
from egregora_core.plugins import make_plugin_manager
from egregora_core.project import Project
from egregora_writer_mkdocs import plugin


class State:
    """The subset of egregora-cli's AppState the plugin commands use."""

    def __init__(self, project: Project):
        self._project = project
        self.plugins = make_plugin_manager(load_entry_points=False, env={})
        self.plugins.register(plugin, "egregora-writer-mkdocs", version="test")

    def project(self) -> Project:
        return self._project

    def context(self, *, dry_run=False, overrides=None, project=None, **options) -> Context:
        return Context(
            project=self._project,
            config=self._project.config(env={}, overrides=overrides),
            plugins=self.plugins,
            dry_run=dry_run,
            options=options,
        )


def make_cli() -> click.Group:
    @click.group()
    def cli() -> None:
        pass

    plugin.egregora_register_commands(cli)
    return cli


if __name__ == "__main__":
    state = State(Project(Path(sys.argv[1]).resolve()))
    make_cli().main(args=sys.argv[2:], obj=state, prog_name="egregora")
