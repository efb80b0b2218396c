"""``egregora export TABLE OUT``: write a lake table, as of any snapshot."""

from __future__ import annotations

from pathlib import Path

import click
from egregora_core.lake import EXPORT_FORMATS, Lake

from ..app import AppState, pass_state
from ..ui import stdout


@click.command("export")
@click.argument("table")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--snapshot", type=int, metavar="N", help="Snapshot id (default: latest).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(EXPORT_FORMATS)),
    default=None,
    help="Output format (default: from OUT's extension, else parquet).",
)
@pass_state
def command(state: AppState, table: str, out: Path, snapshot: int | None, fmt: str | None) -> None:
    """Write TABLE (messages, sources, media, preferences, ...) to OUT.

    \b
    Examples:
      egregora export messages messages.parquet
      egregora export messages old.csv --snapshot 3
    """
    fmt = fmt or {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl"}.get(out.suffix, "parquet")
    with Lake.open(state.project(), read_only=True) as lake:
        rows = lake.export(table, out, fmt=fmt, snapshot=snapshot)
    stdout.print(f"wrote {rows:,} rows of {table} to {out} ({fmt})", highlight=False)
