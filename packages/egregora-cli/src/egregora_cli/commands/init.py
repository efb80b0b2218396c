from __future__ import annotations

from pathlib import Path

import click
from egregora_core.config import load_config
from egregora_core.lake import lake_location
from egregora_core.project import Project, init_project

from ..app import AppState, pass_state
from ..ui import stdout


def create_project(
    state: AppState, directory: Path, *, force: bool = False, settings: dict | None = None
) -> tuple[Project, list]:
    """``init_project`` plus every writer's site scaffold; returns the files scaffolded.

    In an existing project (without ``force``) the configuration and secret are kept and
    only the missing site files are scaffolded: that is what `site build` asks for when
    mkdocs.yml is missing, so `init` must not refuse it.
    """
    existing = Project(directory.resolve())
    if force or not existing.config_path.exists():
        project = init_project(directory, force=force, settings=settings)
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
@click.option(
    "--lake",
    "lake",
    metavar="CATALOG",
    help="Where the lake's catalog is: 'local' (default) or 'postgres:<connection string>' "
    "for a lake shared by several machines (written as lake.catalog).",
)
@click.option(
    "--lake-data",
    metavar="PATH",
    help="Folder or s3:// URL of the lake's Parquet files (written as lake.data_path); "
    "a hosted lake needs one every worker reaches.",
)
@pass_state
def command(
    state: AppState, directory: Path, force: bool, lake: str | None, lake_data: str | None
) -> None:
    """Create an Egregora project in DIRECTORY (default: here).

    Writes .egregora/egregora.toml (documented defaults), a per-project secret for keyed
    pseudonyms (.egregora/secret.key, mode 0600, git-ignored: back it up, never publish
    it) and a .gitignore; writers scaffold their site files. In an existing project it keeps
    the configuration, secret and data and adds only the site files that are missing.

    Several machines share one lake when each project names the same --lake and
    --lake-data and holds the same secret.key (copy it; see docs/scaling.md).

    \b
    Examples:
      egregora init my-group
      egregora init worker --lake "postgres:dbname=egregora host=db.internal" \\
          --lake-data s3://my-bucket/egregora/
    """
    settings = {
        key: value
        for key, value in (("lake.catalog", lake), ("lake.data_path", lake_data))
        if value is not None
    }
    # Refuse a malformed catalog before anything is written.
    location = lake_location(Project(directory), load_config(None, env={}, overrides=settings))
    existed = Project(directory.resolve()).config_path.exists() and not force
    project, scaffolded = create_project(state, directory, force=force, settings=settings)
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
    if location.hosted:
        stdout.print(f"  lake:   {location.catalog} (data: {location.data_path})")
    if scaffolded:
        stdout.print(f"  site:   {len(scaffolded)} files scaffolded")
