"""The project's own sample exports (``fixtures/whatsapp/`` at the repository root) parse to
exactly the messages written in them.

Each sample is a folder holding what the export zip holds; the ``samples`` fixture zips it.
Expectations were written by reading the chat files line by line, not from parser output.
Between them the samples cover both platforms and four locales: Android pt-BR without a comma
(attachments with a caption, a voice note, a document, a mention, a phone-number author,
system lines naming members), iOS en ``[dd.mm.yy, HH:MM:SS]`` (``<attached: …>`` photo,
video, audio and a nested zip, a POLL block, mixed CRLF/LF, curly quotes in the group name,
a ``__MACOSX/`` member, a ``~`` non-contact), Android en-US 12h with U+202F before AM/PM
(``<Media omitted>``, a body line that starts with a date) and iOS de with a BOM.
"""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path

from egregora_core.components import ExtractOptions
from egregora_core.testing.samples import zip_samples

PT = "Conversa do WhatsApp com Horta da Vila"
IOS = "WhatsApp Chat - Saturday Book Swap"
EN = "WhatsApp Chat with Robotics Club Parents"
DE = "WhatsApp Chat - Laufgruppe Nord"

Q, A, D = "Quitéria Lobo", "Anselmo Bráz", "Dalva Ipê"
PHONE_PT = "+55 11 90000-0417"
W, OT, P, J = "Wren Ashcombe", "Otto Fennimore", "Pim Larkspur", "Juniper Hollowell"
M, IN, T, PHONE_EN = "Marlow Thistlewood", "Ines Quarrington", "Tobiah Wrenfield", "+1 555-0142"
F, U = "Fenna Grauwald", "Ulrich Brakemeier"


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def _check(rows, expected):
    """expected: (ts, author, kind, subtype, text, media_name, names, edited) per message;
    text None = not checked here."""
    assert len(rows) == len(expected)
    for index, (row, want) in enumerate(zip(rows, expected, strict=True)):
        ts, author, kind, subtype, text, media_name, names, edited = want
        assert row["ordinal"] == index
        got = (row["ts"], row["author"], row["kind"], row["subtype"])
        assert got == (ts, author, kind, subtype), index
        if text is not None:
            assert (row["text"] or "").lstrip("\u200e") == text, index
        assert row["media_name"] == media_name, index
        assert (row["names"] or []) == names, index
        assert row["edited"] is edited, index


PT_EXPECTED = [
    (utc(2025, 3, 1, 10, 2), None, "system", "encryption", None, None, [], False),
    (utc(2025, 3, 1, 10, 2), None, "system", "created", "Você criou este grupo", None, [], False),
    (utc(2025, 3, 1, 10, 3), None, "system", "added", f"{Q} foi adicionado(a)", None, [Q], False),
    (
        utc(2025, 3, 1, 10, 3),
        None,
        "system",
        "added",
        f"Você adicionou {A} e {D}",
        None,
        [A, D],
        False,
    ),
    (utc(2025, 3, 1, 10, 4), None, "system", "timer", None, None, [], False),
    (
        utc(2025, 3, 1, 10, 5),
        Q,
        "text",
        None,
        "Bom dia, gente! Criei o grupo pra organizar a horta 🌱",
        None,
        [],
        False,
    ),
    (utc(2025, 3, 1, 10, 6), A, "text", None, "", None, [], False),
    (
        utc(2025, 3, 1, 10, 6),
        A,
        "text",
        None,
        "Bom dia! Quem cuida da rega no fim de semana?",
        None,
        [],
        False,
    ),
    (
        utc(2025, 3, 1, 10, 8),
        D,
        "text",
        None,
        "Eu posso no sábado. Domingo fica com o Anselmo?",
        None,
        [],
        False,
    ),
    (utc(2025, 3, 1, 10, 9), A, "text", None, "Fechado, domingo é comigo", None, [], True),
    (utc(2025, 3, 12, 18, 40), Q, "media", "image", "", "IMG-20250312-WA0001.jpg", [], False),
    (
        utc(2025, 3, 12, 18, 40),
        Q,
        "media",
        "image",
        "Os tomates já estão nascendo!",
        "IMG-20250312-WA0002.jpg",
        [],
        False,
    ),
    (utc(2025, 3, 12, 18, 42), D, "text", None, f"@\u2068{Q}\u2069 que lindos!", None, [], False),
    (
        utc(2025, 3, 12, 18, 45),
        PHONE_PT,
        "text",
        None,
        "Oi, aqui é o Caetano Selva, o Anselmo me passou o link",
        None,
        [],
        False,
    ),
    (utc(2025, 3, 12, 18, 46), A, "deleted", None, "", None, [], False),
    (
        utc(2025, 3, 12, 18, 47),
        D,
        "text",
        None,
        "Regras da horta (rascunho):\n1. Rega: sábado e domingo de manhã\n"
        "2. Compostagem só de restos crus\n3. Ferramentas voltam pro galpão\n"
        "4. Colheita dividida entre todos\n5. Dúvidas: horta.vila@example.org\n"
        "6. Emergências: (11) 90000-0288",
        None,
        [],
        False,
    ),
    (utc(2025, 3, 15, 9, 15), Q, "media", "audio", "", "PTT-20250315-WA0003.opus", [], False),
    (utc(2025, 3, 15, 9, 16), Q, "media", "document", "", "regras-da-horta.pdf", [], False),
    (
        utc(2025, 3, 15, 9, 20),
        A,
        "text",
        None,
        "A Dalva escreveu certinho, obrigado Dalva",
        None,
        [],
        False,
    ),
    (
        utc(2025, 3, 15, 9, 21),
        None,
        "system",
        "removed",
        f"Você removeu {PHONE_PT}",
        None,
        [PHONE_PT],
        False,
    ),
    (
        utc(2025, 3, 15, 9, 30),
        D,
        "poll",
        None,
        "Melhor dia para o mutirão?\nOPÇÃO: Sábado (2 votos)\nOPÇÃO: Domingo (1 voto)",
        None,
        [],
        False,
    ),
    (
        utc(2025, 3, 15, 9, 31),
        D,
        "location",
        None,
        "localização: https://maps.google.com/?q=-23.561414,-46.655881",
        None,
        [],
        False,
    ),
    (utc(2025, 3, 20, 7, 55), None, "system", "left", f"{D} saiu", None, [D], False),
]


