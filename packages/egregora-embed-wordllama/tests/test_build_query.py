"""End to end: `build` (embed + index) then `query` with the wordllama embedder, found through
its entry point, on a real project lake."""

from __future__ import annotations

from egregora_core.build import BUILD_STAGES
from egregora_core.lake import Lake
from egregora_core.pipeline import Context, run_stages
from egregora_core.plugins import make_plugin_manager
from egregora_core.search import query, search
from egregora_core.serving import ServingStore
from egregora_core.testing.vectors import Provider, messages

# Groups and hours apart: each row is its own conversation, so its own chunk.
ROWS = [
    ("family", 0, "aaaa0001", "pizza dinner tonight at home, who brings the cheese?"),
    ("family", 300, "bbbb0002", "the quarterly tax forms are due tomorrow morning"),
    ("family", 600, "aaaa0001", "vamos fazer churrasco no sábado na casa da ana"),
    ("work", 0, "cccc0003", "the printer on the third floor is jammed again"),
    ("work", 300, "dddd0004", "reconciliation spreadsheet for the invoices is ready"),
    ("work", 600, "cccc0003", "bom dia, pessoal"),
]


def test_build_then_query_finds_the_exact_words(egregora_project):
    with Lake.open(egregora_project) as lake:
        lake.write({"messages": messages(ROWS)})
    plugins = make_plugin_manager(env={"EGREGORA_LOAD_PLUGINS": "egregora-embed-wordllama"})
    plugins.register(Provider(), "exact-index")  # core ships no index; the test's own exact scan
    ctx = Context(
        project=egregora_project,
        config=egregora_project.config(env={}),
        plugins=plugins,
        options={"embedder": "wordllama", "index": "exact"},
    )
    embed = run_stages(ctx, BUILD_STAGES)[0]
    assert embed.counts["embedded"] == len(ROWS)
    with ServingStore.open(egregora_project, read_only=True) as store:
        (space,) = store.spaces()
        assert (space.embedder, space.dimensions, space.metric) == ("wordllama", 256, "cosine")

    hits = query(ctx, "invoices reconciliation spreadsheet", k=3)
    assert "reconciliation spreadsheet" in hits[0].text
    hits = search(ctx, "printer jammed", k=3, mode="vector")
    assert "printer" in hits[0].text
    hits = search(ctx, "churrasco sábado", k=3, mode="vector")
    assert "churrasco" in hits[0].text
