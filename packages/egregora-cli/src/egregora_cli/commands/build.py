from __future__ import annotations

import click
from egregora_core.build import BUILD_STAGES
from egregora_core.pipeline import run_stages

from ..app import AppState, pass_state
from ..ui import stdout


@click.command("build")
@click.option(
    "--embedder", metavar="NAME", help="Embedder to use (default: config build.embedder)."
)
@click.option(
    "--index", "index_name", metavar="NAME", help="Vector index (default: config index.name)."
)
@click.option("--reindex", is_flag=True, help="Rebuild the vector index even if it is fresh.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show how many chunks would be embedded, estimated tokens and cost; write nothing.",
)
@pass_state
def command(
    state: AppState, embedder: str | None, index_name: str | None, reindex: bool, dry_run: bool
) -> None:
    """Chunk the lake's conversations, embed new chunks, and refresh the vector index.

    Only chunks whose text has no vector yet for the embedder and model are embedded
    (identical text is embedded once). Every batch is saved as it finishes, so an
    interrupted build continues where it stopped.

    \b
    Examples:
      egregora build
      egregora build --dry-run --embedder voyage
    """
    ctx = state.context(dry_run=dry_run, embedder=embedder, index=index_name, reindex=reindex)
    for result in run_stages(ctx, BUILD_STAGES):
        stdout.print(result.summary(), highlight=False, markup=False)
