"""The extract stage: pick an extractor for each input and run it (in memory only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .components import Extraction, ExtractOptions
from .errors import InputError
from .pipeline import Context, StageResult
from .plugins import PluginManager

MIN_CONFIDENCE = 0.5


def choose_extractor(plugins: PluginManager, path: Path, name: str | None = None) -> Any:
    """The extractor named ``name``, else the one most confident about ``path``."""
    registry = plugins.extractors()
    if name:
        return registry.get_or_fail(name)
    if not path.exists():
        raise InputError("file not found", where=str(path), hint="check the path")
    scores = []
    for extractor in registry.values():
        try:
            scores.append((float(extractor.sniff(path)), extractor.name, extractor))
        except Exception:
            scores.append((0.0, extractor.name, extractor))
    scores.sort(key=lambda item: (-item[0], item[1]))
    if not scores:
        raise InputError(
            "no extractor is installed",
            where=str(path),
            hint="pip install egregora-extract-whatsapp (or the default set: pip install egregora)",
        )
    if scores[0][0] < MIN_CONFIDENCE:
        tried = "; ".join(f"{n} {s:.2f}{_why(e, path)}" for s, n, e in scores)
        raise InputError(
            f"no extractor recognizes this input (confidence: {tried})",
            where=str(path),
            hint="give the export as the app wrote it (a WhatsApp export is a .zip or its .txt); "
            "--extractor NAME forces one and shows its own error",
        )
    return scores[0][2]


def _why(extractor: Any, path: Path) -> str:
    """`` — <the extractor's reason>`` when it explains itself (optional), else nothing."""
    explain = getattr(extractor, "explain", None)
    if not callable(explain):
        return ""
    try:
        reason = str(explain(path) or "").strip().replace("\n", " ")[:200]
    except Exception:
        return ""
    return f" — {reason}" if reason else ""


def extract_options(ctx: Context) -> ExtractOptions:
    order = ctx.options.get("date_order") or ctx.config["extract.date_order"]
    return ExtractOptions(
        date_order=None if order == "auto" else order,
        timezone=ctx.options.get("timezone") or ctx.config["extract.timezone"],
        format=ctx.options.get("format"),
        group_name=ctx.options.get("group_name"),
        limits={
            key.removeprefix("extract."): value
            for key, value, _ in ctx.config.items()
            if key.startswith("extract.max_")
        },
    )


def extract_stage(ctx: Context, paths: list[Path]) -> StageResult:
    """Extract every input; the output is ``[(path, extractor name, Extraction)]``."""
    options = extract_options(ctx)
    results: list[tuple[Path, str, Extraction]] = []
    messages = 0
    with ctx.progress.task("Extracting", total=len(paths)) as task:
        for path in paths:
            extractor = choose_extractor(ctx.plugins, path, ctx.options.get("extractor"))
            extraction = extractor.extract(path, options)
            results.append((path, extractor.name, extraction))
            messages += extraction.messages.num_rows
            task.advance()
    return StageResult(
        "extract", counts={"exports": len(paths), "messages": messages}, output=results
    )
