from __future__ import annotations

from datetime import timedelta

import ibis
import pytest
from egregora_core.chunking import CHUNKS, ChunkOptions, chunk_messages
from egregora_core.errors import EgregoraError
from egregora_core.testing.vectors import messages


def chunks_of(rows, **options):
    return chunk_messages(ibis.memtable(messages(rows)), ChunkOptions(**options)).to_pylist()


def test_split_on_time_gap_and_group():
    rows = [
        ("g1", 0, "aaaa0001", "bom dia"),
        ("g1", 5, "bbbb0002", "oi"),
        ("g1", 120, "aaaa0001", "later"),
        ("g2", 1, "cccc0003", "other group"),
    ]
    chunks = chunks_of(rows)
    assert [(c["group_slug"], c["message_count"]) for c in chunks] == [
        ("g1", 2),
        ("g1", 1),
        ("g2", 1),
    ]
    assert chunks[0]["text"] == "aaaa0001: bom dia\nbbbb0002: oi"
    assert chunks[0]["search_text"] == "bom dia\noi"
    assert chunks[0]["authors"] == ["aaaa0001", "bbbb0002"]


def test_size_limits():
    rows = [("g", i, "aaaa0001", f"message number {i}") for i in range(10)]
    assert [c["message_count"] for c in chunks_of(rows, max_messages=4)] == [4, 4, 2]
    by_chars = chunks_of(rows, max_chars=40)
    assert all(len(c["search_text"]) <= 40 + 20 for c in by_chars)
    assert sum(c["message_count"] for c in by_chars) == 10
    assert len(by_chars) > 1


def test_system_deleted_and_empty_skipped():
    rows = [
        ("g", 0, None, "someone joined", "system"),
        ("g", 1, "aaaa0001", "   "),
        ("g", 2, "aaaa0001", "deleted", "deleted"),
        ("g", 3, "aaaa0001", "real text"),
    ]
    chunks = chunks_of(rows)
    assert [c["search_text"] for c in chunks] == ["real text"]


def test_deterministic_ids_and_local_changes():
    base = [("g", 0, "a", "one"), ("g", 1, "b", "two"), ("g", 300, "a", "three")]
    first = chunks_of(base)
    again = chunks_of(base)
    assert [c["chunk_id"] for c in first] == [c["chunk_id"] for c in again]
    # A later ingest adds a message to the last conversation: the first chunk is unchanged.
    more = chunks_of([*base, ("g", 301, "b", "four")])
    assert more[0]["chunk_id"] == first[0]["chunk_id"]
    assert more[1]["chunk_id"] != first[1]["chunk_id"]
    assert more[1]["message_count"] == 2


def test_identical_text_shares_content_hash():
    chunks = chunks_of([("g1", 0, "a", "bom dia"), ("g2", 0, "b", "bom dia")])
    assert chunks[0]["chunk_id"] != chunks[1]["chunk_id"]
    assert chunks[0]["content_hash"] == chunks[1]["content_hash"]


def test_schema_and_bad_options():
    table = chunk_messages(ibis.memtable(messages([("g", 0, "a", "x")])))
    assert table.schema.equals(CHUNKS)
    with pytest.raises(EgregoraError):
        ChunkOptions(max_gap=timedelta(0))
