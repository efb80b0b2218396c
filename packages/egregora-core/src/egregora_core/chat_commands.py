"""In-chat commands: ``/egregora opt-out | opt-in | set alias|bio|twitter|website V | remove alias``.

Members steer what Egregora does with their messages from inside the chat. Commands are
recorded as *events* (pseudonym, timestamp, action, field, value) and folded in timestamp
order into one preferences row per member, the last command winning. Events from every
ingest are kept in the lake (``preference_events``), so ingesting an older export after a
newer one cannot undo a later opt-out. Every message starting with ``/egregora`` is removed
from content, recognised or not.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: RE2/Python pattern for "this message is a command" (leading marks and spaces allowed).
COMMAND_PREFIX = r"^[\s\x{200e}\x{200f}\x{feff}]*(?i:/egregora)(?:\s|$)"
_PREFIX_PY = re.compile(r"^[\s\u200e\u200f\ufeff]*/egregora(?:\s+|$)", re.IGNORECASE)
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "«": '"', "»": '"'})
FIELDS = ("alias", "bio", "twitter", "website")
MAX_LENGTH = {"alias": 40, "bio": 500, "twitter": 60, "website": 200}


@dataclass(frozen=True)
class Command:
    action: str  # "opt-out" | "opt-in" | "set" | "remove"
    field: str | None = None
    value: str | None = None


def _clean_value(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1].strip()
    return value


def is_command(text: str | None) -> bool:
    """True when ``text`` is a ``/egregora`` message (valid command or not): never stored."""
    return bool(text) and _PREFIX_PY.match(unicodedata.normalize("NFKC", text)) is not None


def parse_command(text: str | None) -> Command | None:
    """The command in ``text``, or None when it is not a valid ``/egregora`` command."""
    if not text:
        return None
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    match = _PREFIX_PY.match(text)
    if not match:
        return None
    rest = text[match.end() :].strip()
    lowered = rest.lower()
    if lowered in ("opt-out", "opt-in"):
        return Command(lowered)
    if lowered == "remove alias":
        return Command("remove", "alias")
    parts = rest.split(None, 2)
    if len(parts) == 3 and parts[0].lower() == "set" and parts[1].lower() in FIELDS:
        field = parts[1].lower()
        value = _clean_value(parts[2])
        if not value or len(value) > MAX_LENGTH[field]:
            return None
        if any(unicodedata.category(ch) == "Cc" for ch in value):
            return None
        return Command("set", field, value)
    return None


def event_id(pseudonym: str, ts: datetime, command: Command) -> str:
    """Deterministic id so re-ingesting the same command adds no second event."""
    raw = "\x1f".join(
        [pseudonym, ts.isoformat(), command.action, command.field or "", command.value or ""]
    )
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def fold(events: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Preferences per pseudonym from events, applied in (ts, event_id) order; last wins."""
    prefs: dict[str, dict[str, Any]] = {}
    for event in sorted(events, key=lambda e: (e["ts"], e["event_id"])):
        row = prefs.setdefault(
            event["pseudonym"],
            {
                "pseudonym": event["pseudonym"],
                "opted_out": False,
                **dict.fromkeys(FIELDS),
                "updated_ts": None,
            },
        )
        action = event["action"]
        if action == "opt-out":
            row["opted_out"] = True
        elif action == "opt-in":
            row["opted_out"] = False
        elif action == "set":
            row[event["field"]] = event["value"]
        elif action == "remove":
            row[event["field"]] = None
        row["updated_ts"] = event["ts"]
    return prefs


def opted_out(events: Iterable[dict[str, Any]]) -> set[str]:
    """Pseudonyms whose last opt command is ``opt-out``."""
    return {p for p, row in fold(events).items() if row["opted_out"]}
