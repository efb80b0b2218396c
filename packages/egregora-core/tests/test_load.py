"""The load stage's paths: straight insert (nothing in scope) vs staged anti-join, and the
month counts of the report."""

from datetime import UTC, date, datetime, timedelta

import ibis
import pyarrow as pa
import pytest
from egregora_core.ingest import _month_counts, _write_bounds, ingest
from egregora_core.lake import Lake
from egregora_core.project import Project
from egregora_core.testing import make_context
from egregora_core.testing.fakes import T0, raw_messages

# Two authors: a one-author chat without a creation line is taken for a one-to-one chat.
CHAT = [
    {"author": ("Maya Rodrigues", "Leo")[i % 2], "text": f"message {i}", "minute": i * 7}
    for i in range(6)
]


def stored(root):
    with Lake.open(Project(root), read_only=True) as lake:
        return lake.table("messages").to_pyarrow().to_pylist()


def test_month_counts_follow_the_local_date_not_the_utc_instant():
    """The report's months are the partitions': the calendar date as the chat shows it.
    A message sent at 22:30 on 31 January in São Paulo (01:30 UTC, 1 February) is January's."""
    rows = [  # (group, local date, instant, kind)
        ("a", date(1969, 12, 31), datetime(1970, 1, 1, 2, tzinfo=UTC), "text"),
        ("a", date(1970, 1, 1), datetime(1970, 1, 1, 3, tzinfo=UTC), "text"),
        ("a", date(2024, 1, 31), datetime(2024, 2, 1, 1, 30, tzinfo=UTC), "text"),
        ("a", date(2024, 2, 1), datetime(2024, 2, 1, 3, tzinfo=UTC), "text"),
        ("a", date(2024, 2, 1), datetime(2024, 2, 1, 4, tzinfo=UTC), "media"),
        ("b", date(2024, 2, 29), datetime(2024, 2, 29, 12, tzinfo=UTC), "text"),
    ]
    groups, dates, stamps, kinds = map(list, zip(*rows, strict=True))
    table = pa.table(
        {
            "group_slug": groups,
            "date": pa.array(dates, pa.date32()),
            "ts": pa.array(stamps, pa.timestamp("us", tz="UTC")),
            "kind": kinds,
        }
    )
    con = ibis.duckdb.connect()
    got = _month_counts(con, con.create_table("t", table, temp=True))
    expected: dict[tuple, int] = {}
    for group, day, kind in zip(groups, dates, kinds, strict=True):
        key = (group, day.strftime("%Y-%m"), kind)
        expected[key] = expected.get(key, 0) + 1
    assert ("a", "2024-01", "text") in expected
    assert got == [
        {"group_slug": g, "month": m, "kind": k, "rows": n}
        for (g, m, k), n in sorted(expected.items())
    ]


def test_several_overlapping_exports_into_an_empty_lake_are_deduplicated(tmp_path, fake_extractor):
    first = fake_extractor.add(tmp_path, "a.fake", raw_messages(CHAT[:4]))
    second = fake_extractor.add(tmp_path, "b.fake", raw_messages(CHAT[2:]))
    ctx = make_context(tmp_path / "p", plugins=fake_extractor.plugins)
    load = ingest(ctx, [first, second])[-1]
    assert load.counts["new"] == 6 and load.counts["present"] == 2
    rows = stored(tmp_path / "p")
    assert len(rows) == 6 == len({r["message_id"] for r in rows})
    assert sum(m["rows"] for m in load.output["months"]) == 6


def test_lake_with_rows_outside_the_scope_takes_the_straight_insert(tmp_path, fake_extractor):
    """Another group, and a later stretch of the same group: nothing in the lake can match,
    so the rows are inserted without the anti-join; a real overlap then still dedups."""
    root = tmp_path / "p"

    def run(name, rows, group="Book Club", **kw):
        path = fake_extractor.add(tmp_path, name, raw_messages(rows, group), group=group)
        return ingest(make_context(root, plugins=fake_extractor.plugins, **kw), [path])[-1]

    assert run("club.fake", CHAT).counts["new"] == 6
    with Lake.open(Project(root), read_only=True) as lake:
        scope = {"group_slug": ["book-club"], "ts": (datetime(2000, 1, 1, tzinfo=UTC),) * 2}
        assert lake.has_rows("messages")
        assert not lake.has_rows("messages", scope)
        assert not lake.has_rows("messages", {"group_slug": ["hikers"]})

    other = run("hikers.fake", CHAT, group="Hikers")
    assert other.counts == {"new": 6, "present": 0, "removed": 0}
    later = [dict(row, minute=row["minute"] + 60 * 24 * 40) for row in CHAT]  # 40 days on
    assert run("later.fake", later).counts["new"] == 6
    dry = run("both.fake", CHAT[3:] + later[:2] + [{"author": "Leo", "text": "x"}], dry_run=True)
    assert dry.counts == {"new": 1, "present": 5}
    assert dry.output["months"] == [
        {"group_slug": "book-club", "month": "2024-03", "kind": "text", "rows": 1}
    ]
    assert len(stored(root)) == 18


