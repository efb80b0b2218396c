"""Zip, bare .txt and folder exports; chat file names per language; media listing."""

from __future__ import annotations

import hashlib
import zipfile

import pytest
from egregora_core.components import ExtractOptions
from egregora_extract_whatsapp.container import Limits, group_from_name, open_export, pick_chat
from egregora_extract_whatsapp.errors import ArchiveError

GOOD = "17/03/2024, 21:05 - Maya R.: hello\n"


@pytest.mark.parametrize(
    ("stem", "group"),
    [
        ("WhatsApp Chat with Book Club", "Book Club"),
        ("WhatsApp Chat - Book Club", "Book Club"),
        ("Conversa do WhatsApp com Clube", "Clube"),
        ("Chat de WhatsApp con Club", "Club"),
        ("WhatsApp Chat mit Klub", "Klub"),
        ("Discussion WhatsApp avec Club", "Club"),
        ("Chat di WhatsApp con Club", "Club"),
        ("WhatsApp_Chat_with_Book_Club", "Book Club"),
        ("random name", None),
    ],
)
def test_group_from_localized_names(stem, group):
    assert group_from_name(stem) == group


def test_pick_chat_skips_macosx_and_prefers_pattern():
    names = ["__MACOSX/._chat.txt", "notes.txt", "_chat.txt", "IMG-1.jpg"]
    sizes = {"notes.txt": 10_000, "_chat.txt": 10}
    assert pick_chat(names, sizes) == "_chat.txt"
    assert pick_chat(["a.txt", "b.txt"], {"a.txt": 1, "b.txt": 5}) == "b.txt"
    assert pick_chat(["IMG-1.jpg"], {}) is None


def test_zip_media_listing_and_nested_zip(tmp_path, extractor):
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("_chat.txt", "[17.03.24, 21:05:41] X: hi\n")
    image = b"\x89PNG fake"
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "WhatsApp Chat with Book Club.txt",
            GOOD + "17/03/2024, 21:06 - Maya R.: IMG-1.jpg (file attached)\n",
        )
        archive.writestr("IMG-1.jpg", image)
        archive.writestr("old-chat.zip", inner.read_bytes())
        archive.writestr("__MACOSX/._IMG-1.jpg", b"junk")
    result = extractor.extract(path, ExtractOptions())
    media = {m["name"]: m for m in result.media.to_pylist()}
    assert set(media) == {"IMG-1.jpg", "old-chat.zip"}
    assert media["IMG-1.jpg"]["sha256"] == hashlib.sha256(image).hexdigest()
    assert media["IMG-1.jpg"]["size"] == len(image)
    assert result.read_media("old-chat.zip") == inner.read_bytes()
    assert result.source["group_name"] == "Book Club"
    assert result.source["checksum"] == hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(KeyError):
        result.read_media("WhatsApp Chat with Book Club.txt")


def test_ios_zip_takes_group_from_zip_name(tmp_path, extractor):
    path = tmp_path / "WhatsApp Chat - Hikers.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("_chat.txt", "[17.03.24, 21:05:41] X: hi\n")
    assert extractor.extract(path, ExtractOptions()).source["group_name"] == "Hikers"


def test_group_name_override(tmp_path, extractor, write_chat):
    result = extractor.extract(write_chat(GOOD), ExtractOptions(group_name="Other"))
    assert result.source["group_name"] == "Other"
    assert result.messages.column("group_name").to_pylist() == ["Other"]


def test_bare_txt_and_folder(tmp_path, extractor):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "WhatsApp Chat with Trip.txt").write_text(
        GOOD + "17/03/2024, 21:06 - Leo: PTT-1.opus (file attached)\n", encoding="utf-8"
    )
    (folder / "PTT-1.opus").write_bytes(b"OggS")
    from_folder = extractor.extract(folder, ExtractOptions())
    from_txt = extractor.extract(folder / "WhatsApp Chat with Trip.txt", ExtractOptions())
    assert from_folder.messages.equals(from_txt.messages)
    assert from_folder.media.to_pylist()[0]["name"] == "PTT-1.opus"
    assert from_folder.read_media("PTT-1.opus") == b"OggS"
    assert from_txt.media.num_rows == 0
    assert from_folder.source["group_name"] == "Trip"
    assert extractor.sniff(folder) >= 0.5


