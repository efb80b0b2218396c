"""egregora build / query / eval ann through the click group, with a fake embedder."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from egregora_cli import builtin
from egregora_cli.main import build_cli
from egregora_core.errors import EgregoraError
from egregora_core.lake import Lake
from egregora_core.plugins import make_plugin_manager
from egregora_core.testing import FakeEmbedder
from egregora_core.testing.vectors import ExactIndex, Provider, messages

ROWS = [
    ("family", 0, "aaaa0001", "pizza dinner tonight at home"),
    ("family", 200, "bbbb0002", "the tax forms are due tomorrow"),
    ("work", 0, "cccc0003", "meeting moved to friday"),
]


class WrongIndex(ExactIndex):
    """Returns the farthest vectors: recall 0."""

    name = "wrong"

    def search(self, con, table, vector, k, *, exact=False):
        if exact:
            return super().search(con, table, vector, k)
        dim = len(vector)
        return con.execute(
            f"SELECT id, array_cosine_distance(vector, ?::FLOAT[{dim}]) d FROM"
            f" {table} ORDER BY d DESC LIMIT ?",
            [list(vector), k],
        ).fetchall()


@pytest.fixture
def cli(egregora_project):
    plugins = make_plugin_manager(
        load_entry_points=False, env={}, extra_builtins=[(builtin, "egregora-cli", "0")]
    )
    plugins.register(Provider(FakeEmbedder(32, name="local")), "provider")
    plugins.register(Provider(index=WrongIndex()), "wrong")
    egregora_project.config_path.write_text('[index]\nname = "exact"\n', encoding="utf-8")
    with Lake.open(egregora_project) as lake:
        lake.write({"messages": messages(ROWS)})
    group = build_cli(plugins)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(
            group, ["--project", str(egregora_project.root), *args], catch_exceptions=True
        )

    return invoke


def test_build_then_query_json(cli):
    dry = cli("build", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would embed 3 of 3 chunks" in dry.output
    built = cli("build")
    assert built.exit_code == 0, built.output
    assert "3 embedded" in built.output
    result = cli("query", "pizza dinner", "-k", "2", "--json")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == 2
    assert set(lines[0]) == {
        "id",
        "score",
        "group",
        "start",
        "end",
        "authors",
        "text",
        "snippet",
        "highlights",
        "ranks",
        "url",
    }
    assert "pizza" in lines[0]["text"]
    assert lines[0]["authors"] == ["aaaa0001"]
    shown = lines[0]["snippet"]
    assert [shown[a:b].lower() for a, b in lines[0]["highlights"]][:1] == ["pizza"]
    assert lines[0]["ranks"].keys() <= {"vector", "text"}


def test_query_modes_and_syntax(cli):
    cli("build")
    text = cli("query", "pizza from:aaaa0001", "--mode", "text", "--json")
    assert text.exit_code == 0, text.output
    rows = [json.loads(line) for line in text.output.splitlines()]
    assert rows and all("aaaa0001" in r["authors"] for r in rows)
    assert all(set(r["ranks"]) == {"text"} for r in rows)
    bad = cli("query", "x after:someday")
    assert isinstance(bad.exception, EgregoraError)
    assert "after:" in str(bad.exception)


def test_eval_search_exit_status(cli, tmp_path):
    cli("build")
    labels = tmp_path / "qrels.jsonl"
    labels.write_text(
        json.dumps({"query": "pizza", "relevant_text": ["pizza dinner tonight at home"]})
    )
    good = cli("eval", "search", str(labels), "--k", "3", "--json")
    assert good.exit_code in (0, 1), good.output
    reports = {r["mode"]: r for r in map(json.loads, good.output.splitlines())}
    assert set(reports) == {"hybrid", "vector", "text"}
    assert reports["text"]["recall_at_k"] == 1.0
    too_high = cli("eval", "search", str(labels), "--mode", "hybrid", "--floor", "1.0")
    assert too_high.exit_code == (0 if reports["hybrid"]["recall_at_k"] == 1.0 else 1)


def test_query_table_and_filters(cli):
    cli("build")
    result = cli("query", "meeting", "--group", "work", "--until", "2024-03-01")
    assert result.exit_code == 0, result.output
    assert "meeting moved" in result.output
    assert "pizza" not in result.output
    none = cli("query", "meeting", "--since", "2030-01-01")
    assert "No matching chunks" in none.output


def test_bad_date_is_user_error(cli):
    cli("build")
    result = cli("query", "x", "--since", "yesterday")
    assert isinstance(result.exception, EgregoraError)
    assert "--since" in str(result.exception)


def test_query_before_build_is_user_error(cli):
    result = cli("query", "pizza")
    assert isinstance(result.exception, EgregoraError)
    assert "egregora build" in str(result.exception)


def test_eval_ann_synthetic_passes_and_fails(cli):
    good = cli("eval", "ann", "--synthetic", "500", "--dim", "16", "--queries", "20", "--json")
    report = json.loads(good.output)
    assert report["recall_at_k"] == 1.0
    assert report["passed"] is True
    assert report["vectors"] == 500
    assert report["mrr"] == 1.0
    assert good.exit_code == 0
    bad = cli("--project", ".", "eval", "ann", "--synthetic", "500", "--dim", "16")
    assert bad.exit_code != 0  # a bad --project is refused


def test_eval_ann_fails_below_threshold(cli, egregora_project):
    egregora_project.config_path.write_text('[index]\nname = "wrong"\n', encoding="utf-8")
    result = cli("eval", "ann", "--synthetic", "500", "--dim", "16", "--queries", "10", "--json")
    assert json.loads(result.output)["passed"] is False
    assert result.exit_code == 1


def test_eval_ann_on_project_vectors(cli):
    cli("build")
    result = cli("eval", "ann", "--queries", "3", "--k", "2", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["vectors"] == 3
