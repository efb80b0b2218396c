"""Crash safety seen by plain Parquet readers, relocatable projects, and readers that never
block writers (and writers that name the real holder)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
from egregora_core.errors import LakeDamaged, ProjectBusy
from egregora_core.lake import Lake
from egregora_core.project import Project

SCRIPT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from egregora_core.ingest import ingest
    from egregora_core.plugins import make_plugin_manager
    from egregora_core.testing import make_context
    from egregora_core.testing.fakes import FakeExtractor, raw_messages

    root, name, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    extractor = FakeExtractor()
    plugins = make_plugin_manager(load_entry_points=False, env={})
    plugins.register(extractor.as_plugin(), "fake")
    rows = [{"author": f"Member {i % 7}", "text": f"message {i}", "minute": i} for i in range(n)]
    path = extractor.add(root.parent, name, raw_messages(rows), media={"IMG-1.jpg": b"jpeg"})
    ingest(make_context(root, plugins=plugins), [path])
""")

HOLD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from egregora_core.lake import Lake
    lake = Lake(Path(sys.argv[1]))  # a writer: holds DuckDB's lock on the catalog
    print("holding", flush=True)
    time.sleep(60)
""")


def ingest_process(tmp_path: Path, root: Path, name: str, n: int, fault: str | None = None):
    script = tmp_path / "ingest_script.py"
    script.write_text(SCRIPT)
    env = dict(os.environ)
    if fault:
        env["EGREGORA_FAULT"] = fault
    return subprocess.run(
        [sys.executable, str(script), str(root), name, str(n)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def lake_count(root: Path) -> int:
    with Lake.open(Project(root), read_only=True) as lake:
        return lake.count("messages")


def parquet_count(root: Path) -> int:
    """What any Parquet reader sees in data/: every file, committed or not."""
    files = sorted((root / ".egregora/lake/data/main/messages").rglob("*.parquet"))
    if not files:
        return 0
    listed = ", ".join(f"'{f}'" for f in files)
    con = duckdb.connect()
    try:
        return con.execute(f"SELECT count(*) FROM read_parquet([{listed}])").fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize("point", ["before-commit", "after-media"])
def test_plain_parquet_readers_agree_with_the_lake_after_a_kill(tmp_path, point):
    root = tmp_path / "project"
    assert ingest_process(tmp_path, root, "first.fake", 50).returncode == 0
    crashed = ingest_process(tmp_path, root, "second.fake", 80, fault=point)
    assert crashed.returncode == -signal.SIGKILL
    if point == "before-commit":  # the killed write left files no snapshot references
        assert parquet_count(root) > lake_count(root) == 50
    Lake(root / ".egregora" / "lake").close()  # the next writer to open cleans them
    assert parquet_count(root) == lake_count(root) == 50
    assert ingest_process(tmp_path, root, "second.fake", 80).returncode == 0
    assert parquet_count(root) == lake_count(root) == 80


def test_a_failed_transaction_leaves_no_parquet_file(tmp_path):
    root = tmp_path / "project"
    assert ingest_process(tmp_path, root, "first.fake", 20).returncode == 0

    def doomed(lake):
        with lake.transaction("doomed"):
            # Parquet files are written here, then the transaction fails
            lake.con.execute("INSERT INTO lake.messages SELECT * FROM lake.messages")
            raise RuntimeError("failed after writing")

    with Lake(root / ".egregora" / "lake") as lake, pytest.raises(RuntimeError):
        doomed(lake)
    assert parquet_count(root) == lake_count(root) == 20


def test_moved_and_copied_projects_read_their_own_files(tmp_path):
    first = tmp_path / "first"
    assert ingest_process(tmp_path, first, "a.fake", 30).returncode == 0
    moved = tmp_path / "moved"
    shutil.move(first, moved)
    assert lake_count(moved) == 30  # moved: reads and writes at its new place
    assert ingest_process(tmp_path, moved, "b.fake", 40).returncode == 0
    assert lake_count(moved) == 40

    copy = tmp_path / "copy"
    shutil.copytree(moved, copy, symlinks=True)
    assert ingest_process(tmp_path, copy, "c.fake", 55).returncode == 0
    assert (lake_count(copy), lake_count(moved)) == (55, 40)  # each its own
    assert parquet_count(copy) == 55 and parquet_count(moved) == 40
    # the copy never reads the original's files: with them gone it still reads everything
    shutil.rmtree(moved / ".egregora/lake/data")
    with Lake.open(Project(copy), read_only=True) as lake:
        assert lake.con.execute("SELECT count(*) FROM lake.messages").fetchone()[0] == 55
        assert lake.table("messages").count().to_pyarrow().as_py() == 55
    # and the original now says its files are missing instead of reading the copy's
    with pytest.raises(LakeDamaged, match="missing"):
        Lake(moved / ".egregora" / "lake")


def test_readers_never_block_a_writer_and_see_the_last_snapshot(tmp_path):
    root = tmp_path / "project"
    assert ingest_process(tmp_path, root, "a.fake", 10).returncode == 0
    with Lake.open(Project(root), read_only=True) as reader:  # e.g. a long `export`
        assert ingest_process(tmp_path, root, "b.fake", 25).returncode == 0
        assert reader.count("messages") == 10  # its snapshot, unchanged under it
    assert lake_count(root) == 25


def test_a_writer_holding_the_catalog_is_named_and_readers_still_read(tmp_path):
    root = tmp_path / "project"
    assert ingest_process(tmp_path, root, "a.fake", 10).returncode == 0
    script = tmp_path / "hold.py"
    script.write_text(HOLD)
    holder = subprocess.Popen(
        [sys.executable, str(script), str(root / ".egregora" / "lake")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(ProjectBusy, match=rf"pid {holder.pid} holds the lake catalog"):
            Lake(root / ".egregora" / "lake")
        assert lake_count(root) == 10  # a reader is not blocked by the writer
    finally:
        holder.kill()
        holder.wait()


def test_missing_catalog_beside_data_is_an_error_not_a_new_lake(tmp_path):
    root = tmp_path / "project"
    assert ingest_process(tmp_path, root, "a.fake", 10).returncode == 0
    (root / ".egregora/lake/catalog.ducklake").unlink()
    before = parquet_count(root)
    with pytest.raises(LakeDamaged, match="catalog is missing but data/ holds Parquet"):
        Lake(root / ".egregora" / "lake")
    assert not (root / ".egregora/lake/catalog.ducklake").exists()
    assert parquet_count(root) == before


def test_reader_copy_retries_while_the_catalog_changes(tmp_path, monkeypatch):
    from egregora_core import lake as lake_module

    catalog = tmp_path / "catalog.ducklake"
    catalog.write_bytes(b"v1")
    out = tmp_path / "out"
    out.mkdir()
    calls = []
    real_copy = shutil.copyfile

    def copy_while_writing(src, dst):
        calls.append(src)
        real_copy(src, dst)
        if len(calls) == 1:  # a writer commits during the first copy
            time.sleep(0.01)
            catalog.write_bytes(b"v2 longer")

    monkeypatch.setattr(lake_module.shutil, "copyfile", copy_while_writing)
    copy = lake_module.reader_copy(catalog, out)
    assert len(calls) == 2
    assert copy.read_bytes() == b"v2 longer"
