"""Telegram Desktop's JSON export (Settings → Advanced → Export chat history → JSON).

The export is a folder with ``result.json`` plus media sub-folders (``photos/``, ``files/``,
``voice_messages/``, ...). ``result.json`` is either one chat (``{"name", "type", "messages"}``)
or a whole account (``{"chats": {"list": [chat, ...]}}``). Each message has ``type``
("message" or "service"), ``date`` (local time, ISO) and ``date_unixtime`` (UTC epoch
seconds, newer exports), ``from`` / ``actor``, and ``text``: a string or a list of strings and
``{"type", "text"}`` entities.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
from egregora_core.components import Extraction, ExtractOptions
from egregora_core.errors import InputError
from egregora_core.schema import RAW_MEDIA, RAW_MESSAGES

PARSER_VERSION = "telegram-json/1"
RESULT = "result.json"

# Telegram's media_type -> our media subtype.
MEDIA_SUBTYPES = {
    "voice_message": "audio",
    "audio_file": "audio",
    "video_file": "video",
    "video_message": "video",
    "animation": "gif",
    "sticker": "sticker",
}
# Telegram's service action -> our system subtype.
ACTIONS = {
    "create_group": "created",
    "create_channel": "created",
    "migrate_from_group": "created",
    "invite_members": "added",
    "remove_members": "removed",
    "join_group_by_link": "joined",
    "join_group_by_request": "joined",
    "edit_group_title": "subject",
    "edit_group_photo": "icon",
    "delete_group_photo": "icon",
    "pin_message": "pinned",
    "phone_call": "call",
    "group_call": "call",
    "set_messages_ttl": "timer",
}
NOT_INCLUDED = "(File not included"


def _result_path(path: Path) -> Path:
    return path / RESULT if path.is_dir() else path


def _text(value: Any) -> str:
    """``text`` is a string or a list of strings and entity dicts."""
    if isinstance(value, str):
        return value
    return "".join(
        part if isinstance(part, str) else str(part.get("text", "")) for part in value or []
    )


class TelegramExtractor:
    name = "telegram"

    def sniff(self, path: Path) -> float:
        result = _result_path(Path(path))
        if not result.is_file() or result.suffix != ".json":
            return 0.0
        try:
            head = result.open("rb").read(4096).decode("utf-8", errors="ignore")
        except OSError:
            return 0.0
        if '"messages"' in head or '"chats"' in head:
            return 0.9 if result.name == RESULT else 0.6
        return 0.1

    def extract(self, path: Path, options: ExtractOptions) -> Extraction:
        result = _result_path(Path(path))
        try:
            raw = result.read_bytes()
            data = json.loads(raw.decode("utf-8-sig"))
        except FileNotFoundError:
            raise InputError(
                "no result.json here",
                where=str(path),
                hint="point at the export folder or its result.json",
            ) from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            where = f"{result}:{getattr(exc, 'lineno', 1)}"
            raise InputError(
                "not a Telegram JSON export (invalid JSON)",
                where=where,
                hint="export with Format: JSON in Telegram Desktop",
            ) from None
        chats = data.get("chats", {}).get("list") if isinstance(data, dict) else None
        if chats is None:
            chats = [data] if isinstance(data, dict) and "messages" in data else None
        if not chats:
            raise InputError(
                "no chats in this JSON",
                where=str(result),
                hint="export with Format: JSON in Telegram Desktop",
            )
        zone = ZoneInfo(options.timezone)
        rows: list[dict[str, Any]] = []
        for chat in chats:
            group = options.group_name or chat.get("name") or result.parent.name
            for message in chat.get("messages", []):
                rows.append(self._row(message, group, len(rows), zone))
        folder = result.parent
        media_names = sorted({r["media_name"] for r in rows if r["media_name"]})
        media = [
            {
                "name": name,
                "size": (folder / name).stat().st_size,
                "sha256": hashlib.sha256((folder / name).read_bytes()).hexdigest(),
            }
            for name in media_names
            if (folder / name).is_file()
        ]
        first_group = options.group_name or chats[0].get("name") or folder.name
        return Extraction(
            messages=pa.Table.from_pylist(rows, schema=RAW_MESSAGES),
            media=pa.Table.from_pylist(media, schema=RAW_MEDIA),
            source={
                "checksum": hashlib.sha256(raw).hexdigest(),
                "file_name": result.name,
                "group_name": first_group,
                "platform": "telegram-desktop",
                "date_order": "ymd",
                "date_order_evidence": "ISO dates",
                "clock": "24h",
                "parser_version": PARSER_VERSION,
                "format": "Telegram Desktop JSON",
            },
            read_media=lambda name: (folder / name).read_bytes(),
        )

    def _row(self, m: dict[str, Any], group: str, ordinal: int, zone: ZoneInfo) -> dict[str, Any]:
        local = dt.datetime.fromisoformat(m["date"])
        if m.get("date_unixtime"):
            ts = dt.datetime.fromtimestamp(int(m["date_unixtime"]), dt.UTC)
        else:
            ts = local.replace(tzinfo=zone).astimezone(dt.UTC)
        row = {
            "group_name": group,
            "ordinal": ordinal,
            "ts": ts,
            "date": local.date(),
            "author": m.get("from"),
            "kind": "text",
            "subtype": None,
            "text": _text(m.get("text")),
            "media_name": None,
            "edited": "edited" in m,
            "names": None,
        }
        if m.get("type") == "service":
            actor = m.get("actor")
            row.update(
                author=None,
                kind="system",
                subtype=ACTIONS.get(m.get("action"), m.get("action")),
                names=list(dict.fromkeys(n for n in [actor, *m.get("members", [])] if n)),
                text=" ".join(
                    filter(
                        None,
                        [
                            actor,
                            m.get("action", "").replace("_", " "),
                            ", ".join(m.get("members", [])),
                            m.get("title"),
                        ],
                    )
                ),
            )
        elif "photo" in m:
            row.update(kind="media", subtype="image", media_name=self._file(m["photo"]))
        elif "file" in m:
            row.update(
                kind="media",
                subtype=MEDIA_SUBTYPES.get(m.get("media_type"), "document"),
                media_name=self._file(m["file"]),
            )
        elif "poll" in m:
            poll = m["poll"]
            answers = [f"{a['text']} ({a.get('voters', 0)})" for a in poll.get("answers", [])]
            row.update(kind="poll", text="\n".join([poll.get("question", ""), *answers]))
        elif "location_information" in m:
            loc = m["location_information"]
            row.update(kind="location", text=f"{loc.get('latitude')},{loc.get('longitude')}")
        elif "contact_information" in m:
            contact = m["contact_information"]
            name = " ".join(filter(None, [contact.get("first_name"), contact.get("last_name")]))
            row.update(
                kind="contact",
                text=name,
                names=[n for n in [name, contact.get("phone_number")] if n],
            )
        return row

    @staticmethod
    def _file(value: str) -> str | None:
        return None if not value or value.startswith(NOT_INCLUDED) else value
