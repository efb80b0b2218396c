"""Deterministic synthetic WhatsApp exports, with their ground truth.

Used by the demo export, the parse benchmark and other teams' privacy tests. Every
name, phone number and e-mail placed in the chat is returned in :class:`SyntheticChat`
so a test can assert that none of them survives anonymization.

``generate_chat(1_000_000, seed=1)`` takes a few seconds: random choices are drawn in
bulk with numpy, and headers are assembled from per-day and per-second string tables.
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

LRM = "\u200e"
NNBSP = "\u202f"
NBSP = "\u00a0"

_FIRST = [
    "Maya",
    "José",
    "Zoë",
    "Leo",
    "Ana",
    "Björn",
    "Chloé",
    "Iñaki",
    "Renée",
    "Łukasz",
    "Anaïs",
    "Søren",
    "Thiago",
    "Núria",
    "Kwame",
    "Aiko",
    "Dmitri",
    "Fátima",
    "Oğuz",
    "Priya",
]
_LAST = [
    "Rocha",
    "Álvarez",
    "Müller",
    "B.",
    "Ferreira",
    "Nyström",
    "Dubois",
    "Etxeberria",
    "O'Neill",
    "Wójcik",
    "Kowalski",
    "Sørensen",
    "Gonçalves",
    "Puig",
    "Mensah",
    "Tanaka",
]
_DECOR = ["", "", "", " 🌻", " 🎸", " - Work", " (mom)", " 👩\u200d💻"]
_WORDS = [
    "the",
    "meeting",
    "moved",
    "to",
    "tomorrow",
    "we",
    "should",
    "bring",
    "snacks",
    "and",
    "maybe",
    "a",
    "guitar",
    "for",
    "later",
    "did",
    "anyone",
    "see",
    "the",
    "photos",
    "from",
    "saturday",
    "it",
    "was",
    "great",
    "fun",
    "see",
    "you",
    "at",
    "eight",
]

# Per locale: header pieces and the phrases the parser must recognize.
LOCALES = {
    "en": {
        "order": "mdy",
        "clock": 12,
        "am": "AM",
        "pm": "PM",
        "yy": 2,
        "added": "{a} added {t}",
        "left": "{t} left",
        "removed": "{a} removed {t}",
        "created": '{a} created group "{g}"',
        "subject": '{a} changed the subject to "{x}"',
        "attached": "{f} (file attached)",
        "ios_attached": "<attached: {f}>",
        "omitted": "<Media omitted>",
        "ios_omitted": "image omitted",
        "deleted": "This message was deleted",
        "poll": "POLL:",
        "option": "OPTION",
        "location": "location: https://maps.google.com/?q={lat},{lon}",
        "edited": "<This message was edited>",
        "encryption": "Messages and calls are end-to-end encrypted. Only people in this chat can read, listen to, or share them. Learn more.",
    },
    "pt": {
        "order": "dmy",
        "clock": 24,
        "yy": 4,
        "added": "{a} adicionou {t}",
        "left": "{t} saiu",
        "removed": "{a} removeu {t}",
        "created": '{a} criou o grupo "{g}"',
        "subject": '{a} mudou o nome de "{y}" para "{x}"',
        "attached": "{f} (arquivo anexado)",
        "ios_attached": "<anexado: {f}>",
        "omitted": "<Mídia oculta>",
        "ios_omitted": "imagem ocultada",
        "deleted": "Mensagem apagada",
        "poll": "ENQUETE:",
        "option": "OPÇÃO",
        "location": "localização: https://maps.google.com/?q={lat},{lon}",
        "edited": "<Mensagem editada>",
        "encryption": "As mensagens e ligações são protegidas com a criptografia de ponta a ponta. Somente as pessoas que fazem parte da conversa podem ler, ouvir e compartilhar esse conteúdo. Saiba mais",
    },
    "es": {
        "order": "dmy",
        "clock": 12,
        "am": f"a.{NBSP}m.",
        "pm": f"p.{NBSP}m.",
        "yy": 2,
        "added": "{a} añadió a {t}",
        "left": "{t} salió del grupo",
        "removed": "{a} eliminó a {t}",
        "created": '{a} creó el grupo "{g}"',
        "subject": '{a} cambió el asunto a "{x}"',
        "attached": "{f} (archivo adjunto)",
        "ios_attached": "<adjunto: {f}>",
        "omitted": "<Multimedia omitido>",
        "ios_omitted": "imagen omitida",
        "deleted": "Se eliminó este mensaje.",
        "poll": "ENCUESTA:",
        "option": "OPCIÓN",
        "location": "ubicación: https://maps.google.com/?q={lat},{lon}",
        "edited": "<Se editó este mensaje.>",
        "encryption": "Los mensajes y las llamadas están cifrados de extremo a extremo. Nadie fuera de este chat, ni siquiera WhatsApp, puede leerlos ni escucharlos.",
    },
    "de": {
        "order": "dmy",
        "clock": 24,
        "yy": 2,
        "sep": ".",
        "added": "{a} hat {t} hinzugefügt",
        "left": "{t} hat die Gruppe verlassen",
        "removed": "{a} hat {t} entfernt",
        "created": "{a} hat die Gruppe „{g}“ erstellt",
        "subject": "{a} hat den Betreff zu „{x}“ geändert",
        "attached": "{f} (Datei angehängt)",
        "ios_attached": "<Anhang: {f}>",
        "omitted": "<Medien ausgeschlossen>",
        "ios_omitted": "Bild weggelassen",
        "deleted": "Diese Nachricht wurde gelöscht",
        "poll": "UMFRAGE:",
        "option": "OPTION",
        "location": "Standort: https://maps.google.com/?q={lat},{lon}",
        "edited": "<Diese Nachricht wurde bearbeitet>",
        "encryption": "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Niemand außerhalb dieses Chats kann sie lesen oder anhören.",
    },
}

CHAT_FILE_PREFIX = {
    "en": "WhatsApp Chat with ",
    "pt": "Conversa do WhatsApp com ",
    "es": "Chat de WhatsApp con ",
    "de": "WhatsApp Chat mit ",
}


@dataclass
class SyntheticChat:
    """A generated chat and its ground truth (all raw identifiers used in it)."""

    text: str
    platform: str
    locale: str
    group_name: str
    chat_file_name: str
    message_count: int
    kinds: Counter
    names: list[str]  # member display names (authors and people named in system lines)
    phones: list[str]  # phone numbers used as authors or typed in text
    emails: list[str]
    media: dict[str, bytes] = field(default_factory=dict)  # attachment name -> bytes
    date_order: str = "dmy"

    def write_txt(self, path: Path) -> Path:
        path = Path(path)
        path.write_text(self.text, encoding="utf-8", newline="")
        return path

    def write_zip(self, path: Path, *, with_media: bool = True) -> Path:
        """Write a zip like WhatsApp's (chat .txt plus the attachments)."""
        path = Path(path)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(self.chat_file_name, self.text.encode("utf-8"))
            if with_media:
                for name, data in self.media.items():
                    archive.writestr(name, data)
        return path


