"""Classify message bodies into kinds (text, media, system, ...) from the phrase tables.

Most messages are plain text. A vectorized prefilter (:data:`SPECIAL_RX`, RE2 via
pyarrow) picks the few rows that *may* be something else; only those go through the
exact per-row rules in :func:`classify`, so the cost stays proportional to the special
rows, not to the whole chat.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import languages as lang
from .grammar import MARKS

_MARKS_RX = re.compile(f"[{MARKS}\ufeff]")


def _spaces(text: str) -> str:
    """NBSP and NARROW NBSP as plain spaces (two ``str.replace`` beat ``translate``)."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _combined_system() -> tuple[re.Pattern, list[str]]:
    """All system patterns as one regex (one C call per body); ``s<i>`` names the winner."""
    branches = []
    for index, (_subtype, pattern) in enumerate(lang.SYSTEM):
        renamed = re.sub(r"\(\?P<(a|t|t2)>", rf"(?P<\g<1>_{index}>", pattern)
        branches.append(f"(?P<s{index}>{renamed})")
    return re.compile("|".join(branches)), [subtype for subtype, _ in lang.SYSTEM]


_SYSTEM, _SYSTEM_SUBTYPES = _combined_system()
_SYSTEM_HINT = re.compile(lang.SYSTEM_HINT)
_TARGET_SPLIT = re.compile(lang.TARGET_SPLIT)
_SP = " \u00a0\u202f"
_EDITED = re.compile(f"[{_SP}]?[{MARKS}]*<(?:{_alt(lang.EDITED)})\\.?>[{MARKS}]*$")
_DELETED = re.compile(rf"^(?:{_alt(lang.DELETED)})\.?$")
_OMITTED = re.compile(rf"^<(?:{_alt(lang.MEDIA_OMITTED)})>$")
_IOS_OMITTED = re.compile(rf"^(?:(?P<title>.*?)\s*)?(?P<what>{_alt(lang.IOS_OMITTED)})$")
_CONTACT_OMITTED = re.compile(rf"^(?:{_alt(lang.CONTACT_OMITTED)})$")
_ATTACHED_ANDROID = re.compile(rf"^(?P<name>[^\n]+?) \((?:{_alt(lang.ATTACHED_SUFFIX)})\)$")
_ATTACHED_IOS = re.compile(rf"^<(?:{_alt(lang.ATTACHED_PREFIX)}) ?: ?(?P<name>[^\n>]+)>$")
_ATTACHED_OLD_IOS = re.compile(r"^(?P<name>[^\n<]+?) <(?:attached|anexado|Anhang|adjunto)>$")
_POLL = re.compile(rf"^(?:{_alt(lang.POLL)}) ?:\s*(?:\n|$)")
_LOCATION = re.compile(
    rf"^(?:(?:{_alt(lang.LOCATION_PREFIX)}) ?: ?(?:https?://|geo:)|(?:{_alt(lang.LIVE_LOCATION)})\.?$)"
)
_SUBTYPES = [(re.compile(p), subtype) for p, subtype in lang.MEDIA_SUBTYPES]

#: RE2 prefilter over bodies (run by pyarrow on the whole column): true for rows that
#: may be media, deleted, poll, location, contact or an iOS system line with an author.
_m = "[\u200e\u200f\u202a-\u202e\u2066-\u2069]"
SPECIAL_RX = (
    f"^{_m}|^<|>$|\\)$|\\)\\n|"
    f"^(?:{_alt(lang.DELETED)})|(?:{_alt(lang.POLL)}) ?:|"
    f"(?:{_alt(lang.IOS_OMITTED)}|{_alt(lang.CONTACT_OMITTED)})$|"
    f"^(?:{_alt(lang.LOCATION_PREFIX)}) ?:|^(?:{_alt(lang.LIVE_LOCATION)})|"
    " created group | criou o grupo| creó el grupo| hat die Gruppe|end-to-end|ponta a ponta|extremo a extremo|Ende-zu-Ende"
)
#: RE2 test on the author candidate: a system line split at a ": " inside its body.
SYSTEM_HINT_RX = lang.SYSTEM_HINT
#: RE2 test for the edited marker at the end of a body.
EDITED_RX = _EDITED.pattern
EDITED_ANY = f"<(?:{_alt(lang.EDITED)})\\.?>"


def shifted(pattern: str) -> str:
    """``pattern`` for a value that is a body + ``\\n`` + the next message's header line
    start (see ``parse._Bodies``): the end of the body becomes ``\\n[^\\n]*$``."""
    assert "\\$" not in pattern
    return pattern.replace("$", "\n[^\n]*$")


EDITED_SHIFTED = shifted(EDITED_RX)
SPECIAL_SHIFTED = shifted(SPECIAL_RX)


