"""Both third-party real samples parse to exactly the messages written in them.

They are not in the repository: these tests run when ``EGREGORA_REAL_FIXTURES`` names their
folder (CI sets it) and are skipped otherwise; ``test_samples.py`` covers the same shapes
on the project's own exports. Expectations were written by reading the chat files line by line, not from parser output.
"""

from __future__ import annotations

from datetime import UTC, datetime

from egregora_core.components import ExtractOptions


def utc(*args):
    return datetime(*args, tzinfo=UTC)


PT_ZIP = "Conversa do WhatsApp com Teste.zip"
IOS_ZIP = "whatsapp-chat-parser-example.zip"

# (ts, author, kind, subtype, text, media_name, names) for every message of the pt file.
PT_EXPECTED = [
    (utc(2025, 10, 3, 9, 45), None, "system", "encryption", None, None, []),
    (utc(2025, 10, 3, 9, 45), None, "system", "created", "Você criou este grupo", None, []),
    (
        utc(2025, 10, 3, 9, 45),
        None,
        "system",
        "added",
        "Iuri Brasil foi adicionado(a)",
        None,
        ["Iuri Brasil"],
    ),
    (utc(2025, 10, 3, 9, 45), None, "system", "timer", None, None, []),
    (
        utc(2025, 10, 3, 9, 45),
        None,
        "system",
        "removed",
        "Você removeu Iuri Brasil",
        None,
        ["Iuri Brasil"],
    ),
    (utc(2025, 10, 28, 14, 9), "Franklin", "text", None, "", None, None),
    (utc(2025, 10, 28, 14, 10), "Franklin", "text", None, "", None, None),
    (
        utc(2025, 10, 28, 14, 10),
        "Franklin",
        "media",
        "image",
        None,
        "IMG-20251028-WA0035.jpg",
        None,
    ),
    (
        utc(2025, 10, 28, 14, 10),
        "Franklin",
        "media",
        "image",
        None,
        "IMG-20251027-WA0023.jpg",
        None,
    ),
    (
        utc(2025, 10, 28, 14, 10),
        "Franklin",
        "media",
        "image",
        None,
        "IMG-20251028-WA0033.jpg",
        None,
    ),
    (
        utc(2025, 10, 28, 14, 10),
        "Franklin",
        "media",
        "image",
        None,
        "IMG-20251028-WA0034.jpg",
        None,
    ),
    (utc(2025, 10, 28, 14, 11), "Franklin", "text", None, "@meta", None, None),
    (utc(2025, 10, 28, 14, 11), "Franklin", "text", None, "🎶", None, None),
    (utc(2025, 10, 28, 14, 11), "Franklin", "text", None, "What?", None, None),
    (
        utc(2025, 10, 28, 14, 12),
        "Franklin",
        "text",
        None,
        "This is a test, write about anything you want",
        None,
        None,
    ),
    (
        utc(2025, 10, 28, 14, 14),
        None,
        "system",
        "added",
        "Você adicionou Eurico Max",
        None,
        ["Eurico Max"],
    ),
    (
        utc(2025, 10, 28, 14, 15),
        "Franklin",
        "text",
        None,
        "@\u2068Eurico Max\u2069 teste de menção",
        None,
        None,
    ),
    (
        utc(2025, 10, 28, 14, 15),
        "Eurico Max",
        "text",
        None,
        "Olá! Obrigado por escrever pra Eurico Max  😃\n"
        "Um dos nossos atendentes vai te responder daqui a pouco.\n"
        "Em função da alta demanda de atendimento, isso pode levar um tempinho.\n"
        "Mas não se preocupe - você já está na fila e em breve vai receber nosso retorno.\n"
        "Horário de atendimento \n"
        "Segunda a Sexta  - 10h às 19h.\n"
        "Sábado- 10h às 18:00h.",
        None,
        None,
    ),
    (
        utc(2025, 10, 28, 14, 15),
        None,
        "system",
        "removed",
        "Você removeu Eurico Max",
        None,
        ["Eurico Max"],
    ),
]


def _check(rows, expected):
    assert len(rows) == len(expected)
    for index, (row, want) in enumerate(zip(rows, expected, strict=True)):
        ts, author, kind, subtype, text, media_name, names = want
        assert row["ordinal"] == index
        assert (row["ts"], row["author"], row["kind"], row["subtype"]) == (
            ts,
            author,
            kind,
            subtype,
        ), index
        if text is not None:
            assert row["text"] == text, index
        assert row["media_name"] == media_name, index
        assert (row["names"] or []) == (names or []), index
        assert row["edited"] is False


