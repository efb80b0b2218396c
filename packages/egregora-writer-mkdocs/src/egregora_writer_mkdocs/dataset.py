"""Set-based queries over the lake: every aggregate is computed for all periods at once.

Each function takes ibis tables and returns an ibis expression; :mod:`.site` executes them
and templates the results. Nothing here runs one query per period or per member, which is
what keeps a 1M-message site within seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.datatypes as dt_types
from egregora_core.offline_narrator import STOPWORDS as PROSE_STOPWORDS

from . import periods
from .stopwords import STOPWORDS

#: A new conversation thread starts after this many seconds of silence.
THREAD_GAP_SECONDS = 2 * 3600
URL_RE = r"^https?://"
DOMAIN_RE = r"^https?://(?:www\.)?([^/:?#]+)"
QUOTE_MIN, QUOTE_MAX = 25, 600
TEXT_KINDS = ("text", "media")


@ibis.udf.scalar.builtin(name="timezone")
def _to_zone(tz: str, ts: dt_types.Timestamp(timezone="UTC")) -> dt_types.Timestamp():
    """DuckDB's timezone(zone, timestamptz) -> local timestamp (used for active hours)."""


@dataclass
class Preferences:
    """One member's public preferences (the lake's ``preferences`` table)."""

    pseudonym: str
    alias: str | None = None
    bio: str | None = None
    twitter: str | None = None
    website: str | None = None
    opted_out: bool = False


PREFERENCE_FIELDS = ("pseudonym", "alias", "bio", "twitter", "website", "opted_out")


def read_preferences(lake: Any) -> dict[str, Preferences]:
    """Preferences by pseudonym; a lake without the table means "no preferences"."""
    try:
        table = lake.table("preferences")
    except Exception:
        return {}
    present = [f for f in PREFERENCE_FIELDS if f in table.columns]
    if "pseudonym" not in present:
        return {}
    out: dict[str, Preferences] = {}
    for row in table.select(*present).to_pyarrow().to_pylist():
        out[row["pseudonym"]] = Preferences(**{k: row.get(k) for k in present})
        out[row["pseudonym"]].opted_out = bool(row.get("opted_out"))
    return out


@dataclass
class Scope:
    """The messages a site is built from, with each message's period start."""

    messages: ibis.Table  # canonical MESSAGES columns + ``period`` (date)
    media: ibis.Table
    period: str
    timezone: str = "UTC"
    excluded: frozenset[str] = field(default_factory=frozenset)


def scope(
    messages: ibis.Table,
    media: ibis.Table,
    *,
    period: str,
    opted_out: set[str],
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    timezone: str = "UTC",
) -> Scope:
    """Visible messages: no system lines, no deleted ones, no opted-out authors, in range."""
    m = messages.filter(messages.author.notnull(), messages.kind.isin(TEXT_KINDS))
    if opted_out:
        m = m.filter(~m.author.isin(sorted(opted_out)))
    if date_from is not None:
        m = m.filter(m.date >= date_from)
    if date_to is not None:
        m = m.filter(m.date <= date_to)
    m = m.mutate(period=periods.start_expr(m.date, period))
    return Scope(m, media, period, timezone, frozenset(opted_out))


def fingerprints(s: Scope) -> ibis.Table:
    """(group_slug, date, author, n, fp) in one scan; post and member fingerprints, and the
    members' totals (messages, active days, first/last day) are roll-ups of it.

    ``fp`` sums a hash of each message id (ids are deterministic, content-derived), so it
    changes whenever a post or a member gains or loses a message.
    """
    m = s.messages
    fp = (m.message_id.hash() % 2_147_483_647).sum()
    return m.group_by("group_slug", "date", "author").aggregate(n=m.count(), fp=fp)


