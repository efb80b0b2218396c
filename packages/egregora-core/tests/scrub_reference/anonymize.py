"""Pseudonyms and the name scrubber.

* :func:`identity_key`: the normalized form of a member name (NFKC, invisible marks
  stripped, trimmed, lowercased) that both schemes hash.
* :class:`Pseudonymizer`: name -> 8 lowercase hex. ``keyed`` = HMAC-SHA256 with the
  project secret (not guessable); ``v2`` = egregora v2's ``uuid5(NAMESPACE_DNS, key)``
  (guessable, kept so existing v2 sites keep their profile URLs).
* :class:`Anonymizer`: knows every member name of one export (authors, names inside
  system lines, mentioned names) and rewrites free text: ``@⁨mentions⁩`` and ``@phone``
  mentions, member names typed in text (whole word, case-insensitive, longest first) and
  phone numbers of members become pseudonyms. Other phones and e-mails are left to
  :mod:`egregora_core.redact`.

Raw names exist only inside these objects, in memory, for the duration of one ingest.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
import uuid
from collections.abc import Iterable

from egregora_core.variants import COMMON_WORDS, VariantScrubber, has_word_character

from . import redact

SCHEMES = ("keyed", "v2")

#: Invisible marks WhatsApp sprinkles around names: LRM, RLM, LRE..RLO, LRI..PDI, BOM.
_INVISIBLE = dict.fromkeys(
    [0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF], None
)
#: A mention: "@" + FSI ... PDI (the span WhatsApp writes for a tagged member).
MENTION = "@\u2068(?P<mention>[^\u2069\n]{1,80})\u2069"
#: A bare phone mention: "@5511900000000".
PHONE_MENTION = r"@(?P<phone_mention>\+?\d{8,15})(?!\d)"
_WS = r"[\s\u00a0\u202f]+"


def normalize_name(name: str) -> str:
    """NFKC, invisible marks removed, surrounding space and a ``~`` non-contact prefix trimmed."""
    text = unicodedata.normalize("NFKC", name).translate(_INVISIBLE).strip()
    if text.startswith("~"):
        text = text[1:].strip()
    return text


def identity_key(name: str) -> str:
    """The key both pseudonym schemes hash (v2: ``name.strip().lower()`` after normalizing)."""
    return normalize_name(name).lower()


def group_slug(group_name: str) -> str:
    """egregora v2's slug: lowercased, spaces -> ``-`` (kept for v2-compatible media names)."""
    return group_name.lower().replace(" ", "-")


class Pseudonymizer:
    """Maps names to 8-hex pseudonyms with one scheme; caches results."""

    def __init__(self, scheme: str, secret: bytes):
        if scheme not in SCHEMES:
            raise ValueError(f"unknown pseudonym scheme {scheme!r}")
        self.scheme = scheme
        self._secret = secret
        self._cache: dict[str, str] = {}
        #: Pseudonyms handed out that are all digits: the redactor must not take them
        #: for phone numbers (a live set: mentions of unknown names add to it mid-scrub).
        self.numeric: set[str] = set()

    def key_pseudonym(self, key: str) -> str:
        """Pseudonym of an already-normalized identity key."""
        found = self._cache.get(key)
        if found is None:
            if self.scheme == "v2":
                found = uuid.uuid5(uuid.NAMESPACE_DNS, key).hex[:8]
            else:
                found = hmac.new(self._secret, key.encode("utf-8"), hashlib.sha256).hexdigest()[:8]
            self._cache[key] = found
            if found.isdigit():
                self.numeric.add(found)
        return found

    def __call__(self, name: str) -> str:
        return self.key_pseudonym(identity_key(name))

    def fingerprint(self) -> str:
        """A value that changes when the scheme or secret changes (stored in the lake)."""
        return self.scheme + ":" + self.key_pseudonym("\x00egregora-fingerprint")


def mentioned_names(texts: Iterable[str | None]) -> set[str]:
    """Names inside ``@⁨…⁩`` mention spans (to treat them as members too)."""
    pattern = re.compile(MENTION)
    found: set[str] = set()
    for text in texts:
        if text and "\u2068" in text:
            found.update(m.group("mention") for m in pattern.finditer(text))
    return found


def _match_key(name: str) -> str:
    """How a typed occurrence is looked up: lowercased, whitespace runs collapsed."""
    return " ".join(name.lower().split())


def _name_pattern(name: str) -> str:
    """Regex for one name: escaped, any whitespace run between words."""
    return _WS.join(re.escape(part) for part in name.split())


def folded_get(table: dict[str, str], text: str) -> str:
    """``table[text.lower()]`` (names lowercased, whitespace collapsed) for a ``text`` an
    IGNORECASE pattern matched. ``re`` folds case per character, so it also matches case
    variants that ``str.lower()`` maps elsewhere ("IRMAK" for "ırmak", "ST" for "ſt"):
    those are found by matching each key's pattern, never dropped or crashed on."""
    found = table.get(_match_key(text))
    if found is not None:
        return found
    return next(
        value
        for key, value in table.items()
        if re.fullmatch(_name_pattern(key), text, re.IGNORECASE)
    )


