"""site/ is always the last complete build; outputs are never half-written; one site build
at a time."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from egregora_core.errors import ProjectBusy
from egregora_core.locking import SITE_LOCK_FILE, project_lock
from egregora_writer_mkdocs import mkdocs_run
from egregora_writer_mkdocs.output import atomic
from egregora_writer_mkdocs.writer import MkDocsWriter

BUILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from egregora_writer_mkdocs import mkdocs_run
    mkdocs_run.build(Path(sys.argv[1]))
""")


def built(root):
    site = root / "site"
    return site.is_dir() and (site / "index.html").is_file()


def test_build_swaps_in_a_complete_site_and_leaves_no_sibling(make_ctx, project):
    MkDocsWriter().write(make_ctx(project), build=True)
    root = project.root
    assert built(root)
    first = (root / "site" / "index.html").stat().st_ino
    MkDocsWriter().write(make_ctx(project), build=True)
    assert built(root)
    assert (root / "site" / "index.html").stat().st_ino != first  # a new build, swapped in
    assert not (root / mkdocs_run.PARTIAL).exists()
    assert not (root / mkdocs_run.PREVIOUS).exists()


def test_a_failed_build_keeps_the_previous_site(make_ctx, project):
    MkDocsWriter().write(make_ctx(project), build=True)
    marker = project.root / "site" / "index.html"
    before = marker.read_bytes()
    config = project.root / "mkdocs.yml"
    config.write_text(config.read_text() + "\nnav:\n  - missing.md\n")  # strict build fails
    with pytest.raises(mkdocs_run.SiteBuildError):
        mkdocs_run.build(project.root)
    assert marker.read_bytes() == before
    assert not (project.root / mkdocs_run.PARTIAL).exists()


def test_kill_during_mkdocs_never_leaves_site_empty(make_ctx, project, tmp_path):
    MkDocsWriter().write(make_ctx(project), build=True)
    script = tmp_path / "build.py"
    script.write_text(BUILD)
    partial = project.root / mkdocs_run.PARTIAL
    for delay in (0.0, 0.2, 0.5):  # kill at several points while MkDocs is writing
        shutil.rmtree(partial, ignore_errors=True)  # so its appearance means *this* run
        # its own session, so the kill reaches mkdocs too (as a terminal's would)
        proc = subprocess.Popen(
            [sys.executable, str(script), str(project.root)], start_new_session=True
        )
        deadline = time.monotonic() + 120
        while not partial.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        # On a fast machine a whole build may finish before the kill lands: site/ must
        # then be that complete build, which the assertion below checks as well.
        assert partial.exists() or proc.poll() == 0, "MkDocs never started writing"
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert built(project.root), f"site/ incomplete after a kill {delay}s into MkDocs"
    # Half-written output left by a kill (made here, since a kill may land after a build
    # finished) is removed by the next build.
    partial.mkdir(exist_ok=True)
    (partial / "half-written.html").write_text("<html>")
    mkdocs_run.build(project.root)
    assert built(project.root)
    assert not (project.root / mkdocs_run.PARTIAL).exists()


def test_a_kill_between_the_two_renames_is_recovered(project):
    root = project.root
    (root / "site").mkdir()
    (root / "site" / "index.html").write_text("old")
    os.replace(root / "site", root / mkdocs_run.PREVIOUS)  # killed right here
    mkdocs_run.recover(root)
    assert (root / "site" / "index.html").read_text() == "old"


def test_swap_without_the_atomic_exchange(project, monkeypatch):
    monkeypatch.setattr(mkdocs_run, "_exchange", lambda a, b: False)
    root = project.root
    for text in ("one", "two"):
        new = root / mkdocs_run.PARTIAL
        new.mkdir()
        (new / "index.html").write_text(text)
        mkdocs_run.swap_in(new, root / "site")
        assert (root / "site" / "index.html").read_text() == text
    assert not (root / mkdocs_run.PREVIOUS).exists()


def test_atomic_write_leaves_nothing_on_a_full_disk(tmp_path):
    target = tmp_path / "images" / "a.jpg"
    target.parent.mkdir()

    def fill_disk():
        with atomic(target) as tmp:
            tmp.write_bytes(b"half")
            raise OSError(errno.ENOSPC, "No space left on device", str(tmp))

    with pytest.raises(OSError):
        fill_disk()
    assert list(target.parent.iterdir()) == []


def test_two_site_builds_exclude_each_other(make_ctx, project):
    with (
        project_lock(project.state_dir, SITE_LOCK_FILE, "building the site"),
        pytest.raises(ProjectBusy, match=rf"pid {os.getpid()}\) is building the site"),
    ):
        MkDocsWriter().write(make_ctx(project), build=False)
    MkDocsWriter().write(make_ctx(project), build=False)  # free again


def test_site_build_does_not_block_or_wait_for_an_ingest(make_ctx, project):
    with project_lock(project.state_dir):  # an ingest holds the lake's write lock
        summary = MkDocsWriter().write(make_ctx(project), build=False)
    assert summary["posts_written"] > 0


def test_from_after_to_is_refused(make_ctx, project):
    from egregora_core.errors import ConfigError

    docs = project.root / "docs"
    before = sorted(p.relative_to(docs) for p in docs.rglob("*"))
    with pytest.raises(ConfigError, match="--from 2025-03-02 is after --to 2025-03-01"):
        MkDocsWriter().write(make_ctx(project), date_from="2025-03-02", date_to="2025-03-01")
    assert sorted(p.relative_to(docs) for p in docs.rglob("*")) == before
