"""A real, throw-away PostgreSQL server on 127.0.0.1 for tests and benchmarks.

Uses the PostgreSQL server binaries (``initdb``, ``pg_ctl``; Debian's ``postgresql``
package puts them in ``/usr/lib/postgresql/<version>/bin``). The server refuses to run as
root, so under root (CI) it runs as the ``postgres`` user the Debian package creates.
Host connections need a password (scram-sha-256): tests pass it the way a deployment
does, through ``PGPASSWORD`` or a ``PGPASSFILE``, never in the connection string.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "egregora"


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries are not installed."""


def server_bin_dir() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl`` (newest Debian version, else PATH)."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    if not versions:
        raise PostgresUnavailable(
            "PostgreSQL server binaries not found (initdb, pg_ctl): "
            "apt-get install postgresql (CI's .ci/run does)"
        )
    return Path(versions[-1]).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PostgresServer:
    host: str
    port: int
    user: str
    password: str

    def conninfo(self, dbname: str = "postgres") -> str:
        """A libpq connection string without the password (it comes from the environment)."""
        return f"dbname={dbname} host={self.host} port={self.port} user={self.user}"

    @property
    def env(self) -> dict[str, str]:
        """What a client process needs in its environment to authenticate."""
        return {"PGPASSWORD": self.password}

    def create_database(self, name: str) -> str:
        """Create database ``name``; returns its connection string."""
        import psycopg

        with psycopg.connect(self.conninfo(), password=self.password, autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return self.conninfo(name)


def _as_postgres_user() -> list[str]:
    """Command prefix that drops root (PostgreSQL refuses to run as root)."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Start a fresh server (initdb in a private temp folder), yield it, stop and remove it."""
    bin_dir = server_bin_dir()
    prefix = _as_postgres_user()
    root = Path(tempfile.mkdtemp(prefix="egregora-pg-"))
    data = root / "data"
    password = secrets.token_hex(16)
    pwfile = root / "pw"
    pwfile.write_text(password + "\n", encoding="ascii")
    if prefix:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(pwfile, "postgres", "postgres")
    pwfile.chmod(0o600)
    port = free_port()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "check": True}
    try:
        subprocess.run(
            [
                *prefix,
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                f"--pwfile={pwfile}",
                "--encoding=UTF8",
                "--no-sync",
            ],
            **quiet,
        )
        options = (
            f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c max_connections=200 "
            "-c shared_buffers=32MB"
        )
        subprocess.run(
            [
                *prefix,
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(root / "log"),
                "-w",
                "start",
            ],
            **quiet,
        )
        server = PostgresServer("127.0.0.1", port, SUPERUSER, password)
        _wait_ready(server)
        yield server
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
        shutil.rmtree(root, ignore_errors=True)


def _wait_ready(server: PostgresServer, timeout: float = 30.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(server.conninfo(), password=server.password):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
