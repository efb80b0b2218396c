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

import numpy as np

from . import redact
from .variants import COMMON_WORDS, VariantScrubber, has_word_character

SCHEMES = ("keyed", "v2")
#: Shapes holding a URL or a file name: scrubbed with IGNORECASE (see :data:`_FOLDS`).
_NOT_LOWERED = redact.bit("://") | redact.bit("www.") | redact.bit("file")

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
    """The same name for DuckDB's RE2, every character hex-escaped (:func:`redact.re2_hex`:
    no member name is readable in the SQL that carries the pattern)."""
    parts = [redact.re2_hex(p) for p in name.lower().split()]
    return r"[\s\x{a0}\x{202f}]+".join(parts)


#: Why the scrubber scans ``text.lower()``: with IGNORECASE, Python's ``re`` compares every
#: character through a case-mapping call and cannot skip an alternative by its first
#: character; on a lowercased copy the pattern needs no flag, and each name alternative
#: starting with a plain character is skipped with one comparison (2-4x faster).
#:
#: It gives the same matches because, for every character ``c`` except U+0130 (``İ``,
#: whose lowercase is two characters, so a text holding it keeps the IGNORECASE path),
#: ``c.lower()`` is one character that IGNORECASE cannot tell from ``c`` and that is in
#: the same ``\w``/``\d``/``\s`` classes (checked over all of Unicode by
#: ``test_scrub_equivalence.py``). The offsets stay the same, so matches are cut from the
#: original text. Each letter of a name becomes the class of every character IGNORECASE
#: matches it with, as far as a lowercased text can hold them (``i`` -> ``[iı]``, ``k`` -> ``k``):
#: the lowercase variants that
#: ``str.lower`` does not produce (dotless ``ı``, long ``ſ``, final ``ς``).
_FOLDS: dict[str, tuple[str, ...]] = {}
_ALL_CHARS: list[str] = []


def _fold(char: str) -> tuple[str, ...]:
    """The characters a lowercased text can hold that IGNORECASE matches ``char`` with."""
    found = _FOLDS.get(char)
    if found is None:
        _prime_folds(char)
        found = _FOLDS[char]
    return found


def _prime_folds(chars: Iterable[str]) -> None:
    """Compute :func:`_fold` for every new character of ``chars`` with ONE scan of all of
    Unicode (one scan per character cost ~6 ms each: ~0.2 s for a group's names)."""
    new = sorted({c for c in chars if c not in _FOLDS})
    if not new:
        return
    if not _ALL_CHARS:
        codes = np.arange(0x110000, dtype=np.uint32)
        _ALL_CHARS.append(codes.tobytes().decode("utf-32-le", "surrogatepass"))
    # Every character IGNORECASE matches with any of them (the class scan; plus each one's
    # simple case mappings, which the class misses for some characters beyond U+FFFF),
    # then which of them each one matches.
    candidates = set(re.findall("[" + "".join(map(re.escape, new)) + "]", _ALL_CHARS[0], re.I))
    for char in new:
        candidates.update(c for c in (char.lower(), char.upper(), char.title()) if len(c) == 1)
    for char in new:
        one = re.compile(re.escape(char), re.IGNORECASE)
        same = {c for c in candidates if one.fullmatch(c)}
        # Lowercase is idempotent: a lowercased text holds only c with c.lower() == c.
        _FOLDS[char] = tuple(sorted({c for c in same if c.lower() == c} | {char}))


def _folded(char: str) -> str:
    chars = _fold(char)
    return re.escape(char) if len(chars) == 1 else "[" + "".join(map(re.escape, chars)) + "]"


def _lowered_word(word: str) -> list[tuple[str, str]]:
    """``(first character, rest)`` alternatives matching ``word`` (a lowercased name) in a
    lowercased text: one per case variant of the first character (only one can match at a
    position, so their order is free), ``rest`` being the pattern after it."""
    parts = ["".join(map(_folded, part)) for part in word.split()]
    rest = _WS.join(parts)[len(_folded(word[0])) :] + r"(?!\w)"
    return [(c, rest) for c in _fold(word[0])]


