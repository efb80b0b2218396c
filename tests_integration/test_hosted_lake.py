"""A hosted lake (DuckLake on a real PostgreSQL server) with concurrent ingest workers.

Every worker is a separate `egregora ingest` process with its own project folder (as on
separate machines) holding the same lake settings and the same secret. The oracle is the
same exports ingested one after another into an ordinary local lake with that secret:
the hosted lake must hold exactly the same rows (ids, pseudonyms, scrubbed texts).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
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


def lake_on(tmp_path, postgres, name: str, data: str, extra_env: dict[str, str]):
    """A fresh catalog database with its data at ``data`` (folder or s3:// URL), and a
    maker of worker projects on it (``machine(i)``)."""
    conninfo = postgres.create_database(name)
    env = {**os.environ, **postgres.env, **extra_env}
    env.pop("EGREGORA_PROJECT", None)
    first = tmp_path / "machine-0"
    made = egregora(
        "init", str(first), "--lake", f"postgres:{conninfo}", "--lake-data", data, env=env
    )
    assert made.returncode == 0, made.stderr

    def machine(index: int) -> Path:
        """Another worker's project: the same lake settings and a copy of the secret."""
        root = tmp_path / f"machine-{index}"
        if not root.exists():
            result = egregora(
                "init", str(root), "--lake", f"postgres:{conninfo}", "--lake-data", data, env=env
            )
            assert result.returncode == 0, result.stderr
            shutil.copy2(first / ".egregora" / "secret.key", root / ".egregora" / "secret.key")
        return root

    machine.first = first
    machine.env = env
    machine.conninfo = conninfo
    machine.data = data
    return machine


def db_name(request) -> str:
    """A database name of the test's own (names are cut at 63 bytes: a hash keeps two
    tests with a long common prefix apart)."""
    name = request.node.name.lower()
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"lake_{re.sub(r'[^a-z0-9_]+', '_', name)[:40]}_{digest}"


@pytest.fixture
def hosted(tmp_path, egregora_postgres, request, monkeypatch):
    """A hosted lake whose data is in a shared folder."""
    for key, value in egregora_postgres.env.items():  # for the test's own reads
        monkeypatch.setenv(key, value)
    return lake_on(tmp_path, egregora_postgres, db_name(request), str(tmp_path / "lake-data"), {})


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


def unreferenced(project: Project) -> list[str]:
    """Data files no snapshot references (DuckLake's own listing, deleting nothing)."""
    with Lake.open(project) as lake:
        return lake.orphans()


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

    # The killed worker's files are referenced by no snapshot. Young, they are left alone
    # (a running worker's files look the same until its commit) ...
    left = unreferenced(project)
    assert left, "the killed worker left no file: the scenario tests nothing"
    root = str(hosted.first)
    repair = egregora("--project", root, "doctor", "--repair", env=env)
    assert "removed 0 unreferenced files older than 1 h" in repair.stdout, repair.stdout
    assert unreferenced(project) == left
    # ... once untouched for the safety age, `doctor` reports them and `--repair` deletes
    # them, but not a file written just now (a concurrent worker about to commit).
    hour_ago = time.time() - 2 * 3600
    for path in Path(hosted.data).rglob("*"):
        os.utime(path, (hour_ago, hour_ago))
    in_flight = Path(left[0]).with_name("ducklake-in-flight.parquet")
    shutil.copy2(left[0], in_flight)
    os.utime(in_flight)  # now
    report = egregora("--project", root, "doctor", env=env)
    assert f"✗ lake orphan files: {len(left)} files no snapshot references" in report.stdout
    repair = egregora("--project", root, "doctor", "--repair", env=env)
    assert f"✓ lake orphan files: removed {len(left)} unreferenced" in repair.stdout
    assert unreferenced(project) == [str(in_flight)]
    in_flight.unlink()
    assert rows(project) == rows(full)  # every committed file is still there
    with Lake.open(project) as lake:
        assert lake.missing_files() == []


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


# -- data in an S3 bucket ------------------------------------------------------------------


@pytest.fixture
def hosted_s3(tmp_path, egregora_postgres, egregora_s3, request, monkeypatch):
    """A hosted lake whose data is in a bucket of a real S3-compatible server (moto's, on
    127.0.0.1, authentication on); the workers get the store through the AWS variables."""
    for key, value in {**egregora_postgres.env, **egregora_s3.env}.items():
        monkeypatch.setenv(key, value)  # for the test's own reads
    name = db_name(request)
    bucket = re.sub(r"[^a-z0-9]+", "-", name).strip("-")[:60]
    egregora_s3.create_bucket(bucket)
    machine = lake_on(tmp_path, egregora_postgres, name, f"s3://{bucket}/lake/", egregora_s3.env)
    machine.bucket = bucket
    return machine


def object_text(objects: dict[str, bytes]) -> str:
    """Every object's bytes and, for Parquet, every cell (pages are compressed)."""
    chunks = []
    for key, data in objects.items():
        chunks += [key, data.decode("utf-8", "ignore")]
        if key.endswith(".parquet"):
            chunks.append(repr(pq.read_table(io.BytesIO(data)).to_pylist()))
    return "\n".join(chunks)


def test_workers_share_a_lake_in_an_s3_bucket(tmp_path, hosted_s3, egregora_s3):
    chats = [generate_chat(150, seed=20 + i, group_name=f"Ridge Club {i}") for i in range(2)]
    (tmp_path / "exports").mkdir()
    exports = [
        chat.write_txt(tmp_path / "exports" / f"WhatsApp Chat with {chat.group_name}.txt")
        for chat in chats
    ]
    env = hosted_s3.env
    # Two workers on two machines, each its own process, at once.
    workers = [
        start("--project", str(hosted_s3(i)), "ingest", str(path), env=env)
        for i, path in enumerate(exports)
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err

    project = Project(hosted_s3.first)
    stored = rows(project)
    assert stored == rows(local_oracle(tmp_path, hosted_s3.first, exports, env))
    assert len(stored) > 200

    # The data is in the bucket, and nowhere on the workers' disks.
    objects = egregora_s3.objects(hosted_s3.bucket)
    parquet = {f"s3://{hosted_s3.bucket}/{key}" for key in objects if key.endswith(".parquet")}
    with Lake.open(project, read_only=True) as lake:
        named = {
            row[0]
            for table in ("messages", "sources")
            for row in lake.con.execute(
                f"SELECT data_file FROM ducklake_list_files('lake', '{table}')"
            ).fetchall()
        }
    assert named and named <= parquet
    assert all(key.startswith("lake/") for key in objects)
    for index in range(2):
        assert not list((tmp_path / f"machine-{index}").rglob("*.parquet"))

    # Every reading command works on the lake in the bucket.
    root = str(hosted_s3.first)
    listed = egregora("--project", root, "datasets", env=env)
    assert listed.returncode == 0, listed.stderr
    out = tmp_path / "messages.parquet"
    exported = egregora("--project", root, "export", "messages", str(out), env=env)
    assert exported.returncode == 0, exported.stderr
    assert pq.read_table(out).num_rows == len(stored)
    built = egregora("--project", root, "build", env=env)
    assert built.returncode == 0, built.stderr
    site = egregora("--project", root, "site", "build", env=env)
    assert site.returncode == 0, site.stderr
    assert list((hosted_s3.first / "site").rglob("*.html"))

    # No raw name, phone or e-mail in any object of the bucket.
    text = object_text(egregora_s3.objects(hosted_s3.bucket))
    for chat in chats:
        for secret in [*chat.names, *chat.phones, *chat.emails]:
            assert secret not in text, "a raw identity reached the bucket"


def test_doctor_says_what_is_wrong_with_the_bucket(tmp_path, hosted_s3, egregora_s3):
    root = str(hosted_s3.first)
    env = hosted_s3.env
    ok = egregora("--project", root, "doctor", env=env)
    assert f"✓ lake: postgres:{hosted_s3.conninfo}" in ok.stdout, ok.stdout
    assert "✓ lake orphan files: none older than 1 h" in ok.stdout  # DuckLake lists the bucket

    def doctor(**changes: str) -> str:
        result = egregora("--project", root, "doctor", env={**env, **changes})
        assert result.returncode == 2, result.stdout + result.stderr
        failed = [line for line in result.stdout.splitlines() if line.startswith("✗ lake")]
        assert len(failed) == 1, result.stdout
        return failed[0]

    wrong_secret = "not-the-secret-" + "x" * 20
    line = doctor(AWS_SECRET_ACCESS_KEY=wrong_secret)
    assert "the S3 store refused the secret key" in line
    assert "not the secret" not in line and wrong_secret not in line
    assert "does not know the access key" in doctor(AWS_ACCESS_KEY_ID="AKIAUNKNOWN000000000")
    assert "the S3 endpoint is unreachable" in doctor(AWS_ENDPOINT_URL="http://127.0.0.1:1")
    line = doctor(EGREGORA_LAKE_DATA_PATH="s3://no-such-bucket/lake/")
    assert "the bucket in lake.data_path does not exist" in line

    # Without the httpfs extension (egregora-core[s3]) the doctor names the missing piece:
    # a module of that name that is no package stands for an uninstalled one.
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "duckdb_extension_httpfs.py").write_text("")
    result = egregora("--project", root, "doctor", env={**env, "PYTHONPATH": str(shadow)})
    assert result.returncode == 2
    assert "lake.data_path is an s3:// URL but the DuckDB 'httpfs' extension is not installed" in (
        result.stdout
    )
    assert "pip install 'egregora-core[s3]'" in result.stdout
