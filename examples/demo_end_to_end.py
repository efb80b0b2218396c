"""The bundled synthetic sample, end to end: ingest → embed → index → site, then a query.

    uv run python examples/demo_end_to_end.py [WORKDIR]

Runs the same commands a user would (`egregora init`, `egregora run`, `egregora query`), in
WORKDIR (default: a temporary folder), offline, with the default embedded components.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from egregora_extract_whatsapp.extractor import WhatsAppExtractor


def egregora(*args: str, cwd: Path) -> str:
    """Run one `egregora` command; stop the script with its error line if it fails."""
    done = subprocess.run(
        [sys.executable, "-m", "egregora_cli.main", *args], cwd=cwd, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"egregora {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def main(workdir: Path) -> None:
    export = WhatsAppExtractor().demo_export(workdir)  # a small zip with fake members
    print(f"export: {export.name}")
    egregora("init", "project", cwd=workdir)
    print(egregora("--project", "project", "run", "--period", "week", str(export), cwd=workdir))
    print(
        egregora(
            "--project", "project", "query", "plans for saturday", "-k", "3", "--json", cwd=workdir
        )
    )
    site = workdir / "project" / "site" / "index.html"
    print(f"site: {site} ({'built' if site.is_file() else 'missing'})")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="egregora-")))
