"""Member names typed other than as displayed: the second pass of the name scrubber.

:class:`egregora_core.anonymize.Anonymizer` replaces member names as WhatsApp shows them
(case-insensitive, whole word). People type names differently, so after it
:class:`VariantScrubber` replaces, for every member name with at least two letters:

* the name **without or with accents, in NFC or NFD, in any case**: both the name and the
  text are compared after Unicode NFKD with combining marks removed ("Jose", "JOSE",
  "Jose\\u0301" all match "José"; "José" in text matches a member shown as "Jose");
* the **first name + surname** of a name of three words or more ("Maria Silva" for
  "Maria da Silva");
* the name's parts **glued into handles and links**, joined by ``.``, ``_``, ``-``, ``+``
  or nothing, anywhere in the text, URLs included (``facebook.com/maria.silva``,
  ``?u=MariaSilva``, ``?q=Maria+Silva+house``, ``#MariaSilva``, ``maria_silva``);
* the **first name** and the **surname alone** only when the word starts with a capital
  letter in the text (the same guard as the first pass: "will" in "I will go" stays for a
  member "Will Turner", "Will said" does not); a surname alone needs at least 4 letters and
  must not be a common word (:data:`COMMON_WORDS`: "Costa", "Rosa", "Santos" are ordinary
  Portuguese words); a word two members share becomes ``[name]``.

Names with no letter or digit (an emoji-only contact such as "🤓") are never text patterns.
A name nobody wrote under, was mentioned as or listed in a system line cannot be known.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache

from . import redact

#: Words that are surnames or first names but also ordinary words in the languages the
#: WhatsApp extractor reads (Portuguese, English, Spanish, French, German, Italian): a
#: surname alone that is one of them is not matched on its own (the full name still is),
#: and a one-word member name that is one of them is replaced only when capitalized.
COMMON_WORDS = frozenset(
    """
    rose rosa will mark bill long young king white black brown green grant hope joy faith
    grace may june april summer winter dawn frank earnest rich price hunter baker cook
    smith miller carter walker hill wood stone mason page law bell park lane ward
    costa santos campos lima rocha pereira cruz leite ramos torres flores paz luz branco
    preto neto filho junior prado sales porto cunha mata fonte pinto serra monte rios
    fontes matos vale bento franco nobre leal bravo rico santo santa maria
    blanco moreno rubio calvo delgado castillo iglesias pastor leon
    blanc petit martin roux lebrun fort
    schwarz weiss klein lang jung koch wolf fuchs vogel berg
    """.split()  # noqa: SIM905
)

#: Combining marks (what NFD writes after a base letter).
MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_MARKS_RE = f"[{MARKS}]*"
_MARKS_RE2 = r"\p{Mn}*"
#: Blocks scanned for accented forms of a letter (Latin, Greek, Cyrillic, Latin extended).
_ACCENT_RANGES = ((0x00C0, 0x0530), (0x1E00, 0x2000))
_GLUE = r"[._\-+]?"
_SEPARATORS = re.compile(r"[\s._\-+]+")


def fold(text: str) -> str:
    """NFKD, combining marks removed, lowercased: the accent- and case-free form."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def compact(text: str) -> str:
    """:func:`fold` without separators: the lookup key of a name however it was typed."""
    return _SEPARATORS.sub("", fold(text))


def has_word_character(name: str) -> bool:
    """False for a name of emoji or symbols only: such a name is never a text pattern."""
    return any(c.isalnum() for c in name)


@cache
def _accented() -> dict[str, str]:
    """Base letter -> every character of :data:`_ACCENT_RANGES` that folds to it."""
    table: dict[str, list[str]] = {}
    for low, high in _ACCENT_RANGES:
        for code in range(low, high):
            char = chr(code)
            base = fold(char)
            if len(base) == 1 and base != char and base.isalpha():
                table.setdefault(base, []).append(char)
    return {base: "".join(chars) for base, chars in table.items()}


def _letter(char: str, *, re2: bool) -> str:
    """One folded character of a name as a pattern matching its accented forms."""
    if not char.isalnum():
        return redact.re2_hex(char) if re2 else re.escape(char)
    forms = char + char.upper() + _accented().get(char, "")
    if re2:  # hex escapes only: the pattern goes into SQL (see redact.re2_hex)
        return "[" + redact.re2_hex("".join(dict.fromkeys(forms))) + "]" + _MARKS_RE2
    return "[" + "".join(map(re.escape, dict.fromkeys(forms))) + "]" + _MARKS_RE


def loose(word: str, *, re2: bool = False) -> str:
    """Pattern for ``word`` (folded) in any case, with or without accents, NFC or NFD."""
    return "".join(_letter(c, re2=re2) for c in fold(word))


