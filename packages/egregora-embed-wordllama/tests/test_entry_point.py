from importlib.metadata import entry_points

from egregora_core.plugins import make_plugin_manager


def test_entry_point_named_after_distribution_loads_plugin_module():
    (ep,) = [ep for ep in entry_points(group="egregora") if ep.name == "egregora-embed-wordllama"]
    assert ep.load().__name__ == "egregora_embed_wordllama.plugin"


def test_discovered_through_the_entry_point():
    """The host finds `wordllama` by its entry point alone (nothing registered by hand)."""
    plugins = make_plugin_manager(env={"EGREGORA_LOAD_PLUGINS": "egregora-embed-wordllama"})
    embedder = plugins.embedders().get("wordllama")
    assert (embedder.dimensions, embedder.metric) == (256, "cosine")
    assert type(embedder).__module__ == "egregora_embed_wordllama.embedder"
