"""The pipeline runner: stages chained through the lifecycle hooks.

A stage is a name and a function ``fn(ctx, value) -> StageResult``; ``value`` is the
``output`` of the previous stage. The runner fires ``egregora_stage_started``, then
``egregora_stage_finished`` or ``egregora_stage_failed``, times each stage, and returns
the results in order. A failing stage stops the run: its exception propagates after the
failed hook, so later stages never see half-done work.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .config import Config
from .progress import NullProgress, Progress

if TYPE_CHECKING:  # pragma: no cover
    from .plugins import PluginManager
    from .project import Project

log = logging.getLogger("egregora.pipeline")


@dataclass
class Context:
    """Everything a stage may need. ``project`` is None for project-less commands."""

    project: Project | None
    config: Config
    plugins: PluginManager
    dry_run: bool = False
    progress: Progress = field(default_factory=NullProgress)
    options: dict[str, Any] = field(default_factory=dict)
    #: Dry run only: the rows the ingest would add, by lake table name ("messages", "media",
    #: "sources") as Arrow tables, so later stages report what the real run would do
    #: (read them through :class:`egregora_core.lake.WouldBeLake`).
    pending: dict[str, Any] = field(default_factory=dict)

    @property
    def hook(self) -> Any:
        return self.plugins.hook


@dataclass
class StageResult:
    """What a stage did. ``status`` is "ok", "skipped", "dry-run" or "failed"."""

    stage: str
    status: str = "ok"
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    detail: str = ""
    output: Any = None

    def summary(self) -> str:
        counts = ", ".join(f"{v:,} {k}" for k, v in self.counts.items())
        bits = [f"{self.stage}: {self.status}", counts, self.detail, f"{self.seconds:.2f}s"]
        return " · ".join(b for b in bits if b)


StageFn = Callable[[Context, Any], StageResult]


@dataclass
class Stage:
    name: str
    fn: StageFn


def _notify(ctx: Context, hook_name: str, **kwargs: Any) -> None:
    # Observers must never break a run: log and carry on.
    try:
        getattr(ctx.hook, hook_name)(ctx=ctx, **kwargs)
    except Exception as exc:
        log.warning("a %s hook raised %s; ignored", hook_name, type(exc).__name__)


def run_stages(ctx: Context, stages: Iterable[Stage], value: Any = None) -> list[StageResult]:
    """Run ``stages`` in order, passing each one's ``output`` to the next."""
    results: list[StageResult] = []
    for stage in stages:
        _notify(ctx, "egregora_stage_started", stage=stage.name)
        started = time.perf_counter()
        try:
            result = stage.fn(ctx, value)
        except BaseException as exc:
            _notify(ctx, "egregora_stage_failed", stage=stage.name, error=exc)
            raise
        if not isinstance(result, StageResult):
            raise TypeError(f"stage {stage.name} returned {type(result).__name__}, not StageResult")
        result.stage = stage.name
        result.seconds = time.perf_counter() - started
        if ctx.dry_run and result.status == "ok":
            result.status = "dry-run"
        _notify(ctx, "egregora_stage_finished", stage=stage.name, result=result)
        results.append(result)
        value = result.output
    return results
