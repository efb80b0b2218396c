"""Markdown for posts, profiles and index pages.

Every chat-derived string passes through the privacy guard (``guard.scrub``) and then
:mod:`.escape` before it reaches a page; everything else here is our own template text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from egregora_core.names import readable_name
from egregora_core.narrative import Draft, WindowMessage

from . import escape, frontmatter, periods, prose
from .dataset import Preferences
from .media import MediaFile
from .privacy import Guard

POSTS_DIR = "posts/posts"  # under docs/ (blog_dir "posts", the blog plugin's default post_dir)
PROFILES_DIR = "profiles"
AVATARS_DIR = "assets/avatars"
MENTION = re.compile(r"(@[0-9a-f]{8})\b")
TWITTER = re.compile(r"^@?([A-Za-z0-9_]{1,15})$")
SPARK = "▁▂▃▄▅▆▇█"


@dataclass
class Members:
    """Display names and profile links for pseudonyms: the public alias if set, else the
    readable name (``readable``: :func:`egregora_core.names.readable_names` of the project's
    members, collision-free; one outside it gets :func:`~egregora_core.names.readable_name`).
    """

    prefs: dict[str, Preferences]
    with_profile: set[str] = field(default_factory=set)
    excluded: frozenset[str] = frozenset()  # opted out: never named, never linked
    readable: dict[str, str] = field(default_factory=dict)

    def name(self, pseudonym: str) -> str:
        pref = self.prefs.get(pseudonym)
        alias = (pref.alias or "").strip() if pref else ""
        if alias:
            return alias[:40]
        return self.readable.get(pseudonym) or readable_name(pseudonym)

    def link(self, pseudonym: str, to_docs: str, guard: Guard) -> str:
        text = escape.inline(guard.scrub(self.name(pseudonym)))
        if pseudonym in self.with_profile:
            return f"[{text}]({to_docs}{PROFILES_DIR}/{pseudonym}.md)"
        return text


@dataclass
class Post:
    group_slug: str
    group_name: str
    start: dt.date
    period: str
    messages: int
    participants: int
    first_ts: dt.datetime
    last_ts: dt.datetime
    authors: list[tuple[str, int]] = field(default_factory=list)
    threads: list[dict[str, Any]] = field(default_factory=list)
    quotes: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    media: list[MediaFile] = field(default_factory=list)
    missing_media: set[str] = field(default_factory=set)
    keywords: list[str] = field(default_factory=list)
    related: list[tuple[str, str]] = field(default_factory=list)  # (title, file name)
    thread_count: int = 0
    file: str = ""
    slug: str = ""
    draft: Draft | None = None  # the narrator's prose
    cited: dict[str, WindowMessage] = field(default_factory=dict)  # the window's messages

    @property
    def key_str(self) -> str:
        """The post's stable id: ``<group_slug>/<period start>`` (also the ranking id)."""
        return f"{self.group_slug}/{self.start.isoformat()}"

    @property
    def topic(self) -> str:
        """What the slug is made from: the keywords, else the period label."""
        return " ".join(self.keywords) or periods.label(self.start, self.period)

    @property
    def title(self) -> str:
        if self.draft is not None and self.draft.title.strip():
            return self.draft.title.strip()[:120]
        base = periods.label(self.start, self.period)
        if self.keywords:
            return f"{base}: {', '.join(self.keywords)}"
        return base

    @property
    def summary(self) -> str:
        if self.draft is not None and self.draft.summary.strip():
            return self.draft.summary.strip()[:300]
        return self.stats_line

    @property
    def stats_line(self) -> str:
        conv = self.thread_count or len(self.threads)
        return (
            f"{self.messages:,} messages from {self.participants} "
            f"member{'s' if self.participants != 1 else ''} in {conv} "
            f"conversation{'s' if conv != 1 else ''}."
        )


def _when(ts: dt.datetime, tz: ZoneInfo, fmt: str = "%a %d %b, %H:%M") -> str:
    return ts.astimezone(tz).strftime(fmt)


def _quote_text(text: str, members: Members, to_docs: str, guard: Guard) -> str:
    """Escape a quoted message, turning @pseudonym mentions into profile links."""
    parts = MENTION.split(guard.scrub(text))
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            pseudonym = part[1:]
            out.append(
                "@" + members.link(pseudonym, to_docs, guard)
                if pseudonym not in members.excluded
                else "@member"
            )
        else:
            out.append(escape.block(part) if "\n" in part else escape.inline(part))
    return "".join(out)


