"""The lake store: DuckLake (DuckDB-file catalog + Parquet data) under ``.egregora/lake/``.

This module is one of the two places allowed DuckDB-specific SQL (the other is the vector
index). Everything else reads the lake through the ibis tables returned by :meth:`Lake.table`.

Layout::

    .egregora/lake/catalog.ducklake   DuckLake catalog (a DuckDB file)
    .egregora/lake/data/main/<table>/...   Parquet files (messages hive-partitioned by
                                            group_slug / year / month)

Data inlining is disabled (``DATA_INLINING_ROW_LIMIT 0``): DuckLake would otherwise keep
small inserts *inside the catalog*, where only DuckLake can read them; with it off every
row is in a Parquet file any engine can read.

Each :meth:`Lake.transaction` is one DuckLake snapshot; a process killed before COMMIT
leaves the catalog at the previous snapshot. Parquet files it already wrote are referenced
by no snapshot: the next writer to open the lake deletes them (:meth:`Lake.delete_orphans`),
so a plain Parquet read of ``data/`` agrees with the lake again. A hosted lake (concurrent
writers) deletes only those untouched for :data:`ORPHAN_AGE` (:meth:`Lake.stale_orphans`,
``egregora doctor --repair``): younger ones may be a running worker's next commit.

The catalog stores file paths relative to the data folder, and every open re-binds that
folder to where the lake is now (:func:`attach_options`): projects can be moved and copied.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import json
import os
import random
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb
import pyarrow as pa

from .errors import (
    ConfigError,
    EgregoraError,
    EnvironmentFailure,
    InputError,
    LakeDamaged,
    ProjectBusy,
    os_failure,
)
from .extensions import load_extension, sql_literal
from .schema import TABLES

if TYPE_CHECKING:  # imported where used: ``import ibis`` alone costs ~0.2 s at start-up
    import ibis

T = TypeVar("T")

CATALOG = "lake"
#: Attempts of one write to a hosted lake before giving up (see :meth:`Lake.retrying`).
COMMIT_ATTEMPTS = 30
#: How long an unreferenced data file of a hosted lake must have been left untouched before
#: ``egregora doctor --repair`` deletes it: a worker writes its files before its commit, so a
#: younger one may be about to be committed. An hour is far more than any commit takes.
ORPHAN_AGE = 3600.0
CATALOG_FILE = "catalog.ducklake"

#: Partitioning per table (DuckLake writes hive-style folders). Messages go by the local
#: calendar ``date`` as the chat shows it (the site's months too), not by the UTC instant
#: ``ts``: ``year(ts)`` on a TIMESTAMPTZ is an ICU calendar call per row, which made the
#: partitioned write of 1M messages take twice as long.
PARTITIONS: dict[str, str] = {
    "messages": "group_slug, year(date), month(date)",
}

EXPORT_FORMATS = {
    "parquet": "(FORMAT parquet)",
    "csv": "(FORMAT csv, HEADER true)",
    "jsonl": "(FORMAT json)",
}

_DUCK_TYPES = {
    pa.string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
    pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ",
    pa.list_(pa.string()): "VARCHAR[]",
}


def duck_type(arrow_type: pa.DataType) -> str:
    return _DUCK_TYPES[arrow_type]


def create_table_sql(name: str, schema: pa.Schema, catalog: str = CATALOG) -> str:
    columns = ", ".join(f'"{f.name}" {duck_type(f.type)}' for f in schema)
    return f"CREATE TABLE IF NOT EXISTS {catalog}.{name} ({columns})"


def temp_table(backend: Any, name: str, obj: Any) -> ibis.Table:
    """``obj`` (an ibis expression or Arrow table) as temp table ``name``, replacing one.

    Not ``create_table(..., overwrite=True)``: for temp tables ibis then writes a second
    table and copies it over, a full extra copy of every row.
    """
    if backend.name == "pyspark":  # no temp tables there: a temp view, cached at once
        backend.create_view(name, obj, overwrite=True)
        backend.raw_sql(f"CACHE TABLE `{name}`")
        return backend.table(name)
    backend.drop_table(name, force=True)
    return backend.create_table(name, obj, temp=True)


def lake_exists(where: Path | LakeLocation) -> bool:
    """Whether the lake has been created (a hosted lake is checked when opened instead)."""
    location = where if isinstance(where, LakeLocation) else LakeLocation.local(where)
    return location.hosted or Path(location.catalog).is_file()


HOSTED_PREFIX = "postgres:"
LOCAL = "local"


@dataclass(frozen=True)
class LakeLocation:
    """Where the lake is: the DuckLake catalog and the folder (or bucket) of its data.

    ``catalog`` is what follows ``ducklake:`` in the ATTACH: the path of the local catalog
    file, or ``postgres:<libpq connection string>`` for a hosted lake (the password comes
    from ``PGPASSWORD`` or ``PGPASSFILE``, never from the project). ``data_path`` is a
    folder or an ``s3://`` URL, ending in ``/``.
    """

    catalog: str
    data_path: str

    @classmethod
    def local(cls, lake_dir: Path) -> LakeLocation:
        lake_dir = Path(lake_dir)
        return cls(str(lake_dir / CATALOG_FILE), str(lake_dir / "data") + "/")

    @property
    def hosted(self) -> bool:
        """A shared lake (PostgreSQL catalog): concurrent writers, no project lock."""
        return self.catalog.startswith(HOSTED_PREFIX)

    @property
    def conninfo(self) -> str:
        return self.catalog.removeprefix(HOSTED_PREFIX)

    @property
    def label(self) -> str:
        """How messages name the lake: the local folder, or the catalog's connection string."""
        return self.catalog if self.hosted else str(Path(self.catalog).parent)


