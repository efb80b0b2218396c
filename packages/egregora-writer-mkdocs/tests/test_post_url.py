"""``MkDocsWriter.post_url``: the site page of a search hit, from the last build's manifest."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

from egregora_writer_mkdocs.site import MANIFEST
from egregora_writer_mkdocs.writer import MkDocsWriter


def _project(tmp_path, posts: dict[str, str], tz: str = "UTC"):
    state = tmp_path / ".egregora"
    state.mkdir()
    entries = {key: {"file": file} for key, file in posts.items()}
    (state / MANIFEST).write_text(json.dumps({"version": 1, "posts": entries}))
    return SimpleNamespace(root=tmp_path, state_dir=state, config=lambda: {"extract.timezone": tz})


def test_the_post_whose_period_holds_the_time(tmp_path):
    project = _project(
        tmp_path,
        {
            "friends/2024-01-01": "2024-01-01-new-year.md",
            "friends/2024-01-08": "2024-01-08-trip-to-ilhabela.md",
            "work/2024-01-08": "2024-01-08-deadline.md",
        },
    )
    writer = MkDocsWriter()
    at = datetime(2024, 1, 10, 12, tzinfo=UTC)
    assert writer.post_url(project, "friends", at) == "posts/2024/01/08/trip-to-ilhabela/"
    assert writer.post_url(project, "work", at) == "posts/2024/01/08/deadline/"
    assert writer.post_url(project, "friends", datetime(2023, 12, 31, tzinfo=UTC)) is None
    assert writer.post_url(project, "family", at) is None


def test_local_date_decides_the_post(tmp_path):
    project = _project(
        tmp_path,
        {"g/2024-01-07": "2024-01-07-sunday.md", "g/2024-01-08": "2024-01-08-monday.md"},
        tz="America/Sao_Paulo",
    )
    # 01:00 UTC on the 8th is still the 7th in São Paulo
    at = datetime(2024, 1, 8, 1, tzinfo=UTC)
    assert MkDocsWriter().post_url(project, "g", at) == "posts/2024/01/07/sunday/"
