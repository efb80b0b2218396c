from importlib.metadata import entry_points


def test_entry_point_named_after_distribution_loads_plugin_module():
    (ep,) = [ep for ep in entry_points(group="egregora") if ep.name == "egregora-writer-mkdocs"]
    assert ep.load().__name__ == "egregora_writer_mkdocs.plugin"