def lake_location(project: Any, config: Any = None) -> LakeLocation:
    """The lake of ``project`` as its configuration (``lake.catalog``, ``lake.data_path``)
    says: the one place that decides where the catalog and the data are."""
    config = project.config() if config is None else config
    catalog = str(config["lake.catalog"]).strip()
    data_path = str(config["lake.data_path"]).strip()
    if catalog in ("", LOCAL):
        location = LakeLocation.local(project.lake_dir)
        if data_path.startswith(S3_PREFIX):
            raise ConfigError(
                "an s3:// lake.data_path needs a hosted catalog: the local catalog file "
                "allows one writer on one machine",
                where=config.origin("lake.data_path"),
                hint='set lake.catalog = "postgres:<connection string>" (docs/scaling.md)',
            )
        if data_path:
            location = LakeLocation(location.catalog, data_path.rstrip("/") + "/")
        return location
    if not catalog.startswith(HOSTED_PREFIX):
        raise ConfigError(
            f"lake.catalog must be 'local' or 'postgres:<connection string>', got {catalog!r}",
            where=config.origin("lake.catalog"),
            hint='e.g. lake.catalog = "postgres:dbname=egregora host=db.internal"',
        )
    if not data_path:
        raise ConfigError(
            "a hosted lake needs lake.data_path: the folder or s3:// URL every worker shares",
            where=config.origin("lake.data_path"),
            hint='e.g. lake.data_path = "s3://my-bucket/egregora/"',
        )
    return LakeLocation(catalog, data_path.rstrip("/") + "/")


class LakeUnavailable(EgregoraError):
    """The hosted lake's catalog cannot be reached or opened."""


#: libpq / DuckDB failure texts -> what is wrong and how to fix it (first match wins).
_CONNECT_PROBLEMS = [
    (
        ("password authentication failed", "no password supplied", "authentication failed"),
        "PostgreSQL refused the login",
        "set PGPASSWORD (or PGPASSFILE) for the user in lake.catalog; the password is never "
        "stored in the project",
    ),
    (
        ("does not exist",),
        "the catalog database or role does not exist",
        "create it on the server (createdb NAME) or fix dbname/user in lake.catalog",
    ),
    (
        ("connection refused", "could not translate host", "timeout expired", "no route"),
        "the PostgreSQL server is unreachable",
        "check host and port in lake.catalog and that the server accepts TCP connections",
    ),
]


def _unavailable(location: LakeLocation, error: Exception) -> LakeUnavailable:
    text = str(error).lower()
    for needles, what, hint in _CONNECT_PROBLEMS:
        if any(needle in text for needle in needles):
            return LakeUnavailable(what, where=f"lake.catalog ({location.catalog})", hint=hint)
    first = str(error).splitlines()[0]
    return LakeUnavailable(
        f"cannot open the hosted lake: {first}",
        where=f"lake.catalog ({location.catalog})",
        hint="run `egregora doctor`",
    )


#: AWS variable -> DuckDB S3 secret field (the first of several names that is set wins).
_S3_ENV = {
    "KEY_ID": ("AWS_ACCESS_KEY_ID",),
    "SECRET": ("AWS_SECRET_ACCESS_KEY",),
    "SESSION_TOKEN": ("AWS_SESSION_TOKEN",),
    "REGION": ("AWS_REGION", "AWS_DEFAULT_REGION"),
}
S3_PREFIX = "s3://"


def s3_secret_sql(env: Mapping[str, str]) -> str:
    """A DuckDB S3 secret from the standard AWS variables (and ``AWS_ENDPOINT_URL`` for an
    S3-compatible store such as MinIO): credentials live in the environment only.

    An endpoint URL makes the secret use path-style URLs (``host/bucket/key``: what MinIO
    and most S3-compatible stores serve) and plain HTTP when its scheme is ``http``."""
    fields = []
    for key, names in _S3_ENV.items():
        value = next((env[name] for name in names if env.get(name)), "")
        if value:
            fields.append(f"{key} {sql_literal(value)}")
    endpoint = env.get("AWS_ENDPOINT_URL", "").strip()
    if endpoint:
        scheme, _, host = endpoint.rpartition("://")
        fields += [f"ENDPOINT {sql_literal(host.rstrip('/'))}", "URL_STYLE 'path'"]
        fields.append(f"USE_SSL {'false' if scheme == 'http' else 'true'}")
    return f"CREATE OR REPLACE SECRET egregora_s3 (TYPE s3{''.join(', ' + f for f in fields)})"


def use_s3(con: duckdb.DuckDBPyConnection, location: LakeLocation) -> None:
    """Load httpfs and the S3 secret into ``con`` when the lake's data is in a bucket."""
    if not location.data_path.startswith(S3_PREFIX):
        return
    try:
        load_extension(con, "httpfs")
    except EgregoraError as exc:
        raise LakeUnavailable(
            f"lake.data_path is an s3:// URL but {exc.what}",
            where="lake.data_path",
            hint="pip install 'egregora-core[s3]'",
        ) from None
    con.execute(s3_secret_sql(os.environ))