def _parts(name: str) -> list[str]:
    return [p for p in fold(name).split() if has_word_character(p)]


class VariantScrubber:
    """Replaces the variants of member names (see the module docstring).

    ``names``: lowercased normalized member name -> pseudonym (the first pass's table,
    emoji-only and phone names already left out).
    """

    NAME_PLACEHOLDER = "[name]"

    def __init__(self, names: dict[str, str], *, first_names: bool = True):
        self.names: dict[str, str] = {}  # compact key -> pseudonym (always replaced)
        self.capitalized: dict[str, str] = {}  # compact key -> pseudonym (if capitalized)
        whole: list[list[str]] = []
        glued: list[list[str]] = []
        owners: dict[str, set[str]] = {}
        for name, pseudo in names.items():
            parts = _parts(name)
            if not parts or sum(len(p) for p in parts) < 2:
                continue
            forms = [parts]
            if len(parts) >= 3:
                forms.append([parts[0], parts[-1]])
            for form in forms:
                self.names.setdefault(compact(" ".join(form)), pseudo)
                whole.append(form)
                if len(form) >= 2:
                    glued.append(form)
            if len(parts) == 1 and parts[0] in COMMON_WORDS:
                # A one-word name that is an ordinary word: only when capitalized.
                self.names.pop(compact(parts[0]), None)
                whole.pop()
                owners.setdefault(parts[0], set()).add(pseudo)
            if first_names and len(parts) >= 2:
                first, last = parts[0], parts[-1]
                if len(first) >= 3 and first.isalpha():
                    owners.setdefault(first, set()).add(pseudo)
                if len(last) >= 4 and last.isalpha() and last not in COMMON_WORDS:
                    owners.setdefault(last, set()).add(pseudo)
        for word, pseudos in owners.items():
            if word not in self.names:
                self.capitalized[word] = (
                    next(iter(pseudos)) if len(pseudos) == 1 else self.NAME_PLACEHOLDER
                )
        self._whole = sorted({tuple(f) for f in whole}, key=lambda f: -len(" ".join(f)))
        self._glued = sorted({tuple(f) for f in glued}, key=lambda f: -len("".join(f)))
        words = sorted(self.capitalized, key=len, reverse=True)
        ws = r"[\s\u00a0\u202f]+"
        alternatives = [f"(?P<keep>{redact.URL})"]
        glued_body = "|".join(_GLUE.join(map(loose, f)) for f in self._glued)
        if glued_body:
            alternatives.append(rf"(?<![^\W_])(?P<glued>{glued_body})(?![^\W_])")
        if self._whole:
            body = "|".join(ws.join(map(loose, f)) for f in self._whole)
            alternatives.append(rf"(?<!\w)(?P<name>{body})(?!\w)")
        if words:
            body = "|".join(map(loose, words))
            alternatives.append(rf"(?<!\w)(?P<cap>{body})(?!\w)")
        self._active = bool(self._whole or words)
        self._pattern = re.compile("|".join(alternatives), re.IGNORECASE)
        self._in_url = (
            re.compile(rf"(?<![^\W_])(?:{glued_body})(?![^\W_])", re.IGNORECASE)
            if glued_body
            else None
        )
        self._memo: dict[tuple[str | None, str], str] = {}

    def gate_re2(self) -> str | None:
        """RE2 (DuckDB) alternatives implied by every match: the first word of each name
        form and each capitalized-only word, accent-insensitive. None when nothing to find."""
        anchors = {f[0] for f in self._whole} | set(self.capitalized)
        if not anchors:
            return None
        return "|".join(loose(a, re2=True) for a in sorted(anchors, key=len, reverse=True))

    def _replace(self, match: re.Match[str]) -> str:
        kind, text = match.lastgroup, match.group(0)
        key = (kind, text)
        found = self._memo.get(key)
        if found is None:
            found = self._compute(kind, text)
            self._memo[key] = found
        return found

    def _compute(self, kind: str | None, text: str) -> str:
        if kind == "keep":
            return self._in_url.sub(self._replace_glued, text) if self._in_url else text
        if kind == "cap":
            return self.capitalized.get(compact(text), text) if text[:1].isupper() else text
        return self.names.get(compact(text), text)

    def _replace_glued(self, match: re.Match[str]) -> str:
        return self.names.get(compact(match.group(0)), match.group(0))

    def scrub(self, text: str | None) -> str | None:
        if not text or not self._active:
            return text
        return self._pattern.sub(self._replace, text)

    def scrub_many(self, texts: Iterable[str | None]) -> list[str | None]:
        return redact.map_unique(self.scrub, list(texts))
