"""The host side of narrators: prose with citations and Sources, the draft cache in the
serving database, --force, --dry-run, --max-calls, fallbacks, and what a narrator sees."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from egregora_core import hookimpl
from egregora_core.lake import Lake
from egregora_core.narrative import Draft, Estimate, NarrationFailed, Paragraph, Portrait
from egregora_writer_mkdocs.render import POSTS_DIR

from .conftest import EURICO, FRANKLIN, JOHN, Rows

PSEUDONYM = re.compile(r"\b[0-9a-f]{8}\b")


class FakeNarrator:
    """Cites the first and last message of each window; records every window it sees."""

    name = "fake"
    concurrency = 2
    max_input_tokens = None

    def __init__(self, fail=(), bad=(), version="1"):
        self.seen = []
        self.fail, self.bad, self.version = set(fail), set(bad), version

    def settings(self):
        return {"model": "fake-1", "prompt": self.version}

    def estimate(self, window):
        return Estimate(calls=1, input_tokens=100 * len(window.messages), output_tokens=300)

    async def narrate(self, window):
        self.seen.append(window)
        if window.key in self.fail:
            raise NarrationFailed("the model kept citing ids that are not in the window")
        first, last = window.messages[0], window.messages[-1]
        cites = ["not-an-id"] if window.key in self.bad else [first.id]
        return Draft(
            title=f"Fake story of {window.start}",
            summary="A fake summary.",
            tags=["fake"],
            paragraphs=[
                Paragraph(f"{first.author} opened the period.", cites),
                Paragraph(f"{last.author} had the last word.", [last.id, first.id]),
            ],
        )

    async def portrait(self, member):
        return Portrait(f"{member.name} is a fake portrait.", [])


@pytest.fixture
def fake(plugins):
    narrator = FakeNarrator()

    class Plugin:
        @hookimpl
        def egregora_register_narrators(self, register):
            register(narrator)

    plugins.register(Plugin(), "fake-narrator")
    return narrator


def build(make_ctx, project, dry_run=False, **options):
    ctx = make_ctx(project, dry_run=dry_run)
    return ctx.plugins.writers()["mkdocs"].write(ctx, **options)


def post(project, start):
    [path] = (project.root / "docs" / POSTS_DIR).glob(f"{start}-*.md")
    return path.read_text(encoding="utf-8")


def add_day(project, day=dt.date(2025, 11, 5)):
    rows = Rows()
    rows.ordinal = 1000
    rows.message(day, 8, 0, EURICO, "Novo dia, nova conversa sobre a viagem de dezembro toda")
    with Lake.open(project) as lake:
        rows.write(lake, sources=False)


def test_offline_prose_comes_first_with_citations_that_resolve(make_ctx, project):
    build(make_ctx, project)
    text = post(project, "2025-10-27")
    body = text.split("---\n", 2)[2]
    lede = body.split("<!-- more -->")[0]
    assert "members wrote" in lede or "heard from" in lede  # prose before the stats
    assert body.index("<!-- more -->") < body.index("## Who took part") < body.index("## Sources")
    marks = set(re.findall(r"<sup>\[\\\[(\d+)\\\]\]\(#source-(\d+)\)</sup>", body))
    assert marks and all(a == b for a, b in marks)
    anchors = set(re.findall(r'<a id="source-(\d+)"></a>', body))
    assert {b for _, b in marks} == anchors  # every mark has its source and vice versa
    sources = body.split("## Sources")[1]
    assert "Bom dia\\! Alguém vai para a praia no sábado" in sources  # escaped message text
    assert "I opted out" not in text


def test_members_have_readable_names_not_hex(make_ctx, project, fake):
    build(make_ctx, project, narrator="fake")
    window = fake.seen[0]
    authors = {m.author for m in window.messages}
    assert authors and not any(PSEUDONYM.fullmatch(a) for a in authors)
    assert "Frank <b>the</b> tank" in {m.author for w in fake.seen for m in w.messages}  # alias
    profile = (project.root / "docs" / "profiles" / f"{EURICO}.md").read_text()
    assert re.search(r"^# [A-Z][a-z]+ [A-Z][a-z]+$", profile, re.M)  # e.g. "# Amber Heron"
    assert f"Pseudonym: `{EURICO}`" in profile  # the key stays the 8-hex id


def test_a_window_holds_only_the_lake_and_no_opted_out_member(make_ctx, project, fake):
    build(make_ctx, project, narrator="fake")
    for window in fake.seen:
        for m in window.messages:
            assert "opted out" not in m.text
            assert m.author and not PSEUDONYM.fullmatch(m.author)
            assert m.kind in ("text", "media")
    assert {w.key.split("/")[1] for w in fake.seen} == {"2025-10-20", "2025-10-27", "2025-11-03"}


def test_cache_zero_calls_when_nothing_changed_and_one_for_a_new_day(make_ctx, project, fake):
    first = build(make_ctx, project, narrator="fake", period="day")
    assert first["narrator_calls"] == 4 and first["drafts_written"] == 4
    assert "Fake story of 2025-10-27" in post(project, "2025-10-27")
    again = build(make_ctx, project, narrator="fake", period="day")
    assert again["narrator_calls"] == 0
    # Every page re-rendered (manifest gone) still costs no call: the drafts are cached.
    (project.state_dir / "site-manifest.json").unlink()
    rerender = build(make_ctx, project, narrator="fake", period="day")
    assert rerender["posts_written"] == 4
    assert rerender["narrator_calls"] == 0 and rerender["drafts_cached"] == 4
    add_day(project)
    new = build(make_ctx, project, narrator="fake", period="day")
    assert new["narrator_calls"] == 1 and new["drafts_written"] == 1
    assert fake.seen[-1].key.endswith("/2025-11-05")
    forced = build(make_ctx, project, narrator="fake", period="day", force=True)
    assert forced["narrator_calls"] == 5


def test_a_changed_setting_rewrites_every_window(make_ctx, project, fake):
    build(make_ctx, project, narrator="fake")
    fake.version = "2"
    again = build(make_ctx, project, narrator="fake")
    assert again["narrator_calls"] == 3


def test_dry_run_lists_windows_and_estimates_without_calls(make_ctx, project, fake):
    summary = build(make_ctx, project, dry_run=True, narrator="fake")
    assert fake.seen == []
    assert [w["window"].split("/")[1] for w in summary["to_write"]] == [
        "2025-10-20",
        "2025-10-27",
        "2025-11-03",
    ]
    assert all(w["calls"] == 1 and w["output_tokens"] == 300 for w in summary["to_write"])
    assert not (project.root / "docs" / POSTS_DIR).exists() or not list(
        (project.root / "docs" / POSTS_DIR).glob("*.md")
    )
    build(make_ctx, project, narrator="fake")
    assert build(make_ctx, project, dry_run=True, narrator="fake", force=False)["to_write"] == []


def test_max_calls_leaves_the_rest_for_the_next_run(make_ctx, project, fake):
    first = build(make_ctx, project, narrator="fake", max_calls=1)
    assert first["narrator_calls"] == 1 and len(first["drafts_left"]) == 2
    assert first["posts_written"] == 3  # the others show offline prose meanwhile
    second = build(make_ctx, project, narrator="fake")
    assert second["narrator_calls"] == 2 and second["drafts_left"] == []
    assert build(make_ctx, project, narrator="fake")["narrator_calls"] == 0


def test_a_failed_or_refused_window_falls_back_with_one_warning(make_ctx, project, fake, caplog):
    key = "conversa-do-whatsapp-com-teste/2025-10-27"
    fake.fail = {key}
    fake.bad = {"conversa-do-whatsapp-com-teste/2025-11-03"}
    with caplog.at_level(logging.WARNING):
        summary = build(make_ctx, project, narrator="fake")
    assert summary["drafts_fallback"] == 2
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(key in w and "offline" in w for w in warnings)
    assert any("2025-11-03" in w and "not in this window" in w for w in warnings)
    assert "Fake story" not in post(project, "2025-10-27")
    assert "Fake story" in post(project, "2025-10-20")
    # The fallback is not cached: the next build asks the narrator again.
    fake.fail = set()
    assert build(make_ctx, project, narrator="fake", force=True)["narrator_calls"] == 3


def test_unknown_narrator_is_one_clear_error(make_ctx, project):
    from egregora_core.errors import EgregoraError

    with pytest.raises(EgregoraError, match="nope"):
        build(make_ctx, project, narrator="nope")


def test_opted_out_member_is_not_in_prose_or_sources(make_ctx, project, fake):
    build(make_ctx, project, narrator="fake")
    for path in (project.root / "docs" / POSTS_DIR).glob("*.md"):
        text = path.read_text()
        assert JOHN not in text and "opted out" not in text
    assert FRANKLIN not in post(project, "2025-10-27").split("## Sources")[1]


def test_profile_opens_with_a_prose_portrait(make_ctx, project):
    build(make_ctx, project)
    profile = (project.root / "docs" / "profiles" / f"{EURICO}.md").read_text()
    assert re.search(r"has written \w+ messages between October 2025 and November 2025", profile)
    assert "Conversa do WhatsApp com Teste" in profile.split("## ")[0]
    assert not (project.root / "docs" / "profiles" / f"{JOHN}.md").exists()
