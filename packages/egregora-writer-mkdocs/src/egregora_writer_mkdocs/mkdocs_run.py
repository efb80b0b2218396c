"""Run MkDocs as a subprocess (``python -m mkdocs``) for ``site build`` and ``site serve``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from egregora_core.errors import EgregoraError


class SiteBuildError(EgregoraError):
    """``mkdocs build --strict`` rejected the site."""


def _env() -> dict[str, str]:
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def build(root: Path, *, strict: bool = True) -> Path:
    """``mkdocs build --strict`` into ``<root>/site``; raises with the first warning line."""
    site_dir = root / "site"
    cmd = [
        sys.executable,
        "-m",
        "mkdocs",
        "build",
        "--clean",
        "-f",
        str(root / "mkdocs.yml"),
        "-d",
        str(site_dir),
    ]
    if strict:
        cmd.append("--strict")
    proc = subprocess.run(cmd, cwd=root, env=_env(), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        lines = [
            line
            for line in (proc.stderr + proc.stdout).splitlines()
            if "WARNING" in line or "ERROR" in line or "Error" in line
        ]
        first = lines[0].strip() if lines else f"mkdocs exited with status {proc.returncode}"
        raise SiteBuildError(
            f"mkdocs build failed: {first}",
            where=str(root / "mkdocs.yml"),
            hint=f"{len(lines)} problem(s); run `{sys.executable} -m mkdocs "
            "build --strict` in the project for the full list",
        )
    return site_dir


def serve_command(root: Path, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "mkdocs",
        "serve",
        "-f",
        str(root / "mkdocs.yml"),
        "-a",
        f"127.0.0.1:{port}",
    ]


def serve(root: Path, port: int) -> None:
    """Preview the site on http://127.0.0.1:PORT until interrupted.

    The process *becomes* ``mkdocs serve`` (exec), so Ctrl-C and signals from a supervisor
    reach the server directly and no orphan is left behind.
    """
    os.chdir(root)
    os.execve(sys.executable, serve_command(root, port), _env())
