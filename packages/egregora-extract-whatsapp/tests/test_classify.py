"""Every body is classified: kinds, subtypes, names in system lines, edited marker."""

from __future__ import annotations

import pytest
from egregora_core.components import ExtractOptions

LRM, FSI, PDI = "\u200e", "\u2068", "\u2069"
A = "17/03/2024, 21:05 - "  # Android header
I = "[17/03/2024, 21:05:41] "  # iOS header  # noqa: E741

# (line after the header, kind, subtype, author, names, text, media_name)
ANDROID = [
    # system, en
    ("Maya R. added Leo B.", "system", "added", None, ["Maya R.", "Leo B."]),
    (
        "Maya R. added Leo B., Ana and Carl",
        "system",
        "added",
        None,
        ["Maya R.", "Leo B.", "Ana", "Carl"],
    ),
    ("You added Leo B.", "system", "added", None, ["Leo B."]),
    ("Leo and Ana were added", "system", "added", None, ["Leo", "Ana"]),
    ("Maya R. removed Leo B.", "system", "removed", None, ["Maya R.", "Leo B."]),
    ("Leo B. left", "system", "left", None, ["Leo B."]),
    ("Leo B. joined using this group's invite link", "system", "joined", None, ["Leo B."]),
    ('Maya R. created group "Book Club"', "system", "created", None, ["Maya R."]),
    (
        'Maya R. changed the subject from "A: b" to "Book Club"',
        "system",
        "subject",
        None,
        ["Maya R."],
    ),
    ('Maya R. changed the group name from "A" to "B"', "system", "subject", None, ["Maya R."]),
    ("Maya R. changed this group's icon", "system", "icon", None, ["Maya R."]),
    ("Maya R. deleted this group's icon", "system", "icon", None, ["Maya R."]),
    ("Maya R. changed the group description", "system", "description", None, ["Maya R."]),
    (
        "+55 11 90000-0000 changed to +55 11 90000-0001",
        "system",
        "number_changed",
        None,
        ["+55 11 90000-0000", "+55 11 90000-0001"],
    ),
    (
        "Your security code with Leo B. changed. Tap to learn more.",
        "system",
        "security_code",
        None,
        ["Leo B."],
    ),
    (
        "Maya R. turned on disappearing messages. All new messages will disappear from this chat 7 days after they're sent.",
        "system",
        "timer",
        None,
        ["Maya R."],
    ),
    (
        "Messages to this group are now secured with end-to-end encryption. Tap for more info.",
        "system",
        "encryption",
        None,
        [],
    ),
    (
        "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.",
        "system",
        "encryption",
        None,
        [],
    ),
    ("Missed voice call", "system", "call", None, []),
    ("Leo B. is now an admin", "system", "admin", None, ["Leo B."]),
    (
        "Maya R. changed this group's settings to allow only admins to send messages to this group",
        "system",
        "settings",
        None,
        ["Maya R."],
    ),
    # system, pt
    (f"{LRM}Leo B. foi adicionado(a)", "system", "added", None, ["Leo B."]),
    ("Maya R. adicionou Leo B.", "system", "added", None, ["Maya R.", "Leo B."]),
    ("Maya R. removeu Leo B.", "system", "removed", None, ["Maya R.", "Leo B."]),
    ("Leo B. saiu", "system", "left", None, ["Leo B."]),
    ('Maya R. criou o grupo "Clube"', "system", "created", None, ["Maya R."]),
    (
        "Você atualizou a duração das mensagens temporárias. Todas as novas mensagens desaparecerão.",
        "system",
        "timer",
        None,
        [],
    ),
    ("Leo B. entrou usando o link de convite deste grupo", "system", "joined", None, ["Leo B."]),
    ("Chamada de voz perdida", "system", "call", None, []),
    # system, es
    ("Maya R. añadió a Leo B.", "system", "added", None, ["Maya R.", "Leo B."]),
    ("Maya R. eliminó a Leo B.", "system", "removed", None, ["Maya R.", "Leo B."]),
    ("Leo B. salió del grupo", "system", "left", None, ["Leo B."]),
    ('Maya R. creó el grupo "Club"', "system", "created", None, ["Maya R."]),
    ('Maya R. cambió el asunto a "Club"', "system", "subject", None, ["Maya R."]),
    (
        "Los mensajes y las llamadas están cifrados de extremo a extremo.",
        "system",
        "encryption",
        None,
        [],
    ),
    # system, de
    ("Maya R. hat Leo B. hinzugefügt", "system", "added", None, ["Maya R.", "Leo B."]),
    ("Maya R. hat Leo B. entfernt", "system", "removed", None, ["Maya R.", "Leo B."]),
    ("Leo B. hat die Gruppe verlassen", "system", "left", None, ["Leo B."]),
    ("Maya R. hat die Gruppe „Klub“ erstellt", "system", "created", None, ["Maya R."]),
    ("Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt.", "system", "encryption", None, []),
    (
        "Deine Sicherheitsnummer für Leo B. hat sich geändert.",
        "system",
        "security_code",
        None,
        ["Leo B."],
    ),
    # unknown author-less line is still a system line
    ("something new that WhatsApp invented", "system", "other", None, []),
]

