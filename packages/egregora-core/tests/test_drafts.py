"""The draft cache in the serving database: survives a reopen, preloads in one query."""

from __future__ import annotations

from egregora_core.drafts import DraftStore
from egregora_core.narrative import Draft, Paragraph, Portrait
from egregora_core.project import init_project


def draft(n):
    return Draft(f"title {n}", "s", ["t"], [Paragraph(f"text {n}", [f"m{n}"])], memo="x | y")


def test_drafts_and_memos_survive_a_reopen(tmp_path):
    project = init_project(tmp_path / "p")
    with DraftStore.open(project) as store:
        store.narrator = "fake"
        for n in range(5):
            store.put(f"k{n}", draft(n))
        store.put_memos({"g/2025-01-06": "topic | names"})
    with DraftStore.open(project) as store:
        assert store.preload([f"k{n}" for n in range(7)]) == 5
        assert store.get("k3") == draft(3)
        assert store.get("k9") is None
        assert store.count() == 5
        assert store.memos(["g/2025-01-06", "g/2025-01-13"]) == {"g/2025-01-06": "topic | names"}
        narrators = store.con.execute("SELECT DISTINCT narrator FROM drafts").fetchall()
        assert narrators == [("fake",)]


def test_preload_is_one_query(tmp_path):
    project = init_project(tmp_path / "p")
    with DraftStore.open(project) as store:
        for n in range(50):
            store.put(f"k{n}", draft(n))
    with DraftStore.open(project) as store:
        queries = []
        real = store.con

        class Counting:
            def execute(self, sql, *args):
                queries.append(sql)
                return real.execute(sql, *args)

            def close(self):
                real.close()

        store.con = Counting()
        store.store.con = Counting()
        store.preload([f"k{n}" for n in range(50)])
        assert [q for q in queries if "FROM drafts" in q] == [queries[-1]]
        for n in range(50):
            assert store.get(f"k{n}") == draft(n)
        assert len([q for q in queries if "FROM drafts" in q]) == 1


def test_a_dry_run_without_a_database_reads_nothing_and_writes_nothing(tmp_path):
    project = init_project(tmp_path / "p")
    with DraftStore.open(project, read_only=True) as store:
        assert store.get("k") is None
        store.put("k", draft(1))
        store.put_memos({"a": "b"})
    assert not project.serving_db.exists()


def test_portraits_are_kept_beside_the_drafts_and_survive_a_reopen(tmp_path):
    project = init_project(tmp_path / "p")
    with DraftStore.open(project) as store:
        store.narrator = "llm"
        for n in range(4):
            store.portraits.put(f"p{n}", Portrait(f"portrait {n}", [f"s{n}"]), item=f"{n:08x}")
        store.put("k0", draft(0))
    with DraftStore.open(project) as store:
        assert store.portraits.preload([f"p{n}" for n in range(6)]) == 4
        assert store.portraits.get("p2") == Portrait("portrait 2", ["s2"])
        assert store.portraits.get("k0") is None and store.get("p0") is None  # two tables
        assert store.portraits.count() == 4 and store.count() == 1
        rows = store.con.execute("SELECT narrator, member FROM portraits ORDER BY key").fetchall()
        assert rows[0] == ("llm", "00000000")


def test_portraits_preload_in_one_query_and_a_dry_run_writes_none(tmp_path):
    project = init_project(tmp_path / "p")
    with DraftStore.open(project, read_only=True) as store:
        store.portraits.put("p", Portrait("x"))
        assert store.portraits.get("p") == Portrait("x")  # kept for this run only
    assert not project.serving_db.exists()
    with DraftStore.open(project) as store:
        for n in range(30):
            store.portraits.put(f"p{n}", Portrait(f"portrait {n}"))
    with DraftStore.open(project) as store:
        queries = []
        real = store.con

        class Counting:
            def execute(self, sql, *args):
                queries.append(sql)
                return real.execute(sql, *args)

        store.con = Counting()
        store.portraits.preload([f"p{n}" for n in range(30)])
        assert all(store.portraits.get(f"p{n}").text == f"portrait {n}" for n in range(30))
        assert len([q for q in queries if "FROM portraits" in q]) == 1
