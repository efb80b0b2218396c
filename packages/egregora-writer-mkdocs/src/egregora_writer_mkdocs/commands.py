"""CLI commands added by this plugin: ``egregora site ...`` and ``egregora rank ...``.

They use the host's state object (``ctx.obj``: ``project()``, ``context()``, ``plugins``)
and nothing else from egregora-cli, so this package does not depend on it.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

import click

from . import mkdocs_run
from .ranking.judge import SkipDuel, StopRanking

# The ranking store and post list (ibis, ~0.7 s to import) are imported by the commands
# that use them: this module is loaded by every `egregora` command, `--help` included.

PERIOD = click.Choice(["day", "week", "month"])


def _summary_line(summary: dict[str, Any]) -> str:
    line = (
        f"posts: {summary['posts_written']} written, {summary['posts_unchanged']} unchanged, "
        f"{summary['posts_removed']} removed · profiles: {summary['profiles_written']} written, "
        f"{summary['profiles_removed']} removed · media: {summary['media_copied']} copied, "
        f"{summary['media_missing']} missing · redactions: {summary['redactions']}"
    )
    if "drafts_written" in summary:
        line += (
            f"\nprose ({summary['narrator']}): {summary['drafts_written']} written, "
            f"{summary['drafts_cached']} cached, {summary['drafts_fallback']} by the offline "
            f"fallback · portraits: {summary.get('portraits_written', 0)} written, "
            f"{summary.get('portraits_cached', 0)} cached, "
            f"{summary.get('portraits_fallback', 0)} by the offline fallback · "
            f"narrator calls: {summary['narrator_calls']}"
        )
    return line


def _todo_lines(todo: list[dict[str, Any]], what: str, narrator: str) -> list[str]:
    """A dry run's list of windows (or members) to write, with the estimated cost."""
    calls = sum(w["calls"] for w in todo)
    tokens_in = sum(w["input_tokens"] for w in todo)
    tokens_out = sum(w["output_tokens"] for w in todo)
    key = "window" if what == "window" else "member"
    return [
        f"would write {len(todo)} {what}(s) with the {narrator} narrator: "
        f"~{calls} call(s), ~{tokens_in:,} input and ~{tokens_out:,} output tokens",
        *(
            f"  {w[key]}  calls {w['calls']}  in ~{w['input_tokens']:,}  "
            f"out ~{w['output_tokens']:,}"
            for w in todo
        ),
    ]


def _left_line(left: list[str], what: str, meanwhile: str) -> list[str]:
    if not left:
        return []
    return [
        f"--max-calls reached: {len(left)} {what}(s) left for the next run "
        f"({meanwhile} until then): {', '.join(left[:10])}" + (" …" if len(left) > 10 else "")
    ]


def _narration_lines(summary: dict[str, Any], dry_run: bool) -> list[str]:
    """The dry run's to-do list (windows, then portraits), or what --max-calls left."""
    lines = []
    if dry_run and summary.get("to_write") is not None:
        lines += _todo_lines(summary["to_write"], "window", summary["narrator"])
        portraits = summary.get("portraits_to_write") or []
        if portraits:
            lines += _todo_lines(portraits, "portrait", summary["narrator"])
    lines += _left_line(summary.get("drafts_left") or [], "window", "shown with offline prose")
    lines += _left_line(summary.get("portraits_left") or [], "portrait", "offline portraits")
    return lines


@click.group("site")
def site() -> None:
    """Generate and preview the MkDocs Material site."""


