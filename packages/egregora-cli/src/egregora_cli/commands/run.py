from __future__ import annotations

import tempfile
from pathlib import Path

import click
from egregora_core.errors import InputError
from egregora_core.extract import extract_stage
from egregora_core.pipeline import Stage, run_stages
from egregora_core.project import init_project

from ..app import AppState, pass_state
from ..ui import stdout


def _demo_export(state: AppState, folder: Path) -> Path:
    for extractor in state.plugins.extractors().values():
        demo = getattr(extractor, "demo_export", None)
        if demo is not None:
            return demo(folder)
    raise InputError(
        "no installed extractor ships a demo export", hint="pip install egregora-extract-whatsapp"
    )


@click.command("run")
@click.argument("exports", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--demo", is_flag=True, help="Run on the bundled synthetic sample in ./egregora-demo."
)
@click.option("--dry-run", is_flag=True, help="Show what would happen; write nothing.")
@click.option("--extractor", metavar="NAME", help="Extractor to use (default: detected).")
@pass_state
def command(
    state: AppState, exports: tuple[Path, ...], demo: bool, dry_run: bool, extractor: str | None
) -> None:
    """Run the whole pipeline on EXPORTS: extract → anonymize → load → embed → index → site.

    \b
    Examples:
      egregora run "WhatsApp Chat with Friends.zip"
      egregora run --demo
    """
    paths = list(exports)
    project = None
    if demo:
        root = Path("egregora-demo")
        project = init_project(root, force=True)
        paths.append(_demo_export(state, Path(tempfile.mkdtemp(prefix="egregora-demo-"))))
    if not paths:
        raise click.UsageError("give at least one export (or --demo)")
    ctx = state.context(dry_run=dry_run, project=project, extractor=extractor)
    results = run_stages(ctx, [Stage("extract", extract_stage)], paths)
    for result in results:
        stdout.print(result.summary(), highlight=False)
