"""Narrators: what turns one post window into prose (the ``egregora_register_narrators`` hook).

A *window* is what one post tells: the anonymized messages of one group and period (or one
part of an oversized period), with their lake ids, the speakers' public display names
(alias or readable pseudonym, never a raw name), the period's threads and links, and the
previous window's memo. A narrator returns a :class:`Draft`: title, summary, tags, and
paragraphs that each cite the ids of the messages they are built on, plus a memo handed to
the next window of the same group for continuity.

Everything a narrator sees is built from the lake, which holds only anonymized text, so
nothing here can reach a model that the anonymizer did not already let through.
:func:`draft_problems` is the host's (and a model's output validator's) check of a draft.

:func:`narrate_windows` runs a narrator over many windows: bounded concurrency, a cache
looked up before any call and filled after each, and an optional cap on narrator calls.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any, Protocol, runtime_checkable

from .errors import EgregoraError
from .redact import redact_text

log = logging.getLogger("egregora.narrative")


class NarrationFailed(EgregoraError):
    """A narrator gave up on a window (e.g. a model's drafts kept failing validation).

    The message must not quote chat text: it is logged.
    """


@dataclass(frozen=True)
class WindowMessage:
    """One message as a narrator sees it. ``author`` is a display name ("" for system lines)."""

    id: str  # the lake's message_id: what a paragraph cites
    ts: dt.datetime
    author: str
    kind: str  # text, media, system, poll, location, contact, deleted, ...
    text: str  # anonymized and redacted, "" when the message has none
    thread: int | None = None  # index into Window.threads
    media: str | None = None  # media type ("image", "video", ...) or caption when present


@dataclass(frozen=True)
class WindowThread:
    """A conversation inside the window (a burst of messages without a long pause)."""

    index: int
    start: dt.datetime
    end: dt.datetime
    messages: int
    starter: str  # display name of who opened it
    authors: tuple[str, ...]  # display names, most active first
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Window:
    """One post's worth of anonymized conversation.

    ``key`` is ``<group_slug>/<period start ISO date>``, with ``#<n>`` appended for the
    n-th part (from 1) of a window split to fit a model's input (:func:`split_window`).
    """

    key: str
    group_slug: str
    group_name: str
    period: str  # "day" | "week" | "month"
    start: dt.date
    end: dt.date  # inclusive
    language: str  # ISO 639-1 code of the chat ("en", "pt", ...)
    messages: tuple[WindowMessage, ...]
    threads: tuple[WindowThread, ...] = ()
    links: tuple[tuple[str, int], ...] = ()  # (url, times shared)
    memo: str = ""  # the previous window's memo, "" for a group's first window

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(m.id for m in self.messages)

    def content_hash(self) -> str:
        """sha256 of everything a narrator can see: equal hashes, equal input."""
        return _content_hash(self)


def _plain(value: Any) -> Any:
    """``asdict`` without its deep copies: the same JSON, ~10x faster on a big window."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _content_hash(value: Any) -> str:
    payload = json.dumps(_plain(value), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class Paragraph:
    text: str
    cites: list[str]  # message ids from the window, at least one


@dataclass
class Draft:
    """What a narrator writes for one window."""

    title: str
    summary: str
    tags: list[str]
    paragraphs: list[Paragraph]
    memo: str = ""  # a few sentences for the next window of the same group

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Draft:
        data = json.loads(text)
        data["paragraphs"] = [Paragraph(**p) for p in data["paragraphs"]]
        return cls(**data)


@dataclass(frozen=True)
class MemberProfile:
    """What a narrator knows of one member for a profile portrait (never an opted-out one)."""

    key: str  # the member's pseudonym (the lake's key)
    name: str  # display name
    messages: int
    first: dt.date
    last: dt.date
    groups: tuple[str, ...]  # group names, most active first
    hours: tuple[int, ...]  # busiest hours of day (local), most active first
    keywords: tuple[str, ...]
    companions: tuple[str, ...]  # display names of whom they most often talk with
    samples: tuple[WindowMessage, ...] = ()  # a few of their most substantial messages
    language: str = "en"  # ISO 639-1 code the portrait is written in

    def content_hash(self) -> str:
        return _content_hash(self)


@dataclass
class Portrait:
    """What a narrator writes for one member: a paragraph, citing ids of the samples it uses."""

    text: str
    cites: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Portrait:
        return cls(**json.loads(text))


@dataclass(frozen=True)
class Estimate:
    """What narrating a window would cost: calls and tokens (0 for an offline narrator)."""

    calls: int = 1
    input_tokens: int = 0
    output_tokens: int = 0


@runtime_checkable
class Narrator(Protocol):
    """Turns windows into drafts and member profiles into portraits.

    ``settings()`` returns everything besides the window that changes the output (model,
    prompt version, temperature, ...): it is part of the cache key, so a changed setting
    re-writes every post once. ``concurrency`` bounds simultaneous ``narrate`` calls and
    ``max_input_tokens`` (or None) makes the host split larger windows. An optional
    ``configure(config) -> Narrator`` returns a copy configured from the project, and an
    optional ``estimate_portrait(member) -> Estimate`` what a portrait costs (a dry run
    counts one call, with unknown tokens, for a narrator without it).
    """

    name: str
    concurrency: int
    max_input_tokens: int | None

    def settings(self) -> dict[str, Any]: ...

    def estimate(self, window: Window) -> Estimate: ...

    async def narrate(self, window: Window) -> Draft: ...

    async def portrait(self, member: MemberProfile) -> Portrait: ...


def estimate_tokens(text: str) -> int:
    """A provider-independent token estimate (about 4 characters a token)."""
    return len(text) // 4 + 1


def message_tokens(message: WindowMessage) -> int:
    return estimate_tokens(f"{message.id} {message.author}: {message.text} {message.media or ''}")


def split_window(window: Window, max_tokens: int | None) -> list[Window]:
    """The window in parts of at most ``max_tokens`` estimated message tokens, in order.

    No message is dropped: a single message larger than the budget gets a part of its own.
    A window that fits (or holds one message) is returned as is, with the same key.
    """
    if max_tokens is None or sum(map(message_tokens, window.messages)) <= max_tokens:
        return [window]
    parts: list[list[WindowMessage]] = [[]]
    used = 0
    for message in window.messages:
        cost = message_tokens(message)
        if parts[-1] and used + cost > max_tokens:
            parts.append([])
            used = 0
        parts[-1].append(message)
        used += cost
    if len(parts) == 1:
        return [window]
    return [
        Window(
            key=f"{window.key}#{n}",
            group_slug=window.group_slug,
            group_name=window.group_name,
            period=window.period,
            start=window.start,
            end=window.end,
            language=window.language,
            messages=tuple(part),
            threads=window.threads,
            links=window.links,
            memo=window.memo,
        )
        for n, part in enumerate(parts, 1)
    ]


def merge_drafts(drafts: Sequence[Draft]) -> Draft:
    """One draft from the drafts of a split window's parts (first title, all paragraphs)."""
    first = drafts[0]
    tags: list[str] = []
    for d in drafts:
        tags += [t for t in d.tags if t not in tags]
    return Draft(
        title=first.title,
        summary=first.summary,
        tags=tags,
        paragraphs=[p for d in drafts for p in d.paragraphs],
        memo=drafts[-1].memo,
    )


def private_data_in(text: str) -> bool:
    """True when the redactor would change ``text`` (a phone number or e-mail in it)."""
    return redact_text(text) != text


def draft_problems(draft: Draft, window: Window) -> list[str]:
    """Why ``draft`` cannot be published for ``window`` (empty when it can).

    Every paragraph cites at least one message, every cited id belongs to the window, and
    no text contains what the privacy redactor would change. The reasons are written to
    be sent back to a model as a retry prompt: they quote ids, never message text.
    """
    problems: list[str] = []
    if not draft.title.strip():
        problems.append("the title is empty")
    if not draft.paragraphs:
        problems.append("the draft has no paragraph")
    ids = window.ids
    for n, paragraph in enumerate(draft.paragraphs, 1):
        if not paragraph.text.strip():
            problems.append(f"paragraph {n} is empty")
        if not paragraph.cites:
            problems.append(f"paragraph {n} cites no message")
        unknown = [c for c in paragraph.cites if c not in ids]
        if unknown:
            problems.append(
                f"paragraph {n} cites ids that are not in this window: {', '.join(unknown[:5])}"
            )
    texts = {"title": draft.title, "summary": draft.summary, "memo": draft.memo}
    texts |= {f"tag {t!r}": t for t in draft.tags}
    texts |= {f"paragraph {n}": p.text for n, p in enumerate(draft.paragraphs, 1)}
    for where, text in texts.items():
        if private_data_in(text):
            problems.append(f"the {where} contains a phone number or e-mail address; remove it")
    return problems


def portrait_problems(portrait: Portrait, member: MemberProfile) -> list[str]:
    """Why ``portrait`` cannot be published for ``member`` (empty when it can).

    The text is not empty, every cited id is one of the member's samples, and nothing in
    it is what the privacy redactor would change. Like :func:`draft_problems`, the reasons
    quote ids, never text.
    """
    problems: list[str] = []
    if not portrait.text.strip():
        problems.append("the portrait is empty")
    ids = {m.id for m in member.samples}
    unknown = [c for c in portrait.cites if c not in ids]
    if unknown:
        problems.append(f"the portrait cites ids that are not samples: {', '.join(unknown[:5])}")
    if private_data_in(portrait.text):
        problems.append("the portrait contains a phone number or e-mail address; remove it")
    return problems


class DraftCache(Protocol):
    """Where drafts are kept between builds (the serving database in the writer)."""

    def get(self, key: str) -> Draft | None: ...

    def put(self, key: str, draft: Draft) -> None: ...


class PortraitCache(Protocol):
    """Where portraits are kept between builds (:class:`DraftCache`'s twin)."""

    def get(self, key: str) -> Portrait | None: ...

    def put(self, key: str, portrait: Portrait) -> None: ...


class MemoryCache:
    """A dict-backed :class:`DraftCache` or :class:`PortraitCache` (tests, dry runs)."""

    def __init__(self) -> None:
        self.drafts: dict[str, Any] = {}

    def get(self, key: str) -> Any:
        return self.drafts.get(key)

    def put(self, key: str, value: Any) -> None:
        self.drafts[key] = value


def cache_key(narrator: Narrator, item: Window | MemberProfile) -> str:
    """(window or member content, narrator, its settings) -> a stable key."""
    settings = json.dumps(narrator.settings(), sort_keys=True, default=str)
    raw = f"{item.content_hash()}\n{narrator.name}\n{settings}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass
class NarrationRun:
    """What :func:`narrate_windows` (or :func:`portray_members`) did, by window (member) key."""

    drafts: dict[str, Any] = field(default_factory=dict)  # key -> draft (or portrait)
    cached: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # not written: --max-calls reached
    fallbacks: list[str] = field(default_factory=list)  # written by the fallback narrator
    calls: int = 0

    @property
    def portraits(self) -> dict[str, Any]:
        return self.drafts


async def narrate_windows(
    narrator: Narrator,
    windows: Iterable[Window],
    cache: DraftCache,
    *,
    max_calls: int | None = None,
    force: bool = False,
    fallback: Narrator | None = None,
    on_done: Callable[[Window, Draft, bool], None] | None = None,
) -> NarrationRun:
    """Narrate ``windows`` with at most ``narrator.concurrency`` calls in flight.

    A cached draft is used without a call unless ``force``. Each new draft is put in the
    cache as soon as it is written, so an interrupted run resumes where it stopped.
    ``max_calls`` caps the number of windows sent to the narrator; the others are listed
    in ``left``. A window whose narrator raises :class:`NarrationFailed` is written by
    ``fallback`` (one warning naming the window) and not cached, or the error propagates
    when there is no fallback. ``on_done(window, draft, from_cache)`` is called for every draft.
    Windows are independent: a memo must already be in each window.
    """
    return await _run_calls(
        narrator,
        [(w.key, cache_key(narrator, w), w) for w in windows],
        cache,
        what="window",
        call=lambda n, w: n.narrate(w),
        max_calls=max_calls,
        force=force,
        fallback=fallback,
        on_done=on_done,
    )


async def portray_members(
    narrator: Narrator,
    members: Iterable[MemberProfile],
    cache: PortraitCache,
    *,
    max_calls: int | None = None,
    force: bool = False,
    fallback: Narrator | None = None,
) -> NarrationRun:
    """:func:`narrate_windows` for portraits: the same bounds, cache and failure policy.

    Keys are the members' pseudonyms (``member.key``): the fallback's warning names the
    pseudonym, never a display name or anything the member wrote.
    """
    return await _run_calls(
        narrator,
        [(m.key, cache_key(narrator, m), m) for m in members],
        cache,
        what="member",
        call=lambda n, m: n.portrait(m),
        max_calls=max_calls,
        force=force,
        fallback=fallback,
    )


async def _run_calls(
    narrator: Narrator,
    items: list[tuple[str, str, Any]],
    cache: Any,
    *,
    what: str,
    call: Callable[[Narrator, Any], Any],
    max_calls: int | None,
    force: bool,
    fallback: Narrator | None,
    on_done: Callable[[Any, Any, bool], None] | None = None,
) -> NarrationRun:
    """The runner behind :func:`narrate_windows` and :func:`portray_members`: ``items`` are
    (key, cache key, window or member), ``call(narrator, item)`` writes one."""
    run = NarrationRun()
    pending: list[tuple[str, str, Any]] = []
    for name, key, item in items:
        done = None if force else cache.get(key)
        if done is not None:
            run.drafts[name] = done
            run.cached.append(name)
            if on_done:
                on_done(item, done, True)
        elif max_calls is not None and len(pending) >= max_calls:
            run.left.append(name)
        else:
            pending.append((name, key, item))
    gate = asyncio.Semaphore(max(1, int(narrator.concurrency)))

    async def one(name: str, key: str, item: Any) -> None:
        async with gate:
            run.calls += 1
            try:
                done = await call(narrator, item)
            except NarrationFailed as exc:
                if fallback is None:
                    raise
                log.warning("%s %s: %s; written by the %s narrator", what, name, exc, fallback.name)
                done = await call(fallback, item)
                run.fallbacks.append(name)
                run.drafts[name] = done
                if on_done:
                    on_done(item, done, False)
                return  # not cached: the next build tries the narrator again
        cache.put(key, done)
        run.drafts[name] = done
        run.written.append(name)
        if on_done:
            on_done(item, done, False)

    await asyncio.gather(*(one(*p) for p in pending))
    return run
