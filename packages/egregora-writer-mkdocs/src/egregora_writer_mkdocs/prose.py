"""A draft as Markdown: paragraphs with footnote-style citations, and the Sources list.

A draft's text is chat-derived (a model may copy from the chat, the offline narrator
quotes it), so it is scrubbed by the privacy guard and escaped like any message; the
members' display names in it become profile links after escaping. Each paragraph ends
with superscript links ``[1]``, ``[2]``… to the cited messages, numbered in order of
first citation and listed under "Sources" with author, time and (escaped) text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

from egregora_core.narrative import Draft, WindowMessage

from . import escape
from .privacy import Guard

SOURCE_CHARS = 300


def anchor(n: int) -> str:
    return f"source-{n}"


class Citations:
    """Numbers cited message ids in order of first citation."""

    def __init__(self) -> None:
        self.order: dict[str, int] = {}

    def number(self, message_id: str) -> int:
        return self.order.setdefault(message_id, len(self.order) + 1)

    def marks(self, ids: Sequence[str]) -> str:
        numbers = sorted({self.number(i) for i in ids})
        # One bracketed mark each ("[1][2]"), so adjacent numbers never read as "12".
        return "".join(f"<sup>[\\[{n}\\]](#{anchor(n)})</sup>" for n in numbers)


def paragraph(
    text: str,
    cites: Sequence[str],
    citations: Citations,
    guard: Guard,
    links: dict[str, str],
) -> str:
    """One escaped paragraph with its citation marks; ``links``: escaped name -> link."""
    body = escape.inline(guard.scrub(text))
    if links:  # one pass, longest first: an inserted link is never rewritten again
        pattern = "|".join(re.escape(n) for n in sorted(links, key=len, reverse=True))
        body = re.sub(rf"\b(?:{pattern})\b", lambda m: links[m.group(0)], body)
    return body + " " + citations.marks(cites) if cites else body


def draft_blocks(
    draft: Draft,
    citations: Citations,
    guard: Guard,
    links: dict[str, str],
) -> list[str]:
    """Each paragraph of ``draft`` as one Markdown paragraph (strings, no blank lines)."""
    return [paragraph(p.text, p.cites, citations, guard, links) for p in draft.paragraphs]


def sources(
    citations: Citations,
    messages: dict[str, WindowMessage],
    quote: Callable[[str], str],
    guard: Guard,
    when: Callable[[dt.datetime], str],
    heading: str = "Sources",
) -> list[str]:
    """The "Sources" section: one numbered item per cited message, in citation order.

    ``quote(text)`` escapes a message's text (and links its mentions); the author shows
    under their display name (the window's), ``when(ts)`` the local time in the page's
    language.
    """
    if not citations.order:
        return []
    out = [f"## {heading}", ""]
    for message_id, n in sorted(citations.order.items(), key=lambda kv: kv[1]):
        m = messages.get(message_id)
        if m is None:  # cannot happen after draft_problems; keep the numbering honest
            continue
        text = m.text if len(m.text) <= SOURCE_CHARS else m.text[:SOURCE_CHARS].rstrip() + "…"
        body = quote(text) if text else f"*({escape.inline(m.media or m.kind)})*"
        author = escape.inline(guard.scrub(m.author))
        out.append(f'{n}. <a id="{anchor(n)}"></a>**{author}**, {when(m.ts)}: {body}')
    out.append("")
    return out
