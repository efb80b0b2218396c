"""State shared by all commands: verbosity, the project, plugins, and context building."""

from __future__ import annotations

import os
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from egregora_core.errors import PluginError
from egregora_core.pipeline import Context
from egregora_core.plugins import PluginManager
from egregora_core.project import Project, find_project, open_project

from .ui import RichProgress


@dataclass
class AppState:
    plugins: PluginManager
    verbosity: int = 0
    project_dir: Path | None = None
    _project: Project | None = field(default=None, repr=False)

    def project(self) -> Project:
        """The project from --project (or EGREGORA_PROJECT), else found by walking up."""
        if self._project is None:
            explicit = self.project_dir or (
                Path(os.environ["EGREGORA_PROJECT"]) if os.environ.get("EGREGORA_PROJECT") else None
            )
            self._project = open_project(explicit) if explicit else find_project()
        return self._project

    def context(
        self,
        *,
        dry_run: bool = False,
        overrides: dict[str, Any] | None = None,
        project: Project | None = None,
        **options: Any,
    ) -> Context:
        project = project or self.project()
        return Context(
            project=project,
            config=project.config(overrides=overrides),
            plugins=self.plugins,
            dry_run=dry_run,
            progress=RichProgress(enabled=self.verbosity >= 0),
            options=options,
        )


pass_state = click.make_pass_decorator(AppState)


#: Commands that plugins add, and the package that adds them: a missing one names it.
PLUGIN_COMMANDS = {
    "site": "egregora-writer-mkdocs",
    "rank": "egregora-writer-mkdocs",
}


class FullHelpGroup(click.Group):
    """A group whose command list shows each command's whole first help paragraph, wrapped,
    instead of click's summary cut at the first full stop or ~45 characters with "..."."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is None or cmd.hidden:
                continue
            text = cmd.short_help or (cmd.help or "").split("\n\n")[0]
            rows.append((name, " ".join(text.split())))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class PluginGroup(FullHelpGroup):
    """A click group that refuses a second command with the same name (names both plugins)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.owner = "egregora-cli"
        self.owners: dict[str, str] = {}

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        name = name or cmd.name
        if name in self.commands:
            raise PluginError(
                f"command '{name}' is added by both '{self.owners.get(name)}' and '{self.owner}'",
                hint="uninstall one of the plugins, or exclude it with EGREGORA_LOAD_PLUGINS",
            )
        self.owners[name] = self.owner
        if isinstance(cmd, click.Group) and not isinstance(cmd, FullHelpGroup):
            # A plugin's group (`site`, `rank`) lists its commands like the host's own.
            cmd.format_commands = types.MethodType(FullHelpGroup.format_commands, cmd)  # type: ignore[method-assign]
        super().add_command(cmd, name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else None
        if name in PLUGIN_COMMANDS and self.get_command(ctx, name) is None:
            package = PLUGIN_COMMANDS[name]
            raise click.UsageError(
                f"No such command '{name}': it comes with the {package} plugin, which is not "
                f"installed (or not loaded). Install it: pip install {package} (or the "
                "default set: pip install egregora); `egregora plugins` lists what is loaded.",
                ctx,
            )
        return super().resolve_command(ctx, args)
