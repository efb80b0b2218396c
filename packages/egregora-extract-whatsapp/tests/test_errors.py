"""Malformed inputs give one clear InputError (where=file:line, a hint) and write nothing."""

from __future__ import annotations

import os
import zipfile

import pytest
from egregora_core.components import ExtractOptions
from egregora_core.errors import ConfigError, InputError
from egregora_extract_whatsapp.container import Limits
from egregora_extract_whatsapp.errors import (
    ArchiveError,
    ChatFormatError,
    DateOrderError,
    EncodingError,
)
from egregora_extract_whatsapp.extractor import WhatsAppExtractor

GOOD = "17/03/2024, 21:05 - Maya Secret: hello there\n"


def _snapshot(folder):
    return sorted((p.relative_to(folder).as_posix(), p.stat().st_size) for p in folder.rglob("*"))


@pytest.fixture
def raises_cleanly(tmp_path):
    """Assert extract() raises `error`, names where/hint, quotes no chat text, writes nothing."""

    def check(path, error, *, extractor=None, secret="Secret", **options):
        before = _snapshot(tmp_path)
        cwd_before = sorted(os.listdir("."))
        with pytest.raises(error) as info:
            (extractor or WhatsAppExtractor()).extract(path, ExtractOptions(**options))
        message = str(info.value)
        assert isinstance(info.value, InputError | ConfigError)
        assert "\n" not in message
        assert info.value.where, message
        assert info.value.hint, message
        assert secret not in message
        assert _snapshot(tmp_path) == before
        assert sorted(os.listdir(".")) == cwd_before
        return info.value

    return check


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_empty_zip(tmp_path, raises_cleanly):
    path = _zip(tmp_path / "empty.zip", {})
    error = raises_cleanly(path, ArchiveError)
    assert "no chat file" in str(error)
    assert "empty" in str(error)


def test_zip_without_chat(tmp_path, raises_cleanly):
    path = _zip(tmp_path / "photos.zip", {"IMG-1.jpg": b"\xff\xd8data"})
    raises_cleanly(path, ArchiveError)


@pytest.mark.parametrize(
    "name", ["../evil.txt", "/etc/evil.txt", "C:/evil.txt", "a/../../evil.txt"]
)
def test_zip_slip(tmp_path, raises_cleanly, name):
    path = _zip(tmp_path / "slip.zip", {"WhatsApp Chat with X.txt": GOOD, name: b"x"})
    error = raises_cleanly(path, ArchiveError)
    assert "unsafe path" in str(error)


def test_oversize_member(tmp_path, raises_cleanly):
    path = _zip(tmp_path / "big.zip", {"WhatsApp Chat with X.txt": GOOD, "VID-1.mp4": b"0" * 5000})
    small = WhatsAppExtractor(Limits(max_member_bytes=1000))
    error = raises_cleanly(path, ArchiveError, extractor=small)
    assert "limit" in str(error)


def test_ten_thousand_members_are_an_ordinary_export(tmp_path):
    """A big group's export with media holds thousands of files: their number is no limit."""
    path = tmp_path / "big-group.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("WhatsApp Chat with X.txt", GOOD)
        for i in range(10_000):
            archive.writestr(f"IMG-2024{i:05d}-WA0000.jpg", i.to_bytes(4, "big"))
    extraction = WhatsAppExtractor().extract(path, ExtractOptions())
    assert extraction.media.num_rows == 10_000
    assert len(set(extraction.media.column("sha256").to_pylist())) == 10_000


def test_total_size_limit(tmp_path, raises_cleanly):
    path = _zip(tmp_path / "total.zip", {"WhatsApp Chat with X.txt": GOOD, "a.jpg": b"0" * 900})
    error = raises_cleanly(
        path, ArchiveError, extractor=WhatsAppExtractor(Limits(max_total_bytes=500))
    )
    assert "extract.max_total_bytes (500)" in str(error)
    assert "--limit max_total_bytes=N" in error.hint


def _bomb(path):
    """4 MiB of zeros deflate to ~4 KB: a ratio no photo, video or chat text comes near."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("WhatsApp Chat with X.txt", GOOD)
        archive.writestr("VID-1.mp4", bytes(4 * 1024**2))
    return path


def test_zip_bomb_refused_by_ratio(tmp_path, raises_cleanly):
    error = raises_cleanly(_bomb(tmp_path / "bomb.zip"), ArchiveError)
    assert "extract.max_ratio (100x)" in str(error)
    assert "VID-1.mp4" in error.where


def test_limits_come_from_the_options(tmp_path, raises_cleanly):
    """The project's extract.max_* settings reach the extractor through ExtractOptions."""
    path = _bomb(tmp_path / "bomb.zip")
    extraction = WhatsAppExtractor().extract(path, ExtractOptions(limits={"max_ratio": 10_000}))
    assert extraction.media.column("size").to_pylist() == [4 * 1024**2]
    error = raises_cleanly(
        path, ArchiveError, limits={"max_ratio": 10_000, "max_member_bytes": 1024**2}
    )
    assert "extract.max_member_bytes" in str(error)


def test_incompressible_large_media_pass_the_ratio(tmp_path):
    path = tmp_path / "video.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("WhatsApp Chat with X.txt", GOOD * 2000)
        archive.writestr("VID-1.mp4", os.urandom(2 * 1024**2))
    assert WhatsAppExtractor().extract(path, ExtractOptions()).media.num_rows == 1