def _lowered_alternation(words: list[str]) -> str:
    """``words`` (in priority order) as one alternation over a lowercased text, grouped by
    first character: ``a(?<!\\w.)(?:rest1|rest2)|b(?<!\\w.)(?:...)``. A group is tried only
    where its character stands (``re`` skips the others with one comparison, and a text
    with nothing else to look for is searched with a first-character prefix scan), and
    the ``(?<!\\w)`` before a name is tested once, after that character, as
    ``(?<!\\w.)``. Within a group the words keep their order; words starting with other
    characters cannot match at the same place, so the matches are the same."""
    _prime_folds("".join(words))
    groups: dict[str, list[str]] = {}
    for word in words:
        for first, rest in _lowered_word(word):
            groups.setdefault(first, []).append(rest)
    return "|".join(
        re.escape(first) + r"(?<!\w.)(?:" + "|".join(rests) + ")" for first, rests in groups.items()
    )


class Anonymizer:
    """Rewrites one export's texts with pseudonyms for every known member name.

    ``names`` are raw member names (authors, names from system lines, mentioned names);
    phone-number "names" are matched by their digits wherever they appear.
    ``first_names``: also replace a member's first word on its own (capitalized in the
    text, at least 3 letters, not another member's full name); a first name shared by
    several members becomes the placeholder ``[name]``.
    """

    NAME_PLACEHOLDER = "[name]"
    #: Bound on remembered replacements (unknown phone numbers can be many).
    MEMO_SIZE = 65536

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
            elif has_word_character(name):  # never an emoji-only name: see variants.py
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
        #: The second pass: names typed other than as displayed (variants.py).
        self.variants = VariantScrubber(
            {**self.full, **{w: p for w, p in self.first.items() if w in COMMON_WORDS}},
            first_names=first_names,
        )
        self._regex = self._compile(lowered=False)
        self._lowered = self._compile(lowered=True)
        self._wanted = self._regex.wanted | self._lowered.wanted
        #: Tells a lowered-path word match that is a full name from a first name.
        self._lowered_names = re.compile(
            _lowered_alternation(sorted(self.full, key=len, reverse=True)) or "(?!)"
        )
        #: (kind, matched text) -> replacement: chats repeat the same few names and
        #: mentions, and a replacement depends on nothing else (see :meth:`_replace`).
        self._memo: dict[tuple[str, str], str] = {}

    def _compile(self, *, lowered: bool) -> redact.Alternation:
        """The scrubbing alternation; ``lowered``: for ``text.lower()`` (see :data:`_FOLDS`),
        without the URL and file-name alternatives (texts that may hold them take the
        IGNORECASE path: :data:`_NOT_LOWERED`)."""
        keep = redact.keep_part()
        if lowered:
            keep = (keep[0], [(p, needs) for p, needs in keep[1] if needs == ("numbers",)])
        parts: list[tuple[str | None, list[tuple[str, tuple[str, ...]]]]] = [
            keep,
            (None, [(MENTION, ("@\u2068",)), (PHONE_MENTION, ("@digits",))]),
        ]
        names = sorted(self.full, key=len, reverse=True)
        firsts = sorted(self.first, key=len, reverse=True)
        if lowered:
            # No named group (a match without one is a name or a first name: _compute).
            if names or firsts:
                parts.append((None, [(_lowered_alternation(names + firsts), ())]))
        else:
            # Names and first names share one look-behind (same order, same matches).
            words = []
            if names:
                words.append(r"(?P<name>" + "|".join(map(_name_pattern, names)) + r")(?!\w)")
            if firsts:
                words.append(r"(?P<first>" + "|".join(map(re.escape, firsts)) + r")(?!\w)")
            if words:
                parts.append((None, [(r"(?<!\w)(?:" + "|".join(words) + ")", ())]))
        if self.phones:
            parts.append(("phone", [(redact.PHONE_SCAN, ("numbers",))]))
        flags = 0 if lowered else re.IGNORECASE
        return redact.Alternation(parts, flags, unchanged=("keep",))

    def gate_re2(self) -> str:
        """RE2 pattern (DuckDB) selecting rows that may need :meth:`scrub`."""
        parts = ["\u2068", r"@\+?\p{Nd}"]
        parts += [_re2_literal(n) for n in sorted(self.full, key=len, reverse=True)]
        parts += [_re2_literal(w) for w in self.first]
        if self.phones:
            parts.append(redact.PHONE_GATE_RE2)
        variants = self.variants.gate_re2()
        if variants:
            parts.append(variants)
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
        return self._replacement(match.lastgroup, match.group(0))

    def _replacement(self, kind: str | None, text: str) -> str:
        """What the ``kind`` match ``text`` becomes (remembered: see :attr:`_memo`)."""
        if kind == "keep":
            return text  # kept spans (URLs, file names, dates)
        key = (kind or "word", text)
        found = self._memo.get(key)
        if found is None:
            # Pure in (kind, text): pseudonyms are deterministic, and the pseudonymizer's
            # side effect (recording numeric pseudonyms) happened on the first call.
            found = self._compute(kind, text)
            if len(self._memo) >= self.MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = found
        return found

    def _compute(self, kind: str | None, text: str) -> str:
        if kind is None:  # a name or a first name, from the lowered path
            # The name alternatives come first, so a match is a name iff one fits it.
            kind = "name" if self._lowered_names.fullmatch(text.lower()) else "first"
        if kind == "mention":
            return "@" + self._mention(text[2:-1])  # "@\u2068" name "\u2069"
        if kind == "phone_mention":
            return "@" + self._mention(text[1:])
        if kind == "name":
            return folded_get(self.full, normalize_name(text))
        if kind == "first":
            return folded_get(self.first, text) if text[:1].isupper() else text
        return self._phone(text) or text  # phone; unknown numbers: left to redact

    def _scrub_lowered(self, pattern: re.Pattern[str], text: str, low: str) -> str:
        """Matches of ``pattern`` in ``low`` (``text.lower()``, same offsets), replaced in
        ``text``."""
        pieces, done, memo = [], 0, self._memo
        for match in pattern.finditer(low):
            kind = match.lastgroup
            if kind != "keep":
                start, end = match.span()
                found = text[start:end]
                new = memo.get((kind or "word", found)) or self._replacement(kind, found)
                pieces += (text[done:start], new)
                done = end
        if not pieces:
            return text
        pieces.append(text[done:])
        return "".join(pieces)

    def _scrub_shaped(self, text: str, mask: int) -> str:
        """:meth:`scrub` of a non-empty ``text`` of shape ``mask``."""
        if not mask & _NOT_LOWERED:
            low = text.lower()
            if len(low) == len(text):  # no U+0130 (see _FOLDS)
                pattern = self._lowered.compiled(mask)
                return text if pattern is None else self._scrub_lowered(pattern, text, low)
        pattern = self._regex.compiled(mask)
        return text if pattern is None else pattern.sub(self._replace, text)

    def scrub(self, text: str | None) -> str | None:
        """``text`` with mentions, member names (and their variants) and member phones
        replaced."""
        return self.variants.scrub(self.scrub_exact(text))

    def scrub_many(self, texts: list[str | None]) -> list[str | None]:
        """``[self.scrub(t) for t in texts]``, faster on a batch."""
        return self.variants.scrub_many(self.scrub_exact_many(texts))

    def scrub_exact(self, text: str | None) -> str | None:
        """The first pass alone: names as displayed, mentions, member phones."""
        if not text:
            return text
        return self._scrub_shaped(text, redact.shape(text, self._wanted))

    def scrub_exact_many(self, texts: list[str | None]) -> list[str | None]:
        """``[self.scrub_exact(t) for t in texts]``, faster on a batch."""
        shape, scrub, wanted = redact.shape, self._scrub_shaped, self._wanted
        return redact.map_unique(
            lambda text: scrub(text, shape(text, wanted)) if text else text, texts
        )

    def scrub_all(self, text: str | None) -> str | None:
        """:meth:`scrub` then :func:`redact.redact_text`: for metadata (group/file names)."""
        return redact.redact_text(self.scrub(text), self.pseudonymize.numeric)