def _re2_literal(name: str) -> str:
    """The same name for DuckDB's RE2 (which rejects some of Python's escapes)."""
    parts = [re.sub(r"([\\.^$|?*+()\[\]{}\-])", r"\\\1", p) for p in name.lower().split()]
    return r"[\s\x{a0}\x{202f}]+".join(parts)


class Anonymizer:
    """Rewrites one export's texts with pseudonyms for every known member name.

    ``names`` are raw member names (authors, names from system lines, mentioned names);
    phone-number "names" are matched by their digits wherever they appear.
    ``first_names``: also replace a member's first word on its own (capitalized in the
    text, at least 3 letters, not another member's full name); a first name shared by
    several members becomes the placeholder ``[name]``.
    """

    NAME_PLACEHOLDER = "[name]"

    def __init__(
        self, pseudonymize: Pseudonymizer, names: Iterable[str], *, first_names: bool = True
    ):
        self.pseudonymize = pseudonymize
        self.full: dict[str, str] = {}  # lowercased normalized name -> pseudonym
        self.phones: dict[str, str] = {}  # digits -> pseudonym
        for raw in names:
            if raw is None:
                continue
            name = normalize_name(raw)
            if not name:
                continue
            if redact.looks_like_phone(name):
                self.phones[redact.digits(name)] = pseudonymize(name)
            elif has_word_character(name):
                self.full[_match_key(name)] = pseudonymize(name)
        self.first: dict[str, str] = {}
        if first_names:
            owners: dict[str, set[str]] = {}
            for name, pseudo in self.full.items():
                words = name.split()
                if len(words) > 1 and len(words[0]) >= 3 and words[0].isalpha():
                    owners.setdefault(words[0], set()).add(pseudo)
            for word, pseudos in owners.items():
                if word not in self.full:
                    self.first[word] = pseudos.pop() if len(pseudos) == 1 else self.NAME_PLACEHOLDER
        for word in [k for k in self.full if k in COMMON_WORDS]:
            # A one-word name that is an ordinary word ("Rose", "Will"): capitalized only.
            self.first[word] = self.full.pop(word)
        self.variants = VariantScrubber(
            {**self.full, **{w: p for w, p in self.first.items() if w in COMMON_WORDS}},
            first_names=first_names,
        )
        self._regex = self._compile()

    def _compile(self) -> redact.Alternation:
        parts: list[tuple[str | None, list[tuple[str, str]]]] = [
            redact.keep_part(),
            (None, [(MENTION, "@\u2068"), (PHONE_MENTION, "@d")]),
        ]
        # Names and first names share one look-behind (same order, same matches).
        words = []
        if self.full:
            names = sorted(self.full, key=len, reverse=True)
            words.append(r"(?P<name>" + "|".join(_name_pattern(n) for n in names) + r")(?!\w)")
        if self.first:
            firsts = sorted(self.first, key=len, reverse=True)
            words.append(r"(?P<first>" + "|".join(map(re.escape, firsts)) + r")(?!\w)")
        if words:
            parts.append((None, [(r"(?<!\w)(?:" + "|".join(words) + ")", "")]))
        if self.phones:
            parts.append(("phone", [(redact.PHONE, "d")]))
        return redact.Alternation(parts, re.IGNORECASE)

    def gate_re2(self) -> str:
        """RE2 pattern (DuckDB) selecting rows that may need :meth:`scrub`."""
        parts = ["\u2068", r"@\+?\p{Nd}"]
        parts += [_re2_literal(n) for n in sorted(self.full, key=len, reverse=True)]
        parts += [_re2_literal(w) for w in self.first]
        if self.phones:
            parts.append(redact.PHONE_GATE_RE2)
        return "(?i)(" + "|".join(parts) + ")"

    def _phone(self, text: str) -> str | None:
        number = redact.digits(text)
        if number in self.phones:
            return self.phones[number]
        for known, pseudo in self.phones.items():
            # The same number written with or without its country code.
            short, long_ = sorted((number, known), key=len)
            if len(short) >= 8 and long_.endswith(short):
                return pseudo
        return None

    def _mention(self, inner: str) -> str:
        name = normalize_name(inner)
        if redact.looks_like_phone(name):
            return self._phone(name) or self.pseudonymize(redact.digits(name))
        return self.full.get(_match_key(name)) or self.pseudonymize(name)

    def _replace(self, match: re.Match[str]) -> str:
        kind = match.lastgroup
        text = match.group(0)
        if kind == "mention":
            return "@" + self._mention(match.group("mention"))
        if kind == "phone_mention":
            return "@" + self._mention(match.group("phone_mention"))
        if kind == "name":
            return folded_get(self.full, normalize_name(text))
        if kind == "first":
            return folded_get(self.first, text) if text[:1].isupper() else text
        if kind == "phone":
            return self._phone(text) or text  # unknown numbers: left to redact
        return text  # kept spans (URLs, file names, dates)

    def scrub(self, text: str | None) -> str | None:
        """``text`` with mentions, member names and member phones replaced."""
        if not text:
            return text
        return self.variants.scrub(self._regex.sub(self._replace, text))

    def scrub_all(self, text: str | None) -> str | None:
        """:meth:`scrub` then :func:`redact.redact_text`: for metadata (group/file names)."""
        return redact.redact_text(self.scrub(text), self.pseudonymize.numeric)
