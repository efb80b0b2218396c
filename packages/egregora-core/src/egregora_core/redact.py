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


#: The same patterns written so that every alternative of the scan starts with a plain
#: character test: ``re`` skips such an alternative with one comparison at positions where
#: it cannot start, while a leading look-behind is evaluated at every position. The
#: look-behind moves after the first character and looks one further back (``(?<!\w.)``
#: after one character = ``(?<!\w)`` before it); the optional ``+``/``(`` prefix of a phone
#: is spelled out in the order the greedy ``\+?\(?`` tries it. Same matches, same order.
_LB = r"(?<![\w+].)"
PHONE_SCAN = rf"(?:\+{_LB}\(?\d|\({_LB}\d|\d{_LB})(?:{_SEP}\d){{7,14}}(?!\w)"
DATE_SCAN = rf"\d{_LB}(?:\d{{3}}[-.]\d{{1,2}}[-.]\d{{1,2}}|\d?[-.]\d{{1,2}}[-.]\d{{4}})(?![\w-])"
#: In :data:`FILE`, ``[\w\-]+`` is followed by ``.``, which it cannot contain: giving back
#: characters never helps, so the possessive form fails faster with the same matches.
FILE_SCAN = FILE.replace(r"[\w\-]+", r"[\w\-]++", 1)

#: Features: cheap tests a text must pass for an alternative to match anywhere in it. Each
#: is implied by the alternatives that need it (a piece of them without look-arounds), so
#: a text failing the test cannot hold a match, and those alternatives are left out of its
#: pattern. A text's *shape* is the bit mask of the features it has (bit i = FEATURES[i]).
#: ``numbers``: 8 digits with phone separators, or a date's ``1-2-3`` (one scan for both).
FEATURES = ("@\u2068", "@digits", "email", "://", "www.", "file", "numbers")
_BIT = {feature: 1 << i for i, feature in enumerate(FEATURES)}


def bit(feature: str) -> int:
    """The bit of one of the :data:`FEATURES` in a shape."""
    return _BIT[feature]


_AT_DIGITS = re.compile(r"@\+?\d{8}")
_EMAIL_AT = re.compile(r"@[\w\-]+\.")
_EXTENSION = re.compile(rf"\.{_EXTENSIONS}(?!\w)", re.IGNORECASE)
_NUMBERS = rf"\d(?:[-.]\d{{1,2}}[-.]\d|(?:{_SEP}\d){{7}})"
#: ``\d`` is ``[0-9]`` in an ASCII text, and the range test is cheaper than the category one.
_NUMBERS_ASCII = re.compile(_NUMBERS.replace(r"\d", "[0-9]"))
_NUMBERS_ANY = re.compile(_NUMBERS)


def shape(text: str, wanted: int = -1) -> int:
    """The bit mask of the :data:`FEATURES` ``text`` has, among the ``wanted`` ones."""
    mask = 0
    if "@" in text:
        if wanted & 1 and "@\u2068" in text:
            mask |= 1
        if wanted & 2 and _AT_DIGITS.search(text):
            mask |= 2
        if wanted & 4 and _EMAIL_AT.search(text):
            mask |= 4
    if "://" in text:
        mask |= 8
    if "." in text:
        # ``www\.`` ignoring case: only w and W match "w" (no other character folds to it).
        if "w." in text or "W." in text:
            mask |= 16
        if wanted & 32 and _EXTENSION.search(text):
            mask |= 32
    if wanted & 64 and (_NUMBERS_ASCII if text.isascii() else _NUMBERS_ANY).search(text):
        mask |= 64
    return mask


class Alternation:
    """A leftmost-first regex alternation, compiled per text *shape*, for speed.

    ``parts`` are ``(group, [(pattern, needs), ...])``: a named group (or None) around
    alternatives, each with the :data:`FEATURES` it cannot match without. For a given text, the
    alternatives whose needs are missing could not match anywhere in it, so leaving them
    out gives exactly the same matches, while Python's ``re`` tries fewer branches at
    every position (the scrubbers run 2-3x faster on typical chat lines).

    ``unchanged``: groups the caller's replacement always returns as they are (kept
    spans). A text whose pattern can match nothing else comes back untouched without
    running the regex at all.
    """

    def __init__(
        self,
        parts: Iterable[tuple[str | None, list[tuple[str, tuple[str, ...]]]]],
        flags: int,
        unchanged: Collection[str] = (),
    ):
        self.parts = [
            (group, [(p, sum(_BIT[f] for f in set(needs))) for p, needs in alts])
            for group, alts in parts
        ]
        self.flags = flags
        #: The features any alternative needs (the others need not be tested).
        self.wanted = 0
        for _, alts in self.parts:
            for _, needs in alts:
                self.wanted |= needs
        self.unchanged = frozenset(unchanged)
        self._by_shape: dict[int, re.Pattern[str] | None] = {}

    def compiled(self, mask: int) -> re.Pattern[str] | None:
        """The pattern for texts of shape ``mask``; None when it could change nothing."""
        try:
            return self._by_shape[mask]
        except KeyError:
            pass
        pieces, changes = [], False
        for group, alts in self.parts:
            kept = [p for p, needs in alts if needs & mask == needs]
            if not kept:
                continue
            changes = changes or group not in self.unchanged
            body = "|".join(kept)
            pieces.append(f"(?P<{group}>{body})" if group else body)
        pattern = re.compile("|".join(pieces), self.flags) if changes else None
        self._by_shape[mask] = pattern
        return pattern

    def sub(self, repl, text: str) -> str:
        pattern = self.compiled(shape(text, self.wanted))
        return text if pattern is None else pattern.sub(repl, text)

    def sub_many(self, repl, texts: list[str | None]) -> list[str | None]:
        """``[self.sub(repl, t) if t else t for t in texts]``."""
        return map_unique(lambda text: self.sub(repl, text) if text else text, texts)


