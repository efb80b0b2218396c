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

from . import escape, frontmatter, i18n, periods, prose
from .dataset import Preferences
from .media import MediaFile
from .privacy import Guard

POSTS_DIR = "posts/posts"  # under docs/ (blog_dir "posts", the blog plugin's default post_dir)
PROFILES_DIR = "profiles"
AVATARS_DIR = "assets/avatars"
MENTION = re.compile(r"(@[0-9a-f]{8})\b")
TWITTER = re.compile(r"^@?([A-Za-z0-9_]{1,15})$")
SPARK = "▁▂▃▄▅▆▇█"
#: From a post page to ``docs/``: posts are served at ``posts/yyyy/MM/dd/<slug>/`` (the blog
#: plugin's ``post_url_format: "{date}/{slug}"`` with directory URLs). Markdown links are
#: rewritten by MkDocs; the raw ``<video>``/``<audio>`` HTML is not, so it needs this.
POST_TO_SITE_ROOT = "../../../../../"


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
    link_count: int = 0  # links/media in the period; the lists above may be cut
    media_count: int = 0
    language: str = i18n.DEFAULT
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
        return " ".join(self.keywords) or periods.label(self.start, self.period, self.language)

    @property
    def title(self) -> str:
        if self.draft is not None and self.draft.title.strip():
            return self.draft.title.strip()[:120]
        base = periods.label(self.start, self.period, self.language)
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
        t = i18n.Text(self.language)
        return t(
            "summary",
            messages=t.count(self.messages, "message"),
            members=t.count(self.participants, "member"),
            conversations=t.count(self.thread_count or len(self.threads), "conversation"),
        )


def _when(ts: dt.datetime, tz: ZoneInfo, t: i18n.Text) -> str:
    """``Mon 03 Jun, 00:09`` (local time, in the page's language)."""
    local = ts.astimezone(tz)
    return f"{t.short_date(local.date())}, {local:%H:%M}"


def span(start: dt.datetime, end: dt.datetime, tz: ZoneInfo, t: i18n.Text) -> str:
    """A conversation's time span; the end date is repeated when it falls on another day."""
    first, last = start.astimezone(tz), end.astimezone(tz)
    if first.date() == last.date():
        return f"{_when(start, tz, t)}–{last:%H:%M}"
    return f"{_when(start, tz, t)} – {_when(end, tz, t)}"


def _more(shown: int, total: int, t: i18n.Text) -> list[str]:
    """The line that says a list was cut ("and 7 more"), or nothing when it was not."""
    return [f"- *{t('more', n=t.number(total - shown))}*"] if total > shown else []


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
    t = i18n.Text(post.language)
    meta = {
        "title": escape.html_text(guard.scrub(post.title)),
        "date": post.start,
        "slug": post.slug,
        "authors": [p for p, _ in post.authors],
        "categories": [escape.html_text(guard.scrub(post.group_name))],
        "tags": post.keywords,
        "summary": post.summary,
    }
    first, last = post.first_ts.astimezone(tz).date(), post.last_ts.astimezone(tz).date()
    dates = t.date(first) if first == last else f"{t.date(first)} – {t.date(last)}"
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
        out += [f"*{post.stats_line} ({dates})*", ""]
    else:
        out += [f"{post.summary} ({dates})", "", "<!-- more -->", ""]

    out += [f"## {t('who')}", "", f"| {t('col_member')} | {t('col_messages')} |", "| --- | ---: |"]
    out += [f"| {members.link(p, to_docs, guard)} | {t.number(n)} |" for p, n in post.authors]
    out.append("")

    if post.threads:
        out += [f"## {t('conversations')}", ""]
        for thread in post.threads:
            out.append(
                f"- **{span(thread['start'], thread['end'], tz, t)}** · "
                f"{t.count(thread['messages'], 'message')} · "
                f"{t.count(thread['participants'], 'member')}"
            )
        out += _more(len(post.threads), post.thread_count, t)
        out.append("")

    if post.quotes:
        out += [f"## {t('quotes')}", ""]
        for q in post.quotes:
            body = _quote_text(q["text"], members, to_docs, guard)
            lines = body.split("  \n")
            out += [
                "> " + line + ("  " if i < len(lines) - 1 else "") for i, line in enumerate(lines)
            ]
            out += [
                ">",
                f"> — {members.link(q['author'], to_docs, guard)}, {_when(q['ts'], tz, t)}",
                "",
            ]

    links = [(escape.safe_url(guard.scrub(link["url"])), link) for link in post.links]
    links = [(url, link) for url, link in links if url]
    if links:
        out += [f"## {t('links')}", ""]
        for url, link in links:
            shares = (
                f" ({t('shared', times=t.count(link['shares'], 'time'))})"
                if link["shares"] > 1
                else ""
            )
            out.append(f"- [{escape.inline(link['domain'] or 'link')}]({url}){shares}")
        out += _more(len(post.links), post.link_count, t)
        out.append("")

    if post.media:
        out += [f"## {t('media')}", "", *media_section(post, t), ""]

    if post.related:
        out += [f"## {t('related')}", ""]
        out += [f"- [{escape.inline(title)}]({file})" for title, file in post.related]
        out.append("")

    out += prose.sources(
        citations,
        post.cited,
        lambda text: _quote_text(" ".join(text.split()), members, to_docs, guard),
        guard,
        lambda ts: _when(ts, tz, t),
        t("sources"),
    )
    return "\n".join(out).rstrip() + "\n"