def test_real_pt_android_fixture(extractor, real_fixtures):
    result = extractor.extract(real_fixtures / PT_ZIP, ExtractOptions())
    rows = result.messages.to_pylist()
    _check(rows, PT_EXPECTED)
    assert rows[0]["text"].startswith("As mensagens e ligações são protegidas")
    assert rows[3]["text"].startswith("Você atualizou a duração das mensagens temporárias.")
    assert {r["group_name"] for r in rows} == {"Teste"}
    assert str(rows[0]["date"]) == "2025-10-03"
    source = result.source
    assert source["group_name"] == "Teste"
    assert source["platform"] == "android"
    assert source["date_order"] == "dmy"
    assert "first number > 12" in source["date_order_evidence"]
    assert source["clock"] == "24h"
    assert source["counts"] == {"media": 4, "system": 7, "text": 8}
    assert source["first_ts"] == utc(2025, 10, 3, 9, 45)
    assert source["last_ts"] == utc(2025, 10, 28, 14, 15)
    assert len(source["checksum"]) == 64
    media = {m["name"]: m["size"] for m in result.media.to_pylist()}
    assert media == {
        "IMG-20251028-WA0035.jpg": 97248,
        "IMG-20251027-WA0023.jpg": 86732,
        "IMG-20251028-WA0033.jpg": 134373,
        "IMG-20251028-WA0034.jpg": 71612,
    }
    assert result.read_media("IMG-20251028-WA0034.jpg")[:2] == b"\xff\xd8"  # a JPEG


IOS_AUTHORS = [
    "John",
    "Loris",
    "John",
    "Loris",
    "Emily",
    "Loris",
    "Loris",
    "Loris",
    "Loris",
    "John",
    "Loris",
    "Loris",
    "Emily",
    "John",
    "Emily",
    "Loris",
    "Loris",
    "John",
    "Loris",
    "Emily",
    "Loris",
    "Loris",
    "John",
    "Emily",
    "Loris",
    "Loris",
    "Loris",
    "Loris",
    "Emily",
    "Loris",
    "John",
    "Loris",
    "Loris",
    "Loris",
    "John",
    "John",
    "Emily",
    "John",
    "John",
    "John",
    "Loris",
    "Loris",
    "Loris",
    "Loris",
    "Loris",
    "Loris",
    "Loris",
    "Loris",
]


def test_real_ios_fixture(extractor, real_fixtures):
    result = extractor.extract(real_fixtures / IOS_ZIP, ExtractOptions(timezone="Europe/Zurich"))
    rows = result.messages.to_pylist()
    assert len(rows) == 52
    # four system lines without author, then 48 messages
    assert [(r["kind"], r["subtype"], r["names"]) for r in rows[:4]] == [
        ("system", "encryption", []),
        ("system", "created", ["Loris"]),
        ("system", "added", ["Loris", "Emily"]),
        ("system", "added", ["Loris", "John"]),
    ]
    assert all(r["author"] is None for r in rows[:4])
    assert [r["author"] for r in rows[4:]] == IOS_AUTHORS
    # local time 15:58:47 in Zurich (CEST, UTC+2) on 20 June 2019
    assert rows[0]["ts"] == utc(2019, 6, 20, 13, 58, 47)
    assert rows[-1]["ts"] == utc(2019, 6, 20, 14, 45, 28)
    assert str(rows[0]["date"]) == "2019-06-20"
    media = [(r["ordinal"], r["subtype"], r["media_name"]) for r in rows if r["kind"] == "media"]
    assert media == [
        (15, "image", "00000001-PHOTO-2019-06-20-16-00-15.jpg"),
        (20, "video", "00000002-VIDEO-2019-06-20-16-01-42.mp4"),
        (25, "audio", "00000003-AUDIO-2019-06-20-16-03-55.mp3"),
        (29, "document", "00000004-whatsapp-chat-parser-example.zip"),
    ]
    assert rows[23]["text"] == "Come on...\ndon't be so mysterious and show us!"
    assert rows[28]["text"].startswith("Cool, now I'd like to share another file,\nthis one is")
    poll = rows[45]
    assert poll["kind"] == "poll"
    assert poll["text"].split("\n") == [
        "When can we meet?",
        "OPTION: Thursday 15 evening (2 votes)",
        "OPTION: Friday 16 afternoon (1 vote)",
        "OPTION: Friday 16 evening (2 votes)",
        "OPTION: Saturday 17 afternoon (3 votes)",
        "OPTION: Saturday 17 evening (3 votes)",
    ]
    assert rows[44]["text"] == "Lastly, a poll :)"
    assert rows[51]["text"] == (
        "Links:\n- https://github.com/Pustur/whatsapp-chat-parser\n"
        "- https://github.com/Pustur/whatsapp-chat-parser-website"
    )
    assert "\r" not in "".join(r["text"] or "" for r in rows)
    source = result.source
    assert source["platform"] == "ios"
    assert source["group_name"] == "whatsapp-chat-parser-example"
    assert source["date_order"] == "dmy"
    assert source["counts"] == {"media": 4, "poll": 1, "system": 4, "text": 43}
    names = {m["name"] for m in result.media.to_pylist()}
    assert "00000004-whatsapp-chat-parser-example.zip" in names  # nested zip is media
    assert not any(n.startswith("__MACOSX") for n in names)
    assert len(names) == 4
