"""The ``mkdocs`` writer component (registered through ``egregora_register_writers``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import mkdocs_run, periods, scaffold, site


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
            language=config.get("site.language", "en") or "en",
        )
        summary = site.build(ctx.project, request, ctx.progress)
        if options.get("build") and not ctx.dry_run:
            summary["site_dir"] = str(mkdocs_run.build(ctx.project.root))
        return summary

    def scaffold(self, project: Any, *, force: bool = False) -> list[Path]:
        return scaffold.scaffold(project, force=force)
