from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from egregora_core import hookimpl, plugins
from egregora_core.components import Extractor
from egregora_core.errors import PluginError
from egregora_core.plugins import Registry, allowed_names, make_plugin_manager


class Ext:
    def __init__(self, name, tag=""):
        self.name = name
        self.tag = tag

    def sniff(self, path):
        return 0.0

    def extract(self, path, options):
        raise NotImplementedError


def provider(*extractors):
    class Plugin:
        @hookimpl
        def egregora_register_extractors(self, register):
            for extractor in extractors:
                register(extractor)

    return Plugin()


@pytest.mark.parametrize("bad", ["", "Upper", "1starts-with-digit", "has space", "x" * 41, None, 3])
def test_invalid_names_are_rejected(bad):
    registry = Registry("extractor", Extractor)
    with pytest.raises(PluginError, match="invalid name"):
        registry.add(Ext(bad), plugin="p")


def test_component_missing_methods_is_rejected():
    registry = Registry("extractor", Extractor)
    with pytest.raises(PluginError, match="without extract, sniff"):
        registry.add(SimpleNamespace(name="half"), plugin="p")


def test_duplicate_between_plugins_names_both(egregora_plugins, egregora_register):
    egregora_register(provider(Ext("dup")), name="first-plugin")
    egregora_register(provider(Ext("dup")), name="second-plugin")
    with pytest.raises(PluginError) as info:
        egregora_plugins.extractors()
    assert "first-plugin" in str(info.value) and "second-plugin" in str(info.value)
    assert "EGREGORA_LOAD_PLUGINS" in str(info.value)


def test_plugin_overrides_builtin_in_either_order(egregora_plugins):
    # A built-in registered before and one after the plugin: the plugin wins both times.
    egregora_plugins.register(provider(Ext("same", "builtin-early")), "builtin-a", builtin=True)
    egregora_plugins.register(provider(Ext("same", "third-party")), "third-party")
    egregora_plugins.register(provider(Ext("same", "builtin-late")), "builtin-b", builtin=True)
    registry = egregora_plugins.extractors()
    assert registry["same"].tag == "third-party"
    assert registry.providers["same"] == "third-party"


def test_registry_is_rebuilt_after_register(egregora_plugins, egregora_register):
    assert "late" not in egregora_plugins.extractors()
    egregora_register(provider(Ext("late")), name="late-plugin")
    assert "late" in egregora_plugins.extractors()


def test_get_or_fail_lists_available(egregora_plugins, egregora_register):
    egregora_register(provider(Ext("alpha")), name="alpha-plugin")
    with pytest.raises(PluginError, match=r"no extractor named 'beta' \(available: alpha\)"):
        egregora_plugins.extractors().get_or_fail("beta")


def test_same_plugin_name_twice_is_an_error(egregora_plugins, egregora_register):
    egregora_register(provider(), name="twice")
    with pytest.raises(PluginError, match="already registered"):
        egregora_plugins.register(provider(), "twice")


def test_allowed_names():
    assert allowed_names({}) is None
    assert allowed_names({"EGREGORA_LOAD_PLUGINS": ""}) == set()
    assert allowed_names({"EGREGORA_LOAD_PLUGINS": " a, b ,,"}) == {"a", "b"}


class FakeEntryPoint:
    def __init__(self, name, target=None, error=None):
        self.name = name
        self.dist = SimpleNamespace(version="9.9")
        self._target, self._error = target, error

    def load(self):
        if self._error:
            raise self._error
        return self._target


@pytest.fixture
def fake_entry_points(monkeypatch):
    eps = [
        FakeEntryPoint("good-plugin", provider(Ext("good"))),
        FakeEntryPoint("broken-plugin", error=ImportError("No module named 'missing_dep'")),
    ]
    monkeypatch.setattr(plugins, "entry_points", lambda group: eps if group == "egregora" else [])
    return eps


def test_entry_points_loaded_and_broken_one_is_a_warning(fake_entry_points, caplog):
    with caplog.at_level(logging.WARNING, logger="egregora.plugins"):
        manager = make_plugin_manager(env={})
    assert manager.pm.has_plugin("good-plugin")
    assert manager.versions["good-plugin"] == "9.9"
    assert "good" in manager.extractors()
    assert manager.failed == {"broken-plugin": "ImportError: No module named 'missing_dep'"}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "broken-plugin failed to load" in warnings[0]


def test_empty_allow_list_loads_no_entry_points(fake_entry_points):
    manager = make_plugin_manager(env={"EGREGORA_LOAD_PLUGINS": ""})
    names = {info["name"] for info in manager.describe()}
    assert names == {"egregora-core"}  # built-ins stay
    assert manager.failed == {}


def test_allow_list_selects(fake_entry_points):
    manager = make_plugin_manager(env={"EGREGORA_LOAD_PLUGINS": "good-plugin"})
    assert manager.pm.has_plugin("good-plugin")
    assert "broken-plugin" not in manager.failed


def test_describe_lists_hooks_and_versions(egregora_plugins, egregora_register):
    egregora_register(provider(Ext("x")), name="described", version="1.2.3")
    info = {i["name"]: i for i in egregora_plugins.describe()}
    assert info["described"]["version"] == "1.2.3"
    assert info["described"]["hooks"] == ["egregora_register_extractors"]
    assert info["egregora-core"]["builtin"] is True


def test_trace_env_enables_tracing(fake_entry_points, caplog):
    with caplog.at_level(logging.INFO, logger="egregora.plugins"):
        manager = make_plugin_manager(env={"EGREGORA_TRACE_PLUGINS": "1"})
        manager.extractors()
        manager.hook.egregora_stage_started(stage="x", ctx=None)
    assert any("egregora_stage_started" in r.getMessage() for r in caplog.records)
