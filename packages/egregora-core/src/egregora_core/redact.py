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

PHONE_PLACEHOLDER = "[phone]"
EMAIL_PLACEHOLDER = "[email]"

#: Separators WhatsApp and people put inside phone numbers (incl. NBSP, NNBSP, bidi marks).
_SEP = r"[ \t.\-()\u00a0\u202f\u200e\u200f\u202a-\u202e]{0,3}"
#: 8 to 15 digits (E.164 allows 15), optional leading +, single separators between digits.
PHONE = rf"(?<![\w+])\+?\(?\d(?:{_SEP}\d){{7,14}}(?!\w)"
EMAIL = r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"
URL = r"(?:https?://|www\.)[^\s<>\"]+"
#: Attachment file names ("IMG-20240307-WA0012.jpg") and dates ("2024-03-07", "07.03.2024")
#: have phone-like digit runs; they are kept as they are.
FILE = (
    r"[\w\-]+\.(?:jpe?g|png|gif|webp|heic|mp4|mov|3gp|avi|mkv|webm|opus|ogg|mp3|m4a|aac"
    r"|wav|pdf|docx?|xlsx?|pptx?|txt|csv|zip|vcf)(?!\w)"
)
DATE = r"(?<![\w+])(?:\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{4})(?![\w-])"
#: Spans no replacement may touch, as regex alternatives (one named group ``keep``).
KEEP = rf"(?P<keep>{URL}|{FILE}|{DATE})"

_REDACT = re.compile(rf"{KEEP}|(?P<email>{EMAIL})|(?P<phone>{PHONE})", re.IGNORECASE)

#: RE2 pattern (DuckDB) selecting rows that *might* hold a phone or an e-mail.
GATE_RE2 = r"@|\d[^\p{L}]{0,3}\d[^\p{L}]{0,3}\d[^\p{L}]{0,3}\d[^\p{L}]{0,3}\d"


def digits(text: str) -> str:
    """Only the ASCII digits of ``text`` (the identity of a phone number)."""
    return "".join(ch for ch in text if "0" <= ch <= "9")


def looks_like_phone(name: str) -> bool:
    """True when a member "name" is really a phone number (a non-contact author)."""
    stripped = name.strip()
    return bool(stripped) and re.fullmatch(PHONE, stripped) is not None


def _replace(match: re.Match[str]) -> str:
    kind = match.lastgroup
    if kind == "email":
        return EMAIL_PLACEHOLDER
    if kind == "phone":
        return PHONE_PLACEHOLDER
    return match.group(0)  # URLs, file names, dates are kept


def redact_text(text: str | None) -> str | None:
    """Replace phone numbers and e-mails in ``text`` with placeholders (URLs kept)."""
    if not text:
        return text
    return _REDACT.sub(_replace, text)
