"""Run MkDocs as a subprocess (``python -m mkdocs``) for ``site build`` and ``site serve``."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
from pathlib import Path

from egregora_core.errors import EgregoraError


class SiteBuildError(EgregoraError):
    """``mkdocs build --strict`` rejected the site."""


def _env() -> dict[str, str]:
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


#: Siblings of ``site/``: the build in progress, and the previous build while swapping.
PARTIAL, PREVIOUS = "site.partial", "site.previous"


def build(root: Path, *, strict: bool = True) -> Path:
    """``mkdocs build --strict`` into ``<root>/site``; raises with the first warning line.

    MkDocs writes into ``site.partial/`` beside it; only a complete build is swapped in, so
    ``site/`` is always the last complete build, whatever interrupts this one.
    """
    site_dir = root / "site"
    partial = root / PARTIAL
    recover(root)
    shutil.rmtree(partial, ignore_errors=True)  # a build killed earlier
    cmd = [
        sys.executable,
        "-m",
        "mkdocs",
        "build",
        "--clean",
        "-f",
        str(root / "mkdocs.yml"),
        "-d",
        str(partial),
    ]
    if strict:
        cmd.append("--strict")
    proc = subprocess.run(cmd, cwd=root, env=_env(), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
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
    swap_in(partial, site_dir)
    return site_dir


def swap_in(new: Path, site_dir: Path) -> None:
    """Make ``new`` the ``site_dir``: one atomic exchange where the kernel offers it
    (``renameat2(RENAME_EXCHANGE)``), else two renames (:func:`recover` repairs a kill
    between them)."""
    previous = site_dir.with_name(PREVIOUS)
    shutil.rmtree(previous, ignore_errors=True)
    if site_dir.is_dir() and _exchange(new, site_dir):
        shutil.rmtree(new, ignore_errors=True)  # now the old build
        return
    if site_dir.exists():
        os.replace(site_dir, previous)
    os.replace(new, site_dir)
    shutil.rmtree(previous, ignore_errors=True)


def recover(root: Path) -> None:
    """A build killed between the two renames of :func:`swap_in` left ``site.previous``
    and no ``site/``: put the previous build back."""
    previous, site_dir = root / PREVIOUS, root / "site"
    if previous.is_dir() and not site_dir.exists():
        os.replace(previous, site_dir)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux ``renameat2``); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return done == 0


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
