"""The llm plugin end to end: a real project, the fake OpenAI-compatible server on 127.0.0.1.

Everything a model receives goes through the real provider client over HTTP; the raw
member names of the export (read in memory only) must never appear in a request.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_site_real_fixtures import FIXTURES, TESTE, raw_names

EXPORTS = (TESTE, FIXTURES / "whatsapp-chat-parser-example.zip")

llm_testing = pytest.importorskip("egregora_llm.testing")


@pytest.fixture(scope="module")
def cli():
    main = pytest.importorskip("egregora_cli.main")
    return main.run


@pytest.fixture(scope="module")
def built(cli, tmp_path_factory):
    """A project with two real exports ingested and a site built (one post a day)."""
    project = tmp_path_factory.mktemp("llm") / "project"
    assert cli(["init", str(project)]) == 0
    for export in EXPORTS:
        assert cli(["--project", str(project), "run", str(export)]) == 0
    assert cli(["--project", str(project), "site", "build", "--period", "day"]) == 0
    return project


def use_server(project: Path, server) -> None:
    """Point the project's [llm] settings at the fake server (no key: like Ollama)."""
    config = project / ".egregora" / "egregora.toml"
    text = config.read_text(encoding="utf-8").split("\n[llm]\n")[0]
    config.write_text(
        text + f'\n[llm]\nmodel = "{llm_testing.TEST_MODEL}"\nbase_url = "{server.base_url}"\n',
        encoding="utf-8",
    )


def test_rank_with_the_llm_judge_stores_elo(cli, built, capsys, monkeypatch):
    from egregora_core.project import open_project
    from egregora_writer_mkdocs.ranking.store import RankStore

    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    with llm_testing.FakeLLMServer(latency=0.01) as server:
        use_server(built, server)
        code = cli(
            ["--project", str(built), "rank", "--judge", "llm", "--duels", "4", "--seed", "3"]
        )
        records = list(server.records)
    out = capsys.readouterr().out
    assert code == 0 and "4 duel(s) recorded" in out, out
    assert [r.kind for r in records] == ["verdict"] * 4
    names = set().union(*map(raw_names, EXPORTS))
    for record in records:
        assert not [n for n in names if n in record.prompt]
    with RankStore.open(open_project(built)) as store:
        ratings = store.ratings()
    assert sum(r["games"] for r in ratings.values()) == 8
    assert any(r["rating"] != 1500 for r in ratings.values())