#: DuckDB httpfs failure texts -> what is wrong with the bucket and how to fix it.
_S3_PROBLEMS = [
    (
        ("invalidaccesskeyid",),
        "the S3 store does not know the access key in AWS_ACCESS_KEY_ID",
        "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to a key of this store",
    ),
    (
        ("signaturedoesnotmatch",),
        "the S3 store refused the secret key (AWS_SECRET_ACCESS_KEY does not match the key id)",
        "set AWS_SECRET_ACCESS_KEY to the secret of AWS_ACCESS_KEY_ID",
    ),
    (
        ("nosuchbucket",),
        "the bucket in lake.data_path does not exist",
        "create it (e.g. `aws s3 mb s3://BUCKET`) or fix lake.data_path",
    ),
    (
        ("accessdenied", "forbidden", "http 403", "http code 403"),
        "the S3 store denied access to lake.data_path",
        "give the key list, read, write and delete rights on the bucket's prefix "
        "(and set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)",
    ),
    (
        ("could not connect", "unable to connect", "connection refused", "could not resolve"),
        "the S3 endpoint is unreachable",
        "check AWS_ENDPOINT_URL (scheme, host, port) or the network; unset it for AWS S3",
    ),
]


def storage_failure(location: LakeLocation, error: Exception) -> LakeUnavailable | None:
    """One line for a failure to reach the lake's bucket, else None."""
    if not location.data_path.startswith(S3_PREFIX):
        return None
    return _s3_problem(str(error), f"lake.data_path ({location.data_path})")


def _s3_problem(text: str, where: str | None) -> LakeUnavailable | None:
    lower = text.lower()
    for needles, what, hint in _S3_PROBLEMS:
        if any(needle in lower for needle in needles):
            return LakeUnavailable(what, where=where, hint=hint)
    return None


@contextmanager
def advisory_locks(location: LakeLocation, keys: Sequence[str]) -> Iterator[None]:
    """Hold PostgreSQL advisory locks on ``keys`` on a hosted lake's catalog server,
    in a session of their own: the server releases them when it ends, even if the
    process is killed."""
    import psycopg  # only a hosted lake needs it

    try:
        pg = psycopg.connect(location.conninfo, autocommit=True)
    except psycopg.OperationalError as exc:
        raise _unavailable(location, exc) from None
    with pg:
        for key in sorted(set(keys)):  # one order everywhere: no deadlock
            pg.execute("SELECT pg_advisory_lock(%s)", [_lock_id(key)])
        yield


def attach_lake(con: duckdb.DuckDBPyConnection, location: LakeLocation, *, read_only: bool) -> None:
    """ATTACH a hosted lake to ``con`` as :data:`CATALOG` (DuckDB-specific, kept here)."""
    load_extension(con, "ducklake")
    load_extension(con, "postgres")
    # Our own retry (:meth:`Lake.retrying`) redoes the whole load on a conflicting commit,
    # so the snapshot id an ingest records is the one it commits: DuckLake's internal
    # retry would silently move the commit to a later id.
    con.execute("SET ducklake_max_retry_count = 0")
    use_s3(con, location)  # credentials from the standard AWS variables, never the project
    options = (
        "READ_ONLY"
        if read_only
        else f"DATA_PATH {sql_literal(location.data_path)}, DATA_INLINING_ROW_LIMIT 0"
    )
    attach = f"ATTACH {sql_literal('ducklake:' + location.catalog)} AS {CATALOG} ({options})"
    try:
        # The first ATTACH creates DuckLake's tables in the catalog database: two workers
        # doing it at once collide, so attaching takes turns (it is quick).
        with advisory_locks(location, ["egregora:attach"]):
            con.execute(attach)
    except duckdb.Error as exc:
        raise storage_failure(location, exc) or _unavailable(location, exc) from None


def attach_options(data_dir: Path, *, read_only: bool) -> str:
    """The ATTACH options of a lake whose Parquet files are under ``data_dir``.

    The catalog stores the data path it was created with (absolute), but every file path
    in it is relative to that folder; ``OVERRIDE_DATA_PATH`` re-binds them to the lake's
    folder as it is now, so a moved, copied or restored project reads its own files
    (a copy never reads the original's).
    """
    options = [f"DATA_PATH {sql_literal(str(Path(data_dir).absolute()) + '/')}"]
    options.append("OVERRIDE_DATA_PATH true")
    options.append("READ_ONLY" if read_only else "DATA_INLINING_ROW_LIMIT 0")
    return ", ".join(options)


def reader_copy(catalog: Path, folder: Path, attempts: int = 5) -> Path:
    """A consistent private copy of ``catalog`` (and its WAL) in ``folder``.

    DuckDB commits by appending to the WAL and checkpoints into the main file; a copy
    taken while neither changed (same size and mtime before and after) is a committed
    state. Retried while a writer is busy checkpointing.
    """
    if not catalog.is_file():
        raise FileNotFoundError(errno.ENOENT, "no such file", str(catalog))
    wal = catalog.with_name(catalog.name + ".wal")
    target = folder / catalog.name
    for _ in range(attempts):
        before = _stamp(catalog), _stamp(wal)
        shutil.copyfile(catalog, target)
        copied_wal = target.with_name(target.name + ".wal")
        copied_wal.unlink(missing_ok=True)
        if before[1] is not None:
            try:
                shutil.copyfile(wal, copied_wal)
            except FileNotFoundError:  # checkpointed meanwhile: copy again
                continue
        if (_stamp(catalog), _stamp(wal)) == before:
            return target
        time.sleep(0.05)
    return target


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_size, info.st_mtime_ns


def refuse_orphaned_data(lake_dir: Path) -> None:
    """A writer must not start a new, empty catalog beside the data of a lost one."""
    if lake_exists(lake_dir):
        return
    data = Path(lake_dir) / "data"
    if data.is_dir() and next(data.rglob("*.parquet"), None) is not None:
        raise LakeDamaged(
            "the lake catalog is missing but data/ holds Parquet files",
            where=str(Path(lake_dir) / CATALOG_FILE),
            hint="restore `.egregora/lake` from a backup; to start over on purpose, "
            "move `.egregora/lake` away first",
        )


