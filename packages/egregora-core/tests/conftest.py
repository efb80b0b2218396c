"""Shared helpers: hand-built RAW_MESSAGES tables and an in-test fake extractor."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from egregora_core import hookimpl
from egregora_core.components import Extraction
from egregora_core.ingest import ingest
from egregora_core.schema import RAW_MEDIA, RAW_MESSAGES
from egregora_core.testing import make_context

T0 = datetime(2024, 3, 7, 21, 5, tzinfo=UTC)


def raw_messages(rows: list[dict], group: str = "Book Club") -> pa.Table:
    """RAW_MESSAGES from short dicts: author, text, and optionally kind/minute/names/media."""
    out = []
    for i, row in enumerate(rows):
        ts = T0 + timedelta(minutes=row.get("minute", i))
        out.append(
            {
                "group_name": row.get("group", group),
                "ordinal": row.get("ordinal", i),
                "ts": ts,
                "date": ts.date(),
                "author": row.get("author"),
                "kind": row.get("kind", "system" if row.get("author") is None else "text"),
                "subtype": row.get("subtype"),
                "text": row.get("text"),
                "media_name": row.get("media"),
                "edited": False,
                "names": row.get("names"),
            }
        )
    return pa.Table.from_pylist(out, schema=RAW_MESSAGES)


class FakeExtractor:
    """Claims ``*.fake`` files; returns the Extraction registered for that path."""

    name = "fake"

    def __init__(self):
        self.exports: dict[Path, Extraction] = {}

    def add(
        self,
        folder: Path,
        name: str,
        messages: pa.Table,
        media: dict[str, bytes] | None = None,
        group: str = "Book Club",
    ) -> Path:
        path = folder / name
        path.write_bytes(
            name.encode()
            + str(messages.num_rows).encode()
            + repr(messages.column("text").to_pylist()).encode()
        )
        media = media or {}
        table = pa.Table.from_pylist(
            [
                {"name": k, "size": len(v), "sha256": hashlib.sha256(v).hexdigest()}
                for k, v in media.items()
            ],
            schema=RAW_MEDIA,
        )
        self.exports[path] = Extraction(
            messages=messages,
            media=table,
            source={
                "checksum": hashlib.sha256(path.read_bytes()).hexdigest(),
                "file_name": name,
                "group_name": group,
                "platform": "android",
                "date_order": "dmy",
                "clock": "24h",
                "parser_version": "test",
            },
            read_media=media.__getitem__,
        )
        return path

    def sniff(self, path: Path) -> float:
        return 1.0 if Path(path).suffix == ".fake" else 0.0

    def extract(self, path, options):
        return self.exports[Path(path)]


@pytest.fixture
def fake_extractor(egregora_register) -> FakeExtractor:
    extractor = FakeExtractor()

    class Plugin:
        @hookimpl
        def egregora_register_extractors(self, register):
            register(extractor)

    extractor.plugins = egregora_register(Plugin(), name="fake-extractor")
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