@site.command("build")
@click.option(
    "--period", type=PERIOD, help="One post per day, week or month (default: site.period)."
)
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="First day to include.")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Last day to include (inclusive).")
@click.option("--no-mkdocs", is_flag=True, help="Write the Markdown only; skip `mkdocs build`.")
@click.option("--force", is_flag=True, help="Re-render every page and re-write every post's prose.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show what would change and which windows the narrator would write; write nothing.",
)
@click.option(
    "--narrator", "narrator", metavar="NAME", help="Narrator of the prose (default: site.narrator)."
)
@click.option(
    "--max-calls",
    type=click.IntRange(min=0),
    metavar="N",
    help="Narrate at most N windows in this run; the rest are left for the next one.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_obj
def site_build(
    state: Any,
    period: str | None,
    date_from: str | None,
    date_to: str | None,
    no_mkdocs: bool,
    force: bool,
    dry_run: bool,
    narrator: str | None,
    max_calls: int | None,
    as_json: bool,
) -> None:
    """Write posts, profiles and media from the lake, then run `mkdocs build --strict`.

    \b
    Examples:
      egregora site build
      egregora site build --period day --from 2025-01-01 --to 2025-01-31
      egregora site build --narrator llm --dry-run
      egregora site build --narrator llm --max-calls 50
    """
    ctx = state.context(
        dry_run=dry_run, overrides={"site.period": period, "site.narrator": narrator}
    )
    writer = state.plugins.writers().get_or_fail(ctx.config["site.writer"])
    summary = writer.write(
        ctx,
        period=period,
        date_from=date_from,
        date_to=date_to,
        force=force,
        build=not no_mkdocs,
        max_calls=max_calls,
    )
    if as_json:
        click.echo(json.dumps({k: v for k, v in summary.items() if k != "files"}, default=str))
    else:
        click.echo(_summary_line(summary))
        for line in _narration_lines(summary, dry_run):
            click.echo(line)
        if "site_dir" in summary:
            click.echo(f"site built in {summary['site_dir']}")


@site.command("serve")
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1.")
@click.pass_obj
def site_serve(state: Any, port: int) -> None:
    """Preview the site on http://127.0.0.1:PORT (live reload; Ctrl-C to stop)."""
    project = state.project()
    click.echo(f"Serving on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
    sys.stdout.flush()
    mkdocs_run.serve(project.root, port)


@click.group("rank", invoke_without_command=True)
@click.option("--judge", "judge_name", metavar="NAME", help="Judge to use (default: rank.judge).")
@click.option("--duels", default=10, show_default=True, help="How many duels to run.")
@click.option("--seed", type=int, default=None, help="Seed for pairing ties (reproducible runs).")
@click.pass_context
def rank(click_ctx: click.Context, judge_name: str | None, duels: int, seed: int | None) -> None:
    """Rank posts by duels (ELO: 1500 start, K=32, fewest-games pairing).

    Without a subcommand, runs DUELS duels with the judge; `rank show` lists standings.

    \b
    Examples:
      egregora rank --duels 20
      egregora rank show
      egregora rank export rankings/ --format csv
    """
    if click_ctx.invoked_subcommand is not None:
        return
    from .ranking.posts import rankable_posts
    from .ranking.store import RankStore

    state = click_ctx.obj
    ctx = state.context(overrides={"rank.judge": judge_name})
    judge = state.plugins.judges().get_or_fail(ctx.config["rank.judge"])
    configure = getattr(judge, "configure", None)  # e.g. the llm judge reads [llm]
    if callable(configure):
        judge = configure(ctx.config) or judge
    posts = rankable_posts(ctx.project)
    if len(posts) < 2:
        click.echo("Need at least two posts to rank: run `egregora site build` first.")
        return
    from .ranking import elo

    rng = random.Random(seed)
    done = 0
    with RankStore.open(ctx.project) as store:
        played = store.played()
        for _ in range(duels):
            games = {p: r["games"] for p, r in store.ratings().items()}
            left, right = elo.pick_pair(sorted(posts), games, played, rng)
            try:
                outcome = judge.judge(posts[left], posts[right])
            except SkipDuel:
                played.add(frozenset((left, right)))
                continue
            except StopRanking:
                break
            if outcome not in elo.SCORES:
                raise click.ClickException(f"judge {judge.name!r} returned {outcome!r}")
            store.record(left, right, outcome, judge.name)
            played.add(frozenset((left, right)))
            done += 1
    click.echo(
        f"{done} duel(s) recorded. See `egregora rank show`; "
        "`egregora site build` updates the Top posts page."
    )


@rank.command("show")
@click.option("--top", default=20, show_default=True, help="How many posts to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@click.pass_obj
def rank_show(state: Any, top: int, as_json: bool) -> None:
    """List the standings, best first."""
    from .ranking.posts import rankable_posts
    from .ranking.store import RankStore

    project = state.project()
    posts = rankable_posts(project)
    rows = RankStore.read_standings(project)[:top]
    if not rows:
        click.echo("No duels yet: run `egregora rank`.")
        return
    with RankStore.open(project) as store:
        full = store.ratings()
    for i, row in enumerate(rows, 1):
        r = full[row["post_id"]]
        title = posts.get(row["post_id"], {}).get("title", "(post no longer in the site)")
        if as_json:
            click.echo(json.dumps({"rank": i, **r, "title": title}))
        else:
            click.echo(
                f"{i:3d}. {r['rating']:7.1f}  {r['wins']}W {r['losses']}L {r['ties']}T  "
                f"{title}  [{r['post_id']}]"
            )


@rank.command("export")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["parquet", "csv"]), default="parquet", show_default=True
)
@click.pass_obj
def rank_export(state: Any, out: Path, fmt: str) -> None:
    """Export ratings and the full duel history to OUT/rank_ratings.* and OUT/rank_duels.*."""
    from .ranking.store import RankStore

    with RankStore.open(state.project()) as store:
        for path in store.export(out, fmt):
            click.echo(str(path))