def media_section(post: Post, t: i18n.Text) -> list[str]:
    """Images, then players for video and audio, then a list of the other files.

    Each image and player is a block of its own (a blank line after each), so that nothing
    that follows is swallowed into its paragraph. Players never autoplay and load nothing
    until asked (``preload="none"``); a plain link stays inside for browsers without them.
    """
    blocks: list[str] = []
    listed: list[str] = []
    for item in post.media:
        folder = item.site_path.split("/")[1]
        kind = t(folder) if folder in i18n.TEXT["en"] else t("files")
        if item.sha256 in post.missing_media:
            listed.append(f"- *{t('not_available', kind=kind)}*")
        elif item.is_image:
            blocks += [f"![{t('image')}](../../{item.site_path}){{ loading=lazy }}", ""]
        elif folder in ("videos", "audio"):
            tag = "video" if folder == "videos" else "audio"
            src = escape.html_text(POST_TO_SITE_ROOT + item.site_path)
            blocks += [
                f'<{tag} controls preload="none" src="{src}"><a href="{src}">{kind}</a></{tag}>',
                "",
            ]
        else:
            listed.append(f"- [{kind}](../../{item.site_path})")
    lines = blocks + listed + _more(len(post.media), post.media_count, t)
    while lines and lines[-1] == "":
        lines.pop()
    return lines


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
    language: str = i18n.DEFAULT,
) -> str:
    t = i18n.Text(language)
    pref = members.prefs.get(pseudonym) or Preferences(pseudonym)
    name = members.name(pseudonym)
    meta = {"title": escape.html_text(guard.scrub(name)), "pseudonym": pseudonym}
    out = [frontmatter.render(meta), f"# {escape.inline(guard.scrub(name))}", ""]
    avatar = f"../{AVATARS_DIR}/{pseudonym}.svg"
    out += [
        f"![avatar]({avatar}){{ width=72 align=left }}",
        "",
        f"{t('pseudonym')}: `{pseudonym}`",
        "",
    ]
    if data.get("portrait"):
        out += [escape.inline(guard.scrub(data["portrait"])), ""]
    if pref.bio:
        out += [escape.block(guard.scrub(pref.bio[:500])), ""]
    totals = data["totals"]
    activity = t(
        "activity",
        messages=t.count(totals["messages"], "message"),
        days=t.count(totals["days"], "day"),
    )
    out += [f"- {activity} ({t.date(totals['first'])} – {t.date(totals['last'])})"]
    groups = ", ".join(escape.inline(guard.scrub(group_names.get(g, g))) for g, _ in data["groups"])
    out.append(f"- {t('groups')}: {groups}")
    handle = TWITTER.match((pref.twitter or "").strip())
    if handle:
        out.append(
            f"- Twitter: [@{escape.inline(handle.group(1))}](https://twitter.com/{handle.group(1)})"
        )
    website = escape.safe_url(guard.scrub(pref.website or ""))
    if website:
        out.append(f"- Website: [{escape.inline(escape.domain(website))}]({website})")
    out.append("")

    out += [
        f"## {t('over_time')}",
        "",
        f"| {t('col_month')} | {t('col_messages')} | |",
        "| --- | ---: | --- |",
    ]
    top = max((n for _, n in data["months"]), default=1)
    for month, n in data["months"]:
        bar = "█" * max(1, round(n / top * 20))
        out.append(f"| {month:%Y-%m} | {t.number(n)} | {bar} |")
    out.append("")

    hours = [0] * 24
    for hour, n in data["hours"]:
        hours[int(hour)] = n
    busiest = max(range(24), key=lambda h: hours[h])
    out += [
        f"## {t('hours')}",
        "",
        "```text",
        sparkline(hours),
        "0     6     12    18   23",
        "```",
        "",
        t("most_active", hour=f"{busiest:02d}:00"),
        "",
    ]

    if data["domains"]:
        out += [f"## {t('domains')}", ""]
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
