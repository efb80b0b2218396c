"""Test fakes for the ingest path: hand-built RAW_MESSAGES and an in-memory extractor."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from .. import hookimpl
from ..components import Extraction
from ..schema import RAW_MEDIA, RAW_MESSAGES

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

    def as_plugin(self) -> object:
        """A plugin object whose register hook provides this extractor."""
        extractor = self

        class Plugin:
            @hookimpl
            def egregora_register_extractors(self, register):
                register(extractor)

        return Plugin()

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