_BUSY = ("could not set lock on file", "conflicting lock is held")
_PID = re.compile(r"\(PID (\d+)\)")
_ATTACH_PREFIX = re.compile(r'^.*?at path \+ "[^"]*"', re.S)
_QUOTED = re.compile(r"""["'](/[^"']+)["']""")


def _reason(exc: BaseException | str) -> str:
    """DuckDB's own explanation, without its "IO Error: Failed to attach ..." prefix."""
    text = _ATTACH_PREFIX.sub("", str(exc)).strip()
    text = re.sub(r"^[A-Za-z ]+Error: ", "", text)
    return (text.splitlines() or ["unknown error"])[0].rstrip(".")


def catalog_failure(exc: BaseException, lake_dir: Path, copy: Path | None = None) -> EgregoraError:
    """Why the catalog could not be attached: busy only when DuckDB says a lock is held.

    ``copy`` is the reader's private copy of the catalog, named as the real file."""
    real = Path(lake_dir) / CATALOG_FILE
    text = str(exc).replace(str(copy), str(real)) if copy else str(exc)
    if any(marker in text.lower() for marker in _BUSY):
        pid = _PID.search(text)
        holder = f"pid {pid.group(1)}" if pid else "another process"
        return ProjectBusy(
            f"project is busy: {holder} holds the lake catalog open for writing",
            where=str(lake_dir),
            hint="wait for it to finish, or stop it, then retry",
        )
    return engine_failure(Exception(text)) or LakeDamaged(
        f"the lake catalog cannot be read: {_reason(text)}",
        where=str(real),
        hint="restore `.egregora/lake` from a backup (`egregora doctor` checks the lake)",
    )


def engine_failure(exc: BaseException) -> EgregoraError | None:
    """One line for a DuckDB error that is the machine's or the files' fault, else None."""
    text = str(exc)
    lower = text.lower()
    found = _QUOTED.search(text)
    target = found.group(1) if found else "the lake"
    if "no space left on device" in lower:
        return EnvironmentFailure(
            f"no space left on device while writing {target}",
            hint="free some space (or point TMPDIR elsewhere), then retry",
        )
    if "read-only file system" in lower or "permission denied" in lower:
        reason = "read-only file system" if "read-only" in lower else "permission denied"
        return EnvironmentFailure(
            f"{reason} while writing {target}",
            hint="check the folder's permissions, or run in a writable copy of the project",
        )
    if S3_PREFIX in lower and "http" in lower:  # a bucket failing mid-write (or mid-read)
        found_s3 = _s3_problem(text, "lake.data_path")
        if found_s3 is not None:
            return found_s3
    if "ducklake-" in target or "/lake/data/" in target:
        return LakeDamaged(
            f"a data file of the lake is missing or damaged: {_reason(exc)}",
            hint="restore `.egregora/lake` from a backup (the catalog names files that "
            "must be there, unchanged)",
        )
    return None