def test_android_pt_sample(extractor, samples):
    result = extractor.extract(samples[PT], ExtractOptions())
    rows = result.messages.to_pylist()
    _check(rows, PT_EXPECTED)
    assert rows[0]["text"].startswith("As mensagens e ligações são protegidas")
    assert rows[4]["text"].startswith("Você atualizou a duração das mensagens temporárias.")
    assert {r["group_name"] for r in rows} == {"Horta da Vila"}
    source = result.source
    assert (source["platform"], source["date_order"], source["clock"]) == ("android", "dmy", "24h")
    assert "first number > 12" in source["date_order_evidence"]
    assert source["counts"] == {
        "deleted": 1,
        "location": 1,
        "media": 4,
        "poll": 1,
        "system": 7,
        "text": 9,
    }
    assert (source["first_ts"], source["last_ts"]) == (rows[0]["ts"], rows[-1]["ts"])
    with zipfile.ZipFile(samples[PT]) as archive:
        sizes = {
            i.filename: i.file_size
            for i in archive.infolist()
            if i.filename.endswith((".jpg", ".opus", ".pdf"))
        }
    assert {m["name"]: m["size"] for m in result.media.to_pylist()} == sizes
    assert len(sizes) == 4
    assert result.read_media("IMG-20250312-WA0001.jpg")[:2] == b"\xff\xd8"  # a JPEG