def only(
    s: Scope, *, keys: list[tuple[str, dt.date]] | None = None, authors: list[str] | None = None
) -> Scope:
    """Narrow the scope to some posts (group, period start) or some authors (incremental runs)."""
    m = s.messages
    if keys is not None:
        starts = sorted({start for _, start in keys})
        # A date range first: ``period`` is computed from ``date``, so only a filter on the
        # stored column lets the lake skip the files and row groups of other periods.
        length = dt.timedelta(days={"day": 1, "week": 7}.get(s.period, 31))
        m = m.filter(m.date >= starts[0], m.date < starts[-1] + length)
        m = m.filter(m.period.isin(starts))
        groups = sorted({g for g, _ in keys})
        m = m.filter(m.group_slug.isin(groups))
    if authors is not None:
        m = m.filter(m.author.isin(sorted(authors)))
    return Scope(m, s.media, s.period, s.timezone, s.excluded)


def since(s: Scope, day: dt.date) -> Scope:
    """The scope's messages from ``day`` (UTC) on."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    return Scope(
        s.messages.filter(s.messages.ts >= start), s.media, s.period, s.timezone, s.excluded
    )


def recent(s: Scope, days: int) -> Scope:
    """Each author's messages of their last ``days`` days of activity (up to their latest
    message): what a portrait describes. A long history costs no more than a recent one to
    describe, and a member silent for a year keeps their last active stretch."""
    m = s.messages
    last = m.group_by(_author=m.author).aggregate(_last=m.ts.max())
    joined = m.inner_join(last, m.author == last._author)
    m = joined.filter(joined.ts >= joined._last - ibis.interval(days=days)).drop("_author", "_last")
    return Scope(m, s.media, s.period, s.timezone, s.excluded)


# -- posts ----------------------------------------------------------------------------
def post_stats(s: Scope) -> ibis.Table:
    m = s.messages
    return m.group_by("group_slug", "period").aggregate(
        messages=m.count(),
        participants=m.author.nunique(),
        first_ts=m.ts.min(),
        last_ts=m.ts.max(),
    )


def post_authors(s: Scope) -> ibis.Table:
    """Messages per (post, author), for the participant list and front-matter authors."""
    m = s.messages
    return m.group_by("group_slug", "period", "author").aggregate(messages=m.count())


def thread_rows(s: Scope) -> ibis.Table:
    """Every message with its thread number (materialize it once for threads, quotes and
    the narrators' windows)."""
    return _threads(s, "message_id", "kind", "text", "media_ref")


def _threads(s: Scope, *extra: str) -> ibis.Table:
    """Messages (only the columns needed) with their thread number within the post.

    A silence longer than :data:`THREAD_GAP_SECONDS` starts a new thread. Carrying few
    columns through the two windows is what keeps this fast on millions of rows.
    """
    m = s.messages.select("group_slug", "period", "ts", "ordinal", "author", *extra)
    seconds = m.ts.epoch_seconds()
    w = ibis.window(group_by=[m.group_slug, m.period], order_by=[m.ts, m.ordinal])
    m = m.mutate(gap=seconds - seconds.lag().over(w))
    m = m.mutate(new=ibis.ifelse(m.gap.isnull() | (m.gap > THREAD_GAP_SECONDS), 1, 0))
    running = ibis.window(
        group_by=[m.group_slug, m.period], order_by=[m.ts, m.ordinal], preceding=None, following=0
    )
    return m.mutate(thread=m.new.sum().over(running))


def post_threads(s: Scope, rows: ibis.Table | None = None) -> ibis.Table:
    """One row per conversation thread (``rows``: :func:`thread_rows`, if materialized)."""
    t = _threads(s) if rows is None else rows
    return t.group_by("group_slug", "period", "thread").aggregate(
        start=t.ts.min(),
        end=t.ts.max(),
        messages=t.count(),
        participants=t.author.nunique(),
    )


def post_quotes(s: Scope, per_post: int = 5, rows: ibis.Table | None = None) -> ibis.Table:
    """A few representative messages per post: the most substantial message of each of the
    busiest threads (length within bounds, so neither "ok" nor a pasted essay)."""
    t = thread_rows(s) if rows is None else rows
    thread = ibis.window(group_by=[t.group_slug, t.period, t.thread])
    t = t.mutate(size=t.ordinal.count().over(thread), length=t.text.length())
    t = t.filter(
        t.text.notnull(),
        t.length >= QUOTE_MIN,
        t.length <= QUOTE_MAX,
        t.text.contains(" "),
    )
    in_thread = ibis.window(
        group_by=[t.group_slug, t.period, t.thread], order_by=[ibis.desc(t.length), t.ts]
    )
    t = t.mutate(rank=ibis.row_number().over(in_thread)).filter(ibis._.rank == 0)
    in_post = ibis.window(group_by=[t.group_slug, t.period], order_by=[ibis.desc(t.size), t.ts])
    t = t.mutate(pick=ibis.row_number().over(in_post)).filter(ibis._.pick < per_post)
    return t.select("group_slug", "period", "thread", "ts", "author", "text", "media_ref")


def window_messages(s: Scope, rows: ibis.Table) -> ibis.Table:
    """Every message of the scope with its thread number and media type: the narrators'
    windows for all changed posts, in one query (``rows``: :func:`thread_rows`)."""
    media = s.media.select("media_id", "media_type")
    j = rows.left_join(media, rows.media_ref == media.media_id)
    return j.select(
        "group_slug",
        "period",
        "thread",
        "message_id",
        "ts",
        "ordinal",
        "author",
        "kind",
        "text",
        "media_type",
    )


def _urls(m: ibis.Table) -> ibis.Table:
    """One row per URL token in message text, with its domain."""
    linked = m.filter(m.text.contains("http"))
    tokens = linked.select(
        "group_slug", "period", "author", "ts", url=linked.text.re_split(r"\s+").unnest()
    )
    tokens = tokens.filter(tokens.url.re_search(URL_RE))
    return tokens.mutate(domain=tokens.url.re_extract(DOMAIN_RE, 1).lower())


def post_links(s: Scope, per_post: int = 12) -> ibis.Table:
    u = _urls(s.messages)
    first = u.group_by("group_slug", "period", "url", "domain").aggregate(
        ts=u.ts.min(), shares=u.count()
    )
    w = ibis.window(group_by=[first.group_slug, first.period], order_by=[first.ts, first.url])
    post = ibis.window(group_by=[first.group_slug, first.period])
    ranked = first.mutate(i=ibis.row_number().over(w), total=first.url.count().over(post))
    return ranked.filter(ibis._.i < per_post)  # total: how many before the cut


def post_media(s: Scope, per_post: int = 40) -> ibis.Table:
    m = s.messages.filter(s.messages.media_ref.notnull())
    j = m.join(s.media, m.media_ref == s.media.media_id).select(
        "group_slug",
        "period",
        "ts",
        "author",
        media_id=s.media.media_id,
        media_type=s.media.media_type,
        extension=s.media.extension,
        sha256=s.media.sha256,
    )
    w = ibis.window(group_by=[j.group_slug, j.period], order_by=[j.ts, j.media_id])
    post = ibis.window(group_by=[j.group_slug, j.period])
    ranked = j.mutate(i=ibis.row_number().over(w), total=j.media_id.count().over(post))
    return ranked.filter(ibis._.i < per_post)  # total: how many before the cut


def post_keywords(s: Scope, per_post: int = 3) -> ibis.Table:
    """The most frequent meaningful words of each post (titles and tags, no LLM)."""
    return _top_words(s.messages, ["group_slug", "period"], per_post, STOPWORDS)


def _top_words(m: ibis.Table, keys: list[str], n: int, stopwords: frozenset[str]) -> ibis.Table:
    """(*keys, word, n, i): the ``n`` most frequent words (4-24 letters, said at least
    twice, not a stop word) of each group of ``keys``, ``i`` counting from 0."""
    m = m.filter(m.text.notnull())
    # One regex pass turns URLs, mentions and punctuation into spaces; a plain split follows.
    cleaned = m.text.lower().re_replace(r"https?://\S+|@[0-9a-f]{8}|[^\p{L}\p{N}]+", " ")
    words = m.select(*keys, word=cleaned.split(" ").unnest())
    words = words.filter(words.word.length() >= 4, words.word.length() <= 24)
    counts = words.group_by(*keys, "word").aggregate(n=ibis._.count())
    w = ibis.window(group_by=[counts[k] for k in keys], order_by=[ibis.desc(counts.n), counts.word])
    # Stop words are dropped after grouping: far fewer rows than one per word occurrence.
    counts = counts.filter(
        counts.n >= 2, ~counts.word.isin(sorted(stopwords)), ~counts.word.re_search(r"\p{N}")
    )
    return counts.mutate(i=ibis.row_number().over(w)).filter(ibis._.i < n)


# -- profiles -------------------------------------------------------------------------
def profile_activity(s: Scope) -> ibis.Table:
    """Messages per (author, group, month, local hour): groups, activity over time and active
    hours are all roll-ups of this one scan."""
    m = s.messages
    local = _to_zone(s.timezone, m.ts) if s.timezone != "UTC" else m.ts
    return m.group_by(
        "author", "group_slug", month=m.date.truncate("M"), hour=local.hour()
    ).aggregate(messages=m.count())


def profile_domains(s: Scope, per_author: int = 5) -> ibis.Table:
    u = _urls(s.messages)
    counts = u.group_by("author", "domain").aggregate(shares=u.count())
    w = ibis.window(group_by=counts.author, order_by=[ibis.desc(counts.shares), counts.domain])
    return counts.mutate(i=ibis.row_number().over(w)).filter(ibis._.i < per_author)


def profile_keywords(s: Scope, per_author: int = 5) -> ibis.Table:
    """(author, word, n, i): each member's most frequent meaningful words (their portrait's
    topics), without the title stop words nor the prose narrator's ("people", "think")."""
    return _top_words(s.messages, ["author"], per_author, STOPWORDS | PROSE_STOPWORDS)


def profile_companions(
    s: Scope, authors: list[str] | None = None, per_author: int = 3
) -> ibis.Table:
    """(author, companion, n, i): whom each member most often talks with.

    A companion is the author of the message just before or just after one of theirs in
    the same group, when no more than :data:`THREAD_GAP_SECONDS` apart (the same pause
    that ends a thread), and not themselves. ``s`` must be the whole visible scope (not
    one narrowed to ``authors``, or the neighbours would be missing); opted-out members
    are not in it, so they are never anyone's companion.
    """
    m = s.messages.select("group_slug", "ts", "ordinal", "author")
    seconds = m.ts.epoch_seconds()
    w = ibis.window(group_by=m.group_slug, order_by=[m.ts, m.ordinal])
    m = m.mutate(
        before=m.author.lag().over(w),
        gap_before=seconds - seconds.lag().over(w),
        after=m.author.lead().over(w),
        gap_after=seconds.lead().over(w) - seconds,
    )
    if authors is not None:
        m = m.filter(m.author.isin(sorted(authors)))
    pairs = m.filter(m.gap_before <= THREAD_GAP_SECONDS).select("author", companion=m.before)
    pairs = pairs.union(
        m.filter(m.gap_after <= THREAD_GAP_SECONDS).select("author", companion=m.after),
        distinct=False,
    )
    pairs = pairs.filter(pairs.companion.notnull(), pairs.companion != pairs.author)
    counts = pairs.group_by("author", "companion").aggregate(n=ibis._.count())
    ranked = ibis.window(group_by=counts.author, order_by=[ibis.desc(counts.n), counts.companion])
    return counts.mutate(i=ibis.row_number().over(ranked)).filter(ibis._.i < per_author)


def profile_samples(s: Scope, per_author: int = 6) -> ibis.Table:
    """(author, message_id, ts, kind, text, i): each member's most substantial messages,
    the longest of quotable length (as :func:`post_quotes`) and without links."""
    m = s.messages.filter(s.messages.text.notnull(), s.messages.kind == "text")
    m = m.mutate(length=m.text.length())
    m = m.filter(
        m.length >= QUOTE_MIN,
        m.length <= QUOTE_MAX,
        m.text.contains(" "),
        ~m.text.contains("http"),
    )
    w = ibis.window(group_by=m.author, order_by=[ibis.desc(m.length), m.ts, m.message_id])
    m = m.mutate(i=ibis.row_number().over(w)).filter(ibis._.i < per_author)
    return m.select("author", "message_id", "ts", "kind", "text", "i")
