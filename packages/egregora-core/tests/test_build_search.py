"""egregora build (embed + index stages) and query over a real lake with the fake embedder."""

from __future__ import annotations

import asyncio

import pytest
from egregora_core.build import BUILD_STAGES, batches, embed_stage
from egregora_core.errors import EgregoraError
from egregora_core.lake import Lake
from egregora_core.pipeline import Context, run_stages
from egregora_core.search import query, similar_chunks
from egregora_core.serving import Filters, ServingStore
from egregora_core.testing import FakeEmbedder
from egregora_core.testing.vectors import T0, Provider, messages

ROWS = [
    ("family", 0, "aaaa0001", "pizza dinner tonight at home"),
    ("family", 2, "bbbb0002", "yes pizza with cheese please"),
    ("family", 200, "aaaa0001", "the tax forms are due tomorrow"),
    ("family", 400, "cccc0003", "bom dia"),
    ("work", 0, "dddd0004", "meeting moved to friday"),
    ("work", 300, "dddd0004", "bom dia"),
]


@pytest.fixture
def setup(egregora_project, egregora_register):
    embedder = FakeEmbedder(32, max_batch_size=2)
    provider = Provider(embedder)
    plugins = egregora_register(provider, name="provider")
    with Lake.open(egregora_project) as lake:
        lake.write({"messages": messages(ROWS)})

    def ctx(**options):
        dry_run = options.pop("dry_run", False)
        options.setdefault("index", "exact")
        return Context(
            project=egregora_project,
            config=egregora_project.config(env={}),
            plugins=plugins,
            dry_run=dry_run,
            options=options,
        )

    return egregora_project, embedder, provider, ctx


def test_build_embeds_each_text_once(setup):
    project, embedder, _, ctx = setup
    results = run_stages(ctx(embedder="fake"), BUILD_STAGES)
    embed = results[0]
    assert embed.counts["chunks"] == 5  # the pizza pair is one conversation
    assert embed.counts["embedded"] == 4  # "bom dia" twice: embedded once
    assert sum(size for size, _ in embedder.calls) == 4
    assert all(kind == "document" for _, kind in embedder.calls)
    with ServingStore.open(project, read_only=True) as store:
        (space,) = store.spaces()
        assert (space.embedder, space.dimensions, space.metric) == ("fake", 32, "cosine")
        assert store.vector_count(space) == 4
    # A second build embeds nothing.
    embedder.calls.clear()
    again = run_stages(ctx(embedder="fake"), BUILD_STAGES)[0]
    assert again.counts["embedded"] == 0
    assert embedder.calls == []


def test_interrupted_build_resumes(setup):
    project, embedder, _, ctx = setup
    real_embed = embedder.embed
    calls = {"n": 0}

    async def flaky(texts, input_type="document"):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("network blip")
        return await real_embed(texts, input_type)

    embedder.embed = flaky
    with pytest.raises(RuntimeError):
        embed_stage(ctx(embedder="fake"))
    with ServingStore.open(project, read_only=True) as store:
        assert store.vector_count(store.spaces()[0]) == 2  # first batch (2 texts) kept
    embedder.embed = real_embed
    embedder.calls.clear()
    result = embed_stage(ctx(embedder="fake"))
    assert result.counts["embedded"] == 2
    assert sum(size for size, _ in embedder.calls) == 2


def test_dry_run_writes_nothing_and_estimates(setup):
    project, embedder, _, ctx = setup
    result = embed_stage(ctx(embedder="fake", dry_run=True))
    assert result.counts["to_embed"] == 4
    assert result.output["estimate"]["cost_usd"] == 0.0
    assert result.output["estimate"]["tokens"] > 0
    assert not project.serving_db.exists()
    assert embedder.calls == []


def test_dry_run_uses_embedder_estimate(setup):
    _, embedder, _, ctx = setup
    embedder.estimate = lambda texts: {"tokens": 1000 * len(texts), "cost_usd": 0.5}
    result = embed_stage(ctx(embedder="fake", dry_run=True))
    assert result.output["estimate"] == {"tokens": 4000, "cost_usd": 0.5}


def test_configure_is_called(setup):
    _, embedder, _, ctx = setup
    seen = []
    embedder.configure = lambda config: seen.append(config) or embedder
    embed_stage(ctx(embedder="fake"))
    assert len(seen) == 1


