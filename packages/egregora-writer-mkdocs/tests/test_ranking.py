"""ELO against hand-computed values, pairing, storage/export, the rank commands and the judge."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pexpect
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from egregora_writer_mkdocs.ranking import elo
from egregora_writer_mkdocs.ranking.store import RankStore

from .cli_host import State, make_cli

#: The offline narrator's titles of the sample's three weeks (English or Portuguese "and").
TITLES = {
    f"{a} {conj} {b}"
    for a, b in [("Alert", "script"), ("Praia", "sábado"), ("Viagem", "dezembro")]
    for conj in ("and", "e")
}


@pytest.mark.parametrize(
    ("ra", "rb", "outcome", "new_a", "new_b"),
    [
        # 1500 v 1500: expected 0.5 -> winner +16
        (1500, 1500, "left", 1516.0, 1484.0),
        (1500, 1500, "tie", 1500.0, 1500.0),
        # 1600 v 1400: expected = 1/(1+10^(-0.5)) = 0.7597469; 32 * 0.2402531 = 7.6881
        (1600, 1400, "left", 1607.6881, 1392.3119),
        (1600, 1400, "right", 1575.6881, 1424.3119),  # upset: 32 * 0.7597469 = 24.3119
        (1600, 1400, "tie", 1591.6881, 1408.3119),  # 32 * (0.5 - 0.7597469) = -8.3119
    ],
)
def test_elo_hand_computed(ra, rb, outcome, new_a, new_b):
    a, b = elo.update(ra, rb, outcome)
    assert a == pytest.approx(new_a, abs=1e-4)
    assert b == pytest.approx(new_b, abs=1e-4)
    assert a + b == pytest.approx(ra + rb)


def test_expected_score():
    assert elo.expected(1500, 1500) == 0.5
    assert elo.expected(1800, 1400) == pytest.approx(1 / (1 + 10 ** (-1)))


def test_pairing_prefers_fewest_games_and_avoids_rematches():
    rng = random.Random(1)
    games = {"a": 3, "b": 0, "c": 0, "d": 5}
    assert set(elo.pick_pair(["a", "b", "c", "d"], games, set(), rng)) == {"b", "c"}
    pair = elo.pick_pair(["a", "b", "c", "d"], games, {frozenset("bc")}, rng)
    assert "b" in pair or "c" in pair
    assert set(pair) != {"b", "c"}
    assert elo.pick_pair(["a"], {}, set(), rng) is None


def test_store_records_duels_and_exports(tmp_path):
    with RankStore(tmp_path / "serving.duckdb") as store:
        store.record("p1", "p2", "left", "test")
        store.record("p1", "p3", "tie", "test")
        ratings = store.ratings()
        assert ratings["p1"]["games"] == 2
        assert ratings["p1"]["wins"] == 1
        assert ratings["p1"]["ties"] == 1
        assert ratings["p2"]["rating"] == pytest.approx(1484.0)
        # p1 (1516) ties p3 (1500): 1516 + 32 * (0.5 - E), E = 1/(1+10^(-16/400))
        e = 1 / (1 + 10 ** (-16 / 400))
        assert ratings["p1"]["rating"] == pytest.approx(1516 + 32 * (0.5 - e))
        assert store.standings()[0]["post_id"] == "p1"
        parquet = store.export(tmp_path / "out", "parquet")
        csv = store.export(tmp_path / "csv", "csv")
    duels = pq.read_table(parquet[1])
    assert duels.num_rows == 2
    assert duels.column("outcome").to_pylist() == ["left", "tie"]
    assert pacsv.read_csv(csv[0]).num_rows == 3


@pytest.fixture
def built(project, make_ctx):
    make_ctx(project).plugins.writers()["mkdocs"].write(make_ctx(project))
    return project


class Scripted:
    name = "scripted"

    def __init__(self, answers):
        self.answers = list(answers)
        self.seen = []

    def judge(self, left, right):
        self.seen.append((left["post_id"], right["post_id"]))
        assert {"post_id", "title", "summary", "text"} <= set(left)
        return self.answers.pop(0)


def test_rank_with_a_plugged_judge_then_show_export_and_top_posts(built, tmp_path, make_ctx):
    from egregora_core import hookimpl

    judge = Scripted(["left", "right", "tie"])

    class JudgePlugin:
        @hookimpl
        def egregora_register_judges(self, register):
            register(judge)

    state = State(built)
    state.plugins.register(JudgePlugin(), "scripted-judge")
    runner = CliRunner()
    result = runner.invoke(
        make_cli(), ["rank", "--judge", "scripted", "--duels", "3", "--seed", "1"], obj=state
    )
    assert result.exit_code == 0, result.output
    assert "3 duel(s) recorded" in result.output
    games = {}
    for left, right in judge.seen:
        games[left] = games.get(left, 0) + 1
        games[right] = games.get(right, 0) + 1
    assert sorted(games.values()) == [2, 2, 2]  # 3 posts, 3 duels: fewest-games pairing is fair

    shown = runner.invoke(make_cli(), ["rank", "show", "--json"], obj=state)
    rows = [json.loads(line) for line in shown.output.splitlines()]
    assert [r["rank"] for r in rows] == [1, 2, 3]
    assert rows[0]["rating"] >= rows[1]["rating"] >= rows[2]["rating"]
    assert {r["title"] for r in rows} <= TITLES  # the offline narrator's titles

    out = tmp_path / "export"
    exported = runner.invoke(make_cli(), ["rank", "export", str(out), "--format", "csv"], obj=state)
    assert exported.exit_code == 0
    assert (out / "rank_duels.csv").is_file()

    writer = state.plugins.writers()["mkdocs"]
    writer.write(make_ctx(built))
    top = (built.root / "docs/top-posts.md").read_text()
    best = rows[0]["post_id"]
    assert top.index("| 1 |") < top.index("| 2 |")
    first_line = next(line for line in top.splitlines() if line.startswith("| 1 |"))
    assert f"{rows[0]['rating']:.0f}" in first_line
    assert best.split("/")[1] in first_line  # the file name starts with the post's date


def test_interactive_duel_through_a_terminal(built):
    host = Path(__file__).with_name("cli_host.py")
    child = pexpect.spawn(
        sys.executable,
        [str(host), str(built.root), "rank", "--duels", "2", "--seed", "3"],
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 140),
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "140", "TERM": "dumb"},
    )
    child.expect(r"Which post is better\?")
    assert "[1]" in child.before
    assert "[2]" in child.before
    assert any(title in child.before for title in TITLES)
    child.sendline("x")  # invalid: asked again
    child.expect(r"Which post is better\?")
    child.sendline("1")
    child.expect(r"Which post is better\?")
    child.sendline("q")
    child.expect("1 duel\\(s\\) recorded")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    with RankStore.open(built) as store:
        ratings = store.ratings()
    assert sorted(r["rating"] for r in ratings.values()) == [1484.0, 1516.0]


def test_rank_needs_posts(project):
    result = CliRunner().invoke(make_cli(), ["rank", "--duels", "1"], obj=State(project))
    assert "Need at least two posts" in result.output


def test_judges_see_quotes_as_typed(built):
    from egregora_writer_mkdocs.ranking.posts import rankable_posts

    posts = rankable_posts(built)
    hostile = posts["conversa-do-whatsapp-com-teste/2025-10-20"]["excerpt"]
    assert "<script>alert('x')</script> olha isso aqui pessoal" in hostile
    assert "[aqui](javascript:alert(1))" in hostile
    assert "\\" not in hostile


def test_rank_uses_the_judge_configured_from_the_project(built):
    from egregora_core import hookimpl

    configured = Scripted(["left"])

    class Configurable(Scripted):
        def configure(self, config):
            configured.config = config
            return configured

    unconfigured = Configurable([])

    class JudgePlugin:
        @hookimpl
        def egregora_register_judges(self, register):
            register(unconfigured)

    state = State(built)
    state.plugins.register(JudgePlugin(), "configurable-judge")
    result = CliRunner().invoke(
        make_cli(), ["rank", "--judge", "scripted", "--duels", "1"], obj=state
    )
    assert result.exit_code == 0, result.output
    assert len(configured.seen) == 1 and unconfigured.seen == []
    assert configured.config["rank.judge"] == "scripted"
