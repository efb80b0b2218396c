"""The WhatsApp message-header grammar: one permissive regex plus a format signature.

Every header form seen in Android and iOS exports is matched by :data:`HEADER_RX`
(see docs/whatsapp.md for the list). The regex begins with a newline so that
``HEADER_RX.split("\\n" + text)`` cuts a whole chat into
``[preamble, *groups, body, *groups, body, ...]`` in one C call: the body between two
headers already holds the continuation lines of a multi-line message.

A generic regex also matches lines inside a message that merely look like a header
(``2016-04-29 10:30:00 kickoff``). Each match therefore gets a *signature* (brackets,
date separator, year position and width, seconds, AM/PM, separator after the header);
the file's format is the most common signature, and a match with another signature is
glued back to the message before it as a continuation line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Invisible direction marks WhatsApp sprinkles around headers, names and bodies.
#: (U+FEFF is removed from the whole text before parsing.)
MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_M = f"[{MARKS}]*"
#: Space, NBSP and NARROW NBSP (used before AM/PM since 2023).
_SP = "[ \u00a0\u202f]"
_D = "[0-9]"

HEADER_PATTERN = (
    "\n(?P<head>"
    f"{_M}(?P<br>\\[)?{_M}"
    f"(?P<d1>{_D}{{1,4}})(?P<sep>[./-]){_SP}?(?P<d2>{_D}{{1,2}})[./-]{_SP}?(?P<d3>{_D}{{1,4}})\\.?"
    f",?{_SP}*(?:-{_SP}+)?{_M}(?:[^\\W\\d_]{{1,3}}\\.?{_SP}+)?{_M}"  # optional connector: klo, à, kl.
    f"(?P<H>{_D}{{1,2}})[:.](?P<Mi>{_D}{{2}})(?:[:.](?P<S>{_D}{{2}}))?"
    f"(?:{_SP}*{_M}(?P<ap>[aApP]\\.?{_SP}?[mM]\\.?))?{_M}"
    f"(?:(?P<close>\\]){_M}{_SP}?|(?P<trail>{_SP}-{_SP}|[:;]{_SP}|{_SP}))"
    f"{_M}(?:(?P<author>[^\n]+?):(?:{_SP}|(?=\n)|$))?"
    ")"
)
HEADER_RX = re.compile(HEADER_PATTERN)
GROUPS = HEADER_RX.groups
GROUP_INDEX = {name: index - 1 for name, index in HEADER_RX.groupindex.items()}

_SEP_CODES = {".": 0, "/": 1, "-": 2}
_TRAIL_CODES = {"]": 0, "-": 1, ":": 2, ";": 2, " ": 3}
_TRAIL_TEXT = {0: "[...] ", 1: " - ", 2: ": ", 3: " "}
_SEP_TEXT = {0: ".", 1: "/", 2: "-"}


def trail_code(close: str | None, trail: str | None) -> int:
    """0 for iOS ``]``, 1 for `` - ``, 2 for ``: ``, 3 for a bare space."""
    if close:
        return 0
    stripped = (trail or " ").replace("\u00a0", " ").replace("\u202f", " ").strip()
    return _TRAIL_CODES.get(stripped or " ", 3)


@dataclass(frozen=True)
class Signature:
    """The shape of a header that distinguishes one export format from another."""

    bracket: bool
    sep: int  # 0 '.', 1 '/', 2 '-'
    year_first: bool
    year4: bool
    seconds: bool
    ampm: bool
    trail: int  # see trail_code

    def encode(self) -> int:
        return (
            int(self.bracket)
            | self.sep << 1
            | int(self.year_first) << 3
            | int(self.year4) << 4
            | int(self.seconds) << 5
            | int(self.ampm) << 6
            | self.trail << 7
        )

    @classmethod
    def decode(cls, code: int) -> Signature:
        return cls(
            bracket=bool(code & 1),
            sep=(code >> 1) & 3,
            year_first=bool(code >> 3 & 1),
            year4=bool(code >> 4 & 1),
            seconds=bool(code >> 5 & 1),
            ampm=bool(code >> 6 & 1),
            trail=(code >> 7) & 3,
        )

    @property
    def platform(self) -> str:
        return "ios" if self.bracket else "android"

    @property
    def clock(self) -> str:
        return "12h" if self.ampm else "24h"

    def describe(self, date_order: str) -> str:
        """A human description like ``android: d/m/yyyy, 24h, ' - '``."""
        sep = _SEP_TEXT[self.sep]
        year = "yyyy" if self.year4 else "yy"
        parts = {"d": "d", "m": "m", "y": year}
        date = sep.join(parts[c] for c in date_order)
        time = "hh:mm" + (":ss" if self.seconds else "") + (" AM/PM" if self.ampm else "")
        around = (
            f"[{date}, {time}] " if self.bracket else f"{date}, {time}{_TRAIL_TEXT[self.trail]}"
        )
        return f"{self.platform}: {around!r}, {self.clock}"


def signature_codes(bracket, sep, d1_len, d3_len, seconds, ampm, trail):
    """Vectorized :meth:`Signature.encode` over numpy arrays (ints/bools)."""
    year_first = d1_len >= 3
    year4 = (year_first & (d1_len == 4)) | (~year_first & (d3_len == 4))
    return (
        bracket.astype("int32")
        | sep.astype("int32") << 1
        | year_first.astype("int32") << 3
        | year4.astype("int32") << 4
        | seconds.astype("int32") << 5
        | ampm.astype("int32") << 6
        | trail.astype("int32") << 7
    )


SEP_CODES = _SEP_CODES


def line_shape(line: str, limit: int = 40) -> str:
    """The *shape* of a chat line, safe to print: digits -> 9, letters -> a.

    Error messages must never quote chat text (it holds names); the shape is enough to
    see why a header did not match.
    """
    out = []
    for char in line[:limit]:
        if char.isdigit():
            out.append("9")
        elif char.isalpha():
            out.append("a")
        elif char in MARKS or char == "\ufeff":
            out.append("<mark>")
        elif char in "\u00a0\u202f":
            out.append("<nbsp>")
        elif char.isprintable() and ord(char) < 128:
            out.append(char)
        else:
            out.append("?")
    text = "".join(out)
    return text + ("..." if len(line) > limit else "")
