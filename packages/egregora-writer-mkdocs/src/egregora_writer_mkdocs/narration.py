"""The posts' prose and the profiles' portraits: built from the lake, narrated, cached in
the serving database.

A window is one post's visible messages (the build's scope: no opted-out member, no
system line) under display names, with their thread numbers and the post's links. It is
built from rows the lake already returned for every changed post in one query, never
from anything outside the lake, so no raw name can reach a narrator.

The memo of a window is the offline narrator's memo of the group's previous window
(computed here, or read from the serving database when that post did not change), so
windows are independent and narrated concurrently.

A portrait is written from a :class:`~egregora_core.narrative.MemberProfile` the site
builder fills from the lake (counts, groups, hours, keywords, companions, a few samples);
it goes through the same runner, cache policy and fallback as the windows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

from egregora_core.drafts import DraftStore
from egregora_core.narrative import (
    Draft,
    Estimate,
    MemberProfile,
    NarrationRun,
    Narrator,
    Portrait,
    Window,
    WindowMessage,
    WindowThread,
    cache_key,
    draft_problems,
    merge_drafts,
    narrate_windows,
    portrait_problems,
    portray_members,
    split_window,
)
from egregora_core.offline_narrator import OfflineNarrator, keywords

from . import periods

log = logging.getLogger("egregora.site")

Key = tuple[str, dt.date]


def window_key(key: Key) -> str:
    return f"{key[0]}/{key[1].isoformat()}"


@dataclass
class Tally:
    """What a narrator run did (for the summary and the dry-run listing)."""

    written: int = 0
    cached: int = 0
    fallbacks: int = 0
    calls: int = 0
    left: list[str] = field(default_factory=list)  # keys left for the next run
    estimates: list[tuple[str, Estimate]] = field(default_factory=list)  # dry run: to write

    def count(self, run: NarrationRun) -> None:
        self.calls = run.calls
        self.cached = len(run.cached)
        self.written = len(run.written)
        self.fallbacks = len(run.fallbacks)
        self.left = list(run.left)


@dataclass
class Narration(Tally):
    """What narrating a build's windows did."""

    drafts: dict[Key, Draft] = field(default_factory=dict)
    windows: dict[Key, Window] = field(default_factory=dict)


@dataclass
class Portrayal(Tally):
    """What portraying a build's changed members did (keys: pseudonyms)."""

    portraits: dict[str, Portrait] = field(default_factory=dict)


