"""The writer's privacy guard: nothing that looks like a phone, e-mail, CPF or CNPJ is published.

The anonymizer should already have replaced these; the guard is the last line of
defence. It works in two layers:

* :func:`scrub` redacts matches in every chat-derived string before it is templated
  (counting what it caught), so a miss upstream costs one ``[redacted]`` and not a build;
* :func:`check_document` scans each complete file right before it is written and raises
  :class:`PrivacyLeak` if anything slipped through (e.g. from a template or a preference).

The error names the file and the kind of match, never the matched text.
"""

from __future__ import annotations

import re

from egregora_core.errors import EgregoraError

REDACTED = "[redacted]"

PATTERNS: dict[str, re.Pattern[str]] = {
    "e-mail": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}"),
    "CNPJ": re.compile(r"(?<!\d)\d{2}\.\d{3}\.\d{3}/\d{4}-\d{2}(?!\d)"),
    "CPF": re.compile(r"(?<!\d)\d{3}\.\d{3}\.\d{3}-\d{2}(?!\d)"),
    # International (+CC ...) or national numbers: optional area code, 4-5 + 4 digits.
    # The look-arounds keep dates (2025-10-27), uuids and ISO weeks out.
    "phone": re.compile(
        r"(?<![\w/.\\-])(?:\+\d{1,3}[\s.-]?)?(?:\(?\d{2,3}\)?[\s.-]?)?\d{4,5}[\s.-]?\d{4}(?![\w/\\-])"
    ),
}


class PrivacyLeak(EgregoraError):
    """A page about to be written contains something that looks like personal data."""


def find(text: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """Kinds of personal data found in ``text`` (empty when clean).

    ``allowed`` are exact matches to ignore: pseudonyms, which are 8 hex digits and so
    sometimes all decimal (``25616549``), indistinguishable from a local phone number.
    """
    return [
        kind
        for kind, pattern in PATTERNS.items()
        if any(m.group(0) not in allowed for m in pattern.finditer(text))
    ]


class Guard:
    """Redacts chat-derived strings and checks whole documents; counts what it caught.

    ``pseudonyms`` are the members' ids: never mistaken for phone numbers.
    """

    def __init__(self, pseudonyms: frozenset[str] | set[str] = frozenset()) -> None:
        self.redactions = 0
        self.allowed = frozenset(pseudonyms)

    def _replace(self, match: re.Match[str]) -> str:
        if match.group(0) in self.allowed:
            return match.group(0)
        self.redactions += 1
        return REDACTED

    def scrub(self, text: str | None) -> str:
        if not text:
            return text or ""
        for pattern in PATTERNS.values():
            text = pattern.sub(self._replace, text)
        return text

    def check_document(self, text: str, where: str) -> None:
        found = find(text, self.allowed)
        if found:
            raise PrivacyLeak(
                f"refusing to write a page containing what looks like a {found[0]}",
                where=where,
                hint="re-run ingest so the anonymizer redacts it, or fix the template/preference "
                "that produced it",
            )
