"""Shared fixtures: the fake extractor registered for one test, and an ingest runner."""

from __future__ import annotations

import pyarrow as pa
import pytest
from egregora_core.ingest import ingest
from egregora_core.testing import make_context
from egregora_core.testing.fakes import FakeExtractor, raw_messages


@pytest.fixture
def fake_extractor(egregora_register) -> FakeExtractor:
    extractor = FakeExtractor()

    extractor.plugins = egregora_register(extractor.as_plugin(), name="fake-extractor")
    return extractor


@pytest.fixture
def run_ingest(tmp_path, fake_extractor):
    """run_ingest(rows or table, name=..., dry_run=..., env=...) -> load report."""
    root = tmp_path / "project"

    def run(messages, name="chat.fake", *, dry_run=False, env=None, media=None, group="Book Club"):
        table = messages if isinstance(messages, pa.Table) else raw_messages(messages, group)
        path = fake_extractor.add(tmp_path, name, table, media=media, group=group)
        ctx = make_context(root, plugins=fake_extractor.plugins, dry_run=dry_run, env=env)
        results = ingest(ctx, [path])
        return results[-1]

    run.root = root
    return run
