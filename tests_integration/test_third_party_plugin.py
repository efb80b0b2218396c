"""A throw-away third-party plugin, built as a wheel and installed, is discovered and used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from egregora_core.testing.plugin_install import install_plugin, run_egregora

PYPROJECT = """
[project]
name = "egregora-extract-pipes"
version = "0.0.1"
requires-python = ">=3.11"
dependencies = ["egregora-core>=0.1.0"]

[project.entry-points.egregora]
egregora-extract-pipes = "egregora_extract_pipes"

[build-system]
requires = ["uv_build>=0.13,<0.14"]
build-backend = "uv_build"
"""

MODULE = '''
"""Reads 'YYYY-MM-DD HH:MM|author|text' lines from *.pipes files."""
import datetime as dt
import hashlib
from pathlib import Path

import pyarrow as pa
from egregora_core import hookimpl
from egregora_core.components import Extraction
from egregora_core.schema import RAW_MEDIA, RAW_MESSAGES


class PipesExtractor:
    name = "pipes"

    def sniff(self, path):
        return 0.9 if Path(path).suffix == ".pipes" else 0.0

    def extract(self, path, options):
        rows = []
        for i, line in enumerate(Path(path).read_text().splitlines()):
            when, author, text = line.split("|", 2)
            ts = dt.datetime.strptime(when, "%Y-%m-%d %H:%M").replace(tzinfo=dt.UTC)
            rows.append({"group_name": "pipes", "ordinal": i, "ts": ts, "date": ts.date(),
                         "author": author, "kind": "text", "subtype": None, "text": text,
                         "media_name": None, "edited": False, "names": None})
        source = {"checksum": hashlib.sha256(Path(path).read_bytes()).hexdigest(),
                  "file_name": Path(path).name, "group_name": "pipes"}
        return Extraction(pa.Table.from_pylist(rows, schema=RAW_MESSAGES),
                          RAW_MEDIA.empty_table(), source)


@hookimpl
def egregora_register_extractors(register):
    register(PipesExtractor())
'''


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory) -> Path:
    """Write the plugin's package, build its wheel with uv, install it into a private site."""
    root = tmp_path_factory.mktemp("plugin")
    pkg = root / "egregora-extract-pipes"
    (pkg / "src" / "egregora_extract_pipes").mkdir(parents=True)
    (pkg / "pyproject.toml").write_text(PYPROJECT)
    (pkg / "README.md").write_text("test plugin\n")
    (pkg / "src" / "egregora_extract_pipes" / "__init__.py").write_text(MODULE)
    return install_plugin(pkg, root)


def test_third_party_plugin_is_discovered_and_its_extractor_used(plugin_site, tmp_path):
    listed = run_egregora("plugins", site=plugin_site, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    plugins = {p["name"]: p for p in json.loads(listed.stdout)}
    assert plugins["egregora-extract-pipes"]["version"] == "0.0.1"
    assert plugins["egregora-extract-pipes"]["provides"] == {"extractor": ["pipes"]}
    for name in (
        "egregora-extract-whatsapp",
        "egregora-embed-local",
        "egregora-ann-duckdb",
        "egregora-writer-mkdocs",
    ):
        assert name in plugins, f"default-set plugin {name} not listed"

    export = tmp_path / "chat.pipes"
    export.write_text("2024-03-07 21:05|Maya|hi\n2024-03-07 21:06|Leo|hello\n")
    assert (
        run_egregora("init", str(tmp_path / "proj"), site=plugin_site, cwd=tmp_path).returncode == 0
    )
    run = run_egregora(
        "--project",
        str(tmp_path / "proj"),
        "run",
        "--dry-run",
        str(export),
        site=plugin_site,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert "2 messages" in run.stdout


def test_empty_allow_list_loads_no_plugins(plugin_site, tmp_path):
    listed = run_egregora(
        "plugins", site=plugin_site, cwd=tmp_path, env={"EGREGORA_LOAD_PLUGINS": ""}
    )
    names = {p["name"] for p in json.loads(listed.stdout)}
    assert names == {"egregora-core", "egregora-cli"}


def test_allow_list_keeps_only_named_plugin(plugin_site, tmp_path):
    listed = run_egregora(
        "plugins",
        site=plugin_site,
        cwd=tmp_path,
        env={"EGREGORA_LOAD_PLUGINS": "egregora-extract-pipes"},
    )
    names = {p["name"] for p in json.loads(listed.stdout)}
    assert names == {"egregora-core", "egregora-cli", "egregora-extract-pipes"}
