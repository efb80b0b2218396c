from __future__ import annotations

from pathlib import Path

import click
from egregora_core.project import Project, init_project

from ..app import AppState, pass_state
from ..ui import stdout


def create_project(
    state: AppState, directory: Path, *, force: bool = False
) -> tuple[Project, list]:
    """``init_project`` plus every writer's site scaffold; returns the files scaffolded."""
    project = init_project(directory, force=force)
    scaffolded = []
    for writer in state.plugins.writers().values():
        scaffold = getattr(writer, "scaffold", None)
        if scaffold is not None:
            scaffolded += scaffold(project, force=force) or []
    return project, scaffolded


@click.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--force", is_flag=True, help="Rewrite the default configuration (the secret is kept)."
)
@pass_state
def command(state: AppState, directory: Path, force: bool) -> None:
    """Create an Egregora project in DIRECTORY (default: here).

    Writes .egregora/egregora.toml (documented defaults), a per-project secret for keyed
    pseudonyms (.egregora/secret.key, mode 0600, git-ignored: back it up, never publish
    it) and a .gitignore; writers scaffold their site files.

    \b
    Example:
      egregora init my-group
    """
    project, scaffolded = create_project(state, directory, force=force)
    stdout.print(f"Initialized Egregora project in {project.root}")
    stdout.print(f"  config: {project.config_path.relative_to(project.root)}")
    stdout.print(f"  secret: {project.secret_path.relative_to(project.root)} (keep it private)")
    if scaffolded:
        stdout.print(f"  site:   {len(scaffolded)} files scaffolded")
