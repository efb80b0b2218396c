"""Progress reporting, independent of any UI.

Stages call ``ctx.progress.task("Embedding", total=n)`` and ``task.advance(k)``. The CLI
plugs in a rich progress bar; library use and tests get :class:`NullProgress`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol


class Task(AbstractContextManager, Protocol):
    def advance(self, amount: int = 1) -> None: ...

    def update(self, *, total: int | None = None, description: str | None = None) -> None: ...


class Progress(Protocol):
    def task(self, description: str, total: int | None = None) -> Task: ...


class _NullTask(AbstractContextManager):
    def __init__(self, total: int | None):
        self.total = total
        self.completed = 0

    def __exit__(self, *exc) -> None:
        return None

    def advance(self, amount: int = 1) -> None:
        self.completed += amount

    def update(self, *, total: int | None = None, description: str | None = None) -> None:
        if total is not None:
            self.total = total


class NullProgress:
    """Counts but shows nothing."""

    def task(self, description: str, total: int | None = None) -> _NullTask:
        return _NullTask(total)
