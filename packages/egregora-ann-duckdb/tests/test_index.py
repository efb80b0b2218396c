"""egregora-ann-duckdb: the core conformance suite plus DuckDB-specific behaviour."""

from __future__ import annotations

import logging

import duckdb
import numpy as np
import pytest
from egregora_ann_duckdb import HnswIndex, IvfIndex
from egregora_ann_duckdb import index as index_module
from egregora_ann_duckdb.plugin import egregora_register_indexes
from egregora_core.errors import EgregoraError
from egregora_core.testing.conformance import VectorIndexTests


class TestIvfConformance(VectorIndexTests):
    @pytest.fixture
    def index(self):
        return IvfIndex()


class TestHnswConformance(VectorIndexTests):
    @pytest.fixture
    def index(self):
        return HnswIndex()


@pytest.fixture(params=[IvfIndex, HnswIndex], ids=["ivf", "hnsw"])
def index(request):
    return request.param()


@pytest.fixture
def db(tmp_path):
    """A file database with 500 clustered 8-d vectors; returns (path, vectors)."""
    rng = np.random.default_rng(3)
    data = rng.normal(size=(10, 8))[rng.integers(0, 10, 500)] + 0.1 * rng.normal(size=(500, 8))
    data = (data / np.linalg.norm(data, axis=1, keepdims=True)).astype(np.float32)
    path = tmp_path / "serving.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE vecs (id VARCHAR, vector FLOAT[8])")
    con.executemany(
        "INSERT INTO vecs VALUES (?, ?)", [(f"v{i}", row.tolist()) for i, row in enumerate(data)]
    )
    con.close()
    return path, data


def test_registered_under_duckdb():
    found = []
    egregora_register_indexes(found.append)
    assert [(i.name, i.kind) for i in found] == [("duckdb", "ivf"), ("duckdb-hnsw", "hnsw")]


def test_index_survives_reopen(index, db):
    path, data = db
    con = duckdb.connect(str(path))
    facts = index.build(con, "vecs", 8, "cosine")
    assert facts["kind"] == index.kind
    assert facts["rows"] == 500
    con.close()
    con = duckdb.connect(str(path))
    assert index.status(con, "vecs") == "fresh"
    hits = index.search(con, "vecs", data[42].tolist(), 3)
    assert hits[0][0] == "v42"
    assert hits[0][1] == pytest.approx(0.0, abs=1e-5)
    con.close()


def test_hnsw_index_is_used_after_reopen(db):
    path, _ = db
    index = HnswIndex()
    con = duckdb.connect(str(path))
    index.build(con, "vecs", 8, "cosine")
    con.close()
    con = duckdb.connect(str(path))
    assert "HNSW_INDEX_SCAN" in index.explain(con, "vecs", 8)
    con.close()


def test_vectors_table_stays_writable_without_vss(index, db):
    """The index lives on a copy: a connection without vss can still add vectors."""
    path, data = db
    con = duckdb.connect(str(path))
    index.build(con, "vecs", 8, "cosine")
    con.close()
    con = duckdb.connect(str(path))  # vss not loaded
    con.execute("INSERT INTO vecs VALUES ('extra', ?::FLOAT[8])", [data[0].tolist()])
    assert index.status(con, "vecs") == "stale"
    con.close()


def test_wrong_dimension_refused(index, db):
    path, _ = db
    con = duckdb.connect(str(path))
    with pytest.raises(EgregoraError, match="3 dimensions"):
        index.search(con, "vecs", [0.1, 0.2, 0.3], 5)
    con.close()


def test_extension_missing_falls_back_with_warning(db, caplog):
    path, data = db
    broken = HnswIndex(extension="no_such_extension")
    con = duckdb.connect(str(path))
    with caplog.at_level(logging.WARNING, logger="egregora.ann"):
        facts = broken.build(con, "vecs", 8, "cosine")
        assert facts["kind"] == "exact"
        hits = broken.search(con, "vecs", data[7].tolist(), 5)
    assert hits[0][0] == "v7"
    assert broken.status(con, "vecs") == "missing"
    assert any("exact" in r.getMessage() for r in caplog.records)
    con.close()


def test_stale_index_warns_and_answers_exactly(index, db, caplog):
    path, data = db
    con = duckdb.connect(str(path))
    index.build(con, "vecs", 8, "cosine")
    con.execute("DELETE FROM vecs WHERE id = 'v5'")
    with caplog.at_level(logging.WARNING, logger="egregora.ann"):
        hits = index.search(con, "vecs", data[5].tolist(), 3)
    assert "v5" not in [h[0] for h in hits]  # the stale copy still has v5; exact does not
    assert any("stale" in r.getMessage() for r in caplog.records)
    con.close()


def test_transient_errors_are_retried(monkeypatch):
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise duckdb.IOException("could not read block")
        return "ok"

    monkeypatch.setattr(index_module.time, "sleep", lambda s: None)
    assert index_module.retry(flaky) == "ok"
    assert len(calls) == 3


def test_persistent_errors_surface(monkeypatch):
    monkeypatch.setattr(index_module.time, "sleep", lambda s: None)

    def broken():
        raise duckdb.IOException("disk gone")

    with pytest.raises(duckdb.IOException):
        index_module.retry(broken, attempts=2)


