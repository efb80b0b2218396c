"""kill -9 during an ingest leaves the lake at the previous snapshot; a second writer is refused."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from egregora_core.lake import Lake
from egregora_core.project import Project

SCRIPT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from egregora_core import hookimpl
    from egregora_core.ingest import ingest
    from egregora_core.plugins import make_plugin_manager
    from egregora_core.testing import make_context
    from egregora_core.testing.fakes import FakeExtractor, raw_messages
    from egregora_core.testing.media_samples import jpeg_with_exif

    root, name, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    extractor = FakeExtractor()
    plugins = make_plugin_manager(load_entry_points=False, env={})
    plugins.register(extractor.as_plugin(), "fake")
    rows = [{"author": f"Member {i % 7} Ñ", "text": f"message {i}", "minute": i} for i in range(n)]
    path = extractor.add(root.parent, name, raw_messages(rows),
                         media={"IMG-1.jpg": jpeg_with_exif()})
    ctx = make_context(root, plugins=plugins)
    print("ready", flush=True)
    if len(sys.argv) > 4:
        time.sleep(float(sys.argv[4]))
    ingest(ctx, [path])
""")


def run(tmp_path, name, n, fault=None):
    env = dict(os.environ)
    if fault:
        env["EGREGORA_FAULT"] = fault
    script = tmp_path / "ingest_script.py"
    script.write_text(SCRIPT)
    return subprocess.run(
        [sys.executable, str(script), str(tmp_path / "project"), name, str(n)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def state(tmp_path):
    with Lake.open(Project(tmp_path / "project"), read_only=True) as lake:
        return lake.current_snapshot(), lake.count("messages"), lake.count("sources")


@pytest.mark.parametrize("point", ["after-transform", "after-media", "before-commit"])
def test_kill_during_ingest_keeps_previous_snapshot(tmp_path, point):
    assert run(tmp_path, "first.fake", 50).returncode == 0
    before = state(tmp_path)
    crashed = run(tmp_path, "second.fake", 80, fault=point)
    assert crashed.returncode == -signal.SIGKILL
    assert state(tmp_path) == before
    # and the next ingest works and adds exactly the new rows
    assert run(tmp_path, "second.fake", 80).returncode == 0
    assert state(tmp_path)[1] == 80


def test_second_concurrent_writer_is_told_project_is_busy(tmp_path):
    from egregora_core.locking import project_lock

    assert run(tmp_path, "first.fake", 5).returncode == 0
    with project_lock(tmp_path / "project" / ".egregora"):  # as a running ingest holds it
        other = run(tmp_path, "other.fake", 5)
    assert other.returncode != 0
    assert "project is busy" in other.stderr
    assert f"pid {os.getpid()}" in other.stderr
    assert state(tmp_path)[1] == 5
