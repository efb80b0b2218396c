"""The built-in ``interactive`` judge: two post summaries side by side; a person picks.

For people who want to curate their group's best posts by hand. An LLM judge is any
other object with ``name`` and ``judge(left, right)``, registered through the same hook.
"""

from __future__ import annotations

from typing import Any

import click
from rich.columns import Columns
from rich.console import Console
from rich.panel import Panel
from rich.text import Text

CHOICES = {"1": "left", "2": "right", "t": "tie"}


class StopRanking(Exception):
    """The person asked to stop (``q``)."""


class SkipDuel(Exception):
    """The person skipped this pair (``s``)."""


def _panel(number: int, post: dict[str, Any], width: int) -> Panel:
    body = Text()
    body.append(post.get("title", ""), style="bold")
    body.append("\n" + post.get("date", ""), style="dim")
    body.append("\n\n" + post.get("summary", ""))
    excerpt = post.get("excerpt") or ""
    if excerpt:
        body.append("\n\n" + excerpt[:600], style="italic")
    return Panel(body, title=f"[{number}]", width=width)


class InteractiveJudge:
    name = "interactive"

    def __init__(self, console: Console | None = None):
        self.console = console

    def judge(self, left: dict[str, Any], right: dict[str, Any]) -> str:
        console = self.console or Console()
        width = max(30, min(60, (console.width - 4) // 2))
        console.print(Columns([_panel(1, left, width), _panel(2, right, width)]))
        answer = click.prompt(
            "Which post is better? 1 / 2 / t(ie) / s(kip) / q(uit)",
            type=click.Choice(["1", "2", "t", "s", "q"]),
            show_choices=False,
        )
        if answer == "q":
            raise StopRanking
        if answer == "s":
            raise SkipDuel
        return CHOICES[answer]
