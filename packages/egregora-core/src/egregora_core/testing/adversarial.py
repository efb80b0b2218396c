"""An export written to break the anonymizer: every privacy hole found by hostile input.

Names and wording are invented for the project (no real person). :func:`write_exports`
writes two Android WhatsApp zips: a group chat and a one-to-one chat named after a contact
who never writes. :data:`SECRETS` are the strings that must not exist anywhere afterwards
(lake, serving database, media bytes, site, printed output), compared accent- and
case-insensitively by :func:`leaks`.
"""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path

from .media_samples import jpeg_with_exif, mp3_with_tags

GROUP_FILE = "WhatsApp Chat with Lantern Readers.zip"
ONE_TO_ONE_FILE = "WhatsApp Chat with Ottilie Vexford.zip"
NFD = unicodedata.normalize("NFD", "Renée Dubois")

GROUP_LINES = [
    ("José Íñigo Pérez", "hola a todos"),
    ("Renée Dubois", "Jose Perez, you owe me a book"),  # no accents, first + surname
    ("Iñaki Zubizarreta", f"{NFD} said yes"),  # NFD
    ("Iñaki Zubizarreta", "ask Dubois or inaki zubizarreta himself"),  # surname, lower case
    ("🤓", "I love 🤓 reading 🤓"),  # emoji-only name: emoji stays in text
    ("Rose Quill", "a rose is a rose; I will bring tea"),  # ordinary words stay
    (
        "José Íñigo Pérez",
        "see facebook.com/renee.dubois and https://example.com/InakiZubizarreta/x",
    ),
    ("Renée Dubois", "https://maps.example.com/?u=JosePerez&q=Rose+Quill+house #RoseQuill"),
    ("Rose Quill", "handles: inaki-zubizarreta inaki_zubizarreta renee_dubois"),
    (
        "Iñaki Zubizarreta",
        "POLL:\nWho hosts?\nOPTION: Renée (2 votes)\nOPTION: Zubizarreta (1 vote)",
    ),
    ("José Íñigo Pérez", "write to jose.perez(at)gmail(dot)com or renee [at] mail.example.org"),
    ("Renée Dubois", "call +44 7700 900123"),
    ("Iñaki Zubizarreta", "Iñaki Zubizarreta.vcf (file attached)"),
    ("José Íñigo Pérez", "IMG-20240317-WA0001.jpg (file attached)"),
    ("Rose Quill", "AUD-20240317-WA0002.mp3 (file attached)"),
]
ONE_TO_ONE_LINES = [
    ("Quintus Zebulon", "are you coming, Ottilie?"),
    ("Quintus Zebulon", "ping"),
]
#: What must not survive anywhere (compared folded: no accents, lower case).
SECRETS = [
    "José",
    "Íñigo",
    "Pérez",
    "Renée",
    "Dubois",
    "Iñaki",
    "Zubizarreta",
    "Quill",
    "Ottilie",
    "Vexford",
    "Quintus",
    "Zebulon",
    "7700 900123",
    "900123",
    "gmail",
    "mail.example.org",
    "quintus@example.org",
]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def leaks(text: str, secrets: list[str] = SECRETS) -> list[str]:
    """The secrets found in ``text``, accent- and case-insensitively."""
    folded = _fold(text)
    return [s for s in secrets if _fold(s) in folded]


def _chat(lines: list[tuple[str, str]]) -> str:
    out = []
    for minute, (author, text) in enumerate(lines):
        out.append(f"17/03/2024, 21:{minute:02d} - {author}: {text}")
    return "\n".join(out) + "\n"


def _zip(path: Path, chat_name: str, chat: str, media: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(chat_name, chat)
        for name, data in media.items():
            archive.writestr(name, data)
    return path


def write_exports(folder: Path) -> list[Path]:
    """The group export and the one-to-one export, written into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    media = {
        "IMG-20240317-WA0001.jpg": jpeg_with_exif(),
        "AUD-20240317-WA0002.mp3": mp3_with_tags(),
        "Iñaki Zubizarreta.vcf": "BEGIN:VCARD\nFN:Iñaki Zubizarreta\nEND:VCARD".encode(),
    }
    group = _zip(folder / GROUP_FILE, GROUP_FILE.replace(".zip", ".txt"), _chat(GROUP_LINES), media)
    one = _zip(
        folder / ONE_TO_ONE_FILE,
        ONE_TO_ONE_FILE.replace(".zip", ".txt"),
        _chat(ONE_TO_ONE_LINES),
        {},
    )
    return [group, one]
