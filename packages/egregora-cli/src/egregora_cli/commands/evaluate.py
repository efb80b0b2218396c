from __future__ import annotations

import json
import tempfile
from dataclasses import fields
from pathlib import Path

import click
import duckdb
from egregora_core.build import select_embedder, select_index
from egregora_core.config import load_config
from egregora_core.errors import ProjectNotFound
from egregora_core.evaluation import (
    RECALL_THRESHOLD,
    AnnReport,
    clustered_vectors,
    evaluate,
    evaluate_search,
    load_qrels,
    load_vectors,
    sample_queries,
)
from egregora_core.pipeline import Context
from egregora_core.search import MODES, require_space
from egregora_core.serving import ServingStore
from rich.table import Table

from ..app import AppState, pass_state
from ..ui import stdout


@click.group("eval")
def command() -> None:
    """Evaluate search quality."""


@command.command("ann")
@click.option("--k", "k", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option(
    "--queries",
    default=100,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Number of query vectors.",
)
@click.option(
    "--synthetic",
    type=click.IntRange(10, 10_000_000),
    metavar="N",
    help="Use a fixed generated corpus of N clustered vectors instead of the project's.",
)
@click.option(
    "--dim",
    default=384,
    show_default=True,
    type=click.IntRange(2, 4096),
    help="Dimensions of the --synthetic corpus.",
)
@click.option(
    "--threshold",
    default=RECALL_THRESHOLD,
    show_default=True,
    type=float,
    help="Minimum recall@k; below it the exit status is 1.",
)
@click.option(
    "--min-speedup",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0.0),
    help="Minimum p50 speed-up of the index over the exact scan; below it the exit status is 1.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@pass_state
def ann(
    state: AppState,
    k: int,
    queries: int,
    synthetic: int | None,
    dim: int,
    threshold: float,
    min_speedup: float,
    as_json: bool,
) -> None:
    """ANN index vs exact scan: recall@k, precision@k, MRR, latency, build time and size.

    recall@k counts out of min(k, vectors). Exit status 1 when recall@k is below the
    threshold or the p50 speed-up below --min-speedup (CI runs
    `egregora eval ann --synthetic 200000 --min-speedup 10`).
    """
    if synthetic:
        report = _synthetic(state, synthetic, dim, queries, k, threshold)
    else:
        report = _project(state, queries, k, threshold)
    report.min_speedup = min_speedup
    if as_json:
        click.echo(json.dumps(report.to_json()))
    else:
        for field in fields(report):
            value = getattr(report, field.name)
            if field.name == "note" and not value:
                continue
            shown = f"{value:.4g}" if isinstance(value, float) else value
            stdout.print(f"{field.name:>15}: {shown}", highlight=False, markup=False)
        if report.passed:
            stdout.print("PASS")
        elif report.recall_at_k < threshold:
            stdout.print(f"FAIL: recall@{k} below {threshold}")
        else:
            stdout.print(f"FAIL: speed-up {report.speedup_p50:.1f}x below {min_speedup}x")
    if not report.passed:
        click.get_current_context().exit(1)


def _synthetic(
    state: AppState, n: int, dim: int, queries: int, k: int, threshold: float
) -> AnnReport:
    project = _maybe_project(state)
    config = project.config() if project else load_config(None)
    index = select_index(Context(project=project, config=config, plugins=state.plugins))
    vectors = clustered_vectors(n, dim)
    # In a database file, reopened before the queries: what `egregora query` searches. An
    # in-memory table is scanned ~3x faster than the stored one (no decompression), which
    # would time an exact scan no user runs.
    with tempfile.TemporaryDirectory(prefix="egregora-eval-ann-") as tmp:
        path = str(Path(tmp) / "eval.duckdb")
        with duckdb.connect(path) as con:
            load_vectors(con, "eval_vectors", vectors)
            con.execute("CHECKPOINT")
            facts = index.build(con, "eval_vectors", dim, "cosine")
        with duckdb.connect(path) as con:
            probes = sample_queries(con, "eval_vectors", queries)
            return evaluate(con, "eval_vectors", index, probes, k, build=facts, threshold=threshold)


def _project(state: AppState, queries: int, k: int, threshold: float) -> AnnReport:
    ctx = state.context()
    embedder, index = select_embedder(ctx), select_index(ctx)
    with ServingStore.open(ctx.project) as store:
        space = require_space(store, embedder)
        if index.status(store.con, space.table) != "fresh":
            facts = index.build(store.con, space.table, space.dimensions, space.metric)
        else:  # report the last build's facts when the index can tell them
            describe = getattr(index, "describe", None)
            facts = describe(store.con, space.table) if callable(describe) else None
        probes = sample_queries(store.con, space.table, queries)
        return evaluate(store.con, space.table, index, probes, k, build=facts, threshold=threshold)


@command.command("search")
@click.argument("qrels", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--k", "k", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option(
    "--mode",
    "modes",
    multiple=True,
    type=click.Choice(MODES),
    help="Modes to evaluate (repeatable; default: all three).",
)
@click.option(
    "--floor",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0.0, 1.0),
    help="Minimum recall@k of hybrid search; below it the exit status is 1.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per mode (NDJSON).")
@pass_state
def search_eval(
    state: AppState, qrels: Path, k: int, modes: tuple[str, ...], floor: float, as_json: bool
) -> None:
    """Search relevance on labelled queries: recall@k, MRR and nDCG@k for each mode.

    QRELS is a JSONL file, one labelled query a line:
    {"query": "...", "relevant": [message or chunk ids]} or, portable across projects,
    {"query": "...", "relevant_text": [exact texts of the answering messages]};
    an optional "kind" groups recall by kind of query.

    Exit status 1 when hybrid's recall@k is below vector-only's or below --floor.
    """
    ctx = state.context()
    reports = evaluate_search(ctx, load_qrels(qrels), k, modes)
    by_mode = {r.mode: r for r in reports}
    failures = []
    if "hybrid" in by_mode:
        hybrid = by_mode["hybrid"].recall_at_k
        if hybrid < floor:
            failures.append(f"hybrid recall@{k} {hybrid:.3f} is below the floor {floor:.3f}")
        if "vector" in by_mode and hybrid < by_mode["vector"].recall_at_k:
            failures.append(
                f"hybrid recall@{k} {hybrid:.3f} is below vector-only's "
                f"{by_mode['vector'].recall_at_k:.3f}"
            )
    if as_json:
        for report in reports:
            click.echo(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        table = Table()
        for column in ("mode", "queries", f"recall@{k}", "MRR", f"nDCG@{k}", "recall by kind"):
            table.add_column(column)
        for r in reports:
            kinds = ", ".join(f"{kind} {v:.2f}" for kind, v in r.recall_by_kind.items())
            table.add_row(
                r.mode,
                str(r.queries),
                f"{r.recall_at_k:.3f}",
                f"{r.mrr:.3f}",
                f"{r.ndcg_at_k:.3f}",
                kinds,
            )
        stdout.print(table)
        stdout.print("PASS" if not failures else "FAIL: " + "; ".join(failures), markup=False)
    if failures:
        click.get_current_context().exit(1)


def _maybe_project(state: AppState):
    try:
        return state.project()
    except ProjectNotFound:
        return None
