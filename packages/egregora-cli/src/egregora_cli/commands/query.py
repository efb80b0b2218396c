from __future__ import annotations

import json
from datetime import datetime

import click
from egregora_core.query_syntax import parse_when
from egregora_core.search import MODES, search
from egregora_core.serving import Filters
from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from ..app import AppState, pass_state
from ..ui import stdout


def _when(value: str | None, option: str, *, end: bool = False) -> datetime | None:
    """A date (YYYY-MM-DD: whole day) or ISO timestamp; naive values are UTC."""
    return None if value is None else parse_when(value, option, end=end)


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
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="hybrid",
    show_default=True,
    help="vector: by meaning; text: by words (BM25); hybrid: both, fused by rank.",
)
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
    mode: str,
    exact: bool,
    embedder: str | None,
    as_json: bool,
) -> None:
    """Search the conversations: the K chunks that best match TEXT.

    TEXT may hold "exact phrases" and the filters from:NAME (pseudonym or alias),
    after:DATE, before:DATE and group:SLUG.

    \b
    Examples:
      egregora query "when is the next trip?"
      egregora query '"When can we meet?" after:2024-01-01'
      egregora query "churrasco from:ana" -k 5 --mode text --json
    """
    filters = Filters(
        group=group,
        since=_when(since, "--since"),
        until=_when(until, "--until", end=True),
        author=author,
    )
    ctx = state.context(embedder=embedder)
    hits = search(ctx, text, k, mode=mode, filters=filters, exact=exact)
    link_hits(ctx, hits)
    if as_json:
        for hit in hits:
            click.echo(json.dumps(hit.to_json(), ensure_ascii=False))
        return
    if not hits:
        stdout.print("No matching chunks.")
        return
    print_hits(stdout, hits)


def print_hits(console: Console, hits: list) -> None:
    """One block per hit: a heading line (rank, group, time span), then the snippet with
    the matched words highlighted, wrapped at word boundaries and indented, then the post's
    link. Readable at 80 columns, where a four-column table folds the text into a sliver."""
    for rank, hit in enumerate(hits, start=1):
        same_day = hit.end.date() == hit.start.date()
        end = f"{hit.end:%H:%M}" if same_day else f"{hit.end:%Y-%m-%d %H:%M}"
        heading = Text(f"{rank}. {hit.group} · {hit.start:%Y-%m-%d %H:%M} → {end}", style="bold")
        heading.truncate(console.width, overflow="ellipsis")
        shown = Text(hit.snippet or hit.text)
        for start, stop in hit.highlights:
            shown.stylize("bold reverse", start, stop)
        if hit.url:
            shown.append(f"\n{hit.url}", style="dim")
        if rank > 1:
            console.print()
        console.print(heading, markup=False, highlight=False)
        console.print(Padding(shown, (0, 0, 0, 3)), markup=False, highlight=False)


def link_hits(ctx, hits) -> None:
    """Fill each hit's ``url`` from the site writer, when it can tell (a site was built)."""
    writer = ctx.plugins.writers().get(ctx.config["site.writer"])
    post_url = getattr(writer, "post_url", None)
    if not callable(post_url):
        return
    for hit in hits:
        hit.url = post_url(ctx.project, hit.group, hit.start)
