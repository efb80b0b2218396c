"""``demo_export``: the bundled sample chat for ``egregora run --demo`` and for tests.

``demo_chat/`` (package data) is a hand-written group chat, exported the way Android
WhatsApp writes it (en-GB dates, "(file attached)" media): about 290 messages from January
to June 2025 among six made-up friends, in English and Portuguese, about a trip to São
Miguel in the Azores (14 to 18 May), a 30th birthday party, recipes, five-a-side football
matches and a house move, with photos, a poll, an edited and a deleted message, system lines,
typed phone numbers and e-mails, and an ``/egregora set alias`` command. The synthetic
generator (``synthetic.py``) stays for benchmarks and property tests.
"""

from __future__ import annotations

import zipfile
from importlib import resources
from pathlib import Path

DEMO_FILE = "WhatsApp Chat with Quinta Crew.zip"
DEMO_CHAT = "WhatsApp Chat with Quinta Crew.txt"

#: Zip member timestamp: fixed, so the demo zip has the same bytes every time.
_STAMP = (2025, 6, 20, 18, 30, 0)


def demo_files() -> list[tuple[str, bytes]]:
    """The demo export's members, the chat file first, then the media in name order."""
    folder = resources.files(__package__).joinpath("demo_chat")
    media = sorted(
        (entry.name, entry.read_bytes())
        for entry in folder.iterdir()
        if entry.is_file() and entry.name != DEMO_CHAT
    )
    return [(DEMO_CHAT, folder.joinpath(DEMO_CHAT).read_bytes()), *media]


def write_demo_export(folder: Path) -> Path:
    """Write the demo chat and its photos as a WhatsApp zip in ``folder``; same bytes every
    time."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / DEMO_FILE
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in demo_files():
            info = zipfile.ZipInfo(name, date_time=_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return path
