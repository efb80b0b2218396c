"""A hosted lake (DuckLake on a real PostgreSQL server) with concurrent ingest workers.

Every worker is a separate `egregora ingest` process with its own project folder (as on
separate machines) holding the same lake settings and the same secret. The oracle is the
same exports ingested one after another into an ordinary local lake with that secret:
the hosted lake must hold exactly the same rows (ids, pseudonyms, scrubbed texts).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from egregora_core.lake import Lake, lake_location
from egregora_core.project import Project
from egregora_extract_whatsapp.synthetic import generate_chat

EGREGORA = [sys.executable, "-m", "egregora_cli.main"]
EXPORTS = 8
MESSAGES = 400


def egregora(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*EGREGORA, *args], capture_output=True, text=True, timeout=300, env=env, **kw
    )


def start(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [*EGREGORA, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


@pytest.fixture
def hosted(tmp_path, egregora_postgres, request, monkeypatch):
    """A fresh catalog database and data folder, and a maker of worker projects on it."""
    for key, value in egregora_postgres.env.items():  # for the test's own reads
        monkeypatch.setenv(key, value)
    name = "lake_" + request.node.name.lower().replace("[", "_").replace("]", "")[:40]
    conninfo = egregora_postgres.create_database(name)
    data = tmp_path / "lake-data"
    env = {**os.environ, **egregora_postgres.env}
    env.pop("EGREGORA_PROJECT", None)
    first = tmp_path / "machine-0"
    made = egregora("init", str(first), "--lake", f"postgres:{conninfo}", "--lake-data", str(data))
    assert made.returncode == 0, made.stderr

    def machine(index: int) -> Path:
        """Another worker's project: the same lake settings and a copy of the secret."""
        root = tmp_path / f"machine-{index}"
        if not root.exists():
            result = egregora(
                "init", str(root), "--lake", f"postgres:{conninfo}", "--lake-data", str(data)
            )
            assert result.returncode == 0, result.stderr
            shutil.copy2(first / ".egregora" / "secret.key", root / ".egregora" / "secret.key")
        return root

    machine.first = first
    machine.env = env
    machine.conninfo = conninfo
    return machine


def write_exports(folder: Path, count: int) -> list[Path]:
    folder.mkdir(exist_ok=True)
    return [
        generate_chat(MESSAGES, seed=i, group_name=f"Trail Club {i}").write_txt(
            folder / f"WhatsApp Chat with Trail Club {i}.txt"
        )
        for i in range(count)
    ]


def local_oracle(tmp_path: Path, secret_from: Path, exports: list[Path], env) -> Project:
    """The exports ingested by one process into a local lake with the same secret."""
    root = tmp_path / "oracle"
    assert egregora("init", str(root), env=env).returncode == 0
    shutil.copy2(secret_from / ".egregora" / "secret.key", root / ".egregora" / "secret.key")
    result = egregora("--project", str(root), "ingest", *map(str, exports), env=env)
    assert result.returncode == 0, result.stderr
    return Project(root)


def rows(project: Project) -> list[tuple]:
    with Lake.open(project, read_only=True) as lake:
        return lake.con.execute(
            "SELECT message_id, group_slug, author, text, kind FROM lake.messages ORDER BY ALL"
        ).fetchall()


