"""Errors the extractor raises: one line each, with where (``file:line``) and a hint.

All are :class:`egregora_core.errors.InputError` subclasses, so the CLI prints them and
exits with status 2. None of them quotes a chat line: they show its *shape* instead
(see :func:`egregora_extract_whatsapp.grammar.line_shape`).
"""

from __future__ import annotations

from egregora_core.errors import InputError


class ArchiveError(InputError):
    """The zip/folder is unsafe, corrupted, empty or holds no chat file."""


class LimitError(ArchiveError):
    """The export is larger than a configured limit (``extract.max_*``)."""


class EncodingError(InputError):
    """The chat file is not UTF-8 text."""


class ChatFormatError(InputError):
    """Lines of the chat do not follow any known WhatsApp header format."""


class DateOrderError(ChatFormatError):
    """Dates are impossible in the inferred/forced day-month order, or mix two orders."""