def test_cp437_member_names_are_recovered(tmp_path, extractor):
    path = tmp_path / "export.zip"
    name = "WhatsApp Chat with Café.txt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(name, GOOD)
    # clear the UTF-8 flag (bit 11) in the local and central headers, as old zippers do
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + offset + 1] &= ~0x08
    path.write_bytes(bytes(data))
    assert extractor.extract(path, ExtractOptions()).source["group_name"] == "Café"


def test_sniff(tmp_path, extractor, write_chat, samples):
    assert extractor.sniff(write_chat(GOOD)) >= 0.5
    for export in samples.values():
        assert extractor.sniff(export) >= 0.5, export.name
    other = tmp_path / "notes.txt"
    other.write_text("just some notes\n", encoding="utf-8")
    assert extractor.sniff(other) < 0.5
    assert extractor.sniff(tmp_path / "missing.zip") == 0.0


def test_bare_txt_is_read_and_hashed_in_pieces(tmp_path):
    data = (GOOD * 50).encode()
    path = tmp_path / "WhatsApp Chat with Book Club.txt"
    path.write_bytes(data)
    export = open_export(path)
    assert export.checksum is None  # nothing read yet
    pieces = list(export.read_chat(size=100))
    assert len(pieces) == -(-len(data) // 100)
    assert b"".join(pieces) == data
    assert export.checksum == hashlib.sha256(data).hexdigest()


def test_bare_txt_over_the_limit_while_reading(tmp_path):
    path = tmp_path / "WhatsApp Chat with Book Club.txt"
    path.write_bytes((GOOD * 50).encode())
    export = open_export(path, Limits(max_chat_bytes=10_000))
    path.write_bytes((GOOD * 500).encode())  # the file grew after it was opened
    with pytest.raises(ArchiveError, match="grew beyond extract.max_chat_bytes = 10,000"):
        list(export.read_chat(size=1000))


def test_zip_chat_is_read_in_pieces(tmp_path):
    data = (GOOD * 500).encode()
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("WhatsApp Chat with Book Club.txt", data)
    pieces = list(open_export(path).read_chat(size=1000))
    assert len(pieces) == -(-len(data) // 1000)
    assert b"".join(pieces) == data


def test_zip_chat_over_the_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("WhatsApp Chat with Book Club.txt", GOOD * 500)
    with pytest.raises(ArchiveError, match="more than extract.max_chat_bytes = 10,000"):
        open_export(path, Limits(max_chat_bytes=10_000))


def test_folder_symlinks_are_never_followed(tmp_path, extractor):
    """A media "file" that is a link to a private file is skipped, with one warning line."""
    secret = tmp_path / "id_private"
    secret.write_bytes(b"-----BEGIN PRIVATE KEY----- do not publish")
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "WhatsApp Chat with Book Club.txt").write_text(GOOD, encoding="utf-8")
    (folder / "IMG-20240317-WA0001.jpg").symlink_to(secret)
    (folder / "linked-dir").symlink_to(tmp_path, target_is_directory=True)
    (folder / "real.opus").write_bytes(b"OggS")
    export = open_export(folder)
    assert [m[0] for m in export.media] == ["real.opus"]
    assert export.warnings == ["skipped 2 symbolic link(s): links are never followed"]
    with pytest.raises(KeyError):
        export.read_media("IMG-20240317-WA0001.jpg")
    extraction = extractor.extract(folder, ExtractOptions())
    assert extraction.warnings[0].startswith("skipped 2 symbolic link(s)")


def test_folder_media_swapped_for_a_link_is_refused(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "WhatsApp Chat with Book Club.txt").write_text(GOOD, encoding="utf-8")
    (folder / "a.jpg").write_bytes(b"jpg")
    export = open_export(folder)
    (folder / "a.jpg").unlink()
    (folder / "a.jpg").symlink_to(folder / "WhatsApp Chat with Book Club.txt")
    with pytest.raises(OSError):
        export.read_media("a.jpg")


def test_zip_symlink_members_are_skipped(tmp_path):
    path = tmp_path / "WhatsApp Chat with Book Club.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("WhatsApp Chat with Book Club.txt", GOOD)
        link = zipfile.ZipInfo("IMG-20240317-WA0001.jpg")
        link.external_attr = (0o120777 << 16) | 0
        archive.writestr(link, "../../.ssh/id_rsa")
    export = open_export(path)
    assert export.media == []
    assert export.warnings == ["skipped 1 symbolic link(s): links are never followed"]