def post_page(post: Post, members: Members, guard: Guard, tz: ZoneInfo) -> str:
    to_docs = "../../"
    meta = {
        "title": escape.html_text(guard.scrub(post.title)),
        "date": post.start,
        "slug": post.slug,
        "authors": [p for p, _ in post.authors],
        "categories": [escape.html_text(guard.scrub(post.group_name))],
        "tags": post.keywords,
        "summary": post.summary,
    }
    span = f"{_when(post.first_ts, tz, '%d %b %Y')} – {_when(post.last_ts, tz, '%d %b %Y')}"
    meta["summary"] = escape.html_text(guard.scrub(post.summary))
    citations = prose.Citations()
    names = {
        escape.inline(guard.scrub(members.name(p))): members.link(p, to_docs, guard)
        for p, _ in post.authors
        if p in members.with_profile
    }
    paragraphs = prose.draft_blocks(post.draft, citations, guard, names) if post.draft else []
    out = [frontmatter.render(meta), f"# {escape.inline(guard.scrub(post.title))}", ""]
    if paragraphs:  # the lede is the blog index's excerpt; the stats follow the prose
        out += [paragraphs[0], "", "<!-- more -->", ""]
        out += [line for p in paragraphs[1:] for line in (p, "")]
        out += [f"*{post.stats_line} ({span})*", ""]
    else:
        out += [f"{post.summary} ({span})", "", "<!-- more -->", ""]

    out += ["## Who took part", "", "| Member | Messages |", "| --- | ---: |"]
    out += [f"| {members.link(p, to_docs, guard)} | {n:,} |" for p, n in post.authors]
    out.append("")

    if post.threads:
        out += ["## Conversations", ""]
        for t in post.threads:
            out.append(
                f"- **{_when(t['start'], tz)}–{_when(t['end'], tz, '%H:%M')}** · "
                f"{t['messages']:,} messages · {t['participants']} "
                f"member{'s' if t['participants'] != 1 else ''}"
            )
        out.append("")

    if post.quotes:
        out += ["## In their words", ""]
        for q in post.quotes:
            body = _quote_text(q["text"], members, to_docs, guard)
            lines = body.split("  \n")
            out += [
                "> " + line + ("  " if i < len(lines) - 1 else "") for i, line in enumerate(lines)
            ]
            out += [
                ">",
                f"> — {members.link(q['author'], to_docs, guard)}, {_when(q['ts'], tz)}",
                "",
            ]

    links = [(escape.safe_url(guard.scrub(link["url"])), link) for link in post.links]
    links = [(url, link) for url, link in links if url]
    if links:
        out += ["## Shared links", ""]
        for url, link in links:
            shares = f" (shared {link['shares']} times)" if link["shares"] > 1 else ""
            out.append(f"- [{escape.inline(link['domain'] or 'link')}]({url}){shares}")
        out.append("")

    if post.media:
        out += ["## Media", ""]
        for item in post.media:
            path = to_docs + item.site_path
            if item.sha256 in post.missing_media:
                out.append(f"- *{item.site_path.split('/')[1].rstrip('s')} not available*")
            elif item.is_image:
                out.append(f"![shared image]({path}){{ loading=lazy }}")
            else:
                out.append(f"- [{item.site_path.split('/')[1].rstrip('s')} file]({path})")
        out.append("")

    if post.related:
        out += ["## Related earlier posts", ""]
        out += [f"- [{escape.inline(title)}]({file})" for title, file in post.related]
        out.append("")

    out += prose.sources(
        citations,
        post.cited,
        lambda text: _quote_text(" ".join(text.split()), members, to_docs, guard),
        guard,
        tz,
    )
    return "\n".join(out).rstrip() + "\n"


def sparkline(values: list[int]) -> str:
    top = max(values) or 1
    return "".join(
        SPARK[min(len(SPARK) - 1, round(v / top * (len(SPARK) - 1)))] if v else " " for v in values
    )


def profile_page(
    pseudonym: str,
    data: dict[str, Any],
    members: Members,
    guard: Guard,
    group_names: dict[str, str],
) -> str:
    pref = members.prefs.get(pseudonym) or Preferences(pseudonym)
    name = members.name(pseudonym)
    meta = {"title": escape.html_text(guard.scrub(name)), "pseudonym": pseudonym}
    out = [frontmatter.render(meta), f"# {escape.inline(guard.scrub(name))}", ""]
    avatar = f"../{AVATARS_DIR}/{pseudonym}.svg"
    out += [f"![avatar]({avatar}){{ width=72 align=left }}", "", f"Pseudonym: `{pseudonym}`", ""]
    if pref.bio:
        out += [escape.block(guard.scrub(pref.bio[:500])), ""]
    t = data["totals"]
    out += [
        f"- **{t['messages']:,}** messages on **{t['days']:,}** days "
        f"({t['first']:%d %b %Y} – {t['last']:%d %b %Y})"
    ]
    groups = ", ".join(escape.inline(guard.scrub(group_names.get(g, g))) for g, _ in data["groups"])
    out.append(f"- Groups: {groups}")
    handle = TWITTER.match((pref.twitter or "").strip())
    if handle:
        out.append(
            f"- Twitter: [@{escape.inline(handle.group(1))}](https://twitter.com/{handle.group(1)})"
        )
    website = escape.safe_url(guard.scrub(pref.website or ""))
    if website:
        out.append(f"- Website: [{escape.inline(escape.domain(website))}]({website})")
    out.append("")

    out += ["## Activity over time", "", "| Month | Messages | |", "| --- | ---: | --- |"]
    top = max((n for _, n in data["months"]), default=1)
    for month, n in data["months"]:
        bar = "█" * max(1, round(n / top * 20))
        out.append(f"| {month:%Y-%m} | {n:,} | {bar} |")
    out.append("")

    hours = [0] * 24
    for hour, n in data["hours"]:
        hours[int(hour)] = n
    busiest = max(range(24), key=lambda h: hours[h])
    out += [
        "## Active hours",
        "",
        "```text",
        sparkline(hours),
        "0     6     12    18   23",
        "```",
        "",
        f"Most active around {busiest:02d}:00.",
        "",
    ]

    if data["domains"]:
        out += ["## Top shared domains", ""]
        out += [f"- {escape.inline(guard.scrub(d))} ({n})" for d, n in data["domains"]]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def avatar_svg(pseudonym: str) -> str:
    """A deterministic, offline avatar: two hex digits on a colour from the pseudonym."""
    hue = int(pseudonym[:6], 16) % 360 if re.fullmatch(r"[0-9a-f]{8}", pseudonym) else 200
    initials = escape.html_text(pseudonym[:2])
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">'
        f'<circle cx="48" cy="48" r="48" fill="hsl({hue},55%,45%)"/>'
        '<text x="48" y="60" font-family="monospace" font-size="36" fill="#fff" '
        f'text-anchor="middle">{initials}</text></svg>\n'
    )
