"""Test helpers for search: canonical message rows, an exact index, an inline provider.

Used by egregora-core's chunking/build/search tests and available to plugin authors
(e.g. a writer that looks up related chunks).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa

from .. import hookimpl
from ..schema import MESSAGES

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def messages(rows: list[tuple], source: str = "src1") -> pa.Table:
    """Canonical MESSAGES rows from ``(group, minutes after T0, author, text[, kind])``."""
    out = []
    for i, row in enumerate(rows):
        group, minutes, author, text = row[:4]
        kind = row[4] if len(row) > 4 else "text"
        ts = T0 + timedelta(minutes=minutes)
        out.append(
            {
                "message_id": f"{group}-{minutes}-{i}",
                "group_slug": group,
                "ts": ts,
                "date": ts.date(),
                "author": author,
                "kind": kind,
                "subtype": None,
                "text": text,
                "media_ref": None,
                "edited": False,
                "ordinal": i,
                "source_id": source,
            }
        )
    return pa.Table.from_pylist(out, schema=MESSAGES)


class ExactIndex:
    """A minimal VectorIndex for core tests (core must not depend on the DuckDB index)."""

    name = "exact"

    def __init__(self):
        self.searches = 0

    def build(self, con, table, dimensions, metric):
        return {"kind": "exact", "rows": con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]}

    def search(self, con, table, vector, k, *, exact=False):
        self.searches += 1
        dim = len(vector)
        return con.execute(
            f"SELECT id, array_cosine_distance(vector, ?::FLOAT[{dim}]) d FROM {table}"
            " ORDER BY d, id LIMIT ?",
            [list(vector), k],
        ).fetchall()

    def status(self, con, table):
        return "fresh"


class Provider:
    """An inline plugin providing the given embedders and one index."""

    def __init__(self, *embedders, index=None):
        self.embedders = embedders
        self.index = index or ExactIndex()

    @hookimpl
    def egregora_register_embedders(self, register):
        for embedder in self.embedders:
            register(embedder)

    @hookimpl
    def egregora_register_indexes(self, register):
        register(self.index)
