"""The narrator contract: draft checks, window splitting, and the concurrent cached runner."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from egregora_core.narrative import (
    Draft,
    Estimate,
    MemberProfile,
    MemoryCache,
    NarrationFailed,
    Paragraph,
    Portrait,
    Window,
    WindowMessage,
    cache_key,
    draft_problems,
    merge_drafts,
    narrate_windows,
    portrait_problems,
    portray_members,
    split_window,
)

T0 = dt.datetime(2025, 6, 2, 9, 0, tzinfo=dt.UTC)


def window(key="g/2025-06-02", n=3, text="hello there"):
    messages = tuple(
        WindowMessage(f"m{i}", T0 + dt.timedelta(minutes=i), "Blue Heron", "text", text)
        for i in range(n)
    )
    return Window(
        key=key,
        group_slug="g",
        group_name="G",
        period="week",
        start=dt.date(2025, 6, 2),
        end=dt.date(2025, 6, 8),
        language="en",
        messages=messages,
    )


def draft(cites=("m0",), text="They talked.", **kw):
    return Draft(
        kw.get("title", "A week"), kw.get("summary", "s"), [], [Paragraph(text, list(cites))]
    )


def test_a_good_draft_has_no_problem():
    assert draft_problems(draft(), window()) == []


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (draft(cites=()), "cites no message"),
        (draft(cites=("m0", "zz")), "not in this window: zz"),
        (draft(text="call +55 11 98765-4321"), "phone number or e-mail"),
        (draft(text="write to someone@example.org"), "phone number or e-mail"),
        (draft(title=" "), "title is empty"),
        (Draft("t", "s", [], []), "no paragraph"),
    ],
)
def test_draft_problems_name_each_defect(bad, reason):
    problems = draft_problems(bad, window())
    assert any(reason in p for p in problems), problems


def test_content_hash_changes_with_any_message_and_the_memo():
    w = window()
    assert w.content_hash() == window().content_hash()
    assert w.content_hash() != window(text="hello there!").content_hash()
    from dataclasses import replace

    assert w.content_hash() != replace(w, memo="last week: a trip").content_hash()


def test_split_keeps_every_message_in_order():
    w = window(n=10, text="x" * 200)
    parts = split_window(w, max_tokens=130)
    assert len(parts) > 1
    assert [m.id for p in parts for m in p.messages] == [m.id for m in w.messages]
    assert [p.key for p in parts] == [f"{w.key}#{i}" for i in range(1, len(parts) + 1)]
    assert split_window(w, None) == [w]
    huge = window(n=1, text="y" * 5000)
    assert split_window(huge, 10) == [huge]  # one oversized message: its own part, never cut


def test_merge_drafts_keeps_all_paragraphs_and_the_last_memo():
    a, b = draft(cites=("m0",)), draft(cites=("m1",))
    b.memo = "next"
    merged = merge_drafts([a, b])
    assert [p.cites for p in merged.paragraphs] == [["m0"], ["m1"]]
    assert merged.memo == "next"


class Counting:
    name = "counting"
    max_input_tokens = None

    def __init__(self, concurrency=2, fail=()):
        self.concurrency = concurrency
        self.fail = set(fail)
        self.calls: list[str] = []
        self.in_flight = self.peak = 0

    def settings(self):
        return {"model": "m1"}

    def estimate(self, window):
        return Estimate()

    async def narrate(self, window):
        self.calls.append(window.key)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await asyncio.sleep(0.01)
        self.in_flight -= 1
        if window.key in self.fail:
            raise NarrationFailed("drafts kept failing validation")
        return draft(cites=(window.messages[0].id,), text=f"about {window.key}")

    async def portrait(self, member):
        self.calls.append(member.key)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await asyncio.sleep(0.01)
        self.in_flight -= 1
        if member.key in self.fail:
            raise NarrationFailed("portraits kept failing validation")
        return Portrait(f"{member.name} by {self.name}", [member.samples[0].id])


def windows(n):
    return [window(key=f"g/2025-06-{i:02d}") for i in range(1, n + 1)]


def test_runner_bounds_concurrency_and_caches_every_draft():
    narrator, cache = Counting(concurrency=3), MemoryCache()
    run = asyncio.run(narrate_windows(narrator, windows(10), cache))
    assert sorted(run.written) == [w.key for w in windows(10)]
    assert narrator.peak == 3
    again = Counting()
    second = asyncio.run(narrate_windows(again, windows(10), cache))
    assert again.calls == [] and len(second.cached) == 10
    assert second.drafts["g/2025-06-04"].paragraphs[0].text == "about g/2025-06-04"


def test_runner_force_and_changed_settings_miss_the_cache():
    cache = MemoryCache()
    asyncio.run(narrate_windows(Counting(), windows(2), cache))
    forced = Counting()
    asyncio.run(narrate_windows(forced, windows(2), cache, force=True))
    assert len(forced.calls) == 2
    other = Counting()
    other.settings = lambda: {"model": "m2"}
    asyncio.run(narrate_windows(other, windows(2), cache))
    assert len(other.calls) == 2


def test_max_calls_leaves_the_rest_for_the_next_run():
    cache = MemoryCache()
    run = asyncio.run(narrate_windows(Counting(), windows(5), cache, max_calls=2))
    assert len(run.written) == 2 and len(run.left) == 3
    nxt = Counting()
    run2 = asyncio.run(narrate_windows(nxt, windows(5), cache))
    assert sorted(nxt.calls) == sorted(run.left) and len(run2.cached) == 2


def test_a_failed_window_falls_back_uncached_and_warns(caplog):
    cache, narrator = MemoryCache(), Counting(fail={"g/2025-06-02"})
    fallback = Counting()
    fallback.name = "offline"
    run = asyncio.run(narrate_windows(narrator, windows(3), cache, fallback=fallback))
    assert run.fallbacks == ["g/2025-06-02"]
    assert fallback.calls == ["g/2025-06-02"]
    assert "g/2025-06-02" in caplog.text and "offline" in caplog.text
    assert len(cache.drafts) == 2  # the fallback's draft is not cached under the LLM's key
    with pytest.raises(NarrationFailed):
        asyncio.run(narrate_windows(Counting(fail={"g/2025-06-01"}), windows(1), MemoryCache()))


def test_content_hash_is_the_sha256_of_the_window_as_json():
    """Cached drafts are keyed by it: a faster hash must give the same values."""
    import hashlib
    import json
    from dataclasses import asdict

    w = window(n=5)
    payload = json.dumps(asdict(w), sort_keys=True, default=str, ensure_ascii=False)
    assert w.content_hash() == hashlib.sha256(payload.encode("utf-8")).hexdigest()


def member(key="ca71a986", n=3, name="Amber Heron", messages=10):
    samples = tuple(
        WindowMessage(f"{key}-s{i}", T0 + dt.timedelta(days=i), name, "text", f"sample {i}")
        for i in range(n)
    )
    return MemberProfile(
        key=key,
        name=name,
        messages=messages,
        first=dt.date(2025, 1, 1),
        last=dt.date(2025, 6, 1),
        groups=("G",),
        hours=(20,),
        keywords=("trail", "cake"),
        companions=("Brave Otter",),
        samples=samples,
    )


def members(n):
    return [member(key=f"{i:08x}", name=f"Member {i}") for i in range(n)]


def test_portrait_problems_name_each_defect():
    m = member()
    assert portrait_problems(Portrait("A regular.", [m.samples[0].id]), m) == []
    assert "empty" in portrait_problems(Portrait(" "), m)[0]
    assert "not samples: zz" in portrait_problems(Portrait("A regular.", ["zz"]), m)[0]
    for text in ("call +55 11 98765-4321", "mail someone@example.org"):
        assert "phone number or e-mail" in portrait_problems(Portrait(text), m)[0]


def test_portraits_run_bounded_cached_and_forced():
    narrator, cache = Counting(concurrency=3), MemoryCache()
    run = asyncio.run(portray_members(narrator, members(7), cache))
    assert sorted(run.written) == sorted(m.key for m in members(7)) and narrator.peak == 3
    again = Counting()
    second = asyncio.run(portray_members(again, members(7), cache))
    assert again.calls == [] and len(second.cached) == 7
    assert second.portraits["00000002"].text == "Member 2 by counting"
    forced = Counting()
    asyncio.run(portray_members(forced, members(7), cache, force=True))
    assert len(forced.calls) == 7


def test_a_portrait_key_is_the_members_content_narrator_and_settings():
    narrator, other = Counting(), Counting()
    other.settings = lambda: {"model": "m2"}
    assert cache_key(narrator, member()) == cache_key(Counting(), member())
    assert cache_key(narrator, member()) != cache_key(other, member())
    assert cache_key(narrator, member()) != cache_key(narrator, member(messages=11))
    cache = MemoryCache()
    asyncio.run(portray_members(narrator, [member()], cache))
    changed = Counting()
    asyncio.run(portray_members(changed, [member(messages=11)], cache))
    assert changed.calls == ["ca71a986"]  # one more message: a new portrait


def test_portraits_max_calls_and_fallback(caplog):
    cache = MemoryCache()
    run = asyncio.run(portray_members(Counting(), members(5), cache, max_calls=2))
    assert len(run.written) == 2 and len(run.left) == 3 and run.calls == 2
    fallback = Counting()
    fallback.name = "offline"
    failing = Counting(fail={"00000003"})
    run = asyncio.run(portray_members(failing, members(5), cache, fallback=fallback))
    assert run.fallbacks == ["00000003"] and fallback.calls == ["00000003"]
    assert run.portraits["00000003"].text == "Member 3 by offline"
    warnings = [r.getMessage() for r in caplog.records if "00000003" in r.getMessage()]
    assert len(warnings) == 1 and "offline" in warnings[0] and "Member 3" not in warnings[0]
    assert len(cache.drafts) == 4  # the fallback's portrait is not cached