@pytest.mark.parametrize("dry_run", [False, True])
def test_report_months_cover_exactly_the_new_rows(tmp_path, fake_extractor, dry_run):
    root = tmp_path / "p"
    path = fake_extractor.add(tmp_path, "a.fake", raw_messages(CHAT[:3]))
    ingest(make_context(root, plugins=fake_extractor.plugins), [path])
    stretch = [dict(row, minute=row["minute"] + i * 60 * 24 * 20) for i, row in enumerate(CHAT)]
    path = fake_extractor.add(tmp_path, "b.fake", raw_messages(CHAT[:3] + stretch[3:]))
    load = ingest(make_context(root, plugins=fake_extractor.plugins, dry_run=dry_run), [path])[-1]
    months = sorted(
        (T0 + timedelta(minutes=row["minute"])).strftime("%Y-%m") for row in stretch[3:]
    )
    assert load.counts["new"] == 3
    assert [(m["month"], m["rows"]) for m in load.output["months"]] == [
        (m, months.count(m)) for m in sorted(set(months))
    ]
    assert len(stored(root)) == (3 if dry_run else 6)


def test_write_bounds_cut_on_month_starts_after_the_budget():
    months = [
        {"group_slug": "a", "month": "2023-12", "kind": "text", "rows": 3},
        {"group_slug": "b", "month": "2024-01", "kind": "text", "rows": 2},
        {"group_slug": "a", "month": "2024-01", "kind": "media", "rows": 2},
        {"group_slug": "a", "month": "2024-03", "kind": "text", "rows": 1},
        {"group_slug": "a", "month": "2024-04", "kind": "text", "rows": 9},
    ]
    assert _write_bounds(months, budget=3) == [date(2024, 1, 1), date(2024, 3, 1)]
    assert _write_bounds(months, budget=100) == []
    assert _write_bounds([], budget=1) == []


def test_insert_in_ranges_writes_every_row_once_and_no_extra_file(tmp_path):
    edges = [date(2024, m, 1) for m in (1, 2, 3)]
    days = [e + timedelta(days=d) for e in edges for d in (-1, 0, 1)]
    rows = pa.table(
        {
            "message_id": [f"m{i}" for i in range(len(days))],
            "group_slug": ["g"] * len(days),
            "date": pa.array(days, pa.date32()),
        }
    )
    with Lake(tmp_path / "lake") as lake:
        lake.con.execute("BEGIN")
        written = lake.insert(
            "messages", lake.ibis.create_table("t", rows, temp=True), bounds=edges[1:]
        )
        lake.con.execute("COMMIT")
        stored = lake.table("messages").select("message_id", "date").to_pyarrow()
    assert written == len(days)
    assert sorted(stored.column("message_id").to_pylist()) == sorted(rows["message_id"].to_pylist())
    files = list((tmp_path / "lake/data/main/messages").rglob("*.parquet"))
    folders = [f.parent for f in files]
    assert len(files) == len(set(folders)) == 4  # 2023-12, 2024-01, 2024-02, 2024-03


def test_messages_are_partitioned_by_the_local_date_not_the_utc_instant(tmp_path):
    rows = pa.table(
        {
            "message_id": ["m"],
            "group_slug": ["g"],
            "date": pa.array([date(2024, 1, 31)], pa.date32()),  # 22:30 in São Paulo
            "ts": pa.array([datetime(2024, 2, 1, 1, 30, tzinfo=UTC)], pa.timestamp("us", tz="UTC")),
        }
    )
    with Lake(tmp_path / "lake") as lake:
        lake.write({"messages": rows})
    [file] = (tmp_path / "lake/data/main/messages").rglob("*.parquet")
    assert file.parent.relative_to(tmp_path / "lake/data/main/messages").parts == (
        "group_slug=g",
        "year=2024",
        "month=1",
    )
