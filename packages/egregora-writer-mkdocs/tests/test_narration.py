"""The host side of narrators: prose with citations and Sources, the draft and portrait
caches in the serving database, --force, --dry-run, --max-calls, fallbacks, and what a
narrator sees (of windows and of members)."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from egregora_core import hookimpl
from egregora_core.lake import Lake
from egregora_core.names import readable_names
from egregora_core.narrative import Draft, Estimate, NarrationFailed, Paragraph, Portrait
from egregora_writer_mkdocs.escape import inline
from egregora_writer_mkdocs.render import POSTS_DIR

from .conftest import EURICO, FRANKLIN, JOHN, JULES, Rows

PSEUDONYM = re.compile(r"\b[0-9a-f]{8}\b")


class FakeNarrator:
    """Cites the first and last message of each window; records every window it sees."""

    name = "fake"
    concurrency = 2
    max_input_tokens = None

    def __init__(self, fail=(), bad=(), version="1"):
        self.seen = []
        self.members = []  # every MemberProfile it was asked to portray
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
        self.members.append(member)
        if member.key in self.fail:
            raise NarrationFailed("the model's portraits kept failing validation")
        text = f"{member.name} is a fake portrait about {' and '.join(member.keywords[:2])}."
        if member.key in self.bad:
            text += " Call +55 11 98765-4321."
        return Portrait(text, [m.id for m in member.samples[:1]])


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
    assert first["drafts_written"] == 4 and first["portraits_written"] == 3
    assert first["narrator_calls"] == 7  # 4 windows and 3 portraits
    assert "Fake story of 2025-10-27" in post(project, "2025-10-27")
    again = build(make_ctx, project, narrator="fake", period="day")
    assert again["narrator_calls"] == 0 and len(fake.members) == 3
    # Every page re-rendered (manifest gone) still costs no call: drafts and portraits cached.
    (project.state_dir / "site-manifest.json").unlink()
    rerender = build(make_ctx, project, narrator="fake", period="day")
    assert rerender["posts_written"] == 4 and rerender["profiles_written"] == 3
    assert rerender["narrator_calls"] == 0 and rerender["drafts_cached"] == 4
    assert rerender["portraits_cached"] == 3 and len(fake.members) == 3
    assert "is a fake portrait" in profile(project, EURICO)
    add_day(project)  # a new message of EURICO's: one window and one portrait
    new = build(make_ctx, project, narrator="fake", period="day")
    assert new["narrator_calls"] == 2 and new["drafts_written"] == 1
    assert new["portraits_written"] == 1 and fake.members[-1].key == EURICO
    assert fake.seen[-1].key.endswith("/2025-11-05")
    forced = build(make_ctx, project, narrator="fake", period="day", force=True)
    assert forced["narrator_calls"] == 8


def test_a_changed_setting_rewrites_every_window(make_ctx, project, fake):
    build(make_ctx, project, narrator="fake")
    fake.version = "2"
    again = build(make_ctx, project, narrator="fake")
    assert again["narrator_calls"] == 6 and again["portraits_written"] == 3


def test_dry_run_lists_windows_and_estimates_without_calls(make_ctx, project, fake):
    summary = build(make_ctx, project, dry_run=True, narrator="fake")
    assert fake.seen == []
    assert [w["window"].split("/")[1] for w in summary["to_write"]] == [
        "2025-10-20",
        "2025-10-27",
        "2025-11-03",
    ]
    assert all(w["calls"] == 1 and w["output_tokens"] == 300 for w in summary["to_write"])
    # a narrator without estimate_portrait: one call a portrait, tokens unknown
    assert sorted(p["member"] for p in summary["portraits_to_write"]) == sorted(
        [FRANKLIN, EURICO, JULES]
    )
    assert all(p["calls"] == 1 for p in summary["portraits_to_write"])
    assert fake.members == []
    assert not (project.root / "docs" / POSTS_DIR).exists() or not list(
        (project.root / "docs" / POSTS_DIR).glob("*.md")
    )
    build(make_ctx, project, narrator="fake")
    again = build(make_ctx, project, dry_run=True, narrator="fake", force=False)
    assert again["to_write"] == [] and again["portraits_to_write"] == []
    forced = build(make_ctx, project, dry_run=True, narrator="fake", force=True)
    assert len(forced["portraits_to_write"]) == 3


def test_max_calls_leaves_the_rest_for_the_next_run(make_ctx, project, fake):
    first = build(make_ctx, project, narrator="fake", max_calls=1)
    assert first["narrator_calls"] == 1 and len(first["drafts_left"]) == 2
    assert first["posts_written"] == 3  # the others show offline prose meanwhile
    # posts come first: no call was left for portraits, the profiles show offline ones
    assert sorted(first["portraits_left"]) == sorted([FRANKLIN, EURICO, JULES])
    assert first["profiles_written"] == 3 and "has written" in profile(project, EURICO)
    second = build(make_ctx, project, narrator="fake", max_calls=3)
    assert second["narrator_calls"] == 3 and second["drafts_left"] == []
    assert second["portraits_written"] == 1 and len(second["portraits_left"]) == 2
    third = build(make_ctx, project, narrator="fake")
    assert third["narrator_calls"] == 2 and third["portraits_left"] == []
    assert "is a fake portrait" in profile(project, EURICO)
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
    assert build(make_ctx, project, narrator="fake", force=True)["narrator_calls"] == 6


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


def profile(project, pseudonym):
    return (project.root / "docs" / "profiles" / f"{pseudonym}.md").read_text(encoding="utf-8")


def test_profile_opens_with_a_prose_portrait(make_ctx, project):
    build(make_ctx, project)
    text = profile(project, EURICO)
    assert re.search(r"has written \w+ messages between October 2025 and November 2025", text)
    assert "Conversa do WhatsApp com Teste" in text.split("## ")[0]
    # the lake's keywords and companions: Franklin wrote around Eurico three times, Jules once
    with_frank = "They talk mostly about foto and praia, most often with Frank <b>the</b> tank"
    assert inline(with_frank) in text  # escaped like all prose
    assert not (project.root / "docs" / "profiles" / f"{JOHN}.md").exists()


def test_each_changed_profile_gets_the_narrators_portrait(make_ctx, project, fake):
    summary = build(make_ctx, project, narrator="fake")
    assert sorted(m.key for m in fake.members) == sorted([FRANKLIN, EURICO, JULES])
    assert summary["portraits_written"] == 3 and summary["portraits_fallback"] == 0
    eurico = next(m for m in fake.members if m.key == EURICO)
    assert eurico.keywords[:3] == ("foto", "praia", "viagem")
    assert eurico.companions[0] == "Frank <b>the</b> tank"  # the alias: the display name
    assert eurico.samples and {m.author for m in eurico.samples} == {eurico.name}
    assert all(len(m.text) >= 25 and "http" not in m.text for m in eurico.samples)
    franklin = next(m for m in fake.members if m.key == FRANKLIN)
    assert not any("98765" in m.text for m in franklin.samples)  # contact data is never sent
    page = profile(project, EURICO)
    assert inline(f"{eurico.name} is a fake portrait about foto and praia.") in page
    assert "has written" not in page  # not the offline portrait
    # the alias is escaped where a portrait names it
    assert "Frank <b>" not in profile(project, JULES).split("## ")[0]


def test_opted_out_member_is_in_no_portrait_companion_list_or_profile(make_ctx, project, fake):
    john = readable_names([FRANKLIN, EURICO, JULES, JOHN])[JOHN]
    build(make_ctx, project, narrator="fake")
    assert fake.members
    for member in fake.members:
        assert member.key != JOHN and member.name != john
        # John wrote right after Jules: without the opt-out he would be Jules' companion
        assert john not in member.companions and JOHN not in member.companions
        for m in member.samples:
            assert "opted out" not in m.text and m.author != john
        assert JOHN not in repr(member) and john not in repr(member)
    jules = next(m for m in fake.members if m.key == JULES)
    assert set(jules.companions) <= {
        "Frank <b>the</b> tank",
        next(m.name for m in fake.members if m.key == EURICO),
    }
    for path in (project.root / "docs" / "profiles").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert john not in text and JOHN not in text and "opted out" not in text


def test_a_failed_or_refused_portrait_falls_back_with_one_warning(make_ctx, project, fake, caplog):
    fake.fail, fake.bad = {EURICO}, {JULES}
    with caplog.at_level(logging.WARNING):
        summary = build(make_ctx, project, narrator="fake")
    assert summary["portraits_fallback"] == 2 and summary["portraits_written"] == 2
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    eurico = [w for w in warnings if EURICO in w]
    jules = [w for w in warnings if JULES in w]
    assert len(eurico) == 1 and "offline" in eurico[0]
    assert len(jules) == 1 and "phone number" in jules[0]
    names = {m.name for m in fake.members}
    assert not [w for w in warnings if any(n in w for n in names)]  # pseudonyms, not names
    assert "has written" in profile(project, EURICO)
    assert "98765" not in profile(project, JULES) and "has written" in profile(project, JULES)
    assert "is a fake portrait" in profile(project, FRANKLIN)
    # the fallbacks are not cached: the next build (with a fixed model) asks again
    fake.fail, fake.bad = set(), set()
    again = build(make_ctx, project, narrator="fake", force=True)
    assert again["portraits_written"] == 3 and "is a fake portrait" in profile(project, EURICO)
