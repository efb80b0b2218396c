from __future__ import annotations

import json
import textwrap
from datetime import UTC, date, datetime

import click
from egregora_core.errors import ConfigError
from egregora_core.search import query
from egregora_core.serving import Filters

from ..app import AppState, pass_state
from ..ui import stdout


def _when(value: str | None, option: str, *, end: bool = False) -> datetime | None:
    """A date (YYYY-MM-DD: whole day) or ISO timestamp; naive values are UTC."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return (
                moment.replace(hour=23, minute=59, second=59, microsecond=999999) if end else moment
            )
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"{option} must be a date like 2024-05-31 or an ISO timestamp, got {value!r}",
            where=option,
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@click.command("query")
@click.argument("text")
@click.option(
    "-k",
    "k",
    default=10,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Number of chunks to return.",
)
@click.option("--group", metavar="SLUG", help="Only this group.")
@click.option("--since", metavar="DATE", help="Only chunks that end on or after DATE.")
@click.option("--until", metavar="DATE", help="Only chunks that start on or before DATE.")
@click.option("--author", metavar="PSEUDONYM", help="Only chunks with a line by this pseudonym.")
@click.option("--exact", is_flag=True, help="Exact scan instead of the approximate index.")
@click.option("--embedder", metavar="NAME", help="Embedder (default: config build.embedder).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line (NDJSON).")
@pass_state
def command(
    state: AppState,
    text: str,
    k: int,
    group: str | None,
    since: str | None,
    until: str | None,
    author: str | None,
    exact: bool,
    embedder: str | None,
    as_json: bool,
) -> None:
    """Semantic search: the K conversation chunks closest in meaning to TEXT.

    \b
    Examples:
      egregora query "when is the next trip?"
      egregora query "churrasco" -k 5 --since 2024-01-01 --json
    """
    filters = Filters(
        group=group,
        since=_when(since, "--since"),
        until=_when(until, "--until", end=True),
        author=author,
    )
    ctx = state.context(embedder=embedder)
    hits = query(ctx, text, k, filters=filters, exact=exact)
    if as_json:
        for hit in hits:
            click.echo(json.dumps(hit.to_json(), ensure_ascii=False))
        return
    if not hits:
        stdout.print("No matching chunks.")
        return
    stdout.print(format_hits(hits, stdout.width), markup=False, highlight=False, soft_wrap=True)


def format_hits(hits: list, width: int) -> str:
    """One block per hit: a heading line (rank, score, group, time span), then the chunk's
    lines wrapped at word boundaries and indented. Readable at 80 columns, where a
    four-column table folds the text into a sliver."""
    width = max(40, width)
    blocks = []
    for rank, hit in enumerate(hits, 1):
        end = (
            f"{hit.end:%H:%M}"
            if hit.end.date() == hit.start.date()
            else f"{hit.end:%Y-%m-%d %H:%M}"
        )
        heading = f"{rank}. {hit.score:.3f} · {hit.group} · {hit.start:%Y-%m-%d %H:%M} → {end}"
        lines = [textwrap.shorten(heading, width, placeholder="…")]
        for line in hit.text.splitlines() or [""]:
            lines += textwrap.wrap(
                line, width, initial_indent="   ", subsequent_indent="     ", break_on_hyphens=False
            ) or [""]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
