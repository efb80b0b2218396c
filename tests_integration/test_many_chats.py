"""A thousand generated hostile chats, end to end, leave no identifying string anywhere.

:mod:`egregora_core.testing.hostile_chats` writes 1,000 small WhatsApp exports from a seed
(names typed as variants, without accents, in NFD, glued into handles, links and hashtags,
poll options, mentions, vCards, obfuscated e-mails, phones, phone-number and emoji-only
members, one-to-one chats titled after a contact). They go through the real CLI into one
pair of projects (``ingest`` with many exports per call, the two projects' ingests in two
processes at once), then ``build`` (deterministic fake embedder) and ``site build
--no-mkdocs``. Every file of the project is scanned value by
value (:func:`~egregora_core.testing.privacy.project_text`: raw bytes, UTF-16, gzip,
Parquet cells, DuckDB rows; Markdown, JSON, media bytes), and so is everything printed,
for every secret of every chat. Timing: docs/benchmarks.md (privacy).
"""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest
from egregora_core import hookimpl
from egregora_core.testing import FakeEmbedder
from egregora_core.testing.hostile_chats import write_hostile_exports
from egregora_core.testing.privacy import THEME_ASSETS, found_secrets, project_text

COUNT = 1000
PER_CALL = 250  # exports per `egregora ingest` call
PROJECTS = 2  # ingested at the same time, one process each: the runner has two cores


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

    projects = [tmp_path / f"project-{i}" for i in range(PROJECTS)]
    paths = [str(e.path) for e in exports]
    share = -(-COUNT // PROJECTS)
    for project in projects:
        assert cli(["init", str(project)]) == 0

    def ingest_all(project, mine: list[str]) -> list[list[str]]:
        """The `egregora ingest` calls of one project, one after the other."""
        return [
            [
                sys.executable,
                "-m",
                "egregora_cli.main",
                "--project",
                str(project),
                "ingest",
                *mine[start : start + PER_CALL],
            ]
            for start in range(0, len(mine), PER_CALL)
        ]

    # Each project's ingest calls run in a process of their own, both projects at once.
    queues = [
        ingest_all(project, paths[i * share : (i + 1) * share])
        for i, project in enumerate(projects)
    ]
    outputs = []
    while any(queues):
        running = [
            subprocess.Popen(q.pop(0), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for q in queues
            if q
        ]
        for proc in running:
            out, err = proc.communicate()
            assert proc.returncode == 0, err[-2000:]
            outputs += [out, err]
    for project in projects:
        assert cli(["--project", str(project), "build", "--embedder", "fake"]) == 0
        assert cli(["--project", str(project), "site", "build", "--no-mkdocs"]) == 0
    printed = capsys.readouterr()
    outputs += [printed.out, printed.err]

    text = "\n".join(project_text(p, exclude=THEME_ASSETS) for p in projects)
    for ingested in ("said hi", "Who hosts?", "[email]", "[phone]", "I love 🦊"):
        assert ingested in text  # the hostile messages did go through
    assert sum(len(list((p / "docs").rglob("*.md"))) for p in projects) > COUNT // 10
    assert found_secrets(text, secrets) == set()
    assert found_secrets("\n".join(outputs), secrets) == set()
