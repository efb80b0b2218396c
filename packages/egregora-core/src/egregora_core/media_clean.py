"""Media bytes without metadata: what the media store (and so the site) may hold.

A phone's photo carries EXIF (camera owner, GPS position, a description), a song or voice
note ID3/Vorbis/MP4 tags (artist, comment): names, phone numbers and places. Before any
media file is stored:

* **images** (JPEG, PNG, GIF, WebP) are decoded with Pillow, turned upright from their
  EXIF orientation, and encoded again from the pixels alone (no EXIF, XMP, IPTC, ICC or
  text chunks: the new file's ``info`` is empty); an animated GIF keeps its first frame;
* **audio and video** (MP3, Ogg/Opus, M4A/AAC, MP4/MOV/3GP) lose every tag mutagen knows
  for the format (ID3v1/v2, Vorbis comments, MP4 ``ilst`` atoms);
* anything that cannot be parsed this way (a damaged image, an AVI, a format mutagen does
  not read) is **not stored** at all: :func:`clean_media` returns None.

Documents and contact cards are never stored (see ``ingest.STORED_TYPES``).
"""

from __future__ import annotations

import io
from pathlib import PurePosixPath

#: Pillow's format name per image extension.
IMAGE_FORMATS = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".gif": "GIF",
    ".webp": "WEBP",
}
TAGGED = {".opus", ".ogg", ".mp3", ".m4a", ".aac", ".mp4", ".mov", ".3gp"}


def clean_media(name: str, data: bytes) -> bytes | None:
    """``data`` (the file ``name``) without metadata, or None if it cannot be cleaned."""
    ext = PurePosixPath(name).suffix.lower()
    try:
        if ext in IMAGE_FORMATS:
            return _clean_image(data, IMAGE_FORMATS[ext])
        if ext in TAGGED:
            return _clean_tags(data)
    except Exception:  # a file we cannot parse is a file we cannot vouch for
        return None
    return None


def _clean_image(data: bytes, fmt: str) -> bytes:
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        upright = ImageOps.exif_transpose(image)  # orientation applied, then EXIF dropped
        fresh = Image.new(upright.mode, upright.size)
        fresh.frombytes(upright.tobytes())
        if upright.mode == "P":
            fresh.putpalette(upright.getpalette())
    out = io.BytesIO()
    if fmt == "JPEG":
        if fresh.mode not in ("RGB", "L", "CMYK"):
            fresh = fresh.convert("RGB")
        fresh.save(out, fmt, quality=92)
    else:
        fresh.save(out, fmt)
    return out.getvalue()


def _clean_tags(data: bytes) -> bytes:
    import mutagen

    buffer = io.BytesIO(data)
    found = mutagen.File(buffer)
    if found is None:
        raise ValueError("not a media format mutagen reads")
    buffer.seek(0)
    if found.tags is not None:
        found.delete(buffer)
    if hasattr(found, "tags") and _has_id3v1(buffer.getvalue()):
        from mutagen.id3 import delete as id3_delete

        buffer.seek(0)
        id3_delete(buffer, delete_v1=True, delete_v2=True)
    return buffer.getvalue()


def _has_id3v1(data: bytes) -> bool:
    return len(data) >= 128 and data[-128:-125] == b"TAG"