class Lake:
    """An open lake. Use as a context manager, or call :meth:`close`.

    ``read_only`` attaches a private copy of the catalog (see :func:`reader_copy`): a
    reader sees the last committed snapshot, takes no lock, and never makes a writer wait.
    A writer that finds the catalog held by another writer raises :class:`ProjectBusy`
    naming its pid; a catalog that cannot be read raises :class:`LakeDamaged`. Opening a
    writer also removes data files no snapshot references (see :meth:`orphans`).
    A hosted lake (PostgreSQL catalog) takes concurrent writers: see :meth:`retrying`.
    """

    def __init__(
        self,
        where: Path | LakeLocation,
        *,
        tables: Mapping[str, pa.Schema] = TABLES,
        read_only: bool = False,
    ):
        self.location = where if isinstance(where, LakeLocation) else LakeLocation.local(where)
        self.lake_dir = self.location.label
        self.read_only = read_only
        self.conflicts = 0  # commits lost to another worker and retried (hosted lake)
        self._reader_dir: str | None = None
        if self.location.hosted:
            self.con = duckdb.connect()  # the raw connection; :attr:`ibis` wraps it on first use
            self.con.execute("SET TimeZone = 'UTC'")
            try:
                attach_lake(self.con, self.location, read_only=read_only)
            except BaseException:
                self.close()
                raise
            if not read_only:
                self._ensure_tables(tables)
            # No orphan sweep here: another worker's uncommitted files look orphaned
            # (see :meth:`stale_orphans`).
            return
        self.lake_dir = Path(self.location.catalog).parent
        self.data_dir = Path(self.location.data_path)
        self.catalog_path = Path(self.location.catalog)
        refuse_orphaned_data(self.lake_dir)
        if not read_only:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect()  # the raw connection; :attr:`ibis` wraps it on first use
        # What ibis sets on its connections: instants are read and written as UTC.
        self.con.execute("SET TimeZone = 'UTC'")
        load_extension(self.con, "ducklake")
        catalog = self.catalog_path
        try:
            data_dir, attach_read_only = self.data_dir, read_only
            if read_only:
                # Readers attach a private copy of the catalog: they hold no lock on the
                # real one, so a writer never waits for them nor they for it.
                self._reader_dir = tempfile.mkdtemp(prefix="egregora-reader-")
                catalog = Path(self._reader_dir) / CATALOG_FILE
                if lake_exists(self.lake_dir):
                    reader_copy(self.catalog_path, Path(self._reader_dir))
                else:  # nothing ingested yet: an empty lake of the same tables
                    data_dir, attach_read_only = Path(self._reader_dir) / "data", False
            self.con.execute(
                f"ATTACH {sql_literal('ducklake:' + str(catalog))} AS {CATALOG} "
                f"({attach_options(data_dir, read_only=attach_read_only)})"
            )
        except (duckdb.Error, OSError) as exc:
            self.close()
            if isinstance(exc, OSError):
                raise os_failure(exc, "reading") from None
            raise catalog_failure(exc, self.lake_dir, copy=catalog) from None
        if not attach_read_only:
            self._ensure_tables(tables)
        if not read_only:
            self.refuse_missing_files()
            self.delete_orphans()

    @functools.cached_property
    def ibis(self) -> Any:
        """The ibis DuckDB backend over :attr:`con`, made on first use: importing ibis's
        DuckDB backend costs ~0.3 s (~0.5 s without cached bytecode), which a re-ingest
        that stops early never needs."""
        import ibis

        return ibis.duckdb.from_connection(self.con)

    def rows(self, name: str) -> list[dict[str, Any]]:
        """Every row of a small table (sources, preference events) as dicts, without ibis."""
        # fetchall, not Arrow's to_pylist: that imports pandas (~1 s) for zoned timestamps.
        cursor = self.con.execute(f"SELECT * FROM {CATALOG}.{name}")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    @classmethod
    def open(
        cls, project: Any, *, read_only: bool = False, empty_ok: bool = False, config: Any = None
    ) -> Lake:
        """The lake of a :class:`~egregora_core.project.Project` (see :func:`lake_location`).

        A reader of a project with no lake yet gets an error, or with ``empty_ok`` an
        empty lake (built and site commands work on a new project)."""
        location = lake_location(project, config)
        if read_only and not empty_ok and not lake_exists(location):
            refuse_orphaned_data(project.lake_dir)
            raise InputError(
                "the project has no data yet",
                where=location.label,
                hint="run `egregora ingest EXPORT` first",
            )
        return cls(location, read_only=read_only)

    # -- concurrent writers (hosted lake) -----------------------------------------
    @contextmanager
    def claim(self, keys: Sequence[str]) -> Iterator[None]:
        """Hold PostgreSQL advisory locks on ``keys`` (a hosted lake; nothing locally).

        DuckLake lets two transactions append to one table at once (appends never
        conflict), so two workers loading the same chat would both pass the anti-join and
        store its messages twice. Ingest claims the group slugs it writes, from before
        its anti-join until after its COMMIT: workers on different groups still run in
        parallel, workers on one group take turns. The locks belong to a session of the
        catalog's server, so a killed worker's locks go with its connection.
        """
        if not self.location.hosted or not keys:
            yield
            return
        with advisory_locks(self.location, keys):
            yield

    def retrying(self, attempt: Callable[[], T], *, claims: Sequence[str] = ()) -> T:
        """Run ``attempt`` (reads the lake, then commits one transaction) until it commits.

        A local lake runs it once (the project lock already excludes other writers). A
        hosted lake runs it under :meth:`claim` and, when its COMMIT loses the race with
        another worker's (DuckLake's optimistic commit), runs it again from the start
        against the new snapshot, after a growing, jittered pause; at most
        :data:`COMMIT_ATTEMPTS` times. :attr:`conflicts` counts the retries.
        """
        if not self.location.hosted:
            return attempt()
        pause = 0.05
        for tries in range(1, COMMIT_ATTEMPTS + 1):
            with self.claim(claims):
                try:
                    return attempt()
                except duckdb.TransactionException as exc:
                    if not _is_conflict(exc):
                        raise
                    if tries == COMMIT_ATTEMPTS:
                        raise ProjectBusy(
                            f"the lake stayed busy: {tries} commits lost to other writers",
                            where=self.location.label,
                            hint="retry later, or run fewer workers at once",
                        ) from None
            self.conflicts += 1
            time.sleep(pause * random.uniform(0.5, 1.5))
            pause = min(pause * 2, 2.0)
        raise AssertionError("unreachable")

    def _ensure_tables(self, tables: Mapping[str, pa.Schema]) -> None:
        if set(tables) <= set(self.table_names()):
            return  # the usual case: no claim (a round trip to the catalog server) needed
        self.retrying(lambda: self._create_missing(tables), claims=["egregora:tables"])

    def _create_missing(self, tables: Mapping[str, pa.Schema]) -> None:
        existing = set(self.table_names())
        missing = [name for name in tables if name not in existing]
        if not missing:
            return
        with self.transaction("egregora: create tables"):
            for name in missing:
                self.con.execute(create_table_sql(name, tables[name]))
                if name in PARTITIONS:
                    self.con.execute(
                        f"ALTER TABLE {CATALOG}.{name} SET PARTITIONED BY ({PARTITIONS[name]})"
                    )

    def table_names(self) -> list[str]:
        rows = self.con.execute(  # sql_literal, not a ? parameter
            "SELECT table_name FROM information_schema.tables "
            f"WHERE table_catalog = {sql_literal(CATALOG)} ORDER BY table_name"
        ).fetchall()
        return [row[0] for row in rows]

    def table(self, name: str, *, snapshot: int | None = None) -> ibis.Table:
        """An ibis table over ``name`` at the latest (or the given) snapshot."""
        if snapshot is None:
            return self.ibis.table(name, database=CATALOG)
        return self.ibis.sql(self._relation(name, snapshot))

    def _relation(self, name: str, snapshot: int | None) -> str:
        if name not in self.table_names():
            raise InputError(
                f"no table named '{name}'", hint=f"tables: {', '.join(self.table_names())}"
            )
        at = "" if snapshot is None else f" AT (VERSION => {int(snapshot)})"
        return f"SELECT * FROM {CATALOG}.{name}{at}"

    # -- writing ------------------------------------------------------------------
    @contextmanager
    def transaction(
        self, message: str | None = None, extra: Mapping[str, Any] | None = None
    ) -> Iterator[Lake]:
        """One DuckLake snapshot: everything inside commits together or not at all."""
        self.con.execute("BEGIN")
        try:
            yield self
            if message is not None:
                self.con.execute(
                    f"CALL {CATALOG}.set_commit_message('egregora', ?, extra_info => ?)",
                    [message, json.dumps(dict(extra or {}), sort_keys=True, default=str)],
                )
            self.con.execute("COMMIT")
        except BaseException:
            # A failed COMMIT has already ended the transaction.
            with contextlib.suppress(duckdb.TransactionException):
                self.con.execute("ROLLBACK")
            # DuckLake leaves the Parquet files of a rolled-back transaction on disk (a
            # full disk, a failed check): remove them now, not at the next open.
            # (best effort: the original error matters more; the next writer retries)
            # Not on a hosted lake: other workers' uncommitted files look orphaned too.
            if not self.location.hosted:
                with contextlib.suppress(duckdb.Error):
                    self.delete_orphans()
            raise

    def append(self, name: str, table: pa.Table) -> int:
        """Insert all rows of ``table`` into ``name`` (inside a transaction)."""
        if table.num_rows == 0:
            return 0
        self.con.register("_incoming", table)
        try:
            columns = ", ".join(f'"{c}"' for c in table.column_names)
            self.con.execute(
                f"INSERT INTO {CATALOG}.{name} ({columns}) SELECT {columns} FROM _incoming"
            )
        finally:
            self.con.unregister("_incoming")
        return table.num_rows

    def new_rows(self, name: str, table: pa.Table, key: str) -> pa.Table:
        """The rows of ``table`` whose ``key`` is not in the lake table yet (an anti-join).

        Duplicates of a key inside ``table`` itself are dropped too (first one kept).
        """
        if table.num_rows == 0:
            return table
        self.con.register("_candidates", table)
        try:
            return self.con.execute(
                f'SELECT DISTINCT ON (c."{key}") c.* FROM _candidates c ANTI JOIN {CATALOG}.{name} t USING ("{key}")'
            ).to_arrow_table()
        finally:
            self.con.unregister("_candidates")

    def _scoped(self, name: str, scope: Mapping[str, Any] | None) -> ibis.Table:
        """Lake table ``name`` narrowed to ``scope`` (``{"group_slug": [...], "ts": (first,
        last)}``): DuckLake then reads only the partitions and files that can match."""
        existing = self.table(name)
        for column, value in (scope or {}).items():
            if isinstance(value, tuple):
                existing = existing.filter(existing[column].between(*value))
            else:
                existing = existing.filter(existing[column].isin(list(value)))
        return existing

    def has_rows(self, name: str, scope: Mapping[str, Any] | None = None) -> bool:
        """Whether lake table ``name`` holds any row in ``scope`` (reads at most one)."""
        found = self._scoped(name, scope).limit(1).count()
        return bool(self.ibis.to_pyarrow(found).as_py())

    def stage_new(
        self,
        name: str,
        candidates: ibis.Table,
        key: str,
        *,
        scope: Mapping[str, Any] | None = None,
        distinct: bool = True,
    ) -> ibis.Table:
        """The ``candidates`` rows whose ``key`` is not in lake table ``name`` yet, kept in
        a temporary (in-memory) table of this connection and returned as an ibis table.

        ``candidates`` must be an expression over this lake's connection (the ingest
        transforms run on it), so the rows never leave DuckDB. ``scope`` narrows the lake
        side of the anti-join (see :meth:`_scoped`). ``distinct`` also drops repeated
        keys inside ``candidates`` (only possible when several exports are loaded together).
        """
        existing = self._scoped(name, scope)
        rows = candidates.anti_join(existing.select(key), key)
        if distinct:
            rows = rows.distinct(on=key, keep="first")
        return temp_table(self.ibis, f"_new_{name}", rows)

    def insert(
        self, name: str, rows: ibis.Table, *, column: str = "date", bounds: Sequence[Any] = ()
    ) -> int:
        """``INSERT INTO name SELECT ...`` straight from an expression over this connection;
        returns the number of rows written.

        ``bounds`` (ascending values of ``column``) split the write into one INSERT per
        range, all inside the caller's transaction (still one snapshot). DuckDB's
        partitioned Parquet writer buffers every partition it has open until the statement
        ends (~0.5 GB for 1M messages in one statement); ranges that start on partition
        boundaries cap that buffer and add no file.
        """
        columns = ", ".join(f'"{c}"' for c in rows.columns)
        written = 0
        for piece in _ranges(rows, column, bounds):
            result = self.con.execute(
                f"INSERT INTO {CATALOG}.{name} ({columns}) "
                f"SELECT {columns} FROM ({self.ibis.compile(piece)})"
            ).fetchone()
            written += int(result[0]) if result else 0
        return written

    def delete_in(self, name: str, column: str, values: list[str]) -> int:
        """Delete rows whose ``column`` is one of ``values`` (inside a transaction)."""
        if not values:
            return 0
        placeholders = ", ".join("?" for _ in values)
        found = self.con.execute(
            f'SELECT count(*) FROM {CATALOG}.{name} WHERE "{column}" IN ({placeholders})', values
        ).fetchone()[0]
        if found:
            self.con.execute(
                f'DELETE FROM {CATALOG}.{name} WHERE "{column}" IN ({placeholders})', values
            )
        return int(found)

    def table_id(self, name: str) -> str | None:
        """DuckLake's id of table ``name`` (as written in ``snapshots().changes``)."""
        row = self.con.execute(  # sql_literal, not a ? parameter
            f"SELECT table_id FROM __ducklake_metadata_{CATALOG}.ducklake_table "
            f"WHERE table_name = {sql_literal(name)} AND end_snapshot IS NULL"
        ).fetchone()
        return None if row is None else str(row[0])

    def write(self, tables: Mapping[str, pa.Table], message: str | None = None) -> int:
        """Append Arrow tables (already anonymized, canonical schema) in ONE snapshot."""
        with self.transaction(message):
            for name, table in tables.items():
                self.append(name, table)
        return self.current_snapshot()

    # -- reading ------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        return dict(self.con.execute(f"SELECT key, value FROM {CATALOG}.meta").fetchall())

    def count(self, name: str) -> int:
        return int(self.con.execute(f"SELECT count(*) FROM {CATALOG}.{name}").fetchone()[0])

    def current_snapshot(self) -> int:
        return int(
            self.con.execute(f"SELECT max(snapshot_id) FROM {CATALOG}.snapshots()").fetchone()[0]
        )

    def snapshots(self) -> list[dict[str, Any]]:
        rows = self.con.execute(
            f"SELECT snapshot_id, snapshot_time, changes, commit_message, commit_extra_info "
            f"FROM {CATALOG}.snapshots() ORDER BY snapshot_id"
        ).fetchall()
        out = []
        for sid, when, changes, message, extra in rows:
            try:
                info = json.loads(extra) if extra else {}
            except ValueError:
                info = {}
            out.append(
                {
                    "snapshot_id": sid,
                    "time": when,
                    "changes": changes,
                    "message": message,
                    "info": info,
                }
            )
        return out

    def export(
        self, name: str, out: Path, *, fmt: str = "parquet", snapshot: int | None = None
    ) -> int:
        """Write ``name`` (as of ``snapshot``) to ``out``; returns the row count."""
        if fmt not in EXPORT_FORMATS:
            raise InputError(
                f"unknown format '{fmt}'", hint=f"use one of {', '.join(EXPORT_FORMATS)}"
            )
        relation = self._relation(name, snapshot)
        try:
            rows = int(self.con.execute(f"SELECT count(*) FROM ({relation})").fetchone()[0])
        except duckdb.Error as exc:
            raise InputError(
                f"cannot read '{name}' at snapshot {snapshot}",
                hint="list snapshots with `egregora datasets`",
            ) from exc
        out = Path(out)
        if not out.parent.is_dir():
            raise InputError(
                "the output folder does not exist", where=str(out.parent), hint="create it first"
            )
        # Written beside the target and renamed: a failed export leaves no partial file.
        partial = out.with_name(f".{out.name}.partial")
        try:
            self.con.execute(
                f"COPY ({relation} ORDER BY ALL) TO {sql_literal(partial)} {EXPORT_FORMATS[fmt]}"
            )
            os.replace(partial, out)
        except (duckdb.Error, OSError) as exc:
            partial.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise os_failure(exc) from None
            known = engine_failure(exc)
            if known is not None:
                raise known from None
            text = str(exc).replace(str(partial), str(out))
            raise EnvironmentFailure(
                f"cannot write {out}: {_reason(text)}", hint="choose another output path"
            ) from None
        return rows

    def orphans(self) -> list[str]:
        """Data files no snapshot references: written by a transaction that never committed
        (a killed or failed ingest). Plain Parquet readers of ``data/`` would count them."""
        query = (
            f"CALL ducklake_delete_orphaned_files({sql_literal(CATALOG)}, "
            "dry_run => true, cleanup_all => true)"
        )
        if not self.read_only:
            return sorted(row[0] for row in self.con.execute(query).fetchall())
        # DuckLake lists orphans only on a writable attach, even as a dry run: a reader
        # asks on a second private copy of the catalog (nothing is written to data/).
        with tempfile.TemporaryDirectory(prefix="egregora-orphans-") as folder:
            con = duckdb.connect()
            try:
                load_extension(con, "ducklake")
                copy = reader_copy(self.catalog_path, Path(folder))
                con.execute(
                    f"ATTACH {sql_literal('ducklake:' + str(copy))} AS {CATALOG} "
                    f"({attach_options(self.data_dir, read_only=False)})"
                )
                return sorted(row[0] for row in con.execute(query).fetchall())
            finally:
                con.close()

    def missing_files(self) -> list[str]:
        """Data files the current snapshot references that are not on disk."""
        missing = []
        for name in self.table_names():
            rows = self.con.execute(
                f"SELECT data_file FROM ducklake_list_files({sql_literal(CATALOG)}, "
                f"{sql_literal(name)})"
            ).fetchall()
            missing += [row[0] for row in rows if not os.path.exists(row[0])]
        return sorted(missing)

    def refuse_missing_files(self) -> None:
        """A writer must not add to a lake whose files are gone: its dedup would be wrong."""
        missing = self.missing_files()
        if missing:
            self.close()
            raise LakeDamaged(
                f"{len(missing)} data files of the lake are missing "
                f"(e.g. {os.path.relpath(missing[0], self.lake_dir)})",
                where=str(self.lake_dir),
                hint="restore `.egregora/lake` from a backup (`egregora doctor` lists them)",
            )

    def delete_orphans(self) -> list[str]:
        """Remove :meth:`orphans` (a writer does on open: it holds the only write lock, so
        no other transaction can be writing files right now)."""
        if not self.orphans():
            return []
        rows = self.con.execute(
            f"CALL ducklake_delete_orphaned_files({sql_literal(CATALOG)}, cleanup_all => true)"
        ).fetchall()
        return sorted(row[0] for row in rows)

    def stale_orphans(self, *, delete: bool = False, age: float = ORPHAN_AGE) -> list[str]:
        """Data files of a hosted lake that no snapshot references and nobody has written
        for ``age`` seconds: left by a worker killed (or failed) before its commit.

        Younger unreferenced files may belong to a worker that is about to commit, so they
        are left alone. ``delete`` removes the stale ones (DuckLake's own
        ``ducklake_delete_orphaned_files``: it lists the data path, folder or bucket, and
        compares with the catalog); returns the files found (or deleted)."""
        if self.read_only:
            raise EgregoraError("listing orphaned files needs a writable lake")
        rows = self.con.execute(
            f"CALL ducklake_delete_orphaned_files({sql_literal(CATALOG)}, "
            f"dry_run => {'false' if delete else 'true'}, "
            f"older_than => now() - to_seconds({float(age)!r}))"
        ).fetchall()
        return sorted(row[0] for row in rows)

    def close(self) -> None:
        self.con.close()
        if self._reader_dir is not None:
            shutil.rmtree(self._reader_dir, ignore_errors=True)
            self._reader_dir = None

    def __enter__(self) -> Lake:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_hosted(location: LakeLocation) -> str:
    """Connect to a hosted lake's catalog server, load what opening it needs and, for an
    ``s3://`` data path, list the bucket; returns the server's version. Raises
    :class:`LakeUnavailable` saying exactly what is wrong (unreachable host, refused login,
    missing database, missing extension, unknown key, wrong secret, missing bucket)."""
    import psycopg

    try:
        with psycopg.connect(location.conninfo, connect_timeout=5) as pg:
            version = pg.execute("SHOW server_version").fetchone()[0]
    except psycopg.Error as exc:
        raise _unavailable(location, exc) from None
    con = duckdb.connect()
    try:
        for name in ("ducklake", "postgres"):
            try:
                load_extension(con, name)
            except EgregoraError as exc:
                raise LakeUnavailable(
                    f"missing DuckDB extension: {exc.what}", where="lake.catalog", hint=exc.hint
                ) from None
        use_s3(con, location)
        if location.data_path.startswith(S3_PREFIX):
            try:  # one listing request: reachable, the key known, the secret right, a bucket
                con.execute(f"SELECT count(*) FROM glob({sql_literal(location.data_path + '*')})")
            except duckdb.Error as exc:
                raise storage_failure(location, exc) or LakeUnavailable(
                    f"cannot list lake.data_path: {_reason(exc)}",
                    where=f"lake.data_path ({location.data_path})",
                    hint="check AWS_ENDPOINT_URL, the credentials and the bucket",
                ) from None
    finally:
        con.close()
    return str(version)


