"""Stored media carry no metadata: proved by reading the cleaned bytes back."""

from __future__ import annotations

import io

import pytest
from egregora_core.media_clean import clean_media
from egregora_core.testing.media_samples import SECRET, jpeg_with_exif, mp3_with_tags, png_with_text
from PIL import Image

NEEDLES = [b"Quintus", b"Zebulon", b"7700", b"example.org"]


def _no_secret(data: bytes) -> None:
    for needle in NEEDLES:
        assert needle not in data
        assert needle.decode().encode("utf-16-le") not in data


def test_samples_do_carry_the_secret():
    for data in (jpeg_with_exif(), png_with_text(), mp3_with_tags()):
        assert b"Quintus" in data or "Quintus".encode("utf-16-le") in data


def test_jpeg_loses_exif_and_gps_and_is_turned_upright():
    out = clean_media("IMG-20240101-WA0001.jpg", jpeg_with_exif())
    _no_secret(out)
    with Image.open(io.BytesIO(out)) as image:
        assert not image.getexif()
        assert "exif" not in image.info and "comment" not in image.info
        assert image.size == (8, 16)  # orientation 6 applied before EXIF was dropped


def test_png_text_chunks_are_dropped():
    out = clean_media("x.png", png_with_text())
    _no_secret(out)
    with Image.open(io.BytesIO(out)) as image:
        assert image.size == (4, 4) and not image.info.get("Author")


def test_mp3_tags_v1_and_v2_are_dropped():
    out = clean_media("song.mp3", mp3_with_tags())
    _no_secret(out)
    import mutagen

    assert mutagen.File(io.BytesIO(out)).tags is None


@pytest.mark.parametrize("name", ["broken.jpg", "clip.avi", "voice.opus", "card.vcf", "a.pdf"])
def test_what_cannot_be_cleaned_is_not_stored(name):
    assert clean_media(name, b"not really media " + SECRET.encode()) is None
