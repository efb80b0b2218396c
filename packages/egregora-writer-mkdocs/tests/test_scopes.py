"""Narrowed scopes: what a portrait looks at, and the posts an incremental build reloads."""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa
from egregora_writer_mkdocs import dataset


def _scope(rows: list[tuple[str, dt.datetime, str]]) -> dataset.Scope:
    table = pa.table(
        {
            "author": [r[0] for r in rows],
            "ts": pa.array([r[1] for r in rows], pa.timestamp("us", tz="UTC")),
            "text": [r[2] for r in rows],
        }
    )
    return dataset.Scope(ibis.memtable(table), ibis.memtable(pa.table({"x": [1]})), "day")


def _texts(s: dataset.Scope) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for row in s.messages.to_pyarrow().to_pylist():
        out.setdefault(row["author"], set()).add(row["text"])
    return out


def test_recent_keeps_each_members_own_last_days():
    day = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    s = _scope(
        [
            ("aaaa0001", day - dt.timedelta(days=400), "old for a"),
            ("aaaa0001", day - dt.timedelta(days=10), "recent for a"),
            ("aaaa0001", day, "last for a"),
            # b went quiet a year ago: their own last stretch is kept, not dropped
            ("bbbb0002", day - dt.timedelta(days=700), "older for b"),
            ("bbbb0002", day - dt.timedelta(days=380), "b before going quiet"),
            ("bbbb0002", day - dt.timedelta(days=365), "b last words"),
        ]
    )
    kept = _texts(dataset.recent(s, 180))
    assert kept == {
        "aaaa0001": {"recent for a", "last for a"},
        "bbbb0002": {"b before going quiet", "b last words"},
    }


def test_since_cuts_by_day():
    day = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)
    s = _scope([("aaaa0001", day - dt.timedelta(days=2), "before"), ("aaaa0001", day, "after")])
    assert _texts(dataset.since(s, dt.date(2025, 5, 31))) == {"aaaa0001": {"after"}}


def test_only_keys_keeps_whole_periods():
    """The date range that lets the lake skip other periods never cuts into a wanted one."""
    days = [dt.date(2025, 1, 1), dt.date(2025, 1, 31), dt.date(2025, 2, 1), dt.date(2024, 12, 31)]
    messages = ibis.memtable(
        pa.table(
            {
                "group_slug": ["g"] * len(days),
                "author": ["aaaa0001"] * len(days),
                "kind": ["text"] * len(days),
                "date": pa.array(days, pa.date32()),
                "text": [d.isoformat() for d in days],
            }
        )
    )
    media = ibis.memtable(pa.table({"x": [1]}))
    for period, start, expected in [
        ("month", dt.date(2025, 1, 1), {"2025-01-01", "2025-01-31"}),
        ("week", dt.date(2024, 12, 30), {"2024-12-31", "2025-01-01"}),
        ("day", dt.date(2025, 1, 31), {"2025-01-31"}),
    ]:
        s = dataset.scope(messages, media, period=period, opted_out=set())
        kept = dataset.only(s, keys=[("g", start)]).messages.to_pyarrow()
        assert set(kept.column("text").to_pylist()) == expected, period
