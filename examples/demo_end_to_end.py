"""The bundled demo chat, end to end: ingest → embed → index → site, then a query.

    uv run python examples/demo_end_to_end.py [WORKDIR]

Runs the same commands a user would (`egregora run --demo`, then `egregora query`), in
WORKDIR (default: a temporary folder), offline, with the default embedded components. The
demo chat is a group of friends planning a trip to the Azores (among other things), so the
query asks when the trip is.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path


def egregora(*args: str, cwd: Path) -> str:
    """Run one `egregora` command; stop the script with its error line if it fails."""
    done = subprocess.run(
        [sys.executable, "-m", "egregora_cli.main", *args], cwd=cwd, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"egregora {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def main(workdir: Path) -> None:
    print(egregora("run", "--demo", cwd=workdir))  # writes WORKDIR/egregora-demo
    question = "when is the trip?"
    print(f"query: {question}")
    print(
        egregora("--project", "egregora-demo", "query", question, "-k", "3", "--json", cwd=workdir)
    )
    site = workdir / "egregora-demo" / "site" / "index.html"
    print(f"site: {site} ({'built' if site.is_file() else 'missing'})")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="egregora-")))
