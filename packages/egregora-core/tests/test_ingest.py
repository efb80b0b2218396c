import pytest
from egregora_core.anonymize import Pseudonymizer
from egregora_core.errors import ConfigError, ProjectBusy
from egregora_core.ingest import media_path
from egregora_core.lake import Lake
from egregora_core.locking import project_lock
from egregora_core.project import Project
from egregora_core.testing.privacy import project_text

CHAT = [
    {"author": "Maya Rodrigues", "text": "hello all"},
    {"author": "Leo Bento", "text": "hi Maya Rodrigues"},
    {"author": "Maya Rodrigues", "text": "ok"},
    {"author": "Maya Rodrigues", "text": "ok", "minute": 2},  # same minute, same text
]


def lake_rows(run, table="messages"):
    with Lake.open(Project(run.root), read_only=True) as lake:
        return lake.table(table).to_pyarrow().to_pylist()


def snapshots(run):
    with Lake.open(Project(run.root), read_only=True) as lake:
        return lake.snapshots()


def test_reingest_adds_nothing_and_no_snapshot(run_ingest):
    first = run_ingest(CHAT)
    assert first.counts == {"new": 4, "present": 0, "removed": 0}
    before = snapshots(run_ingest)
    again = run_ingest(CHAT)
    assert again.counts == {"new": 0, "present": 4}
    assert snapshots(run_ingest) == before
    assert len(lake_rows(run_ingest)) == 4


def test_overlapping_export_adds_only_new_messages(run_ingest):
    run_ingest(CHAT[:3])
    later = [dict(row, ordinal=row.get("ordinal", i) + 100) for i, row in enumerate(CHAT)]
    later.append({"author": "Leo Bento", "text": "new one", "minute": 9})
    result = run_ingest(later, name="later.fake")
    assert result.counts["new"] == 2
    assert result.counts["present"] == 3
    assert len(lake_rows(run_ingest)) == 5


def test_one_snapshot_per_ingest_with_time_travel(run_ingest):
    run_ingest(CHAT[:2])
    run_ingest(CHAT, name="b.fake")
    snaps = snapshots(run_ingest)
    ingests = [s for s in snaps if (s["message"] or "").startswith("ingest")]
    assert len(ingests) == 2
    with Lake.open(Project(run_ingest.root), read_only=True) as lake:
        assert (
            lake.table("messages", snapshot=ingests[0]["snapshot_id"]).count().to_pyarrow().as_py()
            == 2
        )
        assert lake.table("messages").count().to_pyarrow().as_py() == 4
        sources = lake.table("sources").to_pyarrow().to_pylist()
    assert sorted(s["snapshot_id"] for s in sources) == [i["snapshot_id"] for i in ingests]


def test_dry_run_writes_nothing(run_ingest):
    result = run_ingest(CHAT, dry_run=True)
    assert result.counts["new"] == 4
    assert result.output["months"] == [
        {"group_slug": "book-club", "month": "2024-03", "kind": "text", "rows": 4}
    ]
    assert not (run_ingest.root / ".egregora" / "lake").exists()


def test_data_is_parquet_partitioned_not_inlined(run_ingest):
    run_ingest(CHAT)
    files = list((run_ingest.root / ".egregora/lake/data").rglob("*.parquet"))
    assert any("group_slug=book-club" in str(f) and "month=3" in str(f) for f in files)


def test_opt_out_removes_earlier_and_later_messages_and_opt_in_restores(run_ingest):
    rows = [
        {"author": "Maya Rodrigues", "text": "before"},
        {"author": "Leo Bento", "text": "stays"},
    ]
    run_ingest(rows)
    out = [
        *rows,
        {"author": "Maya Rodrigues", "text": "/egregora opt-out", "minute": 5},
        {"author": "Maya Rodrigues", "text": "after", "minute": 6},
    ]
    result = run_ingest(out, name="b.fake")
    assert result.counts["removed"] == 1
    texts = [r["text"] for r in lake_rows(run_ingest)]
    assert texts == ["stays"]
    prefs = lake_rows(run_ingest, "preferences")
    assert [p["opted_out"] for p in prefs] == [True]
    back = [*out, {"author": "Maya Rodrigues", "text": "/egregora opt-in", "minute": 7}]
    run_ingest(back, name="c.fake")
    assert sorted(r["text"] for r in lake_rows(run_ingest)) == ["after", "before", "stays"]
    assert all("/egregora" not in (r["text"] or "") for r in lake_rows(run_ingest))


def test_every_command_message_is_dropped_valid_or_not(run_ingest):
    rows = [
        {"author": "Leo Bento", "text": "hi"},
        {"author": "Leo Bento", "text": "/egregora set alias Lion"},
        {"author": "Leo Bento", "text": "/EGREGORA frobnicate", "minute": 1},  # not a command
        {"author": None, "text": "/egregora opt-out", "minute": 2},  # no author: no event
        {"author": "Maya Rodrigues", "text": "talking about /egregora here", "minute": 3},
    ]
    result = run_ingest(rows)
    assert result.counts["new"] == 2
    assert sorted(r["text"] for r in lake_rows(run_ingest)) == [
        "hi",
        "talking about /egregora here",
    ]
    assert [p["alias"] for p in lake_rows(run_ingest, "preferences")] == ["Lion"]