MESSAGES = [
    # (body, kind, subtype, text, media_name)
    ("<Media omitted>", "media", None, None, None),
    ("<Mídia oculta>", "media", None, None, None),
    ("<Medien ausgeschlossen>", "media", None, None, None),
    ("<Multimedia omitido>", "media", None, None, None),
    ("<Video message omitted>", "media", "video", None, None),
    (
        f"{LRM}IMG-20240307-WA0012.jpg (file attached)\nbeach day",
        "media",
        "image",
        "beach day",
        "IMG-20240307-WA0012.jpg",
    ),
    (
        f"{LRM}IMG-20240307-WA0012.jpg (arquivo anexado)",
        "media",
        "image",
        None,
        "IMG-20240307-WA0012.jpg",
    ),
    (
        "VID-20240307-WA0001.mp4 (Datei angehängt)",
        "media",
        "video",
        None,
        "VID-20240307-WA0001.mp4",
    ),
    (
        "PTT-20240307-WA0003.opus (archivo adjunto)",
        "media",
        "audio",
        None,
        "PTT-20240307-WA0003.opus",
    ),
    (
        "STK-20240307-WA0003.webp (file attached)",
        "media",
        "sticker",
        None,
        "STK-20240307-WA0003.webp",
    ),
    ("notes.pdf.pdf (file attached)\nnotes.pdf", "media", "document", "notes.pdf", "notes.pdf.pdf"),
    ("Leo B.vcf (file attached)", "contact", "contact", None, "Leo B.vcf"),
    (
        f"{LRM}<attached: 00000012-PHOTO-2024-03-07-21-05-41.jpg>",
        "media",
        "image",
        None,
        "00000012-PHOTO-2024-03-07-21-05-41.jpg",
    ),
    (
        "<Anhang: 00000013-AUDIO-2024-03-07-21-05-41.opus>",
        "media",
        "audio",
        None,
        "00000013-AUDIO-2024-03-07-21-05-41.opus",
    ),
    (
        f"2015-08-04-PHOTO-00004762.jpg <{LRM}attached>",
        "media",
        "image",
        None,
        "2015-08-04-PHOTO-00004762.jpg",
    ),
    (f"{LRM}image omitted", "media", "image", None, None),
    (f"{LRM}video omitted", "media", "video", None, None),
    (f"{LRM}sticker omitted", "media", "sticker", None, None),
    (f"{LRM}GIF omitted", "media", "gif", None, None),
    (f"{LRM}report.pdf • 3 pages {LRM}document omitted", "media", "document", None, None),
    (f"{LRM}imagem ocultada", "media", "image", None, None),
    (f"{LRM}Contact card omitted", "contact", "contact", None, None),
    ("This message was deleted", "deleted", None, None, None),
    (f"{LRM}You deleted this message.", "deleted", None, None, None),
    ("Mensagem apagada", "deleted", None, None, None),
    ("Se eliminó este mensaje.", "deleted", None, None, None),
    ("Diese Nachricht wurde gelöscht", "deleted", None, None, None),
    (
        "POLL:\nDinner day?\nOPTION: Friday (3 votes)\nOPTION: Saturday (1 vote)",
        "poll",
        None,
        "Dinner day?\nOPTION: Friday (3 votes)\nOPTION: Saturday (1 vote)",
        None,
    ),
    (
        "ENQUETE:\nQual dia?\nOPÇÃO: Sexta (2 votos)",
        "poll",
        None,
        "Qual dia?\nOPÇÃO: Sexta (2 votos)",
        None,
    ),
    (
        "location: https://maps.google.com/?q=-23.550520,-46.633308",
        "location",
        None,
        "location: https://maps.google.com/?q=-23.550520,-46.633308",
        None,
    ),
    (
        "Standort: https://maps.google.com/?q=1,2",
        "location",
        None,
        "Standort: https://maps.google.com/?q=1,2",
        None,
    ),
    ("live location shared", "location", None, "live location shared", None),
    # look-alikes that must stay text
    ("I added the sugar", "text", None, "I added the sugar", None),
    ("Leo left", "text", None, "Leo left", None),
    ("see <this> (maybe)", "text", None, "see <this> (maybe)", None),
    ("the poll: who comes?", "text", None, "the poll: who comes?", None),
]