IOS_EXPECTED = [
    (utc(2024, 6, 20, 18, 0, 1), None, "system", "encryption", None, None, [], False),
    (
        utc(2024, 6, 20, 18, 0, 1),
        None,
        "system",
        "created",
        f"{W} created group “Saturday Book Swap”",
        None,
        [W],
        False,
    ),
    (utc(2024, 6, 20, 18, 0, 2), None, "system", "added", f"{W} added {OT}", None, [W, OT], False),
    (utc(2024, 6, 20, 18, 0, 2), None, "system", "added", f"{W} added {P}", None, [W, P], False),
    (
        utc(2024, 6, 20, 18, 1, 15),
        W,
        "text",
        None,
        "Welcome! First swap is this Saturday at the library café ☕",
        None,
        [],
        False,
    ),
    (
        utc(2024, 6, 20, 18, 2, 40),
        OT,
        "text",
        None,
        "I'm bringing two thrillers and a cookbook",
        None,
        [],
        False,
    ),
    (
        utc(2024, 6, 20, 18, 3, 5),
        P,
        "text",
        None,
        "Can I bring comics?\nAsking for a friend 😅",
        None,
        [],
        False,
    ),
    (
        utc(2024, 6, 20, 18, 3, 30),
        W,
        "media",
        "image",
        None,
        "00000009-PHOTO-2024-06-20-18-03-30.jpg",
        [],
        False,
    ),
    (
        utc(2024, 6, 20, 18, 4, 11),
        OT,
        "media",
        "video",
        None,
        "00000010-VIDEO-2024-06-20-18-04-11.mp4",
        [],
        False,
    ),
    (
        utc(2024, 6, 20, 18, 5),
        P,
        "media",
        "audio",
        None,
        "00000011-AUDIO-2024-06-20-18-05-00.opus",
        [],
        False,
    ),
    (
        utc(2024, 6, 20, 18, 6, 12),
        W,
        "media",
        "document",
        None,
        "00000012-book-list.zip",
        [],
        False,
    ),
    (
        utc(2024, 6, 20, 18, 7),
        J,
        "text",
        None,
        "hi all, Otto told me about this, is it open to everyone?",
        None,
        [],
        False,
    ),
    (
        utc(2024, 6, 20, 18, 7, 45),
        W,
        "text",
        None,
        "Sure Juniper! Mail the list to swap.club@example.com or text me at +44 7700 900123",
        None,
        [],
        False,
    ),
    (utc(2024, 6, 20, 18, 8, 20), OT, "deleted", None, "", None, [], False),
    (utc(2024, 6, 20, 18, 9, 2), P, "text", None, "see you at 10 then", None, [], True),
    (utc(2024, 6, 20, 18, 10), W, "text", None, "Last thing, a poll :)", None, [], False),
    (
        utc(2024, 6, 20, 18, 10),
        W,
        "poll",
        None,
        "Which Saturday?\nOPTION: 22 June (2 votes)\nOPTION: 29 June (1 vote)",
        None,
        [],
        False,
    ),
    (
        utc(2024, 6, 21, 9, 0),
        W,
        "location",
        None,
        "Location: https://maps.google.com/?q=51.752021,-1.257726",
        None,
        [],
        False,
    ),
    (utc(2024, 6, 21, 9, 14, 30), None, "system", "left", f"{P} left", None, [P], False),
    (
        utc(2024, 6, 21, 9, 15),
        OT,
        "text",
        None,
        "Links:\n- https://example.com/swap-rules\n- https://example.org/reading-list",
        None,
        [],
        False,
    ),
]


def test_ios_en_sample(extractor, samples):
    with zipfile.ZipFile(samples[IOS]) as archive:
        chat = archive.read("_chat.txt")
        assert "__MACOSX/._chat.txt" in archive.namelist()
    assert b"\r\n" in chat and b"\n[" in chat.replace(b"\r\n", b"")  # CRLF and bare LF mixed
    result = extractor.extract(samples[IOS], ExtractOptions())
    rows = result.messages.to_pylist()
    _check(rows, IOS_EXPECTED)
    assert "\r" not in "".join(r["text"] or "" for r in rows)
    source = result.source
    assert source["group_name"] == "Saturday Book Swap"  # from the zip name: _chat.txt has none
    assert (source["platform"], source["date_order"], source["clock"]) == ("ios", "dmy", "24h")
    assert source["counts"] == {
        "deleted": 1,
        "location": 1,
        "media": 4,
        "poll": 1,
        "system": 5,
        "text": 8,
    }
    names = {m["name"] for m in result.media.to_pylist()}
    assert names == {r["media_name"] for r in rows if r["media_name"]}
    assert "00000012-book-list.zip" in names  # a nested zip is media, not a second export
    assert not any(n.startswith("__MACOSX") for n in names)


