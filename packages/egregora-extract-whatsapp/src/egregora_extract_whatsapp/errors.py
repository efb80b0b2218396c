"""Errors the extractor raises: one line each, with where (``file:line``) and a hint.

All are :class:`egregora_core.errors.InputError` subclasses, so the CLI prints them and
exits with status 2. None of them quotes a chat line: they show its *shape* instead
(see :func:`egregora_extract_whatsapp.grammar.line_shape`).
"""

from __future__ import annotations

import re
from functools import cache

from egregora_core.errors import InputError


@cache
def _titled() -> re.Pattern[str]:
    from .container import CHAT_PREFIXES  # (container imports this module)

    prefixes = "|".join(re.escape(p).replace(r"\ ", "[ _]") for p in CHAT_PREFIXES)
    return re.compile(rf"(?i)((?:{prefixes}))(.+?)((?:\.zip|\.txt)?(?::|$))")


def shown_where(where: str | None) -> str | None:
    """``where`` with the title part of a WhatsApp export's file name elided.

    "WhatsApp Chat with <Full Name>.zip" names the contact of a one-to-one chat, and an
    error is raised before the rows show whether the chat is one: "WhatsApp Chat with
    ….zip:12" is printed for every titled export (you know which file you passed)."""
    if not where:
        return where
    return _titled().sub(lambda m: m.group(1) + "…" + m.group(3), where)


class _WhereShown(InputError):
    def __init__(self, what: str, *, where: str | None = None, hint: str | None = None):
        super().__init__(what, where=shown_where(where), hint=hint)


class ArchiveError(_WhereShown):
    """The zip/folder is unsafe, corrupted, empty or holds no chat file."""


class LimitError(ArchiveError):
    """The export is larger than a configured limit (``extract.max_*``)."""


class EncodingError(_WhereShown):
    """The chat file is not UTF-8 text."""


class ChatFormatError(_WhereShown):
    """Lines of the chat do not follow any known WhatsApp header format."""


class DateOrderError(ChatFormatError):
    """Dates are impossible in the inferred/forced day-month order, or mix two orders."""
