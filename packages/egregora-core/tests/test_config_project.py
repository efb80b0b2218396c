from __future__ import annotations

import os
import stat
import tomllib

import pytest
from egregora_core.config import SETTINGS, load_config, plugin_settings, render_default_config
from egregora_core.errors import ConfigError, ProjectNotFound
from egregora_core.project import find_project, init_project, open_project


def test_default_config_file_documents_every_setting_and_parses_to_defaults(tmp_path):
    text = render_default_config()
    for setting in SETTINGS.values():
        assert setting.env_var in text
    path = tmp_path / "c.toml"
    path.write_text(text)
    config = load_config(path, env={})
    assert all(config[k] == s.default and config.origin(k) == "file" for k, s in SETTINGS.items())
    assert tomllib.loads(text)["privacy"]["pseudonym_scheme"] == "keyed"


def test_precedence_flag_env_file_default(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[site]\nperiod = "month"\n[extract]\ntimezone = "Europe/Lisbon"\n')
    env = {"EGREGORA_SITE_PERIOD": "day", "EGREGORA_BUILD_EMBEDDER": "voyage"}
    config = load_config(path, env=env, overrides={"site.period": "week", "extract.timezone": None})
    assert (config["site.period"], config.origin("site.period")) == ("week", "flag")
    assert (config["build.embedder"], config.origin("build.embedder")) == ("voyage", "env")
    assert (config["extract.timezone"], config.origin("extract.timezone")) == (
        "Europe/Lisbon",
        "file",
    )
    assert (config["rank.judge"], config.origin("rank.judge")) == ("interactive", "default")


def test_invalid_choice_names_setting_and_origin(tmp_path):
    with pytest.raises(
        ConfigError,
        match=r"EGREGORA_PRIVACY_PSEUDONYM_SCHEME: privacy.pseudonym_scheme must be one of keyed, v2",
    ):
        load_config(None, env={"EGREGORA_PRIVACY_PSEUDONYM_SCHEME": "md5"})


def test_unknown_key_and_bad_toml_are_one_line_errors(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[site]\nperiodd = 'day'\n")
    with pytest.raises(ConfigError, match="unknown setting 'site.periodd'"):
        load_config(path, env={})
    path.write_text("[site\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert "\n" not in str(info.value) and "invalid TOML" in str(info.value)


def test_plugin_sections_pass_through(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[voyage]\nmodel = "voyage-3.5-lite"\n')
    config = load_config(path, env={})
    assert config.section("voyage") == {"model": "voyage-3.5-lite"}
    assert config.get("voyage.model") == "voyage-3.5-lite"


def test_plugin_settings_typed_with_env_overrides_and_one_line_errors(tmp_path):
    path = tmp_path / "egregora.toml"
    path.write_text('[thing]\nsize = "3"\nname = "a"\n')
    config = load_config(path, env={})
    kinds = {"size": int, "name": str, "rate": float}
    assert plugin_settings(config, "thing", kinds, env={}) == {"size": 3, "name": "a"}
    env = {"EGREGORA_THING_NAME": "", "EGREGORA_THING_RATE": "0.5"}
    assert plugin_settings(config, "thing", kinds, env=env) == {"size": 3, "name": "", "rate": 0.5}
    unset = plugin_settings(config, "thing", kinds, env=env, empty_is_none=True)
    assert unset["name"] is None
    with pytest.raises(ConfigError, match="EGREGORA_THING_RATE: rate must be a float"):
        plugin_settings(config, "thing", kinds, env={"EGREGORA_THING_RATE": "fast"})
    with pytest.raises(ConfigError, match=r"unknown setting 'thing.size'"):
        plugin_settings(config, "thing", {"name": str}, env={})
    assert plugin_settings(None, "thing", kinds, env={}) == {}


def test_init_creates_config_secret_and_gitignore(tmp_path):
    project = init_project(tmp_path / "g")
    assert project.config_path.is_file()
    mode = stat.S_IMODE(os.stat(project.secret_path).st_mode)
    assert mode == 0o600
    assert len(project.secret()) == 32
    gitignore = (project.root / ".gitignore").read_text()
    assert ".egregora/secret.key" in gitignore.splitlines()


def test_init_twice_refuses_and_force_keeps_secret(tmp_path):
    project = init_project(tmp_path)
    secret = project.secret()
    with pytest.raises(ConfigError, match="already an Egregora project"):
        init_project(tmp_path)
    init_project(tmp_path, force=True)
    assert project.secret() == secret
    gitignore = (tmp_path / ".gitignore").read_text().splitlines()
    assert gitignore.count(".egregora/secret.key") == 1


def test_init_keeps_existing_gitignore_lines(tmp_path):
    (tmp_path / ".gitignore").write_text("node_modules/")
    init_project(tmp_path)
    lines = (tmp_path / ".gitignore").read_text().splitlines()
    assert lines[0] == "node_modules/" and ".egregora/secret.key" in lines


def test_find_project_walks_up(tmp_path):
    init_project(tmp_path)
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_project(deep).root == tmp_path.resolve()


def test_find_project_not_found_says_how_to_fix(tmp_path):
    with pytest.raises(ProjectNotFound, match="egregora init"):
        find_project(tmp_path)
    with pytest.raises(ProjectNotFound, match="not an Egregora project"):
        open_project(tmp_path)


def test_missing_secret_is_a_clear_error(tmp_path):
    project = init_project(tmp_path)
    project.secret_path.unlink()
    with pytest.raises(ConfigError, match="secret is missing"):
        project.secret()
