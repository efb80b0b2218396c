"""Benchmark: peak memory of ``egregora ingest`` on large and hostile inputs, default settings.

Each input is ingested by ``egregora ingest`` in a new process and a new project; the peak
RSS is the child's own (its ``VmHWM``, read by the child as it exits: ``ru_maxrss`` would
keep the benchmark's own peak across ``exec``), with its exit status and the first
line it printed on stderr. Inputs:

* ``1M``: ``generate_chat(1_000_000, seed=1)`` as a .zip (a real-looking chat);
* ``10M``: the same chat's text ten times over in one .zip (10M messages, ~0.7 GB inflated);
* ``bomb``: one valid line repeated to 300 MiB, deflated into a zip of about 1 MB;
* ``bomb200``: the same to 200 MiB (under ``extract.max_chat_bytes``: 2.9M messages, so
  the parse must stop at ``extract.max_messages``);
* ``long``: 250 MiB of 2 KiB messages (just under ``extract.max_chat_bytes``, 120k
  messages: memory driven by bytes, not by the message count);
* ``/dev/zero``: a device given as the export.

The target: every peak at or under 1.5 GB. Inputs over ``extract.max_chat_bytes`` or
``extract.max_messages`` are refused (exit 2) before memory grows with them.

    uv run python bench/bench_memory.py            # all inputs
    uv run python bench/bench_memory.py --only 1M bomb
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

TARGET_MB = 1536
CHAT = "WhatsApp Chat with Bench.txt"
BOMB_LINE = "13/10/2025, 09:45 - Ana Souza: the same valid line, over and over again\n"


def write_zip(path: Path, pieces) -> Path:
    """A deflated zip with one chat member written piece by piece (never whole in memory)."""
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open(CHAT, "w", force_zip64=True) as member,
    ):
        for piece in pieces:
            member.write(piece)
    return path


def make_inputs(folder: Path, only: set[str]) -> dict[str, Path]:
    from egregora_extract_whatsapp.synthetic import generate_chat

    inputs: dict[str, Path] = {}
    if only & {"1M", "10M"}:
        text = generate_chat(1_000_000, seed=1).text.encode("utf-8")
        if "1M" in only:
            inputs["1M"] = write_zip(folder / "one.zip", [text])
        if "10M" in only:
            inputs["10M"] = write_zip(folder / "ten.zip", [text] * 10)
        del text
    block = (BOMB_LINE * ((1 << 20) // len(BOMB_LINE))).encode("utf-8")
    for name, mib in (("bomb", 300), ("bomb200", 200)):
        if name in only:
            inputs[name] = write_zip(folder / f"{name}.zip", [block] * mib)
    if "long" in only:
        words = " ".join(f"word{i}" for i in range(300))[:2000]
        lines = "".join(
            f"13/10/2025, 09:{i % 60:02d} - Member {i % 9}: {i} {words}\n" for i in range(500)
        ).encode("utf-8")
        inputs["long"] = write_zip(folder / "long.zip", [lines] * (250 * (1 << 20) // len(lines)))
    if "/dev/zero" in only:
        inputs["/dev/zero"] = Path("/dev/zero")
    return inputs


#: Runs the CLI, then writes its own peak RSS (VmHWM, kB) to the file named first.
CHILD = """
import sys
from egregora_cli.main import run
code = run(sys.argv[2:])
peak = next(l for l in open('/proc/self/status') if l.startswith('VmHWM:')).split()[1]
open(sys.argv[1], 'w').write(peak)
sys.exit(code)
"""


def ingest(path: Path, folder: Path) -> dict:
    """``egregora ingest PATH`` in a new process and project; that process's peak RSS."""
    project = Path(tempfile.mkdtemp(dir=folder, prefix="project-"))
    peak = project.with_suffix(".peak")
    egregora = [sys.executable, "-c", CHILD, str(peak)]
    subprocess.run([*egregora, "-q", "init", str(project)], check=True, capture_output=True)
    started = time.perf_counter()
    proc = subprocess.run(
        [*egregora, "-q", "--project", str(project), "ingest", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    lines = proc.stderr.strip().splitlines()
    return {
        "seconds": time.perf_counter() - started,
        "exit": proc.returncode,
        "peak_mb": int(peak.read_text()) / 1024,
        "said": lines[-1] if lines else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", nargs="*", default=["1M", "10M", "bomb", "bomb200", "long", "/dev/zero"]
    )
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"load average {load:.1f}; cores {os.cpu_count()}; target peak <= {TARGET_MB} MB")
    with tempfile.TemporaryDirectory(prefix="egregora-bench-memory-") as tmp:
        folder = Path(tmp)
        inputs = make_inputs(folder, set(args.only))
        worst = 0.0
        for name in args.only:
            path = inputs[name]
            size = path.stat().st_size if path.is_file() else 0
            result = ingest(path, folder)
            worst = max(worst, result["peak_mb"])
            print(
                f"{name:>9}: file {size / 1e6:8.1f} MB, exit {result['exit']}, "
                f"{result['seconds']:6.1f} s, peak RSS {result['peak_mb']:7.0f} MB"
                + (f"  [{result['said'][:150]}]" if result["exit"] else "")
            )
    verdict = "within" if worst <= TARGET_MB else "OVER"
    print(f"worst peak {worst:.0f} MB: {verdict} the {TARGET_MB} MB target")


if __name__ == "__main__":
    main()
