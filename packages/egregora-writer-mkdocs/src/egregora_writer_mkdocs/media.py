"""Where media bytes live and where they go in the site (the one place to adjust paths).

The lake's MEDIA rows name each file the v2 way (``media_id`` = uuid5 of the group and the
content hash) and the ingest stores the bytes content-addressed under the project as
``.egregora/media/<sha256>``. The site gets ``docs/media/<media_type>/<media_id><ext>``,
exactly v2's names, so existing links keep working.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from egregora_core.media_clean import clean_media

from .output import atomic

MEDIA_TYPES = {
    "images": ("jpg", "jpeg", "png", "gif", "webp"),
    "videos": ("mp4", "mov", "3gp", "avi"),
    "audio": ("opus", "ogg", "mp3", "m4a", "aac"),
    "documents": ("pdf", "doc", "docx"),
}


def media_type(extension: str) -> str:
    """v2's folder for a file extension (``files`` for anything unknown)."""
    ext = extension.lower().lstrip(".")
    for folder, extensions in MEDIA_TYPES.items():
        if ext in extensions:
            return folder
    return "files"


def v2_media_id(group_slug: str, sha256: str) -> str:
    """v2's content-addressed media name: uuid5(uuid5(DNS, group_slug), sha256)."""
    return str(uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_DNS, group_slug), sha256))


def store_path(project_state_dir: Path, sha256: str) -> Path:
    """Where the ingest keeps the bytes of one media file."""
    return project_state_dir / "media" / sha256


@dataclass(frozen=True)
class MediaFile:
    media_id: str
    media_type: str
    extension: str
    sha256: str

    @property
    def site_path(self) -> str:
        """Path relative to ``docs/``."""
        ext = (
            self.extension
            if self.extension.startswith(".") or not self.extension
            else "." + self.extension
        )
        folder = self.media_type if self.media_type in (*MEDIA_TYPES, "files") else media_type(ext)
        return f"media/{folder}/{self.media_id}{ext.lower()}"

    @property
    def is_image(self) -> bool:
        return self.site_path.split("/")[1] == "images"


def publish(state_dir: Path, docs_dir: Path, media: MediaFile) -> bool | None:
    """Copy one media file into the site. True = copied, False = already there, None = missing."""
    target = docs_dir / media.site_path
    if target.exists():
        return False
    source = store_path(state_dir, media.sha256)
    if not source.is_file():
        return None
    # Cleaned again: a store written before metadata removal existed still holds EXIF/tags.
    data = clean_media(target.name, source.read_bytes())
    if data is None:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic(target) as tmp:
        tmp.write_bytes(data)
    return True