def test_query_filters_and_ranking(setup):
    _, _, provider, ctx = setup
    run_stages(ctx(embedder="fake"), BUILD_STAGES)
    hits = query(ctx(embedder="fake"), "pizza dinner", 3)
    assert hits[0].group == "family"
    assert "pizza" in hits[0].text
    assert hits[0].score >= hits[1].score
    assert provider.index.searches >= 1
    work = query(ctx(embedder="fake"), "bom dia", 5, filters=Filters(group="work"))
    assert {h.group for h in work} == {"work"}
    authored = query(ctx(embedder="fake"), "pizza", 5, filters=Filters(author="bbbb0002"))
    assert [h.authors for h in authored] == [["aaaa0001", "bbbb0002"]]
    later = query(ctx(embedder="fake"), "bom dia", 5, filters=Filters(since=T0.replace(hour=15)))
    assert all(h.end >= T0.replace(hour=15) for h in later)
    assert later


def test_identical_text_returns_every_chunk(setup):
    _, _, _, ctx = setup
    run_stages(ctx(embedder="fake"), BUILD_STAGES)
    hits = query(ctx(embedder="fake"), "bom dia", 2)
    assert {h.group for h in hits} == {"family", "work"}
    assert hits[0].score == pytest.approx(1.0, abs=1e-5)


def test_dimension_change_refused(setup, egregora_register):
    project, _, _, ctx = setup
    run_stages(ctx(embedder="fake"), BUILD_STAGES)
    bigger = FakeEmbedder(64)  # same name and model label, other size
    bigger.model = "fake-hash-32"
    with ServingStore.open(project) as store, pytest.raises(EgregoraError, match="64 dimensions"):
        store.ensure_space("fake", bigger.model, 64, "cosine")
    with ServingStore.open(project, read_only=True) as store:
        space = store.spaces()[0]
        from egregora_core.search import search_vector

        with pytest.raises(EgregoraError, match="dimensions"):
            search_vector(store, space, None, [0.0] * 64, 3)


def test_query_without_build_is_clear(setup):
    _, _, _, ctx = setup
    with pytest.raises(EgregoraError, match="egregora build"):
        query(ctx(embedder="fake"), "pizza", 3)


def test_rebuild_after_new_messages_touches_only_changed_chunks(setup):
    project, embedder, _, ctx = setup
    run_stages(ctx(embedder="fake"), BUILD_STAGES)
    with Lake.open(project) as lake:
        lake.write(
            {
                "messages": messages(
                    [("work", 301, "dddd0004", "see you at the meeting")], source="src2"
                )
            }
        )
    embedder.calls.clear()
    result = embed_stage(ctx(embedder="fake"))
    assert result.counts["embedded"] == 1  # only the extended "work" conversation
    with ServingStore.open(project, read_only=True) as store:
        assert store.chunk_count() == 5


def test_similar_chunks_before(setup):
    project, _, _, ctx = setup
    run_stages(ctx(embedder="fake"), BUILD_STAGES)
    plugins = ctx().plugins
    project.config_path.write_text('[index]\nname = "exact"\n', encoding="utf-8")
    hits = similar_chunks(
        project, "bom dia", 5, before=T0.replace(hour=14), plugins=plugins, embedder="fake"
    )
    assert hits
    assert all(h.end < T0.replace(hour=14) for h in hits)
    vector = asyncio.run(FakeEmbedder(32).embed(["pizza dinner"]))[0]
    by_vector = similar_chunks(project, vector, 1, plugins=plugins, embedder="fake")
    assert "pizza" in by_vector[0].text


def test_batches_respect_limits():
    items = [(str(i), "x" * 35) for i in range(7)]  # ~10 tokens each
    assert [len(b) for b in batches(items, 3, None)] == [3, 3, 1]
    assert [len(b) for b in batches(items, 100, 25)] == [2, 2, 2, 1]


def test_build_on_empty_lake(egregora_project, egregora_register):
    plugins = egregora_register(Provider(FakeEmbedder(32)), name="provider")
    ctx = Context(
        project=egregora_project,
        config=egregora_project.config(env={}),
        plugins=plugins,
        options={"embedder": "fake", "index": "exact"},
    )
    embed, index = run_stages(ctx, BUILD_STAGES)
    assert embed.counts["chunks"] == 0
    assert embed.counts["embedded"] == 0
    assert index.status == "skipped"