def _one(extractor, write_chat, line, **options):
    rows = extractor.extract(
        write_chat(line + "\n"), ExtractOptions(**options)
    ).messages.to_pylist()
    assert len(rows) == 1
    return rows[0]


@pytest.mark.parametrize(
    ("body", "kind", "subtype", "author", "names"),
    ANDROID,
    ids=[f"sys{i:02d}" for i in range(len(ANDROID))],
)
def test_android_system_lines(extractor, write_chat, body, kind, subtype, author, names):
    row = _one(extractor, write_chat, A + body)
    assert (row["kind"], row["subtype"], row["author"]) == (kind, subtype, author)
    assert row["names"] == names


@pytest.mark.parametrize(
    ("body", "kind", "subtype", "text", "media_name"),
    MESSAGES,
    ids=[f"msg{i:02d}" for i in range(len(MESSAGES))],
)
def test_message_kinds(extractor, write_chat, body, kind, subtype, text, media_name):
    row = _one(extractor, write_chat, A + "Maya R.: " + body)
    assert (row["kind"], row["subtype"], row["media_name"]) == (kind, subtype, media_name)
    assert row["text"] == text
    assert row["author"] == "Maya R."


@pytest.mark.parametrize(
    ("line", "subtype", "names"),
    [
        (f"{I}Test Group: {LRM}Maya R. added you", "added", ["Maya R."]),
        (f'{I}Maya R.: Maya R. created group "Test Group"', "created", ["Maya R."]),
        (
            f"{I}Test Group: {LRM}Messages and calls are end-to-end encrypted. Only people in this chat can read, listen to, or share them. Learn more.",
            "encryption",
            [],
        ),
        (f"{I}Maya R.: {LRM}Maya R. removed Leo B.", "removed", ["Maya R.", "Leo B."]),
        (f"{I}Leo B.: {LRM}Leo B. left", "left", ["Leo B."]),
        (f"{I}Test Group: {LRM}Maya R. changed the subject to “Book Club”", "subject", ["Maya R."]),
    ],
)
def test_ios_system_lines_with_group_or_actor_as_author(
    extractor, write_chat, line, subtype, names
):
    row = _one(extractor, write_chat, line, date_order="dmy")
    assert (row["kind"], row["subtype"], row["author"]) == ("system", subtype, None)
    assert row["names"] == names


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ("see you at 8 <This message was edited>", "see you at 8"),
        ("chego às 8 <Mensagem editada>", "chego às 8"),
        ("bis gleich <Diese Nachricht wurde bearbeitet>", "bis gleich"),
        ("line one\nline two <This message was edited>", "line one\nline two"),
    ],
)
def test_edited_marker_is_stripped(extractor, write_chat, body, text):
    row = _one(extractor, write_chat, A + "Maya R.: " + body)
    assert row["edited"] is True
    assert row["text"] == text
    assert row["kind"] == "text"


def test_not_edited_by_default(extractor, write_chat):
    assert _one(extractor, write_chat, A + "Maya R.: hello")["edited"] is False
