"""The posts that can be ranked: what the writer recorded in the site manifest."""

from __future__ import annotations

import html
import re
from typing import Any

from ..manifest import Manifest
from ..render import POSTS_DIR
from ..site import MANIFEST

_FRONT = re.compile(r"\A---\n.*?\n---\n", re.S)
_LINK = re.compile(r"(?<!\\)\[([^\]]*)\]\([^)]*\)")  # our own links (chat text has none)
_ESCAPE = re.compile(r"\\(.)")


def rankable_posts(project: Any) -> dict[str, dict[str, Any]]:
    """post_id -> summary dict (post_id, title, date, summary, text, excerpt) for judges."""
    manifest = Manifest(project.state_dir / MANIFEST)
    out = {}
    for post_id, entry in sorted(manifest.posts.items()):
        path = project.root / "docs" / POSTS_DIR / entry["file"]
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        body = _FRONT.sub("", text)
        quotes = [
            line[2:] for line in body.splitlines() if line.startswith("> ") and "—" not in line
        ]
        out[post_id] = {
            "post_id": post_id,
            "title": entry["title"],
            "date": entry["date"],
            "summary": entry["summary"],
            "text": body,
            "excerpt": _plain(" ".join(quotes)),
        }
    return out


def _plain(markdown: str) -> str:
    """Quoted messages back as the text members typed (for judges; never written to disk)."""
    text = _LINK.sub(r"\1", markdown.replace("  ", " "))
    return html.unescape(_ESCAPE.sub(r"\1", text)).strip()
