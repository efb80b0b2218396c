"""Make chat text inert in Markdown pages.

Chat text is data, never markup: every ASCII punctuation character is neutralised, so
``<script>``, ``<img onerror=...>``, ``[link](javascript:...)``, ``**bold**``, ``{: attr }``,
a ``---`` that would close the front matter, or a ``#`` that would start a heading all
render as the literal characters the member typed.

* ``<``, ``>``, ``&`` and quotes become HTML entities (safe even if a user removes the
  ``pymdownx.escapeall`` extension from ``mkdocs.yml``);
* every other ASCII punctuation character is backslash-escaped (``pymdownx.escapeall``
  makes every backslash escape valid, so the backslash itself never shows).

URLs that we turn into real links go through :func:`safe_url` instead.
"""

from __future__ import annotations

import re
import string
from urllib.parse import quote, urlsplit

_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&#39;"}
_TABLE = {ord(c): "\\" + c for c in string.punctuation}
_TABLE.update({ord(c): e for c, e in _ENTITIES.items()})
# Control characters (except newline/tab) have no business in a page.
_TABLE.update({c: None for c in range(32) if c not in (9, 10)})
_TABLE[0x7F] = None
_SPACES = re.compile(r"[ \t]+")


def inline(text: str | None) -> str:
    """Escape ``text`` for use inside one Markdown line (newlines become spaces)."""
    if not text:
        return ""
    flat = _SPACES.sub(" ", text.replace("\r", " ").replace("\n", " ")).strip()
    return flat.translate(_TABLE)


def block(text: str | None, *, prefix: str = "") -> str:
    """Escape multi-line ``text``; each line gets ``prefix`` (e.g. ``"> "`` for a quote).

    Lines are joined with Markdown hard breaks so the member's line breaks survive;
    leading spaces are dropped so no line turns into an indented code block.
    """
    if not text:
        return ""
    lines = [_SPACES.sub(" ", line).strip().translate(_TABLE) for line in text.splitlines()]
    lines = [line for line in lines if line]
    return "  \n".join(prefix + line for line in lines)


#: Markup characters in values templates print raw *after* unescaping them: Material's
#: ``<title>{{ page.title | striptags }}`` turns ``&lt;`` back into ``<`` (a group name
#: ``</title><script>`` ran in the browser). They become look-alike typography instead.
_LOOKALIKE = {"<": "\u2039", ">": "\u203a", '"': "\u201d", "'": "\u2019", "`": "\u2018"}


def html_text(text: str | None) -> str:
    """Escape for HTML contexts that Jinja templates print raw, possibly after unescaping
    (group names as categories, author names and bios in .authors.yml, profile titles):
    ``< > " ' ` `` become look-alikes (‹ › ” ’ ‘), ``&`` an entity, control characters go."""
    if not text:
        return ""
    flat = _SPACES.sub(" ", text).strip()
    return "".join(_LOOKALIKE.get(c) or _ENTITIES.get(c, c) for c in flat if c.isprintable())


_URL_SAFE = "/:?=&%#@+,;~!$*._-"


def safe_url(url: str) -> str | None:
    """An http(s) URL made safe for a Markdown link target, or None if it is not one.

    Anything that could end the link or start markup (spaces, brackets, quotes, angle
    brackets, backslashes) is percent-encoded.
    """
    url = url.strip().rstrip(".,;:!?)]}>'\"")
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return quote(url, safe=_URL_SAFE)


def domain(url: str) -> str:
    """The host of ``url`` without ``www.`` (lowercase), or "" when there is none."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    return host.removeprefix("www.")