def test_a_command_line_without_author_is_dropped_too(run_ingest):
    rows = [{"author": "Leo Bento", "text": "hi"}, {"author": None, "text": "/egregora opt-in"}]
    assert run_ingest(rows).counts["new"] == 1
    assert [r["text"] for r in lake_rows(run_ingest)] == ["hi"]


def test_preferences_are_anonymized(run_ingest):
    run_ingest(
        [
            {"author": "Leo Bento", "text": "hi"},
            {
                "author": "Maya Rodrigues",
                "text": "/egregora set bio friend of Leo Bento, +55 11 91234-5678",
            },
            {"author": "Maya Rodrigues", "text": "/egregora set alias Mai"},
        ]
    )
    prefs = lake_rows(run_ingest, "preferences")
    assert prefs[0]["alias"] == "Mai"
    assert "Leo" not in prefs[0]["bio"]
    assert "[phone]" in prefs[0]["bio"]


def test_scheme_change_is_refused(run_ingest):
    run_ingest(CHAT)
    with pytest.raises(ConfigError, match="scheme 'keyed'.*'v2'"):
        run_ingest(CHAT, env={"EGREGORA_PRIVACY_PSEUDONYM_SCHEME": "v2"})


def test_v2_scheme_on_a_new_project(run_ingest):
    run_ingest(CHAT, env={"EGREGORA_PRIVACY_PSEUDONYM_SCHEME": "v2"})
    v2 = Pseudonymizer("v2", b"")
    assert {r["author"] for r in lake_rows(run_ingest)} == {v2("Maya Rodrigues"), v2("Leo Bento")}


def test_busy_project(run_ingest):
    run_ingest(CHAT[:1])
    with (
        project_lock(run_ingest.root / ".egregora"),
        pytest.raises(ProjectBusy, match=r"project is busy.*pid \d+"),
    ):
        run_ingest(CHAT)


def test_media_v2_names_and_contact_cards_not_stored(run_ingest):
    from egregora_core.testing.media_samples import jpeg_with_exif

    jpg, vcf = jpeg_with_exif(), b"BEGIN:VCARD\nFN:Leo Bento\nTEL:+5511912345678\nEND:VCARD"
    rows = [
        {"author": "Maya Rodrigues", "kind": "media", "media": "IMG-20251027-WA0023.jpg"},
        {"author": "Maya Rodrigues", "kind": "contact", "media": "Leo Bento.vcf"},
        {"author": "Leo Bento", "text": "hi"},
    ]
    run_ingest(
        rows,
        media={"IMG-20251027-WA0023.jpg": jpg, "Leo Bento.vcf": vcf},
        group="Conversa do WhatsApp com Teste",
    )
    media = {m["extension"]: m for m in lake_rows(run_ingest, "media")}
    import hashlib
    import uuid

    sha = hashlib.sha256(jpg).hexdigest()
    slug_ns = uuid.uuid5(uuid.NAMESPACE_DNS, "conversa-do-whatsapp-com-teste")
    assert media[".jpg"]["media_id"] == str(uuid.uuid5(slug_ns, sha))
    assert media[".jpg"]["stored"] is True
    assert media[".vcf"]["stored"] is False
    assert "Leo" not in media[".vcf"]["file_name"]
    project = Project(run_ingest.root)
    stored = media_path(project, sha).read_bytes()
    assert stored.startswith(b"\xff\xd8") and b"Quintus" not in stored  # EXIF removed
    assert b"Quintus" in jpg
    assert not media_path(project, hashlib.sha256(vcf).hexdigest()).exists()
    refs = {r["kind"]: r["media_ref"] for r in lake_rows(run_ingest)}
    assert refs["media"] == media[".jpg"]["media_id"]
    assert "Leo Bento" not in project_text(run_ingest.root)


def test_group_named_after_a_member_is_anonymized(run_ingest):
    run_ingest(
        [{"author": "John Doe", "text": "hi"}, {"author": "Jane Smith", "text": "yo"}],
        group="John Doe",
        name="WhatsApp Chat with John Doe.fake",
    )
    text = project_text(run_ingest.root)
    assert "John Doe" not in text
    assert "john-doe" not in text.lower()
    source = lake_rows(run_ingest, "sources")[0]
    assert source["group_slug"] == lake_rows(run_ingest)[0]["group_slug"]
    assert len(source["group_slug"]) == 8


def test_one_to_one_chat_titled_after_a_contact_who_never_wrote(run_ingest):
    """The title is a person's name no author row reveals: still pseudonymized."""
    run_ingest(
        [{"author": "Quintus Zebulon", "text": "are you there, Ottilie?"}],
        group="Ottilie Vexford",
        name="WhatsApp Chat with Ottilie Vexford.fake",
    )
    text = project_text(run_ingest.root)
    for needle in ("Ottilie", "Vexford", "ottilie", "vexford", "Quintus"):
        assert needle not in text
    source = lake_rows(run_ingest, "sources")[0]
    assert len(source["group_slug"]) == 8 and source["group_slug"] == source["group_name"]