class Row(NamedTuple):
    """One classified message (only the columns classification decides)."""

    author: str | None
    kind: str
    subtype: str | None
    text: str | None
    media_name: str | None
    names: list[str] | None


def clean_name(raw: str) -> str:
    """A member name as written, minus invisible marks, NBSPs and the ``~`` prefix."""
    name = _spaces(_MARKS_RX.sub("", raw)).strip()
    if name.startswith("~"):
        name = name[1:].lstrip()
    return name


def _names(groups: dict, suffix: str = "") -> list[str]:
    found: list[str] = []
    for key in ("a", "t", "t2"):
        value = groups.get(f"{key}{suffix}")
        if not value:
            continue
        parts = _TARGET_SPLIT.split(value) if key == "t" else [value]
        for part in parts:
            name = clean_name(part)
            if name and name not in lang.YOU and name not in found:
                found.append(name)
    return found


def _clean(body: str) -> str:
    return _spaces(_MARKS_RX.sub("", body)).strip()


def system_match(body: str) -> tuple[str, list[str]] | None:
    """(subtype, names) when ``body`` is a known system event, else None."""
    match = _SYSTEM.match(_clean(body))
    if match is None:
        return None
    index = int(match.lastgroup[1:])
    return _SYSTEM_SUBTYPES[index], _names(match.groupdict(), f"_{index}")


_SYSTEM_ONE = [re.compile(pattern) for _, pattern in lang.SYSTEM]
#: All system patterns as one RE2 test (does any of them match?).
_SYSTEM_ANY = "|".join(re.sub(r"\(\?P<\w+>", "(?:", pattern) for _, pattern in lang.SYSTEM)


def system_matches(bodies: list[str]) -> dict[str, tuple[str, list[str]] | None]:
    """:func:`system_match` for many bodies at once, mostly in RE2.

    The patterns are tried in order, as in :func:`system_match`, but each one first
    as an RE2 test over all still-undecided bodies (one C call per pattern); Python's
    ``re`` then confirms only the rows RE2 let through and reads the names. RE2 never
    rejects what Python accepts here (its ``\\b`` is ASCII, so it can only match *more*),
    which makes the result identical to calling :func:`system_match` on each body.
    """
    out: dict[str, tuple[str, list[str]] | None] = dict.fromkeys(bodies)
    cleans = [_clean(body) for body in out]
    keys = list(out)
    array = pa.array(cleans, pa.string())
    pending = np.flatnonzero(
        np.asarray(pc.match_substring_regex(array, _SYSTEM_ANY).to_numpy(zero_copy_only=False))
    )
    for index, (subtype, pattern) in enumerate(lang.SYSTEM):
        if not len(pending):
            break
        hits = pc.match_substring_regex(array.take(pa.array(pending)), pattern)
        hit = np.asarray(hits.to_numpy(zero_copy_only=False), dtype=bool)
        done = []
        for row in pending[hit]:
            match = _SYSTEM_ONE[index].match(cleans[row])
            if match is not None:
                out[keys[row]] = (subtype, _names(match.groupdict()))
                done.append(row)
        if done:
            pending = np.setdiff1d(pending, done, assume_unique=True)
    return out


def media_subtype(name: str) -> str:
    lower = name.lower()
    for rx, subtype in _SUBTYPES:
        if rx.search(lower):
            return subtype
    return "file"


def _media(first: str, rest: str | None) -> Row | None:
    """Attachment / omitted-media rules on the first line of a body."""
    match = (
        _ATTACHED_ANDROID.match(first)
        or _ATTACHED_IOS.match(first)
        or _ATTACHED_OLD_IOS.match(first)
    )
    if match:
        name = clean_name(match.group("name"))
        subtype = media_subtype(name)
        kind = "contact" if subtype == "contact" else "media"
        return Row(None, kind, subtype, rest, name, None)
    if _OMITTED.match(first):
        low = first.lower()
        subtype = "video" if "video" in low else None
        return Row(None, "media", subtype, rest, None, None)
    if _CONTACT_OMITTED.match(first):
        return Row(None, "contact", "contact", rest, None, None)
    match = _IOS_OMITTED.match(first)
    if match:
        return Row(None, "media", lang.IOS_OMITTED[match.group("what")], rest, None, None)
    return None


#: Python's ``str.strip`` whitespace, for RE2 (``\\s`` there is ASCII only).
_WHITE = "[\\s\\x{0b}\\x{1c}-\\x{1f}\\x{85}\\pZ]"
_ODD = f"[{MARKS}\\x{{feff}}\\x{{a0}}\\x{{202f}}\\r]"
_ATTACHED_RE2 = rf"^(?P<name>[^\n]+?) \((?:{_alt(lang.ATTACHED_SUFFIX)})\)(?:\n(?P<rest>(?s:.+)))?$"
_MEDIA_KINDS = [subtype for _, subtype in lang.MEDIA_SUBTYPES] + ["file"]


