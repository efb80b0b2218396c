"""``--limit NAME=N``: raise (or lower) one of the ``extract.max_*`` safety limits for a run."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import click
from egregora_core.config import SETTINGS

_SUFFIX = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_VALUE = re.compile(r"^\s*(\d+)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)


def _names() -> list[str]:
    return sorted(k.removeprefix("extract.") for k in SETTINGS if k.startswith("extract.max_"))


def parse(values: tuple[str, ...]) -> dict[str, int]:
    """``("max_total_bytes=100G",)`` -> ``{"extract.max_total_bytes": 107374182400}``."""
    overrides = {}
    for value in values:
        name, _, number = value.partition("=")
        name = name.strip().removeprefix("extract.")
        if name not in _names():
            raise click.BadParameter(
                f"{value!r}: NAME is one of {', '.join(_names())}", param_hint="--limit"
            )
        match = _VALUE.match(number)
        if not match:
            raise click.BadParameter(
                f"{value!r}: N is a whole number, optionally with K, M, G or T (e.g. 100G)",
                param_hint="--limit",
            )
        overrides[f"extract.{name}"] = int(match.group(1)) * _SUFFIX[match.group(2).lower()]
    return overrides


def limit_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--limit",
        "limits",
        multiple=True,
        metavar="NAME=N",
        help="Raise a safety limit for this run, e.g. max_total_bytes=100G, max_ratio=500 "
        "(the extract.max_* settings; repeatable).",
    )(command)