def test_two_writers_and_another_title_is_a_group(run_ingest):
    run_ingest(
        [{"author": "Quintus Zebulon", "text": "hi"}, {"author": "Ottilie Vexford", "text": "yo"}],
        group="Lantern Readers",
    )
    assert lake_rows(run_ingest, "sources")[0]["group_name"] == "Lantern Readers"


def test_group_with_a_creation_line_keeps_its_title(run_ingest):
    run_ingest(
        [
            {"author": None, "kind": "system", "subtype": "created", "text": "created group"},
            {"author": "Quintus Zebulon", "text": "hi"},
        ],
        group="Book Club",
    )
    assert lake_rows(run_ingest, "sources")[0]["group_name"] == "Book Club"


def test_all_digit_pseudonyms_are_not_taken_for_phone_numbers(run_ingest):
    # ~2% of 8-hex pseudonyms are all digits; v2's pseudonym of "Member 90" is one.
    pseudonym = Pseudonymizer("v2", b"")("Member 90")
    assert pseudonym.isdigit()
    run_ingest(
        [
            {"author": "Member 90", "text": "hi"},
            {
                "author": "Jane Smith",
                "text": "thanks Member 90 and @\u2068Member 90\u2069, ring 3456 7890",
            },
        ],
        group="Member 90",
        env={"EGREGORA_PRIVACY_PSEUDONYM_SCHEME": "v2"},
    )
    rows = lake_rows(run_ingest)
    texts = {r["text"] for r in rows}
    assert texts == {"hi", f"thanks {pseudonym} and @{pseudonym}, ring [phone]"}
    assert lake_rows(run_ingest, "sources")[0]["group_slug"] == pseudonym
    assert {r["group_slug"] for r in rows} == {pseudonym}


def test_v2_media_slug_follows_v2_group_naming():
    from pathlib import Path

    from egregora_core.ingest import media_id, v2_media_slug

    pt = {"chat_file": "Conversa do WhatsApp com Teste.txt", "group_name": "Teste"}
    assert v2_media_slug(pt, Path("x.zip")) == "conversa-do-whatsapp-com-teste"
    # golden value from v2-parity.md
    sha = "a" * 64
    assert media_id(v2_media_slug(pt, Path("x.zip")), sha) == media_id(
        "conversa-do-whatsapp-com-teste", sha
    )
    en = {"chat_file": "WhatsApp Chat with Book Club.txt"}
    assert v2_media_slug(en, Path("x.zip")) == "book-club"
    assert v2_media_slug({"group_name": "Trilha de Domingo"}, Path("r.json")) == "trilha-de-domingo"
    assert v2_media_slug({}, Path("Family Chat.txt")) == "family-chat"


def test_reingest_of_a_known_export_skips_parsing(run_ingest):
    run_ingest(CHAT)
    again = run_ingest(CHAT)
    assert again.status == "skipped"
    assert again.detail.startswith("already ingested in snapshot")
    assert again.output["exports"][0]["group_slug"] == lake_rows(run_ingest)[0]["group_slug"]


def test_reingest_after_opt_in_takes_the_full_path(run_ingest):
    rows = [{"author": "Maya Rodrigues", "text": "before"}, {"author": "Leo Bento", "text": "hi"}]
    run_ingest(rows)
    run_ingest(
        [{"author": "Maya Rodrigues", "text": "/egregora opt-out", "minute": 5}], name="b.fake"
    )
    assert [r["text"] for r in lake_rows(run_ingest)] == ["hi"]
    run_ingest(
        [{"author": "Maya Rodrigues", "text": "/egregora opt-in", "minute": 7}], name="c.fake"
    )
    again = run_ingest(rows)  # same bytes as the first export: must not be short-circuited
    assert again.counts["new"] == 1
    assert sorted(r["text"] for r in lake_rows(run_ingest)) == ["before", "hi"]


def test_lake_with_older_message_ids_is_refused(run_ingest):
    run_ingest(CHAT)
    with Lake.open(Project(run_ingest.root)) as lake, lake.transaction():
        lake.delete_in("meta", "key", ["message_ids"])
    with pytest.raises(ConfigError, match="older message-id scheme"):
        run_ingest(CHAT, name="other.fake")


def test_duckdb_spills_into_a_private_temp_dir(run_ingest, fake_extractor):
    from pathlib import Path

    from egregora_core.ingest import open_session
    from egregora_core.testing import make_context

    run_ingest(CHAT)
    ctx = make_context(run_ingest.root, plugins=fake_extractor.plugins)
    with open_session(ctx) as state:
        (spill,) = state.con.raw_sql("SELECT current_setting('temp_directory')").fetchone()
        assert Path(spill).name.startswith("egregora-spill-")
        assert Path(spill).is_dir()
        assert not Path(spill).is_relative_to(run_ingest.root)
    assert not Path(spill).exists()