def test_recall_gate_on_clustered_corpus(index):
    """The harness CI runs: the real index must clear the documented recall threshold."""
    from egregora_core.evaluation import (
        RECALL_THRESHOLD,
        clustered_vectors,
        evaluate,
        load_vectors,
        sample_queries,
    )

    con = duckdb.connect()
    load_vectors(con, "vecs", clustered_vectors(5000, 32))
    facts = index.build(con, "vecs", 32, "cosine")
    report = evaluate(con, "vecs", index, sample_queries(con, "vecs", 40), 10, build=facts)
    assert report.vectors == 5000
    assert report.recall_at_k >= RECALL_THRESHOLD
    assert report.index == f"{index.name} {index.kind}"
    con.close()


def test_dropped_copy_is_missing_and_search_still_answers(index, db, caplog):
    path, data = db
    con = duckdb.connect(str(path))
    index.build(con, "vecs", 8, "cosine")
    con.execute(f"DROP TABLE {index.ann_table('vecs')}")
    assert index.status(con, "vecs") == "missing"
    with caplog.at_level(logging.WARNING, logger="egregora.ann"):
        hits = index.search(con, "vecs", data[9].tolist(), 2)
    assert hits[0][0] == "v9"
    assert any("missing" in r.getMessage() for r in caplog.records)
    con.close()


def test_ivf_reads_only_the_probed_lists(db):
    path, data = db
    index = IvfIndex(list_size=25, candidates=100)  # 20 lists of ~25 rows: probe 4 of them
    con = duckdb.connect(str(path))
    facts = index.build(con, "vecs", 8, "cosine")
    assert (facts["nlist"], facts["nprobe"]) == (20, 4)
    ranges = index.ranges(con, "vecs", data[42].tolist())
    assert 0 < sum(hi - lo + 1 for lo, hi in ranges) < 250
    hits = index.search(con, "vecs", data[42].tolist(), 3)
    assert hits[0][0] == "v42"
    con.close()


def test_ivf_lists_are_contiguous_and_stored_uncompressed(db):
    path, _ = db
    index = IvfIndex()
    con = duckdb.connect(str(path))
    index.build(con, "vecs", 8, "cosine")
    lists = con.execute("SELECT list_id, lo, hi, n FROM vecs__ivf_lists").fetchall()
    assert sum(n for *_, n in lists) == 500
    for list_id, lo, hi, n in lists:
        assert hi - lo + 1 == n
        inside = con.execute(
            "SELECT DISTINCT list_id FROM vecs__ivf WHERE rowid BETWEEN ? AND ?", [lo, hi]
        ).fetchall()
        assert inside == [(list_id,)]
    kinds = con.execute(
        "SELECT DISTINCT compression FROM pragma_storage_info('vecs__ivf')"
        " WHERE column_name = 'vector' AND compression <> 'Constant'"
    ).fetchall()
    assert kinds == [("Uncompressed",)]
    assert con.execute("SELECT current_setting('force_compression')").fetchone()[0] == "auto"
    con.close()


def test_rebuild_refreshes_the_cached_lists(db):
    path, data = db
    index = IvfIndex()
    con = duckdb.connect(str(path))
    index.build(con, "vecs", 8, "cosine")
    index.search(con, "vecs", data[0].tolist(), 1)  # caches the lists of this build
    far = (-data[0]).tolist()
    con.execute("INSERT INTO vecs VALUES ('far', ?::FLOAT[8])", [far])
    index.build(con, "vecs", 8, "cosine")
    assert index.status(con, "vecs") == "fresh"
    assert index.search(con, "vecs", far, 1)[0][0] == "far"
    con.close()


def test_switching_kind_drops_the_other_copy(db):
    path, data = db
    con = duckdb.connect(str(path))
    HnswIndex().build(con, "vecs", 8, "cosine")
    ivf = IvfIndex()
    assert ivf.status(con, "vecs") == "missing"  # an HNSW build is not an IVF index
    ivf.build(con, "vecs", 8, "cosine")
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "vecs__hnsw" not in tables
    assert HnswIndex().status(con, "vecs") == "missing"
    assert ivf.search(con, "vecs", data[3].tolist(), 1)[0][0] == "v3"
    con.close()


@pytest.mark.parametrize("metric", ["l2sq", "ip"])
def test_ivf_other_metrics(db, metric):
    path, data = db
    index = IvfIndex(list_size=25, candidates=100)
    con = duckdb.connect(str(path))
    index.build(con, "vecs", 8, metric)
    for i in (7, 123, 480):
        assert index.search(con, "vecs", data[i].tolist(), 1)[0][0] == f"v{i}"
    con.close()


def test_ivf_on_an_empty_table(tmp_path):
    con = duckdb.connect(str(tmp_path / "empty.duckdb"))
    con.execute("CREATE TABLE vecs (id VARCHAR, vector FLOAT[4])")
    index = IvfIndex()
    assert index.build(con, "vecs", 4, "cosine")["rows"] == 0
    assert index.status(con, "vecs") == "fresh"
    assert index.search(con, "vecs", [1.0, 0.0, 0.0, 0.0], 3) == []
    con.close()
