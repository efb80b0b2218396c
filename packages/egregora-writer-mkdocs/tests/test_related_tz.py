"""Related posts from the serving DB's vectors, and local time zones on profiles."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from egregora_core.serving import CHUNKS, ServingStore
from egregora_writer_mkdocs.render import POSTS_DIR

from .conftest import FRANKLIN, GROUP


def build(make_ctx, project, env=None, **options):
    ctx = make_ctx(project, env=env)
    return ctx.plugins.writers()["mkdocs"].write(ctx, **options)


def write_chunks(project, rows):
    """Chunks and their vectors through the real serving store, as `egregora build` writes them."""
    chunks = pa.Table.from_pylist(
        [
            {
                "chunk_id": cid,
                "group_slug": group,
                "start_ts": dt.datetime.combine(day, dt.time(12), dt.UTC),
                "end_ts": dt.datetime.combine(day, dt.time(13), dt.UTC),
                "first_message_id": f"{cid}-1",
                "last_message_id": f"{cid}-2",
                "message_count": 2,
                "authors": [FRANKLIN],
                "text": f"chunk {cid}",
                "search_text": f"chunk {cid}",
                "content_hash": f"hash-{cid}",
            }
            for cid, group, day, _ in rows
        ],
        schema=CHUNKS,
    )
    with ServingStore.open(project) as store:
        store.sync_chunks(chunks)
        space = store.ensure_space("local", "test-model", 3, "cosine")
        store.add_vectors(space, [f"hash-{r[0]}" for r in rows], [r[3] for r in rows])


def test_related_earlier_posts_from_vectors(make_ctx, project):
    write_chunks(
        project,
        [
            ("a", GROUP, dt.date(2025, 10, 26), [0.0, 1.0, 0.0]),  # week of 20 Oct: unlike
            ("b", GROUP, dt.date(2025, 10, 27), [1.0, 0.0, 0.0]),  # week of 27 Oct: like 3 Nov
            ("c", GROUP, dt.date(2025, 11, 4), [0.9, 0.1, 0.0]),
        ],
    )
    build(make_ctx, project)
    posts = project.root / "docs" / POSTS_DIR
    latest = (posts / "2025-11-03-viagem-dezembro.md").read_text()
    section = latest.split("## Related earlier posts", 1)[1]
    lines = [line for line in section.splitlines() if line.startswith("- ")]
    assert lines[0].endswith("(2025-10-27-praia-foto-sabado.md)")
    assert lines[1].endswith("(2025-10-20-alert-script.md)")
    first = (posts / "2025-10-20-alert-script.md").read_text()
    assert "## Related earlier posts" not in first  # nothing earlier than the first post


def test_no_serving_db_no_related_section(make_ctx, project):
    build(make_ctx, project)
    for post in (project.root / "docs" / POSTS_DIR).glob("*.md"):
        assert "Related earlier posts" not in post.read_text()


def test_active_hours_use_the_export_time_zone(make_ctx, project):
    build(make_ctx, project)
    utc = (project.root / "docs/profiles" / f"{FRANKLIN}.md").read_text()
    build(make_ctx, project, env={"EGREGORA_EXTRACT_TIMEZONE": "America/Sao_Paulo"})
    local = (project.root / "docs/profiles" / f"{FRANKLIN}.md").read_text()
    # Franklin writes at 01:00, 09:00, 10:00, 10:30 and 20:01 UTC (two in the 10h hour);
    # São Paulo is UTC-3 on those dates.
    assert "Most active around 10:00." in utc
    assert "Most active around 07:00." in local
