"""Media files carrying identifying metadata, made in the test (names are invented)."""

from __future__ import annotations

import io

SECRET = "Quintus Zebulon +44 7700 900123 quintus@example.org"


def jpeg_with_exif(secret: str = SECRET) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (16, 8), (200, 30, 30))
    exif = Image.Exif()
    exif[0x013B] = secret  # Artist
    exif[0x8298] = secret  # Copyright
    exif[0x010E] = secret  # ImageDescription
    exif[0x0112] = 6  # Orientation: rotate 90 degrees
    gps = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=secret.encode())
    return out.getvalue()


def png_with_text(secret: str = SECRET) -> bytes:
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", secret)
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _mpeg_frames(count: int = 20) -> bytes:
    """Silent MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz: 417 bytes each)."""
    return (b"\xff\xfb\x90\x64" + b"\x00" * 413) * count


def mp3_with_tags(secret: str = SECRET) -> bytes:
    from mutagen.id3 import COMM, ID3, TIT2, TPE1

    tags = ID3()
    tags.add(TPE1(encoding=3, text=secret))
    tags.add(TIT2(encoding=3, text=secret))
    tags.add(COMM(encoding=3, lang="eng", desc="", text=secret))
    out = io.BytesIO(_mpeg_frames())
    tags.save(out)
    data = out.getvalue()
    v1 = b"TAG" + secret.encode()[:30].ljust(30, b"\0") * 3 + b"2024" + b"\0" * 30 + b"\xff"
    return data + v1
