"""The [llm] settings: file, environment, validation, and the plugin's registration."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest
from egregora_core.config import load_config
from egregora_core.errors import ConfigError
from egregora_core.plugins import make_plugin_manager
from egregora_llm import LLMJudge, LLMNarrator, LLMSettings


def config(tmp_path, body: str):
    path = tmp_path / "egregora.toml"
    path.write_text(body, encoding="utf-8")
    return load_config(path, env={})


def test_the_llm_section_configures_the_narrator_and_env_wins(tmp_path):
    cfg = config(
        tmp_path,
        '[llm]\nmodel = "llama3.2"\nbase_url = "http://127.0.0.1:11434/v1"\n'
        "concurrency = 2\ntemperature = 0.2\n",
    )
    narrator = LLMNarrator().configure(cfg, env={"EGREGORA_LLM_CONCURRENCY": "8"})
    assert narrator.llm.model == "llama3.2"
    assert narrator.llm.base_url == "http://127.0.0.1:11434/v1"
    assert narrator.concurrency == 8
    assert narrator.llm.temperature == 0.2
    assert LLMNarrator().configure(None, env={}).llm == LLMSettings()


@pytest.mark.parametrize(
    ("body", "env", "message"),
    [
        ('[llm]\nmodle = "x"\n', {}, "unknown setting 'llm.modle'"),
        ("[llm]\nconcurrency = 0\n", {}, "concurrency must be at least 1"),
        ("", {"EGREGORA_LLM_TIMEOUT": "soon"}, "EGREGORA_LLM_TIMEOUT: timeout must be a float"),
        ("[llm]\ntemperature = 5\n", {}, "temperature must be between 0 and 2"),
        ("", {"EGREGORA_LLM_OUTPUT_MODE": "json"}, "output_mode must be one of tool, native"),
    ],
)
def test_bad_settings_are_one_line_naming_the_setting(tmp_path, body, env, message):
    with pytest.raises(ConfigError) as info:
        LLMNarrator().configure(config(tmp_path, body), env=env)
    assert message in str(info.value)


def test_model_strings_go_to_pydantic_ai_and_old_google_prefixes_still_work(monkeypatch):
    monkeypatch.setenv("GOOGLE_API_KEY", "test")
    assert LLMSettings(model="google-gla:gemini-3.8-flash").model_string() == (
        "google:gemini-3.8-flash"
    )
    model = LLMSettings(model="google-gla:gemini-3.8-flash").build_model()
    assert type(model).__name__ == "GoogleModel"
    with pytest.raises(ConfigError) as info:
        LLMSettings(model="nonsense:model").build_model()
    assert "llm.model" in str(info.value)


def test_a_missing_provider_key_is_a_config_error_naming_the_variable(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError) as info:
        LLMSettings(model="openai:gpt-5.6-luna").build_model()
    assert "OPENAI_API_KEY" in str(info.value)


def test_entry_point_registers_the_narrator_and_the_judge():
    (ep,) = [ep for ep in entry_points(group="egregora") if ep.name == "egregora-llm"]
    assert ep.load().__name__ == "egregora_llm.plugin"
    manager = make_plugin_manager(env={"EGREGORA_LOAD_PLUGINS": "egregora-llm"})
    assert isinstance(manager.narrators()["llm"], LLMNarrator)
    assert isinstance(manager.judges()["llm"], LLMJudge)


def test_registering_imports_neither_pydantic_ai_nor_pydantic():
    import subprocess
    import sys

    code = (
        "import sys, egregora_llm.plugin; "
        "print(sorted(m for m in ('pydantic', 'pydantic_ai') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_setting_is_documented():
    import dataclasses

    from egregora_llm.settings import SETTING_DOCS

    assert set(SETTING_DOCS) == {f.name for f in dataclasses.fields(LLMSettings)}