def _test(values: pa.Array, pattern: str) -> np.ndarray:
    hits = pc.fill_null(pc.match_substring_regex(values, pattern), False)
    return np.asarray(hits.to_numpy(zero_copy_only=False), dtype=bool)


def attached_media(bodies: pa.Array) -> tuple[np.ndarray, pa.Array, pa.Array, pa.Array]:
    """Android ``NAME (file attached)`` bodies read in RE2: (rows, names, subtypes, captions).

    Only bodies where :func:`classify` certainly takes this branch qualify: no
    invisible marks (but leading ones), NBSPs or edge whitespace (so stripping changes
    nothing else), no system pattern (RE2 over-matches, so none is missed), and an ASCII
    file name (so lower-casing is the same in Arrow and Python). The caller adds the
    author conditions. Everything else goes through :func:`classify` as before.
    """
    ok = _test(bodies, f"^[{MARKS}]*" + _ATTACHED_RE2[1:])
    rows = np.flatnonzero(ok)
    # WhatsApp puts a direction mark before the name; classify() drops all marks
    cleaned = pc.replace_substring_regex(bodies.take(pa.array(rows)), f"^[{MARKS}]+", "")
    sure = ~_test(cleaned, f"{_ODD}|^{_WHITE}|{_WHITE}$|{_SYSTEM_ANY}")
    rows, cleaned = rows[sure], cleaned.filter(pa.array(sure))
    parts = pc.extract_regex(cleaned, _ATTACHED_RE2)
    names = pc.struct_field(parts, [0])
    good = np.asarray(pc.string_is_ascii(names).to_numpy(zero_copy_only=False), dtype=bool)
    good &= ~_test(names, f"^~|{_WHITE}$")
    keep = pa.array(good)
    rows, names = rows[good], names.filter(keep)
    captions = pc.struct_field(parts, [1]).filter(keep)
    captions = pc.if_else(pc.equal(captions, ""), pa.scalar(None, pa.string()), captions)
    lower = pc.utf8_lower(names)
    code = np.full(len(rows), len(_MEDIA_KINDS) - 1, np.int8)
    undecided = np.ones(len(rows), bool)
    for number, (pattern, _) in enumerate(lang.MEDIA_SUBTYPES):
        hit = undecided & _test(lower, pattern)
        code[hit] = number
        undecided &= ~hit
    subtypes = pa.DictionaryArray.from_arrays(code, _MEDIA_KINDS).cast(pa.string())
    return rows, names, subtypes, captions


def hinted(authors: pa.Array) -> list[bool]:
    """Per author candidate: may it be a system line split at a ": " (see :func:`classify`)?"""
    test = pc.fill_null(pc.match_substring_regex(authors, lang.SYSTEM_HINT), False)
    return test.to_pylist()


def classify(
    author_raw: str | None,
    body: str,
    group_name: str,
    system: Callable[[str], tuple[str, list[str]] | None] = system_match,
) -> Row:
    """Classify one message whose header gave ``author_raw`` (None: no author) and ``body``.

    ``system`` is :func:`system_match`, or a lookup filled by :func:`system_matches`.
    """
    if author_raw is None:
        found = system(body)
        subtype, names = found if found else ("other", [])
        return Row(None, "system", subtype, body, None, names)
    author = clean_name(author_raw)
    if _SYSTEM_HINT.search(author_raw):
        # Android system line whose body holds ": " (a quoted subject): undo the split.
        found = system(f"{author_raw}: {body}")
        if found:
            return Row(None, "system", found[0], f"{author_raw}: {body}", None, found[1])
    stripped = _spaces(_MARKS_RX.sub("", body)).strip()
    first, _, rest_text = stripped.partition("\n")
    rest = rest_text or None
    # iOS puts the group name, or the actor, in the author slot of system lines.
    ios_marked = body[:1] in MARKS
    maybe_system = ios_marked or author == group_name or stripped.startswith(author)
    found = system(body) if maybe_system and "\n" not in stripped else None
    if found and (
        ios_marked or author == group_name or author in found[1][:1] or found[0] == "encryption"
    ):
        # The author slot held the group name or the actor (already in names): drop it.
        return Row(None, "system", found[0], body, None, found[1])
    row = _media(first, rest)
    if row is not None:
        return row._replace(author=author)
    if _DELETED.match(stripped):
        return Row(author, "deleted", None, None, None, None)
    if _POLL.match(stripped):
        return Row(author, "poll", None, stripped.partition("\n")[2], None, None)
    if _LOCATION.match(stripped):
        return Row(author, "location", None, body, None, None)
    return Row(author, "text", None, body, None, None)
