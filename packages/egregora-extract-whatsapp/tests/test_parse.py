"""Parser behaviour across chunk boundaries, continuation lines, ordering and time zones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from egregora_core.components import ExtractOptions
from egregora_extract_whatsapp import blocks as blocks_module
from egregora_extract_whatsapp.blocks import blocks, normalize
from egregora_extract_whatsapp.errors import ChatFormatError
from egregora_extract_whatsapp.parse import ParseOptions, parse_chat
from egregora_extract_whatsapp.synthetic import generate_chat


@pytest.mark.parametrize(
    ("platform", "locale"), [("android", "en"), ("ios", "de"), ("android", "es")]
)
def test_tiny_chunks_give_identical_rows(platform, locale):
    data = generate_chat(400, seed=5, platform=platform, locale=locale).text.encode()
    big = parse_chat(data, ParseOptions(group_name="G", where="x")).messages
    for size in (1, 97, 1000):
        small = parse_chat(data, ParseOptions(group_name="G", where="x", chunk_bytes=size)).messages
        assert small.equals(big), size


@pytest.mark.parametrize("piece", [1, 2, 3, 333, 4096])
def test_pieces_give_identical_rows(piece):
    """A file read in pieces (cutting lines, CRLFs and BOMs anywhere) parses the same."""
    text = generate_chat(300, seed=9, platform="ios", locale="pt").text
    text = text.replace("\n", "\r\n", 50).replace("\n", "\r\ufeff\ufeff\n", 20)
    data = ("\ufeff" + text + "\r").encode()
    options = ParseOptions(group_name="G", where="x", chunk_bytes=1000)
    whole = parse_chat(data, options)
    pieces = parse_chat((data[i : i + piece] for i in range(0, len(data), piece)), options)
    assert pieces.messages.equals(whole.messages)
    assert pieces.messages.num_rows == 300
    assert pieces.source == whole.source


@pytest.mark.parametrize(
    "data",
    [b"", b"a", b"\xef\xbb", b"\xef\xbb\xbf", b"a\xef\xb8\x8fb", b"\xef\xb8\x8f\xef\xbb\xbf"],
)
def test_bom_test_agrees_with_python(data):
    assert blocks_module._has_bom(data) == (b"\xef\xbb\xbf" in data)


def test_blocks_hold_the_lines_that_start_in_each_window():
    data = b"aaaa\nbb\r\ncccccccccc\ndd\n\xef\xbb\xbfe"
    got = list(blocks([data[:3], data[3:9], data[9:]], 5))
    assert got == [b"aaaa\n", b"bb\ncccccccccc\n", b"dd\n", b"e"]  # starts 0, 5 8, 19, 22
    assert b"".join(got) == normalize(data)


def test_continuation_that_looks_like_a_header(extractor, write_chat):
    text = (
        "07/03/2024, 21:05 - Maya R.: agenda:\n"
        "12/31/2024 deadline\n"
        "2016-04-29 10:30:00 kickoff\n"
        "\n"
        "[01/02/2024, 10:00:00] pasted: ios looking line\n"
        "17/03/2024, 21:06 - Leo: ok\n"
    )
    rows = extractor.extract(write_chat(text), ExtractOptions()).messages.to_pylist()
    assert [r["author"] for r in rows] == ["Maya R.", "Leo"]
    assert rows[0]["text"] == (
        "agenda:\n12/31/2024 deadline\n2016-04-29 10:30:00 kickoff\n\n"
        "[01/02/2024, 10:00:00] pasted: ios looking line"
    )


def test_mixed_line_endings(extractor, write_chat):
    text = "17/03/2024, 21:05 - A: one\r\ntwo\rthree\n17/03/2024, 21:06 - B: four\r\n"
    rows = extractor.extract(write_chat(text), ExtractOptions()).messages.to_pylist()
    assert [r["text"] for r in rows] == ["one\ntwo\nthree", "four"]


def test_out_of_order_timestamps_kept_in_file_order(extractor, write_chat):
    text = "12/9/20, 23:55 - Leo: first\n12/9/20, 23:16 - Leo: later line, earlier time\n13/9/20, 01:00 - Leo: x\n"
    rows = extractor.extract(write_chat(text), ExtractOptions()).messages.to_pylist()
    assert [r["ordinal"] for r in rows] == [0, 1, 2]
    assert rows[0]["ts"] > rows[1]["ts"]


def test_day_month_inferred_from_the_whole_file(extractor, write_chat):
    # the first lines are ambiguous; a later line decides for the whole file
    text = "3/7/24, 9:05 PM - A: x\n3/8/24, 9:05 PM - A: y\n3/15/24, 9:05 PM - A: z\n"
    result = extractor.extract(write_chat(text), ExtractOptions())
    assert result.source["date_order"] == "mdy"
    assert "second number > 12 in 1" in result.source["date_order_evidence"]
    assert [str(r["date"]) for r in result.messages.to_pylist()] == [
        "2024-03-07",
        "2024-03-08",
        "2024-03-15",
    ]
    assert result.source["clock"] == "12h"


def test_ambiguous_order_uses_change_frequency_then_default(extractor, write_chat):
    text = "1/3/24, 10:00 - A: x\n2/3/24, 10:00 - A: y\n3/3/24, 10:00 - A: z\n"
    result = extractor.extract(write_chat(text), ExtractOptions())
    assert result.source["date_order"] == "dmy"
    assert "changes more often" in result.source["date_order_evidence"]
    single = extractor.extract(write_chat("1/3/24, 10:00 - A: x\n", "b.txt"), ExtractOptions())
    assert single.source["date_order"] == "dmy"
    assert single.warnings
    assert "--date-order" in single.warnings[0]


def test_lenient_pm_hours_warn(extractor, write_chat):
    result = extractor.extract(write_chat("29.01.18, 23:59 PM - Leo: hi\n"), ExtractOptions())
    assert any("23:59 PM" in w for w in result.warnings)


def test_timezone_localizes_and_dst(extractor, write_chat):
    text = "15/01/2024, 12:00 - A: winter\n15/07/2024, 12:00 - A: summer\n"
    rows = extractor.extract(
        write_chat(text), ExtractOptions(timezone="America/Sao_Paulo")
    ).messages.to_pylist()
    assert rows[0]["ts"] == datetime(2024, 1, 15, 15, 0, tzinfo=UTC)
    berlin = extractor.extract(
        write_chat(text, "c.txt"), ExtractOptions(timezone="Europe/Berlin")
    ).messages.to_pylist()
    assert berlin[0]["ts"] == datetime(2024, 1, 15, 11, 0, tzinfo=UTC)
    assert berlin[1]["ts"] == datetime(2024, 7, 15, 10, 0, tzinfo=UTC)
    assert str(berlin[1]["date"]) == "2024-07-15"


def test_format_override_picks_platform(extractor, write_chat):
    text = "[17.03.24, 21:05:41] A: x\n17.03.24, 21:05 - B: y\n17.03.24, 21:06 - B: z\n"
    # the Android form is the majority, so the file does not start with one of its headers
    with pytest.raises(ChatFormatError) as info:
        extractor.extract(write_chat(text), ExtractOptions())
    assert info.value.where.endswith(":1")
    ios = extractor.extract(
        write_chat(text, "d.txt"), ExtractOptions(format="ios")
    ).messages.to_pylist()
    assert len(ios) == 1
    assert ios[0]["text"].count("\n") == 2