def test_concurrent_workers_store_exactly_the_union(tmp_path, hosted):
    exports = write_exports(tmp_path / "exports", EXPORTS)
    env = hosted.env
    # 8 workers on 8 exports, plus 2 more on export 0: 10 processes on 4 "machines".
    jobs = [(i % 4, path) for i, path in enumerate(exports)] + [(1, exports[0]), (2, exports[0])]
    workers = [start("--project", str(hosted(m)), "ingest", str(path), env=env) for m, path in jobs]
    outcomes = [worker.communicate(timeout=600) for worker in workers]
    for worker, (_out, err) in zip(workers, outcomes, strict=True):
        assert worker.returncode == 0, err

    project = Project(hosted.first)
    oracle = local_oracle(tmp_path, hosted.first, exports, env)
    stored = rows(project)
    expected = rows(oracle)
    assert len(stored) == len(expected) > EXPORTS * MESSAGES * 0.8
    assert stored == expected  # same ids, pseudonyms, scrubbed texts: exactly the union
    assert len({row[0] for row in stored}) == len(stored)  # no message twice

    with Lake.open(project, read_only=True) as lake:
        assert lake_location(project).hosted
        sources = lake.rows("sources")
        assert len(sources) == EXPORTS
        # Each export's messages arrived in one snapshot, the one its source row names:
        # none of its group before, all of them from that snapshot on.
        per_group = {}
        for row in stored:
            per_group[row[1]] = per_group.get(row[1], 0) + 1
        for source in sources:
            slug, snap = source["group_slug"], source["snapshot_id"]
            count = (
                "SELECT count(*) FROM lake.messages AT (VERSION => {}) "
                f"WHERE group_slug = '{slug}'"
            )
            assert lake.con.execute(count.format(snap - 1)).fetchone()[0] == 0
            assert lake.con.execute(count.format(snap)).fetchone()[0] == per_group[slug]
            assert source["message_count"] == per_group[slug]
        ingests = [s for s in lake.snapshots() if s["info"].get("rows_added")]
        assert len(ingests) == EXPORTS  # the duplicate workers added no snapshot
        before = lake.current_snapshot()

    again = egregora("--project", str(hosted(3)), "ingest", str(exports[0]), env=env)
    assert again.returncode == 0, again.stderr
    assert rows(project) == expected
    with Lake.open(project, read_only=True) as lake:
        assert lake.current_snapshot() == before


def test_worker_killed_before_commit_leaves_lake_consistent(tmp_path, hosted):
    exports = write_exports(tmp_path / "exports", 3)
    env = hosted.env
    first = egregora("--project", str(hosted.first), "ingest", str(exports[0]), env=env)
    assert first.returncode == 0, first.stderr
    project = Project(hosted.first)
    before = rows(project)

    # One worker dies with SIGKILL at the commit (holding its claim on the group and an
    # open DuckLake transaction) while another commits a different export.
    doomed = start(
        "--project",
        str(hosted(1)),
        "ingest",
        str(exports[1]),
        env={**env, "EGREGORA_FAULT": "before-commit"},
    )
    other = start("--project", str(hosted(2)), "ingest", str(exports[2]), env=env)
    doomed.communicate(timeout=300)
    assert doomed.returncode == -9
    _, err = other.communicate(timeout=300)
    assert other.returncode == 0, err

    oracle = local_oracle(tmp_path, hosted.first, [exports[0], exports[2]], env)
    assert rows(project) == rows(oracle)  # nothing of the killed worker is visible
    assert len(rows(project)) > len(before)

    # Its retry completes (the killed session's lock went with its connection).
    retry = egregora("--project", str(hosted(1)), "ingest", str(exports[1]), env=env)
    assert retry.returncode == 0, retry.stderr
    full = local_oracle(tmp_path / "full", hosted.first, exports, env)
    assert rows(project) == rows(full)


def test_doctor_says_what_is_wrong_with_the_catalog(tmp_path, hosted, egregora_postgres):
    env = hosted.env
    ok = egregora("--project", str(hosted.first), "doctor", env=env)
    assert "✓ lake" in ok.stdout, ok.stdout

    wrong = egregora("--project", str(hosted.first), "doctor", env={**env, "PGPASSWORD": "nope"})
    assert wrong.returncode == 2
    assert "PostgreSQL refused the login" in wrong.stdout
    assert "nope" not in wrong.stdout + wrong.stderr

    port = egregora_postgres.port
    unreachable = {**env, "EGREGORA_LAKE_CATALOG": f"postgres:{hosted.conninfo} port=1"}
    assert str(port) in hosted.conninfo
    result = egregora("--project", str(hosted.first), "doctor", env=unreachable)
    assert result.returncode == 2
    assert "the PostgreSQL server is unreachable" in result.stdout

    missing = {**env, "EGREGORA_LAKE_CATALOG": f"postgres:{hosted.conninfo} dbname=absent"}
    export = write_exports(tmp_path / "exports", 1)[0]
    result = egregora("--project", str(hosted.first), "ingest", str(export), env=missing)
    assert result.returncode == 2
    assert "does not exist" in result.stderr + result.stdout
