"""``egregora ingest``: extract → anonymize → load one DuckLake snapshot (thin CLI over core)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import limits as limit_flags
from ..app import AppState, pass_state
from ..ui import stdout


def print_months(report: dict) -> None:
    """The rows a dry run would add, per group, month and kind."""
    for row in report["months"]:
        stdout.print(
            f"  would add {row['rows']:>8,} {row['kind']:<8} {row['group_slug']} {row['month']}",
            highlight=False,
            markup=False,
        )


@click.command("ingest")
@click.argument("exports", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would be added; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--extractor", metavar="NAME", help="Extractor to use (default: detected).")
@click.option("--date-order", type=click.Choice(["dmy", "mdy", "ymd"]), help="Day/month order.")
@click.option("--timezone", metavar="TZ", help="IANA time zone of the exporting phone.")
@click.option("--format", "fmt", metavar="F", help="Extractor-specific format override.")
@click.option("--group-name", metavar="N", help="Override the detected group name.")
@limit_flags.limit_option
@click.option(
    "--chat",
    metavar="NAME",
    help="The chat file to read when an export holds several (e.g. two .txt chats in one zip).",
)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    help="Where the transforms run (setting ingest.engine): duckdb (default) or spark.",
)
@pass_state
def command(
    state: AppState,
    exports: tuple[Path, ...],
    dry_run: bool,
    as_json: bool,
    extractor: str | None,
    date_order: str | None,
    timezone: str | None,
    fmt: str | None,
    group_name: str | None,
    limits: tuple[str, ...],
    chat: str | None,
    engine: str | None,
) -> None:
    """Ingest EXPORTS into the project's lake (anonymized; one snapshot per run).

    Re-ingesting an export adds nothing; an overlapping later export adds only the new
    messages.

    \b
    Examples:
      egregora ingest "WhatsApp Chat with Friends.zip"
      egregora ingest --dry-run --json chat.zip
      egregora ingest --engine spark exports/*.zip
    """
    ctx = state.context(
        dry_run=dry_run,
        overrides={**limit_flags.parse(limits), "ingest.engine": engine},
        extractor=extractor,
        date_order=date_order,
        timezone=timezone,
        format=fmt,
        group_name=group_name,
        chat=chat,
    )
    # imported here: the ingest machinery (ibis, ~0.2 s) is not needed by other commands
    from egregora_core.ingest import ingest

    results = ingest(ctx, list(exports))
    report = results[-1].output
    if as_json:
        stdout.print_json(json.dumps({"dry_run": dry_run, **report}, default=str))
        return
    for export in report["exports"]:
        counts = ", ".join(f"{n} {k}" for k, n in export["counts"].items())
        stdout.print(
            f"{export['file_name']} → group {export['group_slug']} "
            f"({export['extractor']}, {export['platform']}, {export['date_order']}, "
            f"{export['clock']}): {counts}; {export['first_ts']} … {export['last_ts']}",
            highlight=False,
            markup=False,
        )
    if dry_run:
        print_months(report)
    verb = "would add" if dry_run else "added"
    tail = (
        "" if dry_run or report["snapshot_id"] is None else f" (snapshot {report['snapshot_id']})"
    )
    stdout.print(
        f"{report['new']:,} new, {report['present']:,} already present: "
        f"{verb} {report['new']:,} messages{tail}",
        highlight=False,
    )
