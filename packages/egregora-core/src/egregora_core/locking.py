"""The project write lock: one writing egregora command per project at a time.

``.egregora/lock`` is locked with ``fcntl.flock`` (released by the kernel when the process
exits, even on ``kill -9``, so a crash never leaves a stale lock). The holder's pid is
written into the file so a second writer can say who is busy.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import ProjectBusy

LOCK_FILE = "lock"


#: The site writer's lock: one ``site build`` at a time writes ``docs/`` and ``site/``.
SITE_LOCK_FILE = "site.lock"


@contextmanager
def project_lock(
    state_dir: Path, name: str = LOCK_FILE, purpose: str = "writing"
) -> Iterator[None]:
    """Hold the write lock ``name`` of the project whose state folder is ``state_dir``
    (``lock``: the lake; ``site.lock``: the site's folders).

    Raises :class:`ProjectBusy` at once (no waiting) if another process holds it.
    """
    path = Path(state_dir) / name
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise ProjectBusy(
                f"project is busy: another egregora command (pid {holder}) is {purpose}",
                where=str(state_dir.parent),
                hint="wait for it to finish, or stop it, then retry",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
