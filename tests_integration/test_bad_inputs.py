"""Hostile and unlucky input, table-driven: every case must end in ONE accurate line on
stderr and a non-zero exit status (2), write nothing to the project, and leave the lake
readable (or, where the case damages the lake on purpose, exactly as damaged as before).

Each case runs the real CLI in-process on a copy of one small ingested project. Cases
marked ``mount`` need a tmpfs mount (root on Linux); the same failures are also covered by
cases that inject the ``OSError`` / DuckDB error at the write boundary, which run anywhere.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import socket
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from egregora_cli import main
from egregora_core.lake import Lake
from egregora_core.project import Project

CHAT = "".join(
    f"0{1 + i % 9}/10/2025, 09:{i % 60:02d} - {('Ana Souza', 'Bruno Lima')[i % 2]}: message {i}\n"
    for i in range(40)
)
LINE = "13/10/2025, 09:45 - Ana Souza: hello\n"
#: The base chat and one more message: an ingest that must read the lake to dedup.
MORE = CHAT + "09/10/2025, 10:00 - Ana Souza: one more\n"
#: Files the CLI may touch without writing anything: the lock file's pid, scratch space.
IGNORED = {".egregora/lock"}
IGNORED_DIRS = (".egregora/tmp/", ".egregora/logs/")


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` with its sha256 (what "nothing written" compares)."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel in IGNORED or rel.startswith(IGNORED_DIRS) or not path.is_file():
            continue
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A project with one ingested chat (built once, copied per case)."""
    root = tmp_path_factory.mktemp("base") / "project"
    assert main.run(["-q", "init", str(root)]) == 0
    chat = root.parent / "WhatsApp Chat with Base.txt"
    chat.write_text(CHAT, encoding="utf-8")
    assert main.run(["-q", "--project", str(root), "ingest", str(chat)]) == 0
    return root


# -- inputs -----------------------------------------------------------------------------
def write(name: str, data: bytes | str) -> Callable[[Path, Path], None]:
    def make(project: Path, tmp: Path) -> None:
        target = tmp / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            target.write_text(data, encoding="utf-8")
        else:
            target.write_bytes(data)

    return make


def zipped(name: str, members: dict[str, bytes | str], **kwargs) -> Callable[[Path, Path], None]:
    def make(project: Path, tmp: Path) -> None:
        with zipfile.ZipFile(tmp / name, "w", **kwargs) as archive:
            for member, data in members.items():
                archive.writestr(member, data)

    return make


