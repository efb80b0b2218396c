"""``egregora import FILE.parquet``: load a Parquet export (v3's own or egregora v2's)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..app import AppState, pass_state
from ..ui import stdout
from .ingest import print_months


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would be added; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_state
def command(state: AppState, file: Path, dry_run: bool, as_json: bool) -> None:
    """Import FILE.parquet: `egregora export messages` output or egregora v2's messages.

    The schema is checked first: a file with wrong columns is refused, naming each
    missing or mistyped column, and nothing is written. v2 files are re-anonymized.
    """
    # imported here: the ingest machinery (ibis, ~0.2 s) is not needed by other commands
    from egregora_core.ingest import import_file

    report = import_file(state.context(dry_run=dry_run), file)[-1].output
    if as_json:
        stdout.print_json(json.dumps({"dry_run": dry_run, **report}, default=str))
        return
    if dry_run:
        print_months(report)
    stdout.print(f"{report['new']:,} new, {report['present']:,} already present", highlight=False)