def map_unique(func, texts: list):
    """``[func(t) for t in texts]``, calling ``func`` once per distinct text.

    Chats repeat themselves (system lines, forwarded messages, the same mention), and the
    scrubbers are pure per text, so repeats cost a dict lookup instead of a regex scan.
    """
    unique = list(dict.fromkeys(texts))
    if len(unique) == len(texts):
        return [func(text) for text in texts]
    done = dict(zip(unique, map(func, unique), strict=True))
    return list(map(done.__getitem__, texts))


def keep_part() -> tuple[str, list[tuple[str, tuple[str, ...]]]]:
    """The ``keep`` group (URLs, file names, dates) as :class:`Alternation` parts."""
    return (
        "keep",
        [
            (URL_SCHEME, ("://",)),
            (URL_WWW, ("www.",)),
            (FILE_SCAN, ("file",)),
            (DATE_SCAN, ("numbers",)),
        ],
    )


_REDACT = Alternation(
    [keep_part(), ("email", [(EMAIL, ("email",))]), ("phone", [(PHONE_SCAN, ("numbers",))])],
    re.IGNORECASE,
    unchanged=("keep",),
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


def re2_hex(text: str) -> str:
    """``text`` as RE2 literal characters, each written ``\\x{HHHH}``.

    Patterns built from member names are pasted into SQL (ibis compiles ``re_search`` to
    a string literal), and SQL shows up in failing-query tracebacks and ``-v`` logs. In
    this form a name is not readable there, and it needs no escaping: RE2 reads an
    escaped character as that literal character (``(?i)`` still folds its case)."""
    return "".join(f"\\x{{{ord(c):x}}}" for c in text)


def digits(text: str) -> str:
    """Only the ASCII digits of ``text`` (the identity of a phone number)."""
    return "".join(ch for ch in text if "0" <= ch <= "9")


def looks_like_phone(name: str) -> bool:
    """True when a member "name" is really a phone number (a non-contact author)."""
    stripped = name.strip()
    return bool(stripped) and re.fullmatch(PHONE, stripped) is not None


#: An e-mail written to dodge scrapers: ``name(at)gmail(dot)com``, ``name [at] gmail.com``,
#: ``name at gmail dot com`` is left alone (too many false positives in ordinary text).
_BRACKETED = r"\s?[(\[{<]\s?WORD\s?[)\]}>]\s?"
OBFUSCATED_EMAIL = re.compile(
    r"[\w.+\-]+" + _BRACKETED.replace("WORD", "at") + r"[\w\-]+"
    r"(?:(?:" + _BRACKETED.replace("WORD", "dot") + r"|\.)[\w\-]+)+",
    re.IGNORECASE,
)
#: RE2 gate implied by :data:`OBFUSCATED_EMAIL`.
OBFUSCATED_GATE_RE2 = r"(?i:[(\[{<]\s?at\s?[)\]}>])"
GATE_RE2 = f"{GATE_RE2}|{OBFUSCATED_GATE_RE2}"


def redact_obfuscated(text: str) -> str:
    """Obfuscated e-mails (:data:`OBFUSCATED_EMAIL`) become the e-mail placeholder."""
    if "at" not in text.lower():
        return text
    return OBFUSCATED_EMAIL.sub(EMAIL_PLACEHOLDER, text)


def _replacer(pseudonyms: Collection[str]):
    """The replacement for :data:`_REDACT` matches (``pseudonyms``: see :func:`redact_text`)."""

    def replace(match: re.Match[str]) -> str:
        kind = match.lastgroup
        if kind == "email":
            return EMAIL_PLACEHOLDER
        if kind == "phone":
            return match.group(0) if match.group(0) in pseudonyms else PHONE_PLACEHOLDER
        return match.group(0)  # URLs, file names, dates are kept

    return replace


def redact_text(text: str | None, pseudonyms: Collection[str] = ()) -> str | None:
    """Replace phone numbers and e-mails in ``text`` with placeholders (URLs kept).

    ``pseudonyms``: all-digit pseudonyms already written into ``text`` by the anonymizer.
    About 2% of 8-hex pseudonyms are all digits and look exactly like an 8-digit local
    phone number; they are member ids, not contact data, and are kept.
    """
    if not text:
        return text
    return _REDACT.sub(_replacer(pseudonyms), redact_obfuscated(text))


def redact_many(texts: list[str | None], pseudonyms: Collection[str] = ()) -> list[str | None]:
    """``[redact_text(t, pseudonyms) for t in texts]``, faster on a batch."""
    texts = [redact_obfuscated(t) if t else t for t in texts]
    return _REDACT.sub_many(_replacer(pseudonyms), texts)
