"""Terminal output: rich logging to stderr and rich progress bars for long work."""

from __future__ import annotations

import logging
import time
from contextlib import AbstractContextManager

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

stderr = Console(stderr=True, soft_wrap=True)
stdout = Console(soft_wrap=True)


def setup_logging(verbosity: int) -> None:
    """-q: warnings only; default: info; -v: debug with tracebacks."""
    level = logging.WARNING if verbosity < 0 else logging.DEBUG if verbosity > 0 else logging.INFO
    handler = RichHandler(
        console=stderr,
        show_time=verbosity > 0,
        show_path=verbosity > 0,
        rich_tracebacks=verbosity > 0,
        markup=False,
    )
    root = logging.getLogger("egregora")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


class RateColumn(ProgressColumn):
    """Items per second (rich's speed is only known after a few updates)."""

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f}/s", style="progress.data.speed")


class _RichTask(AbstractContextManager):
    def __init__(self, owner: RichProgress, description: str, total: int | None):
        self.owner = owner
        self.description = description
        self.total = total
        self.task_id = None
        self.done = 0
        self.started = 0.0

    def __enter__(self) -> _RichTask:
        self.started = time.monotonic()
        if self.owner.live:
            self.owner._start()
            self.task_id = self.owner.bar.add_task(self.description, total=self.total)
        return self

    def __exit__(self, *exc) -> None:
        if self.owner.live:
            self.owner.bar.stop_task(self.task_id)
            self.owner._stop()
        elif self.owner.enabled and exc[0] is None:
            # Not a terminal (a pipe, a log file, CI): no bars, whose redraws leave blank
            # lines there; one plain line when the work is done.
            count = f"{self.done:,}" + (f"/{self.total:,}" if self.total is not None else "")
            seconds = time.monotonic() - self.started
            self.owner.console.print(
                f"{self.description}: {count} in {seconds:.1f}s", highlight=False, markup=False
            )

    def advance(self, amount: int = 1) -> None:
        self.done += amount
        if self.owner.live:
            self.owner.bar.advance(self.task_id, amount)

    def update(self, *, total: int | None = None, description: str | None = None) -> None:
        self.total = total if total is not None else self.total
        self.description = description or self.description
        if self.owner.live:
            self.owner.bar.update(self.task_id, total=total, description=description)


class RichProgress:
    """egregora_core.progress.Progress shown as rich bars with rate and ETA (hidden with -q)."""

    def __init__(self, *, enabled: bool = True, console: Console | None = None):
        self.console = console or stderr
        self.enabled = enabled
        self.live = enabled and self.console.is_terminal  # bars only where they can redraw
        self.bar = Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            RateColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            disable=not self.live,
            transient=True,
        )
        self._depth = 0

    def _start(self) -> None:
        if self._depth == 0:
            self.bar.start()
        self._depth += 1

    def _stop(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            self.bar.stop()

    def task(self, description: str, total: int | None = None) -> _RichTask:
        return _RichTask(self, description, total)
