"""No silent choices: several chats, limits named, impossible years, DST gaps, diagnosis."""

from __future__ import annotations

import zipfile

import pytest
from egregora_core.components import ExtractOptions
from egregora_extract_whatsapp.errors import ArchiveError, ChatFormatError, LimitError
from egregora_extract_whatsapp.extractor import WhatsAppExtractor

A = "17/03/2024, 21:05 - Maya R.: hello\n17/03/2024, 21:06 - Leo B.: hi\n"
B = "18/03/2024, 08:00 - Ana S.: bom dia\n"


def two_chats(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("WhatsApp Chat with A.txt", A)
        archive.writestr("WhatsApp Chat with B.txt", B)
    return path


def test_two_chats_are_never_picked_silently(tmp_path):
    with pytest.raises(ArchiveError, match=r"holds 2 chat files — .*--chat NAME") as raised:
        WhatsAppExtractor().extract(two_chats(tmp_path), ExtractOptions())
    assert "with A" not in str(raised.value)  # a chat's name can be a member's name


@pytest.mark.parametrize(
    ("chat", "rows"), [("WhatsApp Chat with A.txt", 2), ("WhatsApp Chat with B.txt", 1)]
)
def test_chat_option_picks_one(tmp_path, chat, rows):
    extraction = WhatsAppExtractor().extract(two_chats(tmp_path), ExtractOptions(chat=chat))
    assert extraction.messages.num_rows == rows
    assert extraction.source["chat_file"] == chat


def test_max_messages_is_counted_while_parsing(tmp_path):
    path = tmp_path / "WhatsApp Chat with X.txt"
    path.write_text(A * 100, encoding="utf-8")
    assert (
        WhatsAppExtractor().extract(path, ExtractOptions(max_messages=200)).messages.num_rows == 200
    )
    with pytest.raises(LimitError, match="more than extract.max_messages = 199"):
        WhatsAppExtractor().extract(path, ExtractOptions(max_messages=199))


def test_max_chat_bytes_from_options(tmp_path):
    path = tmp_path / "WhatsApp Chat with X.txt"
    path.write_text(A * 100, encoding="utf-8")
    with pytest.raises(LimitError, match="extract.max_chat_bytes = 1,000"):
        WhatsAppExtractor().extract(path, ExtractOptions(max_chat_bytes=1000))


@pytest.mark.parametrize("year", ["0001", "0099", "1969", "2101"])
def test_four_digit_years_are_taken_as_written(tmp_path, year):
    path = tmp_path / "WhatsApp Chat with X.txt"
    path.write_text(f"17/03/{year}, 21:05 - Maya R.: hello\n", encoding="utf-8")
    with pytest.raises(ChatFormatError, match="impossible year"):
        WhatsAppExtractor().extract(path, ExtractOptions())


def test_two_digit_years_are_20xx(tmp_path):
    path = tmp_path / "WhatsApp Chat with X.txt"
    path.write_text("17/03/01, 21:05 - Maya R.: hello\n", encoding="utf-8")
    ts = WhatsAppExtractor().extract(path, ExtractOptions()).messages.column("ts")[0].as_py()
    assert ts.year == 2001


def test_dst_gap_goes_after_the_gap_with_a_warning(tmp_path):
    path = tmp_path / "WhatsApp Chat with X.txt"
    path.write_text("30/03/2025, 02:30 - Maya R.: in the gap\n30/03/2025, 03:10 - Leo B.: after\n")
    extraction = WhatsAppExtractor().extract(path, ExtractOptions(timezone="Europe/Berlin"))
    first = extraction.messages.column("ts")[0].as_py()
    assert first.isoformat() == "2025-03-30T01:00:00+00:00"  # 03:00 CEST, not 00:59:59.999
    assert any("daylight-saving gap" in w for w in extraction.warnings)


def test_diagnose_gives_extracts_reason(tmp_path):
    empty = tmp_path / "empty.zip"
    zipfile.ZipFile(empty, "w").close()
    utf16 = tmp_path / "chat.txt"
    utf16.write_bytes(A.encode("utf-16"))
    good = tmp_path / "WhatsApp Chat with X.txt"
    good.write_text(A)
    extractor = WhatsAppExtractor()
    assert "the zip is empty" in str(extractor.diagnose(empty))
    assert "UTF-16" in str(extractor.diagnose(utf16))
    assert extractor.diagnose(good) is None