def _people(rng: np.random.Generator, count: int) -> tuple[list[str], list[str]]:
    names: list[str] = []
    while len(names) < count:
        first = _FIRST[rng.integers(len(_FIRST))]
        last = _LAST[rng.integers(len(_LAST))]
        decor = _DECOR[rng.integers(len(_DECOR))]
        name = f"{first} {last}{decor}"
        if name not in names:
            names.append(name)
    phones = [
        f"+55 11 9{rng.integers(1000, 9999)}-{rng.integers(1000, 9999)}",
        f"+49 170 {rng.integers(1000000, 9999999)}",
    ]
    return names, phones


def _email(name: str) -> str:
    base = "".join(c for c in name.split()[0].lower() if c.isascii() and c.isalpha()) or "user"
    return f"{base}.{len(name)}@example.org"


class _Headers:
    """Header strings from cached per-day and per-second-of-day tables."""

    def __init__(self, platform: str, locale: dict):
        self.ios = platform == "ios"
        self.locale = locale
        self.days: dict[int, str] = {}
        self.times: dict[int, str] = {}

    def date(self, day: date) -> str:
        key = day.toordinal()
        if key not in self.days:
            loc = self.locale
            sep = loc.get("sep", "/")
            year = f"{day.year % 100:02d}" if loc["yy"] == 2 else f"{day.year}"
            if loc["order"] == "mdy":
                text = f"{day.month}{sep}{day.day}{sep}{year}"
            else:
                text = f"{day.day:02d}{sep}{day.month:02d}{sep}{year}"
            self.days[key] = text
        return self.days[key]

    def time(self, second: int) -> str:
        key = second if self.ios else second - second % 60
        if key not in self.times:
            hour, minute, sec = key // 3600, key // 60 % 60, key % 60
            loc = self.locale
            clock = f":{sec:02d}" if self.ios else ""
            if loc["clock"] == 12:
                marker = loc["pm"] if hour >= 12 else loc["am"]
                text = f"{(hour % 12) or 12}:{minute:02d}{clock}{NNBSP}{marker}"
            else:
                text = f"{hour:02d}:{minute:02d}{clock}"
            self.times[key] = text
        return self.times[key]

    def __call__(self, day: date, second: int) -> str:
        if self.ios:
            return f"[{self.date(day)}, {self.time(second)}] "
        comma = "" if self.locale["yy"] == 4 else ","
        return f"{self.date(day)}{comma} {self.time(second)} - "


