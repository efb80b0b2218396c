"""Hybrid search (BM25 + vectors, fused by rank), the query syntax and the relevance harness."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb
import numpy as np
import pytest
from egregora_core.build import BUILD_STAGES
from egregora_core.errors import ConfigError, InputError
from egregora_core.evaluation import (
    evaluate,
    evaluate_search,
    load_qrels,
    load_vectors,
    ranking_metrics,
)
from egregora_core.lake import Lake
from egregora_core.pipeline import Context, run_stages
from egregora_core.query_syntax import parse_query
from egregora_core.search import Hit, fuse, search, snippet
from egregora_core.serving import ServingStore
from egregora_core.testing import FakeEmbedder
from egregora_core.testing.vectors import ExactIndex, Provider, messages

# Conversations > 30 minutes apart: one chunk each.
ROWS = [
    ("trips", 0, "aaaa0001", "Reservei a casa em Ilhabela de 14 a 17 de março"),
    ("trips", 1, "bbbb0002", "que ótimo, vamos de balsa"),
    ("trips", 120, "bbbb0002", "My flight number is LA 3472, landing at 06:40"),
    ("trips", 240, "cccc0003", "When can we meet? Friday or Saturday"),
    ("home", 0, "aaaa0001", "a conta de luz veio alta este mês"),
    ("home", 300, "cccc0003", "alguém viu o jogo ontem?"),
]


@pytest.fixture
def built(egregora_project, egregora_register):
    plugins = egregora_register(Provider(FakeEmbedder(32)), name="provider")
    with Lake.open(egregora_project) as lake:
        lake.write({"messages": messages(ROWS)})
    ctx = Context(
        project=egregora_project,
        config=egregora_project.config(env={}),
        plugins=plugins,
        options={"embedder": "fake", "index": "exact"},
    )
    run_stages(ctx, BUILD_STAGES)
    return ctx


def ids(hits: list[Hit]) -> list[str]:
    return [hit.text for hit in hits]


# -- query syntax -------------------------------------------------------------------------
def test_query_operators_and_phrases():
    parsed = parse_query('churrasco "sábado que vem" from:ana after:2024-05-01 group:amigos')
    assert parsed.words == "churrasco"
    assert parsed.phrases == ("sábado que vem",)
    assert parsed.author == "ana" and parsed.group == "amigos"
    assert parsed.since == datetime(2024, 5, 1, tzinfo=UTC)
    assert parsed.ranked_text == "churrasco sábado que vem"


def test_before_excludes_the_day_and_bad_dates_say_which():
    parsed = parse_query("x before:2024-06-01")
    assert parsed.until < datetime(2024, 6, 1, tzinfo=UTC)
    assert parsed.until > datetime(2024, 5, 31, 23, 59, tzinfo=UTC)
    with pytest.raises(ConfigError, match="after:"):
        parse_query("x after:yesterday")
    with pytest.raises(ConfigError, match="from:"):
        parse_query("x from:")


def test_a_lone_quote_is_not_a_phrase():
    parsed = parse_query("it's \"odd")
    assert parsed.phrases == () and parsed.words == "it's odd"


# -- fusion and snippets --------------------------------------------------------------------
def _hit(chunk_id: str) -> Hit:
    t = datetime(2024, 1, 1, tzinfo=UTC)
    return Hit(chunk_id, 0.0, "g", t, t, [], chunk_id)


def test_rrf_puts_agreement_first_then_either_list_top():
    fused = fuse(
        {
            "vector": [_hit("a"), _hit("b"), _hit("c")],
            "text": [_hit("c"), _hit("d")],
        },
        k=4,
    )
    assert [h.id for h in fused] == ["c", "a", "b", "d"]  # b and d tie: time, then id
    assert fused[0].ranks == {"vector": 3, "text": 1}
    assert fused[0].score == pytest.approx(1 / 63 + 1 / 61)


def test_snippet_highlights_words_ignoring_case_and_accents():
    text = "ana: oi\nbia: When can we MEET? sexta\nana: sábado na praça"
    shown, spans = snippet(text, "meeting praca sabado", ())
    assert [shown[a:b] for a, b in spans] == ["MEET", "sábado", "praça"]
    shown, spans = snippet(text, "", ("we meet",))
    assert [shown[a:b] for a, b in spans] == ["we MEET"]


# -- search over a built project ------------------------------------------------------------
def test_text_search_finds_exact_codes_and_numbers(built):
    hits = search(built, "LA 3472", 3, mode="text")
    assert "LA 3472" in hits[0].text
    assert hits[0].ranks == {"text": 1}
    assert [hits[0].snippet[a:b] for a, b in hits[0].highlights] == ["LA", "3472"]


def test_hybrid_puts_the_exact_match_first(built):
    hits = search(built, "When can we meet?", 3)
    assert "When can we meet?" in hits[0].text
    assert "text" in hits[0].ranks and "vector" in hits[0].ranks


def test_phrase_and_filters_restrict_every_mode(built):
    for mode in ("text", "vector", "hybrid"):
        hits = search(built, '"conta de luz"', 5, mode=mode)
        assert len(hits) == 1 and "conta de luz" in hits[0].text
        assert all(h.group == "home" for h in search(built, "balsa group:home", 5, mode=mode))
        assert search(built, "Ilhabela before:2024-03-01", 5, mode=mode) == []
        assert search(built, "Ilhabela after:2024-03-01", 5, mode=mode)


def test_from_accepts_pseudonym_or_alias(built):
    with ServingStore.open(built.project) as store:
        store.sync_members([("cccc0003", "Carla")])
    for author in ("cccc0003", "carla"):
        hits = search(built, f"meet from:{author}", 5, mode="text")
        assert hits and all("cccc0003" in h.authors for h in hits)


def test_a_query_of_only_filters_is_refused(built):
    with pytest.raises(ConfigError, match="no words"):
        search(built, "from:aaaa0001", 5)


def test_text_index_follows_the_chunks(built, egregora_project):
    with Lake.open(egregora_project) as lake:
        lake.append("messages", messages([("home", 900, "aaaa0001", "paguei o IPTU hoje")]))
    assert search(built, "IPTU", 3, mode="text") == []  # index not rebuilt: no stale hit
    run_stages(built, BUILD_STAGES)
    assert "IPTU" in search(built, "IPTU", 3, mode="text")[0].text


# -- relevance harness ----------------------------------------------------------------------
def test_ranking_metrics():
    assert ranking_metrics(["x", "a", "y"], {"a"}, 10) == (1.0, 0.5, pytest.approx(1 / np.log2(3)))
    recall, rr, ndcg = ranking_metrics(["a", "b"], {"a", "b", "c"}, 2)
    assert (recall, rr, ndcg) == (1.0, 1.0, 1.0)  # recall out of min(k, relevant)
    assert ranking_metrics(["x"], {"a"}, 10) == (0.0, 0.0, 0.0)


def test_eval_search_reports_each_mode(built, tmp_path):
    labels = tmp_path / "qrels.jsonl"
    rows = [
        {
            "query": "LA 3472",
            "kind": "exact",
            "relevant_text": ["My flight number is LA 3472, landing at 06:40"],
        },
        {"query": "conta de luz", "relevant_text": ["a conta de luz veio alta este mês"]},
    ]
    labels.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    reports = {r.mode: r for r in evaluate_search(built, load_qrels(labels), k=3)}
    assert set(reports) == {"hybrid", "vector", "text"}
    assert reports["text"].recall_at_k == 1.0 and reports["text"].mrr == 1.0
    assert reports["text"].recall_by_kind == {"exact": 1.0}


def test_qrels_errors_name_the_line(tmp_path, built):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"query": "x", "relevant": ["m1"]}\nnot json\n')
    with pytest.raises(InputError) as info:
        load_qrels(bad)
    assert "bad.jsonl:2" in str(info.value.where)
    unknown = tmp_path / "unknown.jsonl"
    unknown.write_text('{"query": "x", "relevant_text": ["never said"]}\n')
    with pytest.raises(InputError, match="no chunk holds an answer"):
        evaluate_search(built, load_qrels(unknown))


# -- honest ANN evaluation ------------------------------------------------------------------
def test_ann_recall_counts_out_of_the_corpus_size():
    con = duckdb.connect()
    vectors = np.eye(5, 8, dtype=np.float32)
    load_vectors(con, "v", vectors)
    report = evaluate(con, "v", ExactIndex(), vectors[:3], k=10)
    assert report.recall_at_k == 1.0  # 5 vectors, k=10: all 5 found is full recall
    assert "too few" in report.note
    report.min_speedup = 5.0  # an exact "index" is no faster than the exact scan
    assert not report.passed