def truncated_zip(project: Path, tmp: Path) -> None:
    zipped("full.zip", {"WhatsApp Chat with X.txt": CHAT * 20}, compression=zipfile.ZIP_DEFLATED)(
        project, tmp
    )
    data = (tmp / "full.zip").read_bytes()
    (tmp / "cut.zip").write_bytes(data[: len(data) // 2])


def bad_crc_zip(project: Path, tmp: Path) -> None:
    zipped("crc.zip", {"WhatsApp Chat with X.txt": CHAT})(project, tmp)
    data = bytearray((tmp / "crc.zip").read_bytes())
    at = data.find(b"message 3")
    data[at : at + 9] = b"MESSAGE 3"  # stored member: same length, wrong CRC
    (tmp / "crc.zip").write_bytes(bytes(data))


def fifo(project: Path, tmp: Path) -> None:
    os.mkfifo(tmp / "pipe.txt")


def unix_socket(project: Path, tmp: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp / "sock.txt"))
    server.close()


def folder_without_chat(project: Path, tmp: Path) -> None:
    (tmp / "export").mkdir()
    (tmp / "export" / "IMG-1.jpg").write_bytes(b"\xff\xd8")


def folder_utf16(project: Path, tmp: Path) -> None:
    (tmp / "export").mkdir()
    (tmp / "export" / "WhatsApp Chat with X.txt").write_bytes(CHAT.encode("utf-16"))


# -- project and lake damage -------------------------------------------------------------
def catalog(project: Path) -> Path:
    return project / ".egregora" / "lake" / "catalog.ducklake"


def data_files(project: Path, table: str = "messages") -> list[Path]:
    return sorted((project / ".egregora/lake/data/main" / table).rglob("*.parquet"))


def overwrite_catalog(data: bytes) -> Callable[[Path, Path], None]:
    return lambda project, tmp: catalog(project).write_bytes(data)


def truncate_catalog(project: Path, tmp: Path) -> None:
    with catalog(project).open("r+b") as handle:
        handle.truncate(5000)


def corrupt_catalog_block(project: Path, tmp: Path) -> None:
    with catalog(project).open("r+b") as handle:
        handle.seek(4096 + 100)
        handle.write(b"\xff" * 64)


def remove_catalog(project: Path, tmp: Path) -> None:
    catalog(project).unlink()


def remove_data_file(project: Path, tmp: Path) -> None:
    for path in data_files(project):
        path.unlink()


def garble_data_file(project: Path, tmp: Path) -> None:
    for path in data_files(project):
        path.write_bytes(b"not parquet at all" * 10)


def truncate_data_file(project: Path, tmp: Path) -> None:
    for path in data_files(project):
        path.write_bytes(path.read_bytes()[:100])


def empty_data_file(project: Path, tmp: Path) -> None:
    for path in data_files(project):
        path.write_bytes(b"")


def project_file(rel: str, data: str | None) -> Callable[[Path, Path], None]:
    def make(project: Path, tmp: Path) -> None:
        path = project / rel
        if data is None:
            path.unlink()
        else:
            path.write_text(data, encoding="utf-8")

    return make


def config_line(line: str) -> Callable[[Path, Path], None]:
    def make(project: Path, tmp: Path) -> None:
        path = project / ".egregora" / "egregora.toml"
        path.write_text(path.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")

    return make


def both(*steps: Callable[[Path, Path], None]) -> Callable[[Path, Path], None]:
    def make(project: Path, tmp: Path) -> None:
        for step in steps:
            step(project, tmp)

    return make


# -- failures injected at the write boundary -------------------------------------------
def raise_in(target: str, exc: BaseException) -> Callable[[pytest.MonkeyPatch], None]:
    def patch(monkeypatch: pytest.MonkeyPatch) -> None:
        def fail(*args, **kwargs):
            raise exc

        monkeypatch.setattr(target, fail)

    return patch


def media_then_full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """The media store gets bytes to write (the fake JPEG passes the metadata cleaner as
    is), then the disk is full at the rename."""
    monkeypatch.setattr("egregora_core.ingest.clean_media", lambda name, data: data)
    raise_in("os.replace", full_disk_oserror("/x/.egregora/media/ab"))(monkeypatch)


def full_disk_oserror(path: str) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)


@dataclass
class Case:
    id: str
    args: list[str]
    expect: str  # regex the one line must match
    setup: Callable[[Path, Path], None] | None = None
    damaged: bool = False  # the lake is broken on purpose: check it is left as it was
    env: dict[str, str] = field(default_factory=dict)
    patch: Callable[[pytest.MonkeyPatch], None] | None = None
    mount: str | None = None  # "full" (a full tmpfs) or "ro" (the project read-only)
    code: int = 2


U16 = CHAT.encode("utf-16")
CASES = [
    # -- what is ingested --------------------------------------------------------------
    Case("empty-txt", ["ingest", "{tmp}/empty.txt"], "chat file is empty", write("empty.txt", b"")),
    Case(
        "binary-txt",
        ["ingest", "{tmp}/bin.txt"],
        "not valid UTF-8|UTF-16 or binary",
        write("bin.txt", bytes(range(256)) * 40),
    ),
    Case("utf16-le", ["ingest", "{tmp}/u16.txt"], "UTF-16", write("u16.txt", U16)),
    Case(
        "utf16-be",
        ["ingest", "{tmp}/u16be.txt"],
        "UTF-16",
        write("u16be.txt", b"\xfe\xff" + CHAT.encode("utf-16-be")),
    ),
    Case(
        "utf16-forced",
        ["ingest", "--extractor", "whatsapp", "{tmp}/u16.txt"],
        "UTF-16",
        write("u16.txt", U16),
    ),
    Case(
        "not-a-chat",
        ["ingest", "{tmp}/notes.txt"],
        "no WhatsApp message header",
        write("notes.txt", "groceries\nmilk\neggs\n"),
    ),
    Case("empty-zip", ["ingest", "{tmp}/e.zip"], "the zip is empty", zipped("e.zip", {})),
    Case(
        "zip-no-chat",
        ["ingest", "{tmp}/n.zip"],
        "no .txt chat file",
        zipped("n.zip", {"IMG-1.jpg": b"\xff\xd8"}),
    ),
    Case("truncated-zip", ["ingest", "{tmp}/cut.zip"], "truncated or corrupted", truncated_zip),
    Case(
        "garbage-zip",
        ["ingest", "{tmp}/g.zip"],
        "not a readable zip",
        write("g.zip", b"PK\x03\x04" + b"\x00" * 200),
    ),
    Case(
        "zip-unsafe-path",
        ["ingest", "{tmp}/evil.zip"],
        "unsafe path",
        zipped("evil.zip", {"../WhatsApp Chat with X.txt": CHAT}),
    ),
    Case(
        "zip-absolute-path",
        ["ingest", "{tmp}/abs.zip"],
        "unsafe path",
        zipped("abs.zip", {"/etc/WhatsApp Chat with X.txt": CHAT}),
    ),
    Case("zip-bad-crc", ["ingest", "{tmp}/crc.zip"], "cannot be read", bad_crc_zip),
    Case(
        "zip-utf16-chat",
        ["ingest", "{tmp}/u.zip"],
        "UTF-16",
        zipped("u.zip", {"WhatsApp Chat with X.txt": U16}),
    ),
    Case(
        "zip-two-chats",
        ["ingest", "{tmp}/two.zip"],
        r"2 chat files.*--chat",
        zipped("two.zip", {"WhatsApp Chat with A.txt": CHAT, "WhatsApp Chat with B.txt": CHAT}),
    ),
    Case(
        "zip-unknown-chat-name",
        ["ingest", "--chat", "C.txt", "{tmp}/two.zip"],
        r"no chat file named 'C.txt'",
        zipped("two.zip", {"WhatsApp Chat with A.txt": CHAT, "WhatsApp Chat with B.txt": CHAT}),
    ),
    Case("folder-no-chat", ["ingest", "{tmp}/export"], "no chat file", folder_without_chat),
    Case("folder-utf16", ["ingest", "{tmp}/export"], "UTF-16", folder_utf16),
    Case("fifo", ["ingest", "{tmp}/pipe.txt"], "is a FIFO", fifo),
    Case("socket", ["ingest", "{tmp}/sock.txt"], "is a socket", unix_socket),
    Case("char-device", ["ingest", "/dev/zero"], "is a device"),
    Case("dev-urandom", ["ingest", "--extractor", "whatsapp", "/dev/urandom"], "is a device"),
    Case("missing-file", ["ingest", "{tmp}/nope.zip"], "does not exist"),
    Case(
        "nul-in-author",
        ["ingest", "{tmp}/nul.txt"],
        r"NUL",
        write("nul.txt", "03/10/2025, 09:45 - Ana\x00Souza: hi\n" + CHAT),
    ),
    Case(
        "invalid-utf8",
        ["ingest", "{tmp}/bad.txt"],
        "UTF-8",
        write("bad.txt", LINE.encode() + b"03/10/2025, 09:46 - Ana: \xff\xfe\xfd oops\n"),
    ),
    Case(
        "impossible-date",
        ["ingest", "{tmp}/d.txt"],
        "impossible dates|day/month orders",
        write("d.txt", "32/13/2025, 09:45 - Ana Souza: hi\n"),
    ),
    Case(
        "year-0001",
        ["ingest", "{tmp}/y.txt"],
        "impossible year",
        write("y.txt", "03/10/0001, 09:45 - Ana Souza: hi\n"),
    ),
    Case(
        "forced-wrong-order",
        ["ingest", "--date-order", "mdy", "{tmp}/d.txt"],
        "impossible|month",
        write("d.txt", CHAT.replace("09/10/2025", "25/10/2025")),
    ),
    Case("bad-date-order", ["ingest", "--date-order", "xyz", "{tmp}/c.txt"], "(?i)invalid value"),
    Case(
        "bad-timezone",
        ["ingest", "--timezone", "Mars/Olympus", "{tmp}/c.txt"],
        "time zone|timezone",
        write("c.txt", CHAT),
    ),
    Case(
        "unknown-extractor",
        ["ingest", "--extractor", "nope", "{tmp}/c.txt"],
        "no extractor named 'nope'",
        write("c.txt", CHAT),
    ),
    Case(
        "bad-format",
        ["ingest", "--format", "bogus", "{tmp}/c.txt"],
        "format",
        write("c.txt", CHAT),
    ),
    Case(
        "max-messages",
        ["ingest", "{tmp}/c.txt"],
        r"more than extract.max_messages",
        write("c.txt", CHAT),
        env={"EGREGORA_EXTRACT_MAX_MESSAGES": "10"},
    ),
    Case(
        "max-chat-bytes",
        ["ingest", "{tmp}/c.txt"],
        r"extract.max_chat_bytes",
        write("c.txt", CHAT),
        env={"EGREGORA_EXTRACT_MAX_CHAT_BYTES": "100"},
    ),
    Case(
        "max-chat-bytes-zip",
        ["ingest", "{tmp}/c.zip"],
        r"extract.max_chat_bytes",
        zipped("c.zip", {"WhatsApp Chat with X.txt": CHAT}),
        env={"EGREGORA_EXTRACT_MAX_CHAT_BYTES": "100"},
    ),
    # -- import -------------------------------------------------------------------------
    Case(
        "import-not-parquet",
        ["import", "{tmp}/x.parquet"],
        "not a readable Parquet",
        write("x.parquet", "hello"),
    ),
    Case(
        "import-empty-file",
        ["import", "{tmp}/x.parquet"],
        "not a readable Parquet",
        write("x.parquet", b""),
    ),
    Case(
        "import-wrong-columns",
        ["import", "{tmp}/w.parquet"],
        "missing",
        lambda p, t: duckdb.sql("COPY (SELECT 1 AS a) TO '" + str(t / "w.parquet") + "'"),
    ),
    # -- export -------------------------------------------------------------------------
    Case("export-unknown-table", ["export", "nope", "{tmp}/o.parquet"], "no table named 'nope'"),
    Case(
        "export-bad-snapshot",
        ["export", "messages", "{tmp}/o.parquet", "--snapshot", "999"],
        "snapshot 999",
    ),
    Case(
        "export-missing-folder",
        ["export", "messages", "{tmp}/no/such/dir/o.parquet"],
        "no such|cannot write|does not exist",
    ),
    Case(
        "export-into-a-folder",
        ["export", "messages", "{tmp}/adir"],
        "is a directory|directory",
        lambda p, t: (t / "adir").mkdir(),
    ),
    Case(
        "export-bad-format",
        ["export", "messages", "{tmp}/o.x", "--format", "xml"],
        "(?i)invalid value",
    ),
    # -- the project ----------------------------------------------------------------------
    Case(
        "not-a-project",
        ["--project", "{tmp}", "datasets"],
        "not an Egregora project",
    ),
    Case(
        "secret-missing",
        ["ingest", "{tmp}/c.txt"],
        "secret is missing",
        both(write("c.txt", CHAT), project_file(".egregora/secret.key", None)),
    ),
    Case(
        "secret-not-hex",
        ["ingest", "{tmp}/c.txt"],
        "not hex",
        both(write("c.txt", CHAT), project_file(".egregora/secret.key", "zz\n")),
    ),
    Case(
        "secret-changed",
        ["ingest", "{tmp}/c.txt"],
        "secret changed",
        both(write("c.txt", CHAT), project_file(".egregora/secret.key", "ab" * 32 + "\n")),
    ),
    Case(
        "config-garbage",
        ["ingest", "{tmp}/c.txt"],
        "egregora.toml",
        both(write("c.txt", CHAT), project_file(".egregora/egregora.toml", "[[[ not toml")),
    ),
    Case(
        "config-bad-choice",
        ["ingest", "{tmp}/c.txt"],
        "site.period must be one of",
        write("c.txt", CHAT),
        env={"EGREGORA_SITE_PERIOD": "decade"},
    ),
    Case(
        "config-bad-number",
        ["ingest", "{tmp}/c.txt"],
        "extract.max_messages must be a int",
        write("c.txt", CHAT),
        env={"EGREGORA_EXTRACT_MAX_MESSAGES": "lots"},
    ),
    Case(
        "config-duplicate-section",
        ["ingest", "{tmp}/c.txt"],
        "invalid TOML",
        both(write("c.txt", CHAT), config_line('[site]\nperiod = "day"')),
    ),
    Case(
        "scheme-changed",
        ["ingest", "{tmp}/c.txt"],
        "pseudonym scheme",
        write("c.txt", CHAT),
        env={"EGREGORA_PRIVACY_PSEUDONYM_SCHEME": "v2"},
    ),
    # -- a damaged lake -------------------------------------------------------------------
    Case(
        "catalog-garbage-read",
        ["datasets"],
        "lake catalog cannot be read: .*not a valid DuckDB database",
        overwrite_catalog(b"garbage"),
        damaged=True,
    ),
    Case(
        "catalog-garbage-write",
        ["ingest", "{tmp}/c.txt"],
        "lake catalog cannot be read",
        both(write("c.txt", CHAT), overwrite_catalog(b"garbage")),
        damaged=True,
    ),
    Case(
        "catalog-empty",
        ["datasets"],
        "lake catalog cannot be read",
        overwrite_catalog(b""),
        damaged=True,
    ),
    Case(
        "catalog-truncated",
        ["export", "messages", "{tmp}/o.parquet"],
        "lake catalog cannot be read: Could not read enough bytes",
        truncate_catalog,
        damaged=True,
    ),
    Case(
        "catalog-checksum-is-not-busy",
        ["ingest", "{tmp}/c.txt"],
        "lake catalog cannot be read: Corrupt database file",
        both(write("c.txt", CHAT), corrupt_catalog_block),
        damaged=True,
    ),
    Case(
        "catalog-checksum-read",
        ["datasets"],
        "lake catalog cannot be read: Corrupt database file",
        corrupt_catalog_block,
        damaged=True,
    ),
    Case(
        "catalog-missing-ingest",
        ["ingest", "{tmp}/c.txt"],
        "catalog is missing but data/ holds Parquet files",
        both(write("c.txt", CHAT), remove_catalog),
        damaged=True,
    ),
    Case(
        "catalog-missing-read",
        ["datasets"],
        "catalog is missing but data/ holds Parquet files",
        remove_catalog,
        damaged=True,
    ),
    Case(
        "data-file-missing",
        ["export", "messages", "{tmp}/o.parquet"],
        "data file of the lake is missing or damaged",
        remove_data_file,
        damaged=True,
    ),
    Case(
        "data-file-garbled",
        ["export", "messages", "{tmp}/o.parquet"],
        "data file of the lake is missing or damaged",
        garble_data_file,
        damaged=True,
    ),
    Case(
        "data-file-truncated",
        ["export", "messages", "{tmp}/o.csv"],
        "data file of the lake is missing or damaged",
        truncate_data_file,
        damaged=True,
    ),
    Case(
        "data-file-empty",
        ["export", "messages", "{tmp}/o.parquet"],
        "data file of the lake is missing or damaged",
        empty_data_file,
        damaged=True,
    ),
    Case(
        "data-file-missing-ingest",
        ["ingest", "{tmp}/c.txt"],
        "data files of the lake are missing",
        both(write("c.txt", MORE), remove_data_file),
        damaged=True,
    ),
    # -- the machine says no ----------------------------------------------------------------
    Case(
        "disk-full-media-injected",
        ["ingest", "{tmp}/m.zip"],
        "no space left on device while writing",
        zipped(
            "m.zip",
            {
                "WhatsApp Chat with X.txt": LINE
                + "13/10/2025, 09:46 - Ana Souza: IMG-1.jpg (file attached)\n",
                "IMG-1.jpg": b"\xff\xd8jpeg",
            },
        ),
        patch=media_then_full_disk,
    ),
    Case(
        "disk-full-parquet-injected",
        ["ingest", "{tmp}/c.txt"],
        r"no space left on device while writing /x/data/main/messages/f.parquet",
        write("c.txt", CHAT.replace("2025", "2024")),
        patch=raise_in(
            "egregora_core.lake.Lake.insert",
            duckdb.IOException(
                'IO Error: Could not write file "/x/data/main/messages/f.parquet": '
                "No space left on device"
            ),
        ),
    ),
    Case(
        "read-only-injected",
        ["ingest", "{tmp}/c.txt"],
        "read-only file system while writing",
        write("c.txt", CHAT.replace("2025", "2024")),
        patch=raise_in("egregora_core.locking.os.open", OSError(errno.EROFS, "ro", "/x/lock")),
    ),
    Case(
        "export-permission-injected",
        ["export", "messages", "{tmp}/o.parquet"],
        "permission denied while writing",
        patch=raise_in(
            "egregora_core.lake.Lake.export",
            duckdb.IOException('IO Error: Cannot open file "/x/o.parquet": Permission denied'),
        ),
    ),
    Case(
        "disk-full-ingest",
        ["ingest", "{tmp}/big.txt"],
        "no space left on device while writing",
        lambda p, t: (t / "big.txt").write_text(
            "".join(
                f"0{1 + i % 9}/11/2025, 09:{i % 60:02d} - Ana Souza: {os.urandom(40).hex()}\n"
                for i in range(20_000)
            ),
            encoding="utf-8",
        ),
        mount="full",
    ),
    Case(
        "read-only-ingest",
        ["ingest", "{tmp}/c.txt"],
        "read-only file system",
        write("c.txt", CHAT.replace("2025", "2024")),
        mount="ro",
    ),
    Case("read-only-datasets-works", ["datasets"], "", mount="ro", code=0),
    Case(
        "read-only-export-into-project",
        ["export", "messages", "{project}/o.parquet"],
        "read-only file system",
        mount="ro",
    ),
    # -- site --------------------------------------------------------------------------------
    Case(
        "site-from-after-to",
        ["site", "build", "--no-mkdocs", "--from", "2025-10-09", "--to", "2025-10-01"],
        "--from 2025-10-09 is after --to 2025-10-01",
    ),
    Case("site-bad-from", ["site", "build", "--no-mkdocs", "--from", "10/09/2025"], "YYYY-MM-DD"),
]


@pytest.fixture
def mounted(tmp_path):
    """Mount a 32 MiB tmpfs at tmp_path/mnt; unmounted after the test."""
    point = tmp_path / "mnt"
    point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(point)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(
            f"mount not permitted here ({done.stderr.decode().strip()}); "
            "the injected-error cases cover the same mapping"
        )
    yield point
    subprocess.run(["umount", "-l", str(point)], check=False)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, base: Path, tmp_path: Path, monkeypatch, capsys, request):
    tmp = tmp_path / "in"
    tmp.mkdir()
    project = tmp_path / "project"
    if case.mount:
        point = request.getfixturevalue("mounted")
        project = point / "project"
    shutil.copytree(base, project, symlinks=True)
    if case.setup:
        case.setup(project, tmp)
    if case.mount == "full":
        filler = project.parent / "filler"
        free = shutil.disk_usage(project).free
        filler.write_bytes(b"\0" * max(0, free - 256 * 1024))
    if case.mount == "ro":
        subprocess.run(["mount", "-o", "remount,ro", str(project.parent)], check=True)
    before = tree(project)
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp)
    args = [a.format(tmp=tmp, project=project) for a in case.args]
    if "--project" not in args:
        args = ["--project", str(project), *args]
    if case.patch:
        case.patch(monkeypatch)
    capsys.readouterr()
    code = main.run(["-q", *args])
    _out, err = capsys.readouterr()
    monkeypatch.undo()
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == case.code, err
    if case.code:
        assert len(lines) == 1, err
        assert "internal error" not in err
        assert "Traceback" not in err
        assert re.search(case.expect, lines[0]), lines[0]
        assert lines[0].startswith("error: "), lines[0]
        assert "Ana" not in err and "Bruno" not in err  # no raw name in an error
    assert tree(project) == before  # nothing written, nothing half-written
    if not case.damaged:  # the lake itself (a case may have broken the config file that names it)
        with Lake(Project(project).lake_dir, read_only=True) as lake:
            assert lake.count("messages") == 40
