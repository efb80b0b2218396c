from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from egregora_core.components import ExtractOptions
from egregora_core.errors import InputError
from egregora_core.testing.conformance import ExtractorTests
from egregora_extract_telegram.extractor import TelegramExtractor

DATA = Path(__file__).parent / "data"
PHOTO = "photos/photo_1@07-03-2024_21-10-00.jpg"


@pytest.fixture
def export_dir(tmp_path) -> Path:
    folder = tmp_path / "ChatExport_2024-03-08"
    folder.mkdir()
    shutil.copy(DATA / "result.json", folder / "result.json")
    (folder / "photos").mkdir()
    (folder / PHOTO).write_bytes(b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9")
    return folder


class TestTelegramConformance(ExtractorTests):
    @pytest.fixture
    def extractor(self):
        return TelegramExtractor()

    @pytest.fixture
    def sample_export(self, export_dir):
        return export_dir


def rows(export_dir):
    return TelegramExtractor().extract(export_dir, ExtractOptions()).messages.to_pylist()


def test_kinds_and_subtypes(export_dir):
    got = [(r["kind"], r["subtype"]) for r in rows(export_dir)]
    assert got == [
        ("system", "created"),
        ("text", None),
        ("text", None),
        ("media", "image"),
        ("media", "audio"),
        ("poll", None),
        ("location", None),
        ("contact", None),
        ("system", "added"),
    ]


def test_text_entities_joined_and_edits_flagged(export_dir):
    third = rows(export_dir)[2]
    assert third["text"] == "@maya fechado! saída às 7h\nlevo água"
    assert third["edited"] is True
    assert third["author"] == "Leo Brandão"


def test_utc_from_unixtime_and_local_date(export_dir):
    second = rows(export_dir)[1]
    assert second["ts"] == dt.datetime(2024, 3, 7, 21, 5, 41, tzinfo=dt.UTC)
    assert second["date"] == dt.date(2024, 3, 7)


def test_service_lines_have_no_author_and_carry_names(export_dir):
    first, last = rows(export_dir)[0], rows(export_dir)[-1]
    assert first["author"] is None and first["names"] == ["Maya Rocha", "Leo Brandão"]
    assert last["names"] == ["Maya Rocha", "Ana Guia"]


def test_contact_card_names_and_phone_are_listed_for_anonymization(export_dir):
    contact = rows(export_dir)[7]
    assert contact["names"] == ["Ana Guia", "+55 11 90000-0000"]


def test_poll_keeps_question_and_options(export_dir):
    assert rows(export_dir)[5]["text"] == "Que horas?\n7h (2)\n9h (0)"


def test_media_listed_when_present(export_dir):
    result = TelegramExtractor().extract(export_dir, ExtractOptions())
    assert result.media.column("name").to_pylist() == [PHOTO]  # the voice note was not exported
    assert result.read_media(PHOTO).startswith(b"\xff\xd8")
    assert result.source["group_name"] == "Trilha de Domingo"


def test_local_time_used_when_unixtime_missing(export_dir):
    data = json.loads((export_dir / "result.json").read_text())
    for message in data["messages"]:
        message.pop("date_unixtime", None)
    (export_dir / "result.json").write_text(json.dumps(data))
    second = TelegramExtractor().extract(export_dir, ExtractOptions(timezone="America/Sao_Paulo"))
    assert second.messages.to_pylist()[1]["ts"] == dt.datetime(2024, 3, 8, 0, 5, 41, tzinfo=dt.UTC)


def test_account_export_with_many_chats(export_dir):
    chat = json.loads((export_dir / "result.json").read_text())
    other = {"name": "Outro", "type": "private_group", "messages": chat["messages"][:2]}
    (export_dir / "result.json").write_text(json.dumps({"chats": {"list": [chat, other]}}))
    got = rows(export_dir)
    assert len(got) == 11
    assert {r["group_name"] for r in got} == {"Trilha de Domingo", "Outro"}
    assert [r["ordinal"] for r in got] == list(range(11))


def test_invalid_json_is_a_clear_error(tmp_path):
    bad = tmp_path / "result.json"
    bad.write_text('{"messages": [')
    with pytest.raises(InputError, match=r"result.json:1: not a Telegram JSON export"):
        TelegramExtractor().extract(bad, ExtractOptions())