def test_truncated_zip(tmp_path, raises_cleanly):
    full = _zip(
        tmp_path / "full.zip", {"WhatsApp Chat with X.txt": GOOD * 50, "a.jpg": os.urandom(3000)}
    )
    cut = tmp_path / "cut.zip"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    full.unlink()
    raises_cleanly(cut, ArchiveError)


def test_corrupt_chat_member(tmp_path, raises_cleanly):
    """The chat is inflated while it is parsed: a damaged deflate stream or CRC found
    midway still ends in one clear error."""
    text = "".join(f"17/03/2024, 21:{i % 60:02d} - Maya Secret: message {i}\n" for i in range(3000))
    path = tmp_path / "bad.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("WhatsApp Chat with X.txt", text)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)  # inside the chat member's compressed bytes
    path.write_bytes(bytes(data))
    raises_cleanly(path, ArchiveError)


def test_binary_garbage(tmp_path, raises_cleanly):
    path = tmp_path / "garbage.txt"
    path.write_bytes(bytes(range(256)) * 20)
    raises_cleanly(path, EncodingError)


def test_invalid_utf8_names_the_line(tmp_path, raises_cleanly):
    path = tmp_path / "WhatsApp Chat with X.txt"
    path.write_bytes(
        (GOOD * 3).encode() + "17/03/2024, 21:06 - Maya Secret: caf\xe9\n".encode("latin-1")
    )
    error = raises_cleanly(path, EncodingError)
    assert error.where.endswith(":4")


def test_utf16_file(tmp_path, raises_cleanly):
    path = tmp_path / "WhatsApp Chat with X.txt"
    path.write_bytes(GOOD.encode("utf-16"))
    error = raises_cleanly(path, EncodingError)
    assert "UTF-16" in str(error)


def test_utf8_bom_is_fine(tmp_path):
    path = tmp_path / "WhatsApp Chat with X.txt"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    rows = WhatsAppExtractor().extract(path, ExtractOptions()).messages.to_pylist()
    assert rows[0]["author"] == "Maya Secret"


def test_mixed_date_orders(tmp_path, raises_cleanly):
    path = tmp_path / "WhatsApp Chat with X.txt"
    path.write_text(GOOD + "hmm\n03/17/2024, 21:06 - Maya Secret: again\n", encoding="utf-8")
    error = raises_cleanly(path, DateOrderError)
    assert error.where.endswith(":1,3")
    assert "--date-order" in error.hint


def test_forced_order_that_does_not_fit(tmp_path, raises_cleanly):
    path = tmp_path / "WhatsApp Chat with X.txt"
    path.write_text(GOOD, encoding="utf-8")
    error = raises_cleanly(path, DateOrderError, date_order="mdy")
    assert error.where.endswith(":1")


def test_unrecognizable_chat_shows_shape_not_text(tmp_path, raises_cleanly):
    path = tmp_path / "WhatsApp Chat with X.txt"
    path.write_text("Maya Secret said: 2024 was great\nmore text\n", encoding="utf-8")
    error = raises_cleanly(path, ChatFormatError)
    assert "aaaa aaaaaa aaaa: 9999" in str(error)
    assert "--format" in error.hint
    assert error.where.endswith(":1")


def test_chat_not_starting_with_header(tmp_path, raises_cleanly):
    path = tmp_path / "WhatsApp Chat with X.txt"
    path.write_text("\nSecret preamble\n" + GOOD, encoding="utf-8")
    error = raises_cleanly(path, ChatFormatError)
    assert error.where.endswith(":2")


def test_empty_chat(tmp_path, raises_cleanly):
    path = tmp_path / "WhatsApp Chat with X.txt"
    path.write_bytes(b"")
    raises_cleanly(path, ChatFormatError)


def test_wrong_format_override(tmp_path, raises_cleanly):
    path = tmp_path / "WhatsApp Chat with X.txt"
    path.write_text(GOOD, encoding="utf-8")
    raises_cleanly(path, ChatFormatError, format="ios")


def test_impossible_time(tmp_path, raises_cleanly):
    path = tmp_path / "WhatsApp Chat with X.txt"
    path.write_text("17/03/2024, 25:05 - Maya Secret: hi\n", encoding="utf-8")
    raises_cleanly(path, ChatFormatError)


@pytest.mark.parametrize(
    ("option", "value"),
    [("timezone", "Mars/Olympus"), ("date_order", "ydm"), ("format", "telegram")],
)
def test_bad_options(tmp_path, option, value):
    path = tmp_path / "WhatsApp Chat with X.txt"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        WhatsAppExtractor().extract(path, ExtractOptions(**{option: value}))
    assert info.value.hint


def test_missing_file(tmp_path, raises_cleanly):
    raises_cleanly(tmp_path / "nope.zip", ArchiveError)


def test_errors_never_print_the_contact_of_a_titled_export(tmp_path):
    """A one-to-one export is named after the contact: errors show the file name elided."""
    from egregora_extract_whatsapp.container import open_export
    from egregora_extract_whatsapp.errors import ArchiveError

    bad = tmp_path / "WhatsApp Chat with Ottilie Vexford.zip"
    bad.write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(ArchiveError) as caught:
        open_export(bad)
    assert "Ottilie" not in str(caught.value) and "Vexford" not in str(caught.value)
    assert "WhatsApp Chat with ….zip" in str(caught.value)
    from egregora_extract_whatsapp.errors import shown_where

    assert shown_where("WhatsApp_Chat_with_Ottilie_Vexford.txt:12") == "WhatsApp_Chat_with_….txt:12"
    assert shown_where("notes.txt:3") == "notes.txt:3"
