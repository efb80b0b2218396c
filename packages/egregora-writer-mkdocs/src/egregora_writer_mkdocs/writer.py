"""The ``mkdocs`` writer component (registered through ``egregora_register_writers``)."""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from egregora_core.locking import SITE_LOCK_FILE, project_lock

from . import mkdocs_run, periods, scaffold, site
from .manifest import Manifest


class MkDocsWriter:
    """Posts per period, member profiles, media and an MkDocs Material skeleton.

    ``write(ctx, period=None, date_from=None, date_to=None, force=False, build=False)`` returns
    the summary dict of :class:`egregora_writer_mkdocs.site.Summary` (posts/profiles written,
    unchanged, removed; media copied or missing; redactions made by the privacy guard); with
    ``build=True`` it then runs ``mkdocs build --strict`` and adds ``site_dir``.
    ``narrator`` (default ``site.narrator``) names the narrator of the posts' prose and
    ``max_calls`` caps its calls in this run.
    """

    name = "mkdocs"

    def write(self, ctx: Any, **options: Any) -> dict[str, Any]:
        config = ctx.config
        name = options.get("narrator") or config.get("site.narrator", "offline") or "offline"
        narrator = ctx.plugins.narrators().get_or_fail(name)
        if hasattr(narrator, "configure"):
            narrator = narrator.configure(config)
        request = site.BuildRequest(
            period=periods.check(options.get("period") or config.get("site.period", "week")),
            date_from=periods.parse_date(options.get("date_from"), "--from"),
            date_to=periods.parse_date(options.get("date_to"), "--to"),
            timezone=config.get("extract.timezone", "UTC") or "UTC",
            dry_run=ctx.dry_run,
            force=bool(options.get("force")),
            embedder=config.get("build.embedder", "local"),
            narrator=narrator,
            max_calls=options.get("max_calls"),
            language=config.get("site.language", "auto") or "auto",
            pending=getattr(ctx, "pending", None) or {},
        )
        periods.check_range(request.date_from, request.date_to)
        lock = (
            nullcontext()
            if ctx.dry_run
            else project_lock(ctx.project.state_dir, SITE_LOCK_FILE, "building the site")
        )
        with lock:  # two site builds would interleave their docs/ and site/ writes
            summary = site.build(ctx.project, request, ctx.progress)
            if options.get("build") and not ctx.dry_run:
                summary["site_dir"] = str(mkdocs_run.build(ctx.project.root))
        return summary

    def scaffold(self, project: Any, *, force: bool = False) -> list[Path]:
        return scaffold.scaffold(project, force=force)

    def post_url(self, project: Any, group_slug: str, ts: dt.datetime) -> str | None:
        """The site path of the post holding ``group_slug``'s conversation at ``ts``.

        Read from the last site build's manifest (posts keyed ``<group>/<period start>``):
        the post of that group with the latest start on or before ``ts``'s local date.
        None when no site was built or no post covers it. The path follows the blog's
        ``post_url_format`` (``posts/YYYY/MM/DD/<slug>/``, relative to the site root).
        """
        posts = self._posts(project)
        zone = ZoneInfo(project.config().get("extract.timezone", "UTC") or "UTC")
        day = ts.astimezone(zone).date().isoformat()
        starts = [start for start in posts.get(group_slug, {}) if start <= day]
        if not starts:
            return None
        start = max(starts)
        file = posts[group_slug][start]
        slug = file.removeprefix(f"{start}-").removesuffix(".md")
        return f"posts/{start.replace('-', '/')}/{slug}/"

    def _posts(self, project: Any) -> dict[str, dict[str, str]]:
        """{group: {period start: file}} of the last build (read once per writer)."""
        cache = self.__dict__.setdefault("_post_cache", {})
        if project.root not in cache:
            by_group: dict[str, dict[str, str]] = {}
            for key, entry in Manifest(project.state_dir / site.MANIFEST).posts.items():
                group, start = key.rsplit("/", 1)
                by_group.setdefault(group, {})[start] = entry["file"]
            cache[project.root] = by_group
        return cache[project.root]
