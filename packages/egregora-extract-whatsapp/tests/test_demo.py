"""The bundled demo chat: a readable, hand-written group chat, the same zip every time."""

from __future__ import annotations

import zipfile
from collections import Counter

from egregora_core.components import ExtractOptions
from egregora_extract_whatsapp.demo import DEMO_CHAT, demo_files


def test_demo_export_is_stable_and_parses(tmp_path, extractor):
    path = extractor.demo_export(tmp_path)
    assert path.read_bytes() == extractor.demo_export(tmp_path / "again").read_bytes()
    result = extractor.extract(path, ExtractOptions())
    rows = result.messages.to_pylist()
    assert 250 <= len(rows) <= 350
    source = result.source
    assert (source["group_name"], source["platform"], source["date_order"]) == (
        "Quinta Crew",
        "android",
        "dmy",
    )
    assert 120 <= (source["last_ts"] - source["first_ts"]).days <= 200  # four to six months
    kinds = Counter(r["kind"] for r in rows)
    assert kinds["poll"] == 1 and kinds["deleted"] == 1 and kinds["location"] == 1
    assert kinds["system"] >= 5
    assert sum(r["edited"] for r in rows) == 1
    authors = Counter(r["author"] for r in rows if r["author"])
    assert len(authors) == 7 and min(authors.values()) >= 5  # everyone talks
    # every photo is in the zip and is a JPEG; each has a caption
    with zipfile.ZipFile(path) as archive:
        photos = sorted(n for n in archive.namelist() if n.endswith(".jpg"))
    media = [r for r in rows if r["kind"] == "media"]
    assert sorted(r["media_name"] for r in media) == photos and len(photos) == 7
    assert all(result.read_media(n).startswith(b"\xff\xd8") for n in photos)
    assert all(r["text"] for r in media)


def test_demo_chat_reads_like_a_group_chat():
    """Topics the demo site and `egregora query` are shown with, in both languages."""
    chat = dict(demo_files())[DEMO_CHAT].decode("utf-8")
    for phrase in (
        "The trip is 14 to 18 May",  # the trip: dates and a place
        "Ponta Delgada",
        "faço 30 anos no dia 22 de março",  # the birthday party
        "Pão de queijo da avó",  # recipes
        "Bacalhau à Brás",
        "Final: Quinta FC 3, Os Galos 2",  # the football matches
        "Moving day is Saturday 5 April",  # the house move
        "/egregora set alias Quim",
        "POLL:\nTrip to São Miguel: which dates?",
        "<This message was edited>",
        "This message was deleted",
        "@\u2068Lucinda Ferraz\u2069",
        "casa.azul.pdl@example.pt",
        "+351 910 000 222",
    ):
        assert phrase in chat, phrase
    assert "the" in chat.split() and "não" in chat.split()  # English and Portuguese
