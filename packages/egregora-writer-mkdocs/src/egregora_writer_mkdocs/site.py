"""Build the site's Markdown from the lake: posts per period, profiles, media, index pages.

The flow, each step set-based over the lake (see :mod:`.dataset`):

1. fingerprint every post (group, period) and every member in one query each;
2. compare with ``.egregora/site-manifest.json`` and keep only what changed;
3. run the detail queries for just those posts and members, narrate (posts first, then
   the changed members' portraits, both cached), template, guard, write;
4. regenerate the small site-wide pages (authors file, members, top posts, home).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc
from egregora_core.drafts import DraftStore
from egregora_core.errors import ConfigError
from egregora_core.lake import Lake, WouldBeLake, temp_table
from egregora_core.names import readable_names
from egregora_core.narrative import MemberProfile, WindowMessage, private_data_in
from egregora_core.offline_narrator import OfflineNarrator
from egregora_core.progress import NullProgress, Progress
from slugify import slugify

from . import dataset, i18n, media, narration, pages, related, render, scaffold
from .manifest import Manifest, sha
from .output import Output
from .privacy import Guard

#: Bump when templates change so that every page is re-rendered once.
TEMPLATE_VERSION = "3"
MAX_THREADS = 12
#: What a portrait is written from: a member's top words, companions and samples.
PORTRAIT_KEYWORDS, PORTRAIT_COMPANIONS, PORTRAIT_SAMPLES = 5, 3, 3
#: A portrait describes a member's last this many days of activity (topics, companions,
#: samples): what they are like lately, at a cost that does not grow with the history.
PORTRAIT_DAYS = 180
MANIFEST = "site-manifest.json"

Key = tuple[str, dt.date]


def _key_str(key: Key) -> str:
    return f"{key[0]}/{key[1].isoformat()}"


def _rows(expr: Any) -> list[dict[str, Any]]:
    return expr.to_pyarrow().to_pylist()


def _zip(table: pa.Table) -> zip:
    """Rows as tuples, converted column by column (much faster than dicts)."""
    return zip(*(column.to_pylist() for column in table.columns), strict=True)


def _period_starts(dates: pa.ChunkedArray, period: str) -> pa.ChunkedArray:
    if period == "day":
        return dates
    if period == "week":
        return pc.floor_temporal(dates, unit="week", week_starts_monday=True)
    return pc.floor_temporal(dates, unit="month")


@dataclass
class BuildRequest:
    period: str = "week"
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    timezone: str = "UTC"
    dry_run: bool = False
    force: bool = False
    embedder: str = "local"  # whose vectors find related posts
    language: str = "auto"  # page text and prose; "auto" detects it from the messages
    narrator: Any = None  # writes the prose (the offline narrator when None)
    max_calls: int | None = None  # narrator calls allowed in this run (None: no cap)
    pending: dict[str, Any] = field(default_factory=dict)  # dry run: rows an ingest would add


@dataclass
class Summary:
    posts_written: int = 0
    posts_unchanged: int = 0
    posts_removed: int = 0
    profiles_written: int = 0
    profiles_unchanged: int = 0
    profiles_removed: int = 0
    media_copied: int = 0
    media_missing: int = 0
    redactions: int = 0
    files_written: int = 0
    narrator: str = "offline"
    drafts_written: int = 0
    drafts_cached: int = 0
    drafts_fallback: int = 0
    narrator_calls: int = 0  # drafts and portraits
    drafts_left: list[str] = field(default_factory=list)  # window keys for the next run
    # dry run: the windows a narrator would write, with its estimate
    to_write: list[dict[str, Any]] = field(default_factory=list)
    portraits_written: int = 0
    portraits_cached: int = 0
    portraits_fallback: int = 0
    portraits_left: list[str] = field(default_factory=list)  # pseudonyms for the next run
    portraits_to_write: list[dict[str, Any]] = field(default_factory=list)  # dry run
    files: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class SiteBuilder:
    """One run of the writer over one project."""

    def __init__(self, project: Any, request: BuildRequest, progress: Progress | None = None):
        self.project = project
        self.request = request
        self.progress = progress or NullProgress()
        self.docs = project.root / "docs"
        if not (project.root / "mkdocs.yml").is_file():
            raise ConfigError(
                "no mkdocs.yml in the project",
                where=str(project.root),
                hint="run `egregora init` in the project: it adds the missing site files and "
                "keeps your configuration and data",
            )
        self.tz = ZoneInfo(request.timezone)
        self.guard = Guard()
        self.manifest = Manifest(project.state_dir / MANIFEST)
        self.out = Output(self.docs, self.manifest, self.guard, dry_run=request.dry_run)
        self.narrator = request.narrator or OfflineNarrator()
        self.summary = Summary(narrator=self.narrator.name)

    # -- entry point --------------------------------------------------------------------
    def run(self) -> Summary:
        # A dry run reads what the lake would hold after this run's ingest, and opens nothing
        # for writing (a new project has no lake yet: it must not get one).
        opened = (
            WouldBeLake(self.project, self.request.pending)
            if self.request.dry_run
            else Lake.open(self.project, read_only=True, empty_ok=True)
        )
        with opened as lake:
            self.lake = lake
            prefs = dataset.read_preferences(lake)
            opted_out = {p for p, pref in prefs.items() if pref.opted_out}
            messages, media_table = lake.table("messages"), lake.table("media")
            self.group_names = {
                r["group_slug"]: r["group_name"]
                for r in _rows(lake.table("sources").select("group_slug", "group_name").distinct())
            }
            r = self.request
            self.language = (
                r.language if r.language in i18n.LANGUAGES else detect_language(messages)
            )
            self.posts_scope = dataset.scope(
                messages,
                media_table,
                period=r.period,
                opted_out=opted_out,
                date_from=r.date_from,
                date_to=r.date_to,
                timezone=r.timezone,
            )
            self.all_scope = dataset.scope(
                messages, media_table, period=r.period, opted_out=opted_out, timezone=r.timezone
            )
            public = {
                p: [x.alias, x.bio, x.twitter, x.website, x.opted_out]
                for p, x in sorted(prefs.items())
            }
            names = self._readable_names(messages)
            settings = sha(
                json.dumps(
                    [
                        TEMPLATE_VERSION,
                        r.period,
                        str(r.date_from),
                        str(r.date_to),
                        r.timezone,
                        self.language,
                        public,
                        sorted(self.group_names.items()),
                        sorted(names.items()),
                        self.narrator.name,
                        self.narrator.settings(),
                    ],
                    default=str,
                )
            )
            if r.force or self.manifest.settings != settings:
                self.manifest.reset()
                self.manifest.settings = settings
            self.members = render.Members(prefs, excluded=frozenset(opted_out), readable=names)
            post_fps, author_fps = self._fingerprints()
            changed = self._changed_profiles(author_fps)
            self._posts(post_fps)  # first: the posts' prose gets --max-calls before portraits
            self._profiles(changed, author_fps)
            self._site_pages()
        self.summary.redactions = self.guard.redactions
        self.summary.files_written = len(self.out.written)
        self.summary.files = list(self.out.written)
        if not r.dry_run:
            self.manifest.save()
            scaffold.set_theme_language(self.project.root, self.language)
        return self.summary

    def _readable_names(self, messages: Any) -> dict[str, str]:
        """Readable names of every member who ever wrote, earliest first: a newcomer whose
        name collides moves on, so an existing member's name never changes."""
        m = messages.filter(messages.author.notnull())
        table = m.group_by("author").aggregate(first=m.ts.min()).to_pyarrow()
        order = sorted(_zip(table.select(["first", "author"])))
        return readable_names(author for _, author in order)

    # -- posts --------------------------------------------------------------------------
    def _fingerprints(self) -> tuple[dict[Key, list[int]], dict[str, list[int]]]:
        """Per-post and per-member fingerprints and member totals, from one or two scans.

        The lake returns one row per (group, day, member); the roll-ups run in Arrow.
        """
        r = self.request
        table = dataset.fingerprints(self.all_scope).to_pyarrow()
        by_author = table.group_by("author").aggregate(
            [
                ("n", "sum"),
                ("fp", "sum"),
                ("date", "count_distinct"),
                ("date", "min"),
                ("date", "max"),
            ]
        )
        authors, self.totals = {}, []
        for author, n, fp, days, first, last in _zip(by_author):
            authors[author] = [n, fp]
            self.totals.append(
                {"author": author, "messages": n, "days": days, "first": first, "last": last}
            )
        if r.date_from is not None or r.date_to is not None:
            table = dataset.fingerprints(self.posts_scope).to_pyarrow()
        table = table.append_column("start", _period_starts(table.column("date"), r.period))
        by_post = table.group_by(["group_slug", "start"]).aggregate([("n", "sum"), ("fp", "sum")])
        posts = {(group, start): [n, fp] for group, start, n, fp in _zip(by_post)}
        return posts, authors

    def _posts(self, fps: dict[Key, list[int]]) -> None:
        old = self.manifest.posts
        current = {_key_str(k): k for k in fps}
        for name in sorted(set(old) - set(current)):  # periods with no visible message left
            self.out.remove(f"{render.POSTS_DIR}/{old.pop(name)['file']}")
            self.summary.posts_removed += 1
        changed = [
            k
            for k in sorted(fps, key=lambda k: (k[1], k[0]))
            if old.get(_key_str(k), {}).get("fp") != fps[k]
            or not (self.docs / render.POSTS_DIR / old[_key_str(k)]["file"]).is_file()
        ]
        self.summary.posts_unchanged = len(fps) - len(changed)
        self._render_posts(changed, fps)
        # An unchanged post may link to a related post whose file was just renamed.
        files = {entry["file"] for entry in old.values()}
        dangling = [
            current[name]
            for name, entry in old.items()
            if any(f not in files for f in entry.get("links", []))
        ]
        if dangling:
            self.summary.posts_unchanged -= len(dangling)
            self._render_posts(dangling, fps)

    def _render_posts(self, keys: list[Key], fps: dict[Key, list[int]]) -> None:
        if not keys:
            return
        wanted = set(keys)
        narrowed = (
            self.posts_scope if len(keys) == len(fps) else dataset.only(self.posts_scope, keys=keys)
        )
        posts = self._load_posts(narrowed, wanted)
        left = self._narrate(posts)
        self._allocate_files(posts)
        self._attach_related(posts)
        with self.progress.task("Writing posts", total=len(posts)) as task:
            for post in posts:
                self._publish_media(post)
                entry = self.manifest.posts.get(post.key_str)
                if entry and entry["file"] != post.file:
                    self.out.remove(f"{render.POSTS_DIR}/{entry['file']}")
                post.language = self.language
                text = render.post_page(post, self.members, self.guard, self.tz)
                self.out.write(f"{render.POSTS_DIR}/{post.file}", text)
                self.manifest.posts[post.key_str] = {
                    # a post whose prose was left for the next run is written again then
                    "fp": None if post.key_str in left else fps[(post.group_slug, post.start)],
                    "file": post.file,
                    "title": post.title,
                    "date": post.start.isoformat(),
                    "summary": post.summary,
                    "authors": [p for p, _ in post.authors],
                    "links": [f for _, f in post.related],
                }
                self.summary.posts_written += 1
                task.advance()

    def _load_posts(self, s: dataset.Scope, wanted: set[Key]) -> list[render.Post]:
        def by_key(expr: Any) -> dict[Key, list[dict[str, Any]]]:
            out: dict[Key, list[dict[str, Any]]] = defaultdict(list)
            for row in _rows(expr):
                key = (row["group_slug"], row["period"])
                if key in wanted:
                    out[key].append(row)
            return out

        authors = by_key(dataset.post_authors(s))
        # Threads feed two queries: compute the windows once, in a temporary table.
        rows = temp_table(self.lake.ibis, "_egregora_thread_rows", dataset.thread_rows(s))
        threads = by_key(dataset.post_threads(s, rows))
        quotes = by_key(dataset.post_quotes(s, rows=rows))
        self._window_rows = dataset.window_messages(s, rows).to_pyarrow()
        self.lake.ibis.drop_table("_egregora_thread_rows", force=True)
        links = by_key(dataset.post_links(s))
        media_rows = by_key(dataset.post_media(s))
        keywords = by_key(dataset.post_keywords(s))
        posts = []
        for row in _rows(dataset.post_stats(s)):
            key = (row["group_slug"], row["period"])
            if key not in wanted:
                continue
            busiest = sorted(threads[key], key=lambda t: (-t["messages"], t["start"]))[:MAX_THREADS]
            posts.append(
                render.Post(
                    group_slug=key[0],
                    group_name=self.group_names.get(key[0], key[0]),
                    start=key[1],
                    period=self.request.period,
                    messages=row["messages"],
                    participants=row["participants"],
                    first_ts=row["first_ts"],
                    last_ts=row["last_ts"],
                    authors=[
                        (a["author"], a["messages"])
                        for a in sorted(authors[key], key=lambda a: (-a["messages"], a["author"]))
                    ],
                    threads=sorted(busiest, key=lambda t: t["start"]),
                    thread_count=len(threads[key]),
                    quotes=sorted(quotes[key], key=lambda q: q["ts"]),
                    links=sorted(links[key], key=lambda x: x["i"]),
                    link_count=max((x["total"] for x in links[key]), default=0),
                    media_count=max((x["total"] for x in media_rows[key]), default=0),
                    media=[
                        media.MediaFile(m["media_id"], m["media_type"], m["extension"], m["sha256"])
                        for m in sorted(media_rows[key], key=lambda x: x["i"])
                    ],
                    keywords=[w["word"] for w in sorted(keywords[key], key=lambda x: x["i"])],
                )
            )
        return sorted(posts, key=lambda p: (p.start, p.group_slug))

    def _narrate(self, posts: list[render.Post]) -> set[str]:
        """Give every post its draft (cached, narrated, or offline); returns the keys of
        the posts whose window was left for the next run (``--max-calls``)."""
        info = {
            (p.group_slug, p.start): {
                "group_name": p.group_name,
                "period": p.period,
                "links": p.links,
            }
            for p in posts
        }
        windows = narration.build_windows(
            self._window_rows, info, self.members.name, self.tz, self.language
        )
        del self._window_rows
        r = self.request
        with DraftStore.open(self.project, read_only=r.dry_run) as store:
            windows = narration.with_memos(windows, store, r.period)
            done = narration.narrate(
                windows,
                self.narrator,
                store,
                force=r.force,
                max_calls=self._calls_left(),
                dry_run=r.dry_run,
            )
        s = self.summary
        s.drafts_written += done.written
        s.drafts_cached += done.cached
        s.drafts_fallback += done.fallbacks
        s.narrator_calls += done.calls
        s.drafts_left += done.left
        s.to_write += [_estimate("window", key, e) for key, e in done.estimates]
        for post in posts:
            key = (post.group_slug, post.start)
            post.draft = done.drafts.get(key)
            if key in windows:
                post.cited = {m.id: m for m in windows[key].messages}
        left = {k.split("#")[0] for k in done.left}
        return left

    def _calls_left(self) -> int | None:
        """What is left of ``--max-calls`` after the calls this run already made."""
        cap = self.request.max_calls
        return None if cap is None else max(0, cap - self.summary.narrator_calls)

    def _allocate_files(self, posts: list[render.Post]) -> None:
        """``<date>-<slug>.md``, ``-2``, ``-3``… when another post already has the name."""
        keys = {p.key_str for p in posts}
        taken = {e["file"] for k, e in self.manifest.posts.items() if k not in keys}
        for post in posts:
            base = slugify(post.topic, max_length=60, word_boundary=True) or "post"
            slug, n = base, 1
            while f"{post.start.isoformat()}-{slug}.md" in taken:
                n += 1
                slug = f"{base}-{n}"
            post.slug = slug
            post.file = f"{post.start.isoformat()}-{slug}.md"
            taken.add(post.file)

    def _attach_related(self, posts: list[render.Post]) -> None:
        by_key = {(p.group_slug, p.start): p for p in posts}
        all_keys = [
            (k.split("/")[0], dt.date.fromisoformat(k.split("/")[1])) for k in self.manifest.posts
        ] + list(by_key)
        found = related.related_posts(
            self.project,
            self.request.embedder,
            self.request.timezone,
            list(by_key),
            sorted(set(all_keys)),
            start_of=lambda day: _start_of(day, self.request.period),
        )
        for key, picks in found.items():
            for pick in picks:
                if pick in by_key:
                    other = by_key[pick]
                    by_key[key].related.append((other.title, other.file))
                elif _key_str(pick) in self.manifest.posts:
                    entry = self.manifest.posts[_key_str(pick)]
                    by_key[key].related.append((entry["title"], entry["file"]))

    def _publish_media(self, post: render.Post) -> None:
        for item in post.media:
            if self.request.dry_run:
                continue
            copied = media.publish(self.project.state_dir, self.docs, item)
            if copied is None:
                post.missing_media.add(item.sha256)
                self.summary.media_missing += 1
            elif copied:
                self.summary.media_copied += 1

    # -- profiles -----------------------------------------------------------------------
    def _changed_profiles(self, fps: dict[str, list[int]]) -> list[str]:
        """Drop the profiles of members gone (opted out, or no visible message left) and
        return the members whose profile must be written; posts link to every profile."""
        self.members.with_profile = set(fps)
        self.guard.allowed = frozenset(fps) | frozenset(self.members.prefs)
        old = self.manifest.profiles
        for author in sorted(set(old) - set(fps)):
            self.out.remove(old.pop(author)["file"])
            self.out.remove(f"{render.AVATARS_DIR}/{author}.svg")
            self.summary.profiles_removed += 1
        changed = sorted(
            a
            for a in fps
            if old.get(a, {}).get("fp") != fps[a] or not (self.docs / old[a]["file"]).is_file()
        )
        self.summary.profiles_unchanged = len(fps) - len(changed)
        return changed

    def _profiles(self, changed: list[str], fps: dict[str, list[int]]) -> None:
        if not changed:  # the no-change path: no query, no portrait
            return
        old = self.manifest.profiles
        s = (
            self.all_scope
            if len(changed) == len(fps)
            else dataset.only(self.all_scope, authors=changed)
        )
        data: dict[str, dict[str, Any]] = {
            a: {"groups": [], "months": [], "hours": [], "domains": []} for a in changed
        }
        for row in self.totals:
            if row["author"] in data:
                data[row["author"]]["totals"] = row
        rollups: dict[str, dict[str, dict[Any, int]]] = {
            a: {"groups": defaultdict(int), "months": defaultdict(int), "hours": defaultdict(int)}
            for a in changed
        }
        for row in _rows(dataset.profile_activity(s)):
            if row["author"] in rollups:
                acc = rollups[row["author"]]
                acc["groups"][row["group_slug"]] += row["messages"]
                acc["months"][row["month"]] += row["messages"]
                acc["hours"][row["hour"]] += row["messages"]
        for row in _rows(dataset.profile_domains(s)):
            if row["author"] in data:
                data[row["author"]]["domains"].append((row["domain"], row["shares"]))
        for author, d in data.items():
            acc = rollups[author]
            d["months"] = sorted(acc["months"].items())
            d["hours"] = sorted(acc["hours"].items())
            d["groups"] = sorted(acc["groups"].items(), key=lambda g: (-g[1], g[0]))
            d["domains"].sort(key=lambda x: (-x[1], x[0]))
        members = self._member_profiles(
            dataset.recent(s, PORTRAIT_DAYS), data, partial=len(changed) < len(fps)
        )
        left = self._portraits(members, data)
        with self.progress.task("Writing profiles", total=len(changed)) as task:
            for author in changed:
                file = f"{render.PROFILES_DIR}/{author}.md"
                text = render.profile_page(
                    author, data[author], self.members, self.guard, self.group_names, self.language
                )
                self.out.write(file, text)
                self.out.write(f"{render.AVATARS_DIR}/{author}.svg", render.avatar_svg(author))
                # a portrait left for the next run (--max-calls) is written again then
                old[author] = {"fp": None if author in left else fps[author], "file": file}
                self.summary.profiles_written += 1
                task.advance()

    def _member_profiles(
        self, s: dataset.Scope, data: dict[str, dict[str, Any]], *, partial: bool
    ) -> dict[str, MemberProfile]:
        """What a narrator knows of each changed member, from three set-based queries over
        all of them (keywords, companions, samples); never anything of an opted-out member,
        who is outside every scope."""

        def ranked(expr: Any) -> list[dict[str, Any]]:
            return sorted(_rows(expr), key=lambda row: (row["author"], row["i"]))

        words: dict[str, list[str]] = defaultdict(list)
        for row in ranked(dataset.profile_keywords(s, PORTRAIT_KEYWORDS)):
            words[row["author"]].append(row["word"])
        companions: dict[str, list[str]] = defaultdict(list)
        authors = sorted(data) if partial else None
        # Neighbours come from the whole visible scope (not one narrowed by author), from
        # the earliest day any of these portraits looks at.
        first_day = min(d["totals"]["last"] for d in data.values())
        since = first_day - dt.timedelta(days=PORTRAIT_DAYS + 1)  # +1: local vs UTC dates
        everyone = dataset.since(self.all_scope, since)
        for row in ranked(dataset.profile_companions(everyone, authors, PORTRAIT_COMPANIONS)):
            if row["companion"] not in self.members.excluded:
                companions[row["author"]].append(self.members.name(row["companion"]))
        samples: dict[str, list[WindowMessage]] = defaultdict(list)
        for row in ranked(dataset.profile_samples(s)):
            author, text = row["author"], row["text"]
            # what the site's privacy guard would scrub on a page, a model never sees
            if len(samples[author]) < PORTRAIT_SAMPLES and not private_data_in(text):
                samples[author].append(
                    WindowMessage(
                        id=row["message_id"],
                        ts=row["ts"].astimezone(self.tz),
                        author=self.members.name(author),
                        kind=row["kind"],
                        text=text,
                    )
                )
        out = {}
        for author, d in data.items():
            totals = d["totals"]
            out[author] = MemberProfile(
                key=author,
                name=self.members.name(author),
                messages=totals["messages"],
                first=totals["first"],
                last=totals["last"],
                groups=tuple(self.group_names.get(g, g) for g, _ in d["groups"]),
                hours=tuple(int(h) for h, _ in sorted(d["hours"], key=lambda x: (-x[1], x[0]))),
                keywords=tuple(words[author]),
                companions=tuple(companions[author]),
                samples=tuple(sorted(samples[author], key=lambda m: (m.ts, m.id))),
                language=self.language,
            )
        return out

    def _portraits(
        self, members: dict[str, MemberProfile], data: dict[str, dict[str, Any]]
    ) -> set[str]:
        """Each changed member's portrait (cached, narrated or offline) into ``data``;
        returns the pseudonyms left for the next run (``--max-calls``)."""
        r = self.request
        with DraftStore.open(self.project, read_only=r.dry_run) as store:
            done = narration.portray(
                members,
                self.narrator,
                store,
                force=r.force,
                max_calls=self._calls_left(),
                dry_run=r.dry_run,
            )
        s = self.summary
        s.portraits_written += done.written
        s.portraits_cached += done.cached
        s.portraits_fallback += done.fallbacks
        s.narrator_calls += done.calls
        s.portraits_left += done.left
        s.portraits_to_write += [_estimate("member", key, e) for key, e in done.estimates]
        for author, portrait in done.portraits.items():
            # its cites are not rendered: a profile has no Sources section to point into
            data[author]["portrait"] = portrait.text
        return set(done.left)

    # -- site-wide pages ----------------------------------------------------------------
    def _site_pages(self) -> None:
        posts = self.manifest.posts
        authors = sorted({a for e in posts.values() for a in e["authors"]})
        for a in authors:  # post authors without a profile (e.g. outside --from/--to) need avatars
            if a not in self.members.with_profile:
                self.out.write(f"{render.AVATARS_DIR}/{a}.svg", render.avatar_svg(a))
        self.out.write(
            "posts/.authors.yml",
            pages.authors_yml(authors, self.members, self.guard, self.language),
        )
        self.out.write(
            f"{render.PROFILES_DIR}/index.md",
            pages.profiles_index(self.totals, self.members, self.guard, self.language),
        )
        files = {k: (e["title"], e["file"]) for k, e in posts.items()}
        from .ranking.store import RankStore

        self.out.write(
            "top-posts.md",
            pages.top_posts(RankStore.read_standings(self.project), files, self.language),
        )
        home = self.docs / "index.md"
        if home.is_file():
            latest = sorted(posts.values(), key=lambda e: (e["date"], e["file"]), reverse=True)[:5]
            text = pages.home_with_latest(
                home.read_text(encoding="utf-8"),
                [(e["title"], e["file"]) for e in latest],
                self.language,
            )
            if text is not None:
                self.manifest.files.setdefault("index.md", "")
                self.out.write("index.md", text)


def _estimate(what: str, key: str, e: Any) -> dict[str, Any]:
    """A dry run's line: a window (or a member) and what narrating it would cost."""
    return {
        what: key,
        "calls": e.calls,
        "input_tokens": e.input_tokens,
        "output_tokens": e.output_tokens,
    }


def _start_of(day: dt.date, period: str) -> dt.date:
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def detect_language(messages: Any, sample: int = 5000) -> str:
    """The chat's language from the common words of (up to) ``sample`` text messages."""
    texts = messages.filter(messages.text.notnull()).select("text").limit(sample)
    return i18n.detect(texts.to_pyarrow().column("text").to_pylist())


def build(project: Any, request: BuildRequest, progress: Progress | None = None) -> dict[str, Any]:
    """Write the site's Markdown; returns the summary as a dict."""
    return SiteBuilder(project, request, progress).run().as_dict()
