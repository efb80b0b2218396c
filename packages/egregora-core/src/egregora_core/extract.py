"""The extract stage: pick an extractor for each input and run it (in memory only)."""

from __future__ import annotations

import logging
import stat
from pathlib import Path
from typing import Any

from .components import Extraction, ExtractOptions
from .errors import EgregoraError, InputError
from .pipeline import Context, StageResult
from .plugins import PluginManager

MIN_CONFIDENCE = 0.5
log = logging.getLogger("egregora.extract")


def choose_extractor(plugins: PluginManager, path: Path, name: str | None = None) -> Any:
    """The extractor named ``name``, else the one most confident about ``path``."""
    registry = plugins.extractors()
    check_kind(path)
    if name:
        return registry.get_or_fail(name)
    scores = []
    for extractor in registry.values():
        try:
            scores.append((float(extractor.sniff(path)), extractor.name, extractor))
        except Exception:
            scores.append((0.0, extractor.name, extractor))
    scores.sort(key=lambda item: (-item[0], item[1]))
    if not scores or scores[0][0] < MIN_CONFIDENCE:
        raise unrecognized(path, [extractor for _, _, extractor in scores])
    return scores[0][2]


#: File types refused by type: reading them never ends (a FIFO, /dev/zero) or means nothing.
_SPECIAL = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


def check_kind(path: Path) -> None:
    """Refuse what is not a regular file or a folder, before anything reads it."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError("file not found", where=str(path), hint="check the path") from None
    for test, kind in _SPECIAL:
        if test(mode):
            raise InputError(
                f"is {kind}, not an export file",
                where=str(path),
                hint="give the exported .zip or .txt (copy it to a file first)",
            )


def unrecognized(path: Path, extractors: list[Any]) -> EgregoraError:
    """No extractor is confident about ``path``: each one's own reason, when it has one.

    With a single reason the user gets that extractor's error as it is (the same line
    ``--extractor NAME`` would print); with several, one clause per extractor.
    """
    reasons: list[tuple[str, EgregoraError]] = []
    for extractor in extractors:
        diagnose = getattr(extractor, "diagnose", None)
        try:
            error = diagnose(path) if callable(diagnose) else None
        except Exception:  # a plugin's diagnosis must not hide the real answer
            error = None
        if isinstance(error, EgregoraError):
            reasons.append((extractor.name, error))
    if len(reasons) == 1:
        name, error = reasons[0]
        return InputError(f"{name}: {error.what}", where=error.where or str(path), hint=error.hint)
    if reasons:
        said = "; ".join(f"{name}: {error.what}" for name, error in reasons)
        return InputError(
            f"no extractor recognizes this input ({said})",
            where=str(path),
            hint="pass --extractor NAME for that extractor's full message",
        )
    if not extractors:
        return InputError(
            "no extractor is installed",
            where=str(path),
            hint="pip install egregora-extract-whatsapp (or the default set: pip install egregora)",
        )
    names = ", ".join(extractor.name for extractor in extractors)
    return InputError(  # installed already: suggesting to install one would lead nowhere
        f"no extractor recognizes this input (tried: {names})",
        where=str(path),
        hint="give the export as the app wrote it (WhatsApp: the .zip or its .txt); "
        "--extractor NAME forces one and shows its own error",
    )


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
        chat=ctx.options.get("chat"),
        max_messages=ctx.config["extract.max_messages"],
        max_chat_bytes=ctx.config["extract.max_chat_bytes"],
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
            # an extractor's choices are never silent (no file name: a one-to-one chat's
            # file name is a member's name)
            for warning in extraction.warnings:
                log.warning("%s: %s", extractor.name, warning)
            results.append((path, extractor.name, extraction))
            messages += extraction.messages.num_rows
            task.advance()
    return StageResult(
        "extract", counts={"exports": len(paths), "messages": messages}, output=results
    )
