from __future__ import annotations

import tempfile
from pathlib import Path

import click
from egregora_core.build import BUILD_STAGES
from egregora_core.errors import InputError
from egregora_core.pipeline import Context, Stage, StageResult, run_stages
from egregora_core.project import Project

from .. import limits as limit_flags
from ..app import AppState, pass_state
from ..ui import stdout
from .init import create_project

DEMO_DIR = Path("egregora-demo")


def _demo_export(state: AppState, folder: Path) -> Path:
    for extractor in state.plugins.extractors().values():
        demo = getattr(extractor, "demo_export", None)
        if demo is not None:
            return demo(folder)
    raise InputError(
        "no installed extractor ships a demo export", hint="pip install egregora-extract-whatsapp"
    )


def _demo_project(state: AppState) -> Project:
    project = Project(DEMO_DIR.resolve())
    return project if project.config_path.exists() else create_project(state, DEMO_DIR)[0]


def site_stage(ctx: Context, value: object = None) -> StageResult:
    """Write the site with the configured writer and build it (mkdocs --strict)."""
    writer = ctx.plugins.writers().get_or_fail(
        ctx.config["site.writer"], install_hint="pip install egregora-writer-mkdocs"
    )
    summary = writer.write(ctx, period=ctx.options.get("period"), build=True)
    counts = {k: v for k, v in summary.items() if isinstance(v, int) and k.endswith("written")}
    detail = f"site in {summary['site_dir']}" if summary.get("site_dir") else ""
    return StageResult("site", counts=counts, detail=detail, output=summary)


@click.command("run")
@click.argument("exports", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--demo", is_flag=True, help="Run on the bundled demo chat in ./egregora-demo.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show what the run would do (chunks, posts: computed from the rows the ingest would "
    "add); write nothing.",
)
@click.option("--extractor", metavar="NAME", help="Extractor to use (default: detected).")
@click.option("--timezone", metavar="TZ", help="IANA time zone of the exporting phone.")
@click.option(
    "--chat",
    metavar="NAME",
    help="The chat file to read when an export holds several (e.g. two .txt chats in one zip).",
)
@click.option(
    "--period",
    type=click.Choice(["day", "week", "month"]),
    help="Post period (default: site.period).",
)
@click.option("--embedder", metavar="NAME", help="Embedder to use (default: build.embedder).")
@click.option("--no-site", is_flag=True, help="Stop after the search index; do not write the site.")
@limit_flags.limit_option
@pass_state
def command(
    state: AppState,
    exports: tuple[Path, ...],
    demo: bool,
    dry_run: bool,
    extractor: str | None,
    timezone: str | None,
    chat: str | None,
    period: str | None,
    embedder: str | None,
    no_site: bool,
    limits: tuple[str, ...],
) -> None:
    """Run the whole pipeline on EXPORTS: ingest → embed → index → site.

    Each stage is also its own command (`ingest`, `build`, `site build`); `run` chains
    them with progress for every stage and prints a summary at the end.

    \b
    Examples:
      egregora run "WhatsApp Chat with Friends.zip"
      egregora run --demo          # the bundled demo chat, into ./egregora-demo
    """
    paths = list(exports)
    project = None
    if demo:
        project = _demo_project(state)
        paths.append(_demo_export(state, Path(tempfile.mkdtemp(prefix="egregora-demo-"))))
    if not paths:
        raise click.UsageError("give at least one export (or --demo)")
    ctx = state.context(
        dry_run=dry_run,
        overrides=limit_flags.parse(limits),
        project=project,
        extractor=extractor,
        timezone=timezone,
        chat=chat,
        period=period,
        embedder=embedder,
    )
    # imported here: the ingest machinery (ibis, ~0.2 s) is not needed by other commands
    from egregora_core.ingest import ingest

    results = ingest(ctx, paths)
    results += run_stages(ctx, BUILD_STAGES)
    if not no_site:
        results += run_stages(ctx, [Stage("site", site_stage)])
    stdout.print("Summary:", highlight=False)
    for result in results:
        stdout.print(f"  {result.summary()}", highlight=False, markup=False)
    if demo and not dry_run:
        stdout.print(
            f"Demo project: {ctx.project.root} "
            f'(try `egregora --project {DEMO_DIR} query "when is the trip?"`)'
        )
