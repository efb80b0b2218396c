"""A project: the folder holding ``.egregora/`` (config, secret, lake, serving database).

Layout::

    <root>/.egregora/egregora.toml   configuration (safe to commit)
    <root>/.egregora/secret.key      keyed-pseudonym secret, 0600, git-ignored, never published
    <root>/.egregora/lake/           DuckLake: catalog.ducklake + data/ (Parquet)
    <root>/.egregora/egregora.duckdb serving database: chunks, vectors, index, rankings
    <root>/.egregora/logs/           logs (never contain raw names)
    <root>/.egregora/tmp/            scratch space for a running command
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Config, load_config, render_default_config
from .errors import ConfigError, ProjectNotFound

STATE_DIR = ".egregora"
CONFIG_FILE = "egregora.toml"
SECRET_FILE = "secret.key"

GITIGNORE_LINES = [
    "# Egregora: never publish the pseudonym secret; the rest is rebuildable.",
    f"{STATE_DIR}/{SECRET_FILE}",
    f"{STATE_DIR}/egregora.duckdb*",
    f"{STATE_DIR}/logs/",
    f"{STATE_DIR}/tmp/",
    f"{STATE_DIR}/lock",
    f"{STATE_DIR}/site.lock",
    "site/",
    "site.partial/",
    "site.previous/",
]


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def config_path(self) -> Path:
        return self.state_dir / CONFIG_FILE

    @property
    def secret_path(self) -> Path:
        return self.state_dir / SECRET_FILE

    @property
    def lake_dir(self) -> Path:
        return self.state_dir / "lake"

    @property
    def serving_db(self) -> Path:
        return self.state_dir / "egregora.duckdb"

    @property
    def logs_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def tmp_dir(self) -> Path:
        return self.state_dir / "tmp"

    def config(
        self, *, env: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
    ) -> Config:
        return load_config(self.config_path, env=env, overrides=overrides)

    def secret(self) -> bytes:
        """The keyed-pseudonym secret (created by ``egregora init``)."""
        try:
            return bytes.fromhex(self.secret_path.read_text(encoding="ascii").strip())
        except FileNotFoundError:
            raise ConfigError(
                "the project secret is missing",
                where=str(self.secret_path),
                hint="restore it from your backup (pseudonyms depend on it) or, for a project "
                "without data, run `egregora init --force`",
            ) from None
        except ValueError:
            raise ConfigError(
                "the project secret is not hex", where=str(self.secret_path)
            ) from None


def find_project(start: Path | None = None) -> Project:
    """The project containing ``start`` (default: the current directory), walking up."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / STATE_DIR / CONFIG_FILE).is_file():
            return Project(folder)
    raise ProjectNotFound(
        f"no Egregora project in {here} or its parents",
        hint="run `egregora init` here, or pass --project DIR",
    )


def open_project(path: Path) -> Project:
    """The project at exactly ``path`` (for ``--project DIR``)."""
    project = Project(path.resolve())
    if not project.config_path.is_file():
        raise ProjectNotFound(
            f"{path} is not an Egregora project (no {STATE_DIR}/{CONFIG_FILE})",
            hint=f"run `egregora init {path}` first",
        )
    return project


def init_project(
    root: Path, *, force: bool = False, settings: Mapping[str, Any] | None = None
) -> Project:
    """Create ``root/.egregora`` with the default config (``settings`` written in place of
    their defaults), a 0600 secret and a .gitignore.

    An existing project is left untouched unless ``force``; the secret is never
    overwritten (pseudonyms of existing data depend on it).
    """
    project = Project(root.resolve())
    if project.config_path.exists() and not force:
        raise ConfigError(
            f"{project.root} is already an Egregora project",
            hint="use --force to rewrite the default configuration (the secret is kept)",
        )
    project.state_dir.mkdir(parents=True, exist_ok=True)
    config = render_default_config(settings)  # before anything is written: may refuse
    project.config_path.write_text(config, encoding="utf-8")
    if not project.secret_path.exists():
        # O_EXCL + mode 0600: the secret is never readable by others, even briefly.
        fd = os.open(project.secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    _ensure_gitignore(project.root / ".gitignore")
    return project


def _ensure_gitignore(path: Path) -> None:
    existing = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    missing = [line for line in GITIGNORE_LINES if line not in existing]
    if missing:
        with path.open("a", encoding="utf-8") as handle:
            if existing and existing[-1].strip():
                handle.write("\n")
            handle.write("\n".join(missing) + "\n")
