"""A thousand generated hostile chats, end to end, leave no identifying string anywhere.

:mod:`egregora_core.testing.hostile_chats` writes 1,000 small WhatsApp exports from a seed
(names typed as variants, without accents, in NFD, glued into handles, links and hashtags,
poll options, mentions, vCards, obfuscated e-mails, phones, phone-number and emoji-only
members, one-to-one chats titled after a contact). They go through the real CLI into one
project (``ingest`` with many exports per call), then ``build`` (deterministic fake
embedder) and ``site build --no-mkdocs``. Every file of the project is scanned value by
value (:func:`~egregora_core.testing.privacy.project_text`: raw bytes, UTF-16, gzip,
Parquet cells, DuckDB rows; Markdown, JSON, media bytes), and so is everything printed,
for every secret of every chat. Timing: docs/benchmarks.md (privacy).
"""

from __future__ import annotations

import zipfile

import pytest
from egregora_core import hookimpl
from egregora_core.testing import FakeEmbedder
from egregora_core.testing.hostile_chats import write_hostile_exports
from egregora_core.testing.privacy import THEME_ASSETS, found_secrets, project_text

COUNT = 1000
PER_CALL = 250  # exports per `egregora ingest` call


class _FakeEmbedderPlugin:
    @hookimpl
    def egregora_register_embedders(self, register):
        register(FakeEmbedder())


@pytest.mark.slow  # ~0.5 s of CPU per export (see docs/benchmarks.md)
def test_a_thousand_hostile_chats_leave_no_identifying_string(cli, tmp_path, monkeypatch, capsys):
    from egregora_cli import main

    make = main.make_plugin_manager

    def with_fake_embedder(**kwargs):
        plugins = make(**kwargs)
        plugins.register(_FakeEmbedderPlugin(), "fake-embedder")
        return plugins

    monkeypatch.setattr(main, "make_plugin_manager", with_fake_embedder)
    exports = write_hostile_exports(tmp_path / "in", COUNT, seed=20261203)
    secrets = {s for export in exports for s in export.secrets}
    assert len(exports) == COUNT and len(secrets) > 4 * COUNT

    raw = []
    for export in exports:
        with zipfile.ZipFile(export.path) as archive:
            raw += [archive.read(n).decode() for n in archive.namelist()]
    # The scan does find them in the exports as written (and in their file names).
    assert len(found_secrets("\n".join(raw + [e.path.name for e in exports]), secrets)) > COUNT

    project = tmp_path / "project"
    assert cli(["init", str(project)]) == 0
    paths = [str(e.path) for e in exports]
    for start in range(0, COUNT, PER_CALL):
        assert cli(["--project", str(project), "ingest", *paths[start : start + PER_CALL]]) == 0
    assert cli(["--project", str(project), "build", "--embedder", "fake"]) == 0
    assert cli(["--project", str(project), "site", "build", "--no-mkdocs"]) == 0
    printed = capsys.readouterr()

    text = project_text(project, exclude=THEME_ASSETS)
    for ingested in ("said hi", "Who hosts?", "[email]", "[phone]", "I love 🦊"):
        assert ingested in text  # the hostile messages did go through
    assert len(list((project / "docs").rglob("*.md"))) > COUNT // 10
    assert found_secrets(text, secrets) == set()
    assert found_secrets(printed.out + printed.err, secrets) == set()
