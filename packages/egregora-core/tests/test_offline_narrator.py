"""The offline narrator: deterministic prose whose every paragraph cites its messages."""

from __future__ import annotations

import asyncio
import datetime as dt

from egregora_core.narrative import (
    MemberProfile,
    Window,
    WindowMessage,
    WindowThread,
    draft_problems,
)
from egregora_core.offline_narrator import OfflineNarrator, excerpt, keywords

T0 = dt.datetime(2025, 6, 3, 19, 0, tzinfo=dt.UTC)  # a Tuesday evening


def msg(i, author, text, minutes, thread=0, media=None, kind="text"):
    return WindowMessage(
        f"m{i:02d}", T0 + dt.timedelta(minutes=minutes), author, kind, text, thread, media
    )


def window(language="en", memo=""):
    messages = (
        msg(0, "Amber Heron", "who is up for the trail on saturday? the trail by the river", 0),
        msg(1, "Brave Otter", "the river trail is muddy after the rain, bring boots", 4),
        msg(2, "Calm Lynx", "I can bring the cake for after the trail, chocolate or carrot?", 9),
        msg(3, "Brave Otter", "carrot cake please https://www.example.org/recipe", 15),
        msg(4, "Amber Heron", "", 20, media="image", kind="media"),
        msg(5, "Calm Lynx", "good morning", 24 * 60, thread=1),
        msg(6, "Amber Heron", "morning!", 24 * 60 + 2, thread=1),
    )
    threads = (
        WindowThread(
            0,
            messages[0].ts,
            messages[4].ts,
            5,
            "Amber Heron",
            ("Amber Heron", "Brave Otter", "Calm Lynx"),
            ("trail", "cake"),
        ),
        WindowThread(
            1, messages[5].ts, messages[6].ts, 2, "Calm Lynx", ("Calm Lynx", "Amber Heron")
        ),
    )
    return Window(
        key="g/2025-06-02",
        group_slug="g",
        group_name="Hikers",
        period="week",
        start=dt.date(2025, 6, 2),
        end=dt.date(2025, 6, 8),
        language=language,
        messages=messages,
        threads=threads,
        memo=memo,
    )


def write(w):
    return asyncio.run(OfflineNarrator().narrate(w))


def test_draft_is_prose_that_passes_the_host_checks():
    w = window()
    d = write(w)
    assert draft_problems(d, w) == []
    text = " ".join(p.text for p in d.paragraphs)
    assert "Amber Heron" in text and "Brave Otter" in text  # who started, who joined
    assert "trail" in text and "cake" in text  # what it was about
    assert "Tuesday evening" in text
    assert "in twenty minutes" in text  # 19:00 -> 19:20
    assert "example.org" in text and "a photo" in text  # what was shared
    assert "“I can bring the cake for after the trail, chocolate or carrot?”" in text
    assert "one shorter exchange" in text
    assert d.title == "Trail and cake"


def test_paragraphs_cite_the_messages_they_describe():
    d = write(window())
    thread = next(p for p in d.paragraphs if "Tuesday" in p.text)
    assert thread.cites[0] == "m00"  # the opening message
    assert "m02" in thread.cites  # the quoted one
    assert {"m03", "m04"} <= set(thread.cites)  # the link and the photo
    assert d.paragraphs[-1].cites == ["m05"]


def test_deterministic():
    assert write(window()).to_json() == write(window()).to_json()


def test_portuguese_and_fallback_to_english():
    pt = write(window("pt"))
    text = " ".join(p.text for p in pt.paragraphs)
    assert "terça à noite" in text and "uma foto" in text
    assert "Tuesday" in " ".join(p.text for p in write(window("xx")).paragraphs)


def test_memo_feeds_the_next_lede_and_holds_no_message_text():
    d = write(window())
    assert d.memo.startswith("trail and cake")
    follow = write(window(memo=d.memo))
    assert "Last time the talk was about trail and cake" in follow.paragraphs[0].text
    assert "muddy" not in d.memo


def test_keywords_and_excerpt():
    assert keywords(["the cake is here", "cake cake and more trail", "trail"]) == ["cake", "trail"]
    long = "word " * 80
    cut = excerpt(long)
    assert cut.endswith("…") and len(cut) <= 161


def test_portrait_cites_a_sample_and_names_companions():
    sample = msg(9, "Amber Heron", "the best part of the trail was the waterfall at the end", 0)
    member = MemberProfile(
        key="ca71a986",
        name="Amber Heron",
        messages=120,
        first=dt.date(2024, 3, 1),
        last=dt.date(2025, 6, 3),
        groups=("Hikers",),
        hours=(20, 21, 9),
        keywords=("trail", "cake"),
        companions=("Brave Otter",),
        samples=(sample,),
    )
    p = asyncio.run(OfflineNarrator().portrait(member))
    assert "Amber Heron has written 120 messages between March 2024 and June 2025" in p.text
    assert "evening" in p.text and "waterfall" in p.text
    assert "They talk mostly about trail and cake, most often with Brave Otter." in p.text
    assert p.cites == ["m09"]


def test_portrait_topics_and_companions_in_english_and_portuguese():
    from dataclasses import replace

    member = MemberProfile(
        key="ca71a986",
        name="Amber Heron",
        messages=12,
        first=dt.date(2025, 3, 1),
        last=dt.date(2025, 6, 3),
        groups=("Hikers",),
        hours=(9,),
        keywords=("trilha", "bolo", "chuva"),
        companions=("Brave Otter", "Calm Lynx"),
    )
    en = OfflineNarrator().describe(member).text
    assert "talk mostly about trilha and bolo, most often with Brave Otter and Calm Lynx." in en
    pt = OfflineNarrator().describe(replace(member, language="pt")).text
    assert "Fala sobretudo de trilha e bolo, mais vezes com Brave Otter e Calm Lynx." in pt
    alone = OfflineNarrator().describe(replace(member, keywords=(), language="pt")).text
    assert alone.endswith("Conversa mais vezes com Brave Otter e Calm Lynx.")
    quiet = OfflineNarrator().describe(replace(member, keywords=(), companions=())).text
    assert "talk" not in quiet


def test_portuguese_agreement():
    text = " ".join(p.text for p in write(window("pt")).paragraphs)
    assert "três pessoas" in text
    two = window("pt")
    from dataclasses import replace

    solo = replace(two.threads[0], authors=("Amber Heron", "Brave Otter"))
    text = " ".join(p.text for p in write(replace(two, threads=(solo, two.threads[1]))).paragraphs)
    assert "Brave Otter entrou na conversa" in text or "com Brave Otter" in text