def generate_chat(
    n_messages: int,
    *,
    seed: int = 0,
    platform: str = "android",
    locale: str = "en",
    members: int = 8,
    start: datetime = datetime(2024, 1, 1, 8, 0, 0),
    mean_gap_seconds: float = 240.0,
    group_name: str = "Weekend Hikers 🥾",
    media_bytes: bool = False,
) -> SyntheticChat:
    """A deterministic chat of ``n_messages`` messages (the first is the encryption notice).

    Mix: ~83% text (some multi-line, mentions, names, e-mails and phones typed in text,
    a few edited), ~6% media, ~5% system, 2% deleted, 1% poll, 1% location.
    ``media_bytes=True`` also generates a tiny PNG for each attached image.
    """
    if platform not in ("android", "ios"):
        raise ValueError("platform must be 'android' or 'ios'")
    loc = LOCALES[locale]
    rng = np.random.default_rng(seed)
    names, phones = _people(rng, members)
    authors = names + phones
    emails = [_email(n) for n in names[:3]]
    header = _Headers(platform, loc)
    gaps = rng.exponential(mean_gap_seconds, n_messages).astype(np.int64)
    roll = rng.random(n_messages)
    who = rng.integers(0, len(authors), n_messages)
    other = rng.integers(0, len(names), n_messages)
    words = rng.integers(0, len(_WORDS), (n_messages, 6))
    variant = rng.integers(0, 20, n_messages)
    lines: list[str] = []
    kinds: Counter = Counter()
    media: dict[str, bytes] = {}
    seen_in_system: set[str] = set()
    base_day = start.date()
    second = start.hour * 3600 + start.minute * 60
    day_offset = 0
    ios = platform == "ios"
    omitted = loc["ios_omitted"] if ios else loc["omitted"]
    for i in range(n_messages):
        second += int(gaps[i])
        if second >= 86400:
            day_offset += second // 86400
            second %= 86400
        day = base_day + timedelta(days=day_offset)
        head = header(day, second)
        if i == 0:
            body = loc["encryption"]
            lines.append(f"{head}{group_name}: {LRM}{body}" if ios else head + body)
            kinds["system"] += 1
            continue
        author = authors[who[i]]
        target = names[other[i]]
        r = roll[i]
        words_text = " ".join(_WORDS[w] for w in words[i])
        if r < 0.05:  # system line
            actor = names[who[i] % len(names)]
            event = ("added", "left", "removed", "subject", "created")[variant[i] % 5]
            body = loc[event].format(
                a=actor, t=target, g=group_name, x=f"trip: {words_text[:12]}", y="old"
            )
            seen_in_system.update({actor, target})
            lines.append(f"{head}{group_name}: {LRM}{body}" if ios else head + body)
            kinds["system"] += 1
            continue
        prefix = f"{head}{author}: "
        if r < 0.08:  # media with the file
            stamp = f"{day:%Y%m%d}"
            if ios:
                name = f"{i:08d}-PHOTO-{day:%Y-%m-%d}-{second // 3600:02d}-{second // 60 % 60:02d}-{second % 60:02d}.jpg"
                lines.append(prefix + LRM + loc["ios_attached"].format(f=name))
            else:
                name = f"IMG-{stamp}-WA{i % 10000:04d}.jpg"
                caption = f"\n{words_text}" if variant[i] < 10 else ""
                lines.append(prefix + LRM + loc["attached"].format(f=name) + caption)
            if media_bytes:
                media[name] = tiny_png(i)
            kinds["media"] += 1
        elif r < 0.11:
            lines.append(prefix + (LRM + omitted if ios else omitted))
            kinds["media"] += 1
        elif r < 0.13:
            lines.append(prefix + loc["deleted"])
            kinds["deleted"] += 1
        elif r < 0.14:
            opt = loc["option"]
            lines.append(
                f"{prefix}{loc['poll']}\nWhen do we meet?\n{opt}: Friday (2 votes)\n"
                f"{opt}: Saturday (1 vote)"
            )
            kinds["poll"] += 1
        elif r < 0.15:
            lines.append(prefix + loc["location"].format(lat=-23.55 + i % 7, lon=-46.63))
            kinds["location"] += 1
        else:
            v = variant[i]
            if v == 0:
                body = f"{words_text}\n{words_text}\n\nagenda:\n12/31/2024 deadline"
            elif v == 1:
                body = f"@\u2068{target}\u2069 {words_text}"
            elif v == 2:
                body = f"{target} said {words_text}"
            elif v == 3:
                body = f"mail me at {emails[v % len(emails)]} or call {phones[0]}"
            elif v == 4:
                body = f"{words_text} {loc['edited']}"
            elif v == 5:
                body = f"{words_text}\n{words_text}"
            else:
                body = words_text
            lines.append(prefix + body)
            kinds["text"] += 1
    text = "\n".join(lines) + "\n"
    if ios:
        text = text.replace("\n", "\r\n")
    file_name = "_chat.txt" if ios else f"{CHAT_FILE_PREFIX[locale]}{group_name}.txt"
    used_names = [n for n in names if n in seen_in_system or n in authors]
    return SyntheticChat(
        text=text,
        platform=platform,
        locale=locale,
        group_name=group_name,
        chat_file_name=file_name,
        message_count=n_messages,
        kinds=kinds,
        names=used_names,
        phones=phones,
        emails=emails,
        media=media,
        date_order=loc["order"],
    )


def tiny_png(seed: int, size: int = 8) -> bytes:
    """A valid size x size RGB PNG with a seed-dependent colour (zlib only, no deps)."""
    import struct
    import zlib

    colour = bytes(((seed * 97) % 256, (seed * 57) % 256, (seed * 31) % 256))
    raw = b"".join(b"\x00" + colour * size for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def to_bytes(chat: SyntheticChat) -> bytes:
    """The chat as the UTF-8 bytes WhatsApp would export."""
    return chat.text.encode("utf-8")


def zip_bytes(chat: SyntheticChat) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(chat.chat_file_name, to_bytes(chat))
        for name, data in chat.media.items():
            archive.writestr(name, data)
    return buffer.getvalue()