def build_windows(
    rows: Any,
    posts: dict[Key, dict[str, Any]],
    names: Any,
    tz: ZoneInfo,
    language: str,
) -> dict[Key, Window]:
    """Windows from :func:`dataset.window_messages` rows (a pyarrow table) of changed posts.

    ``posts`` maps each wanted key to its group name, period and links; ``names(pseudonym)``
    gives a display name.
    """
    columns = [rows.column(c).to_pylist() for c in rows.column_names]
    index = {c: i for i, c in enumerate(rows.column_names)}
    group, period = index["group_slug"], index["period"]
    by_post: dict[Key, list[tuple]] = defaultdict(list)
    for row in zip(*columns, strict=True):
        key = (row[group], row[period])
        if key in posts:
            by_post[key].append(row)
    display: dict[str, str] = {}

    def name(pseudonym: str | None) -> str:
        if not pseudonym:
            return ""
        if pseudonym not in display:
            display[pseudonym] = names(pseudonym)
        return display[pseudonym]

    windows: dict[Key, Window] = {}
    for key, post_rows in sorted(by_post.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        post_rows.sort(key=lambda r: (r[index["ts"]], r[index["ordinal"]]))
        messages = tuple(
            WindowMessage(
                id=r[index["message_id"]],
                ts=r[index["ts"]].astimezone(tz),
                author=name(r[index["author"]]),
                kind=r[index["kind"]],
                text=r[index["text"]] or "",
                thread=r[index["thread"]],
                media=r[index["media_type"]],
            )
            for r in post_rows
        )
        by_thread: dict[int, list[WindowMessage]] = defaultdict(list)
        for m in messages:
            by_thread[m.thread].append(m)
        threads = tuple(
            WindowThread(
                index=n,
                start=ms[0].ts,
                end=ms[-1].ts,
                messages=len(ms),
                starter=ms[0].author,
                authors=tuple(
                    a for a, _ in sorted(Counter(m.author for m in ms).items(), key=_by_count)
                ),
                keywords=tuple(keywords([m.text for m in ms])),
            )
            for n, ms in sorted(by_thread.items())
        )
        info = posts[key]
        windows[key] = Window(
            key=window_key(key),
            group_slug=key[0],
            group_name=info["group_name"],
            period=info["period"],
            start=key[1],
            end=periods.end(key[1], info["period"]),
            language=language,
            messages=messages,
            threads=threads,
            links=tuple((link["url"], link["shares"]) for link in info["links"]),
        )
    return windows


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


def with_memos(windows: dict[Key, Window], store: DraftStore, period: str) -> dict[Key, Window]:
    """Each window with the offline memo of its group's previous window.

    The previous window is the one just before in this batch when it is the previous
    period; otherwise its memo is read from the store (written when it was last built).
    """
    offline = OfflineNarrator()
    own = {key: offline.write(w).memo for key, w in windows.items()}
    wanted = [window_key(previous(key, period)) for key in windows]
    stored = store.memos(wanted)
    out = {}
    for key, window in windows.items():
        before = previous(key, period)
        memo = own.get(before) if before in own else stored.get(window_key(before), "")
        out[key] = replace(window, memo=memo or "")
    store.put_memos({window_key(k): m for k, m in own.items()})
    return out


def previous(key: Key, period: str) -> Key:
    """The key of the period before (whether or not the group spoke then)."""
    group, start = key
    if period == "day":
        return group, start - dt.timedelta(days=1)
    if period == "week":
        return group, start - dt.timedelta(days=7)
    last = start - dt.timedelta(days=1)
    return group, last.replace(day=1)


def narrate(
    windows: dict[Key, Window],
    narrator: Narrator,
    store: DraftStore,
    *,
    force: bool = False,
    max_calls: int | None = None,
    dry_run: bool = False,
) -> Narration:
    """Drafts for ``windows``: cached ones without a call, the rest by ``narrator``.

    Oversized windows are split to fit ``narrator.max_input_tokens`` and their parts'
    drafts merged. A draft that fails :func:`draft_problems` (or a window the narrator
    gives up) is written by the offline narrator, with one warning naming the window.
    In a dry run nothing is narrated: the windows that would be are listed with the
    narrator's estimate, and every post gets the offline draft to render.
    """
    offline = OfflineNarrator()
    result = Narration(windows=windows)
    parts: dict[Key, list[Window]] = {
        key: split_window(w, narrator.max_input_tokens) for key, w in windows.items()
    }
    flat = [p for ps in parts.values() for p in ps]
    store.narrator = narrator.name
    store.preload(cache_key(narrator, w) for w in flat)
    if dry_run:
        for w in flat:
            if force or store.get(cache_key(narrator, w)) is None:
                result.estimates.append((w.key, narrator.estimate(w)))
        result.drafts = {key: offline.write(w) for key, w in windows.items()}
        return result
    fallback = offline if narrator.name != offline.name else None
    run: NarrationRun = asyncio.run(
        narrate_windows(narrator, flat, store, max_calls=max_calls, force=force, fallback=fallback)
    )
    result.count(run)
    left = set(run.left)
    for key, window in windows.items():
        keys = [p.key for p in parts[key]]
        if any(k in left for k in keys):
            result.drafts[key] = offline.write(window)  # for now; the next run writes it
            continue
        draft = merge_drafts([run.drafts[k] for k in keys])
        problems = draft_problems(draft, window)
        if problems:
            log.warning(
                "window %s: the %s narrator's draft was refused (%s); written by the offline "
                "narrator",
                window.key,
                narrator.name,
                problems[0],
            )
            result.fallbacks += 1
            draft = offline.write(window)
        result.drafts[key] = draft
    return result


def portray(
    members: dict[str, MemberProfile],
    narrator: Narrator,
    store: DraftStore,
    *,
    force: bool = False,
    max_calls: int | None = None,
    dry_run: bool = False,
) -> Portrayal:
    """Portraits of ``members`` (by pseudonym): cached ones without a call, the rest by
    ``narrator``, :func:`narrate` for profiles.

    A portrait the narrator gives up, or one :func:`portrait_problems` refuses, is the
    offline narrator's, with one warning naming the pseudonym. In a dry run nothing is
    sent: the members that would be portrayed are listed with the narrator's
    ``estimate_portrait`` (one call, unknown tokens, when it has none).
    """
    offline = OfflineNarrator()
    result = Portrayal()
    cache = store.portraits
    store.narrator = narrator.name
    keys = {k: cache_key(narrator, m) for k, m in members.items()}
    cache.preload(keys.values())
    if dry_run:
        estimate = getattr(narrator, "estimate_portrait", None)
        for k, member in members.items():
            if force or cache.get(keys[k]) is None:
                result.estimates.append((k, estimate(member) if estimate else Estimate()))
        result.portraits = {k: offline.describe(m) for k, m in members.items()}
        return result
    fallback = offline if narrator.name != offline.name else None
    run = asyncio.run(
        portray_members(
            narrator, members.values(), cache, max_calls=max_calls, force=force, fallback=fallback
        )
    )
    result.count(run)
    for k, member in members.items():
        portrait = run.portraits.get(k)
        if portrait is None:  # left for the next run
            result.portraits[k] = offline.describe(member)
            continue
        problems = portrait_problems(portrait, member)
        if problems:
            log.warning(
                "member %s: the %s narrator's portrait was refused (%s); written by the "
                "offline narrator",
                k,
                narrator.name,
                problems[0],
            )
            result.fallbacks += 1
            portrait = offline.describe(member)
        result.portraits[k] = portrait
    return result
