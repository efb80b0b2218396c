"""Two overlapping exports of one group: dedup and snapshots.

    uv run python examples/overlapping_exports.py [WORKDIR]

WhatsApp caps one export, so long histories arrive as several overlapping exports. The
first export here holds the first 600 messages, the second all 1,000; ingesting both adds
each message once, and each ingest is one snapshot of the lake you can still read.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from egregora_extract_whatsapp.synthetic import generate_chat


def egregora(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "egregora_cli.main", *args], cwd=cwd, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"egregora {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def cut(text: str, messages: int) -> str:
    """The chat text up to (not including) the header line of message number ``messages``."""
    lines, seen = text.splitlines(keepends=True), 0
    for i, line in enumerate(lines):
        if line[:1].isdigit():  # android headers start with the date
            seen += 1
            if seen > messages:
                return "".join(lines[:i])
    return text


def main(workdir: Path) -> None:
    chat = generate_chat(1000, seed=7)
    # Two zips as WhatsApp writes them: the chat file inside names the group.
    early = workdir / "export-march.zip"
    with zipfile.ZipFile(early, "w") as archive:
        archive.writestr(chat.chat_file_name, cut(chat.text, 600))
    full = chat.write_zip(workdir / "export-june.zip")
    egregora("init", "project", cwd=workdir)
    for export in (early, full, full):
        print(egregora("--project", "project", "ingest", str(export), cwd=workdir).strip())
    print(egregora("--project", "project", "datasets", cwd=workdir))
    for snapshot in (2, 3):
        out = workdir / f"messages-v{snapshot}.parquet"
        egregora(
            "--project",
            "project",
            "export",
            "messages",
            str(out),
            "--snapshot",
            str(snapshot),
            cwd=workdir,
        )
        import pyarrow.parquet as pq

        print(f"snapshot {snapshot}: {pq.read_metadata(out).num_rows} messages")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="egregora-")))
