"""End-to-end helpers for plugin authors: install a plugin like a user would, run `egregora`.

``install_plugin(package_dir, root)`` builds the package's wheel with uv and installs it
(without dependencies) into ``root/site``; ``run_egregora(*args, cwd=..., site=...)`` runs the
``egregora`` command in a subprocess that also sees that folder, with entry-point discovery
on (``EGREGORA_LOAD_PLUGINS`` unset). Needs ``uv`` on PATH and egregora-cli installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def install_plugin(package_dir: Path, root: Path) -> Path:
    """Build ``package_dir``'s wheel and install it into ``root/site``; return that folder."""
    uv = shutil.which("uv")
    if uv is None:
        raise RuntimeError("uv is required to build the plugin's wheel (pip install uv)")
    dist = root / "dist"
    subprocess.run([uv, "build", "--wheel", "-q", "-o", str(dist), str(package_dir)], check=True)
    site = root / "site"
    wheel = next(dist.glob("*.whl"))
    subprocess.run(
        [uv, "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)], check=True
    )
    return site


def run_egregora(
    *args: str, cwd: Path, site: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """``egregora ARGS`` in a subprocess (plugins in ``site`` visible); output captured."""
    environment = dict(os.environ)
    environment.pop("EGREGORA_LOAD_PLUGINS", None)
    if site is not None:
        environment["PYTHONPATH"] = str(site)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "egregora_cli.main", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
    )
