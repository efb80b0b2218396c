"""Phone numbers and e-mail addresses in free text become placeholders.

Member names are the anonymizer's job (:mod:`egregora_core.anonymize`); this module knows
only the *shapes* of contact data. URLs are kept whole: a long number inside a link (a
tweet id, a maps coordinate) is not a phone number, and breaking links would make the
text useless.

DuckDB's RE2 has no look-behind, so the replacement itself runs in Python (``re``) on the
rows a cheap RE2 prefilter (:data:`GATE_RE2`) selects; everything else stays in DuckDB.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from functools import lru_cache

PHONE_PLACEHOLDER = "[phone]"
EMAIL_PLACEHOLDER = "[email]"

#: Separators WhatsApp and people put inside phone numbers (incl. NBSP, NNBSP, bidi marks).
_SEP = r"[ \t.\-()\u00a0\u202f\u200e\u200f\u202a-\u202e]{0,3}"
#: 8 to 15 digits (E.164 allows 15), optional leading +, single separators between digits.
PHONE = rf"(?<![\w+])\+?\(?\d(?:{_SEP}\d){{7,14}}(?!\w)"
EMAIL = r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"
URL_SCHEME = r"https?://[^\s<>\"]+"
URL_WWW = r"www\.[^\s<>\"]+"
URL = rf"(?:{URL_SCHEME}|{URL_WWW})"
#: Attachment file names ("IMG-20240307-WA0012.jpg") and dates ("2024-03-07", "07.03.2024")
#: have phone-like digit runs; they are kept as they are.
_EXTENSIONS = (
    r"(?:jpe?g|png|gif|webp|heic|mp4|mov|3gp|avi|mkv|webm|opus|ogg|mp3|m4a|aac"
    r"|wav|pdf|docx?|xlsx?|pptx?|txt|csv|zip|vcf)"
)
FILE = rf"[\w\-]+\.{_EXTENSIONS}(?!\w)"
#: RE2: a whole value that is one ASCII file name of a kept type ("IMG-20240307-WA0012.jpg").
#: :data:`FILE` keeps such a value whole, so no scrubber can change it.
PLAIN_FILE_RE2 = rf"(?i)^[A-Za-z0-9_\-]+\.{_EXTENSIONS}$"
DATE = r"(?<![\w+])(?:\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{4})(?![\w-])"
#: Spans no replacement may touch, as regex alternatives (one named group ``keep``).
KEEP = rf"(?P<keep>{URL}|{FILE}|{DATE})"


#: What a text must contain for a pattern to match anywhere in it ("d" = a digit).
_DIGIT = re.compile(r"\d")
FEATURES = ("@", ".", ":", "\u2068", "d")


def features(text: str) -> frozenset[str]:
    """The :data:`FEATURES` present in ``text``."""
    found = {f for f in FEATURES[:-1] if f in text}
    if _DIGIT.search(text):
        found.add("d")
    return frozenset(found)


class Alternation:
    """A leftmost-first regex alternation, compiled per text *shape*, for speed.

    ``parts`` are ``(group, [(pattern, needs), ...])``: a named group (or None) around
    alternatives, each with the features it cannot match without. For a given text, the
    alternatives whose needs are missing could not match anywhere in it, so leaving them
    out gives exactly the same matches, while Python's ``re`` tries fewer branches at
    every position (the scrubbers run 2-3x faster on typical chat lines).
    """

    def __init__(self, parts: Iterable[tuple[str | None, list[tuple[str, str]]]], flags: int):
        self.parts = [
            (group, [(p, frozenset(needs)) for p, needs in alts]) for group, alts in parts
        ]
        self.flags = flags
        self.compiled = lru_cache(maxsize=64)(self._compile)

    def _compile(self, present: frozenset[str]) -> re.Pattern[str]:
        pieces = []
        for group, alts in self.parts:
            kept = [p for p, needs in alts if needs <= present]
            if not kept:
                continue
            body = "|".join(kept)
            pieces.append(f"(?P<{group}>{body})" if group else body)
        return re.compile("|".join(pieces) or "(?!)", self.flags)

    def sub(self, repl, text: str) -> str:
        return self.compiled(features(text)).sub(repl, text)


def keep_part() -> tuple[str, list[tuple[str, str]]]:
    """The ``keep`` group (URLs, file names, dates) as :class:`Alternation` parts."""
    return ("keep", [(URL_SCHEME, ":"), (URL_WWW, "."), (FILE, "."), (DATE, "d")])


_REDACT = Alternation(
    [keep_part(), ("email", [(EMAIL, "@.")]), ("phone", [(PHONE, "d")])], re.IGNORECASE
)

#: RE2 gates (DuckDB) selecting rows that *might* hold a phone or an e-mail. Each is implied
#: by the Python pattern it guards, written with Unicode classes because RE2's ``\d`` and
#: ``\w`` are ASCII-only while Python's are not: ``\p{Nd}`` = ``\d``, and
#: ``[\p{L}\p{N}_]`` covers ``\w``. A phone is 8+ digits with at most 3 separators between
#: digits; an e-mail has a word character, ``@``, a word and a dot.
_SEP_RE2 = r"[ \t.\-()\x{a0}\x{202f}\x{200e}\x{200f}\x{202a}-\x{202e}]{0,3}"
PHONE_GATE_RE2 = rf"\p{{Nd}}(?:{_SEP_RE2}\p{{Nd}}){{7}}"
EMAIL_GATE_RE2 = r"[\p{L}\p{N}_.+\-]@[\p{L}\p{N}_\-]+\."
GATE_RE2 = f"{EMAIL_GATE_RE2}|{PHONE_GATE_RE2}"


def digits(text: str) -> str:
    """Only the ASCII digits of ``text`` (the identity of a phone number)."""
    return "".join(ch for ch in text if "0" <= ch <= "9")


def looks_like_phone(name: str) -> bool:
    """True when a member "name" is really a phone number (a non-contact author)."""
    stripped = name.strip()
    return bool(stripped) and re.fullmatch(PHONE, stripped) is not None


def redact_text(text: str | None, pseudonyms: Collection[str] = ()) -> str | None:
    """Replace phone numbers and e-mails in ``text`` with placeholders (URLs kept).

    ``pseudonyms``: all-digit pseudonyms already written into ``text`` by the anonymizer.
    About 2% of 8-hex pseudonyms are all digits and look exactly like an 8-digit local
    phone number; they are member ids, not contact data, and are kept.
    """
    if not text:
        return text

    def replace(match: re.Match[str]) -> str:
        kind = match.lastgroup
        if kind == "email":
            return EMAIL_PLACEHOLDER
        if kind == "phone":
            return match.group(0) if match.group(0) in pseudonyms else PHONE_PLACEHOLDER
        return match.group(0)  # URLs, file names, dates are kept

    from egregora_core.redact import redact_obfuscated  # the same pass, added later

    return _REDACT.sub(replace, redact_obfuscated(text))