# 12-hour clock: 11:59 PM and 12:05 AM are the edge of the day; U+202F before AM/PM.
EN_EXPECTED = [
    (utc(2024, 3, 2, 19, 30), None, "system", "encryption", None, None, [], False),
    (
        utc(2024, 3, 2, 19, 30),
        None,
        "system",
        "created",
        f'{M} created group "Robotics Club Parents"',
        None,
        [M],
        False,
    ),
    (
        utc(2024, 3, 2, 19, 31),
        None,
        "system",
        "added",
        f"{M} added {IN}, {T} and {PHONE_EN}",
        None,
        [M, IN, T, PHONE_EN],
        False,
    ),
    (
        utc(2024, 3, 2, 19, 35),
        M,
        "text",
        None,
        "Hi all! The regional qualifier is on 3/16 at the Lincoln High gym",
        None,
        [],
        False,
    ),
    (utc(2024, 3, 2, 19, 36), IN, "media", None, None, None, [], False),
    (
        utc(2024, 3, 2, 19, 40),
        T,
        "text",
        None,
        "Thanks Marlow. agenda:\n3/14/24 pickup at 3:30 PM\n3/16/24 qualifier",
        None,
        [],
        False,
    ),
    (
        utc(2024, 3, 13, 20, 5),
        PHONE_EN,
        "text",
        None,
        "Can someone drive the kids? My car is in the shop",
        None,
        [],
        False,
    ),
    (
        utc(2024, 3, 13, 20, 7),
        IN,
        "text",
        None,
        "I can take 3 kids, ping me at ines.q@example.net",
        None,
        [],
        False,
    ),
    (utc(2024, 3, 13, 20, 9), M, "deleted", None, "", None, [], False),
    (utc(2024, 3, 13, 20, 10), T, "text", None, "I'll bring snacks", None, [], True),
    (utc(2024, 3, 13, 23, 59), None, "system", "subject", None, None, [M], False),
    (
        utc(2024, 3, 16, 0, 5),
        IN,
        "location",
        None,
        "location: https://maps.google.com/?q=40.712800,-74.006000",
        None,
        [],
        False,
    ),
    (
        utc(2024, 3, 16, 9, 15),
        T,
        "text",
        None,
        f"@\u2068{M}\u2069 we're here, table 12",
        None,
        [],
        False,
    ),
    (utc(2024, 3, 16, 16, 45), None, "system", "left", f"{PHONE_EN} left", None, [PHONE_EN], False),
]


def test_android_en_12h_sample(extractor, samples):
    result = extractor.extract(samples[EN], ExtractOptions())
    rows = result.messages.to_pylist()
    _check(rows, EN_EXPECTED)
    assert "Robotics Club Parents 🤖" in rows[10]["text"]
    source = result.source
    assert (source["platform"], source["date_order"], source["clock"]) == ("android", "mdy", "12h")
    assert "second number > 12" in source["date_order_evidence"]
    assert result.media.num_rows == 0  # exported without media


DE_EXPECTED = [
    (utc(2024, 4, 2, 6, 45, 10), None, "system", "encryption", None, None, [], False),
    (
        utc(2024, 4, 2, 6, 45, 10),
        None,
        "system",
        "created",
        f"{F} hat die Gruppe „Laufgruppe Nord“ erstellt",
        None,
        [F],
        False,
    ),
    (
        utc(2024, 4, 2, 6, 45, 11),
        None,
        "system",
        "added",
        f"{F} hat {U} hinzugefügt",
        None,
        [F, U],
        False,
    ),
    (
        utc(2024, 4, 2, 6, 46),
        F,
        "text",
        None,
        "Morgen 7 Uhr am Stadtpark, 10 km 🏃",
        None,
        [],
        False,
    ),
    (
        utc(2024, 4, 2, 6, 47, 30),
        U,
        "text",
        None,
        "Bin dabei! Fenna, bringst du die Startnummern mit?",
        None,
        [],
        False,
    ),
    (
        utc(2024, 4, 2, 6, 48, 2),
        F,
        "media",
        "image",
        None,
        "00000005-PHOTO-2024-04-02-06-48-02.jpg",
        [],
        False,
    ),
    (utc(2024, 4, 13, 19, 20, 44), U, "deleted", None, "", None, [], False),
    (utc(2024, 4, 13, 19, 21), U, "text", None, "Neue Nummer: +49 170 0000000", None, [], True),
    (utc(2024, 4, 13, 19, 22, 10), F, "media", "sticker", None, None, [], False),
    (
        utc(2024, 4, 13, 19, 25),
        None,
        "system",
        "left",
        f"{U} hat die Gruppe verlassen",
        None,
        [U],
        False,
    ),
]


def test_ios_de_sample_with_bom(extractor, samples):
    with zipfile.ZipFile(samples[DE]) as archive:
        assert archive.read("_chat.txt").startswith(b"\xef\xbb\xbf[")
    result = extractor.extract(samples[DE], ExtractOptions())
    rows = result.messages.to_pylist()
    _check(rows, DE_EXPECTED)
    assert result.source["group_name"] == "Laufgruppe Nord"
    assert [m["name"] for m in result.media.to_pylist()] == [
        "00000005-PHOTO-2024-04-02-06-48-02.jpg"
    ]


def test_samples_zip_to_the_same_bytes(samples, tmp_path):
    again = zip_samples(Path(__file__).resolve().parents[3] / "fixtures" / "whatsapp", tmp_path)
    assert sorted(again) == sorted(samples) == sorted([DE, EN, IOS, PT])
    for name, path in again.items():
        assert path.read_bytes() == samples[name].read_bytes(), name
