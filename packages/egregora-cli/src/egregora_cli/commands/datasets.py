"""``egregora datasets``: the lake's snapshots (id, time, source, rows added)."""

from __future__ import annotations

import json

import click
from egregora_core.lake import Lake

from ..app import AppState, pass_state
from ..ui import stdout


@click.command("datasets")
@click.option("--json", "as_json", is_flag=True, help="Print the snapshots as JSON.")
@pass_state
def command(state: AppState, as_json: bool) -> None:
    """List the lake's snapshots: every ingest or import is one, readable with
    `egregora export TABLE OUT --snapshot N`."""
    with Lake.open(state.project(), read_only=True) as lake:
        rows = [
            {
                "snapshot_id": s["snapshot_id"],
                "time": str(s["time"]),
                "message": s["message"] or "",
                "sources": s["info"].get("sources", []),
                "rows_added": s["info"].get("rows_added", 0),
            }
            for s in lake.snapshots()
        ]
        tables = {name: lake.count(name) for name in lake.table_names()}
    if as_json:
        stdout.print_json(json.dumps({"snapshots": rows, "tables": tables}))
        return
    stdout.print(f"{'snap':>4}  {'time (UTC)':<19}  {'rows':<10} source", highlight=False)
    for row in rows:
        stdout.print(
            f"{row['snapshot_id']:>4}  {row['time'][:19]}  +{row['rows_added']:<9,} "
            f"{', '.join(row['sources']) or row['message'] or '-'}",
            highlight=False,
            markup=False,
        )
    stdout.print("tables: " + ", ".join(f"{k} ({v:,})" for k, v in tables.items()), highlight=False)