def _lock_id(key: str) -> int:
    """A signed 64-bit advisory-lock id for ``key``."""
    digest = hashlib.sha256(f"egregora:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _is_conflict(exc: duckdb.Error) -> bool:
    """Whether a failed COMMIT lost the race with another writer (worth retrying)."""
    text = str(exc).lower()
    return "ducklake" in text and ("retry count" in text or "conflict" in text)


def _ranges(rows: ibis.Table, column: str, bounds: Sequence[Any]) -> Iterator[ibis.Table]:
    """``rows`` cut at ``bounds``: ``< b1`` (and NULLs), ``b1 <= .. < b2``, ..., ``>= bn``."""
    value = rows[column]
    lower = None
    for bound in [*bounds, None]:
        if lower is None:
            piece = rows if bound is None else rows.filter((value < bound) | value.isnull())
        elif bound is None:
            piece = rows.filter(value >= lower)
        else:
            piece = rows.filter((value >= lower) & (value < bound))
        yield piece
        lower = bound


def read_parquet(path: Path) -> pa.Table:
    """Read a Parquet file with DuckDB's ``read_parquet`` (bad files: one-line InputError)."""
    con = duckdb.connect()
    try:
        return con.execute("SELECT * FROM read_parquet(?)", [str(path)]).to_arrow_table()
    except duckdb.Error:
        raise InputError(
            "not a readable Parquet file",
            where=str(path),
            hint="give a file written by `egregora export` or egregora v2",
        ) from None
    finally:
        con.close()


class WouldBeLake:
    """What the lake would hold after a dry run's ingest, without writing anything.

    The project's lake (read-only; none on a new project) plus the rows the ingest would
    add (``pending``: table name -> Arrow rows, see :attr:`Context.pending`), held in temp
    tables of an in-memory DuckDB. Offers what readers use: :meth:`table` and :attr:`ibis`.
    """

    def __init__(self, project: Any, pending: Mapping[str, pa.Table] | None = None):
        self.base = Lake.open(project, read_only=True) if lake_exists(project.lake_dir) else None
        if self.base is not None:
            self.ibis = self.base.ibis
        else:
            import ibis

            self.ibis = ibis.duckdb.connect()
        self.pending = dict(pending or {})

    def table(self, name: str) -> ibis.Table:
        base = None
        if self.base is not None and name in self.base.table_names():
            base = self.base.table(name)
        rows = self.pending.get(name)
        if rows is None and base is not None:
            return base
        if rows is None:
            rows = TABLES[name].empty_table()
        added = temp_table(self.ibis, f"_would_be_{name}", rows)
        return added if base is None else base.union(added.select(base.columns).cast(base.schema()))

    def table_names(self) -> list[str]:
        names = set(self.base.table_names()) if self.base is not None else set()
        return sorted(names | set(self.pending) | {"messages", "media", "sources"})

    def rows(self, name: str) -> list[dict[str, Any]]:
        """Every row of a small table, as :meth:`Lake.rows`."""
        return self.table(name).to_pyarrow().to_pylist()

    def close(self) -> None:
        if self.base is not None:
            self.base.close()
        else:
            self.ibis.disconnect()

    def __enter__(self) -> WouldBeLake:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
