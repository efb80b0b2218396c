"""Classify message bodies into kinds (text, media, system, ...) from the phrase tables.

Most messages are plain text. A vectorized prefilter (:data:`SPECIAL_RX`, RE2 via
pyarrow) picks the few rows that *may* be something else; only those go through the
exact per-row rules in :func:`classify`, so the cost stays proportional to the special
rows, not to the whole chat.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from . import languages as lang
from .grammar import MARKS

_MARKS_RX = re.compile(f"[{MARKS}\ufeff]")
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})


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
    name = _MARKS_RX.sub("", raw).translate(_SPACES).strip()
    if name.startswith("~"):
        name = name[1:].lstrip()
    return name


def _names(match: re.Match, index: int) -> list[str]:
    found: list[str] = []
    groups = match.groupdict()
    for key in ("a", "t", "t2"):
        value = groups.get(f"{key}_{index}")
        if not value:
            continue
        parts = _TARGET_SPLIT.split(value) if key == "t" else [value]
        for part in parts:
            name = clean_name(part)
            if name and name not in lang.YOU and name not in found:
                found.append(name)
    return found


def system_match(body: str) -> tuple[str, list[str]] | None:
    """(subtype, names) when ``body`` is a known system event, else None."""
    clean = _MARKS_RX.sub("", body).translate(_SPACES).strip()
    match = _SYSTEM.match(clean)
    if match is None:
        return None
    index = int(match.lastgroup[1:])
    return _SYSTEM_SUBTYPES[index], _names(match, index)


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


def classify(author_raw: str | None, body: str, group_name: str) -> Row:
    """Classify one message whose header gave ``author_raw`` (None: no author) and ``body``."""
    if author_raw is None:
        found = system_match(body)
        subtype, names = found if found else ("other", [])
        return Row(None, "system", subtype, body, None, names)
    author = clean_name(author_raw)
    if _SYSTEM_HINT.search(author_raw):
        # Android system line whose body holds ": " (a quoted subject): undo the split.
        found = system_match(f"{author_raw}: {body}")
        if found:
            return Row(None, "system", found[0], f"{author_raw}: {body}", None, found[1])
    stripped = _MARKS_RX.sub("", body).translate(_SPACES).strip()
    first, _, rest_text = stripped.partition("\n")
    rest = rest_text or None
    # iOS puts the group name, or the actor, in the author slot of system lines.
    ios_marked = body[:1] in MARKS
    maybe_system = ios_marked or author == group_name or stripped.startswith(author)
    found = system_match(body) if maybe_system and "\n" not in stripped else None
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
