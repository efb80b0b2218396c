from __future__ import annotations

from pathlib import Path

import click
from egregora_core.project import Project, init_project

from ..app import AppState, pass_state
from ..ui import stdout


def create_project(
    state: AppState, directory: Path, *, force: bool = False
) -> tuple[Project, list]:
    """``init_project`` plus every writer's site scaffold; returns the files scaffolded.

    In an existing project (without ``force``) the configuration and secret are kept and
    only the missing site files are scaffolded: that is what `site build` asks for when
    mkdocs.yml is missing, so `init` must not refuse it.
    """
    existing = Project(directory.resolve())
    if force or not existing.config_path.exists():
        project = init_project(directory, force=force)
    else:
        project = existing
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
    it) and a .gitignore; writers scaffold their site files. In an existing project it keeps
    the configuration, secret and data and adds only the site files that are missing.

    \b
    Example:
      egregora init my-group
    """
    existed = Project(directory.resolve()).config_path.exists() and not force
    project, scaffolded = create_project(state, directory, force=force)
    if existed:
        stdout.print(
            f"{project.root} is already an Egregora project: configuration, secret and data "
            "kept (--force rewrites the default configuration)"
        )
        stdout.print(f"  site:   {len(scaffolded)} missing files scaffolded")
        return
    stdout.print(f"Initialized Egregora project in {project.root}")
    stdout.print(f"  config: {project.config_path.relative_to(project.root)}")
    stdout.print(f"  secret: {project.secret_path.relative_to(project.root)} (keep it private)")
    if scaffolded:
        stdout.print(f"  site:   {len(scaffolded)} files scaffolded")
