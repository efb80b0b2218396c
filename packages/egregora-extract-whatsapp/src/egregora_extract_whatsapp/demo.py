"""``demo_export``: a small synthetic export for ``egregora run --demo`` and for tests."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from .synthetic import generate_chat

DEMO_FILE = "WhatsApp Chat with Demo Group.zip"
DEMO_SEED = 7
DEMO_MESSAGES = 300
DEMO_IMAGES = 3


def write_demo_export(folder: Path) -> Path:
    """Write ~300 messages over ~3 months (fake members, system lines, multi-line
    messages, a poll, 3 tiny PNG images) as a zip in ``folder``; same bytes every time."""
    chat = generate_chat(
        DEMO_MESSAGES,
        seed=DEMO_SEED,
        platform="android",
        locale="en",
        members=6,
        start=datetime(2024, 3, 1, 9, 0, 0),
        mean_gap_seconds=90 * 86400 / DEMO_MESSAGES,
        group_name="Demo Group",
        media_bytes=True,
    )
    chat.media = dict(sorted(chat.media.items())[:DEMO_IMAGES])
    folder.mkdir(parents=True, exist_ok=True)
    return _write_fixed_time_zip(chat, folder / DEMO_FILE)


def _write_fixed_time_zip(chat, path: Path) -> Path:
    """A zip whose bytes do not depend on the clock (fixed member timestamps)."""
    import zipfile

    stamp = (2024, 6, 1, 12, 0, 0)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        members = [(chat.chat_file_name, chat.text.encode("utf-8")), *chat.media.items()]
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return path
