import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from egregora_cli import builtin, main
from egregora_core.plugins import make_plugin_manager
from egregora_core.project import init_project
from egregora_core.testing.fakes import FakeExtractor, raw_messages

ROWS = [
    {"author": "Maya Rodrigues", "text": "hello"},
    {"author": "Leo Bento", "text": "hi Maya"},
    {
        "author": None,
        "text": "Maya Rodrigues added Leo Bento",
        "names": ["Maya Rodrigues", "Leo Bento"],
    },
]


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    extractor = FakeExtractor()

    def make_cli(**_):
        plugins = make_plugin_manager(
            load_entry_points=False, env={}, extra_builtins=[(builtin, "egregora-cli", "0")]
        )
        plugins.register(extractor.as_plugin(), "fake")
        return main.build_cli(plugins)

    monkeypatch.setattr(main, "make_cli", make_cli)
    init_project(tmp_path / "p")
    monkeypatch.setenv("EGREGORA_PROJECT", str(tmp_path / "p"))

    def run(*args):
        capsys.readouterr()
        code = main.run(["-q", *map(str, args)])
        out = capsys.readouterr()
        return code, out.out, out.err

    run.export = lambda name, rows: extractor.add(tmp_path, name, raw_messages(rows))
    run.tmp = tmp_path
    return run


def test_ingest_dry_run_json_writes_nothing(cli):
    path = cli.export("a.fake", ROWS)
    code, out, _ = cli("ingest", "--dry-run", "--json", path)
    assert code == 0
    report = json.loads(out)
    assert report["dry_run"] is True
    assert report["new"] == 3
    assert report["exports"][0]["counts"] == {"system": 1, "text": 2}
    assert not (cli.tmp / "p/.egregora/lake").exists()


def test_ingest_datasets_export_import_roundtrip(cli, tmp_path, monkeypatch):
    path = cli.export("a.fake", ROWS[:2])
    assert cli("ingest", path)[0] == 0
    code, out, _ = cli("ingest", cli.export("b.fake", ROWS))
    assert code == 0
    assert "1 new, 2 already present" in out
    code, out, _ = cli("datasets", "--json")
    assert code == 0
    snaps = json.loads(out)["snapshots"]
    added = [s["rows_added"] for s in snaps if s["message"].startswith("ingest")]
    assert added == [2, 1]
    first = next(s["snapshot_id"] for s in snaps if s["message"].startswith("ingest"))
    assert cli("export", "messages", tmp_path / "old.csv", "--snapshot", first)[0] == 0
    assert len((tmp_path / "old.csv").read_text().splitlines()) == 3  # header + 2
    assert cli("export", "messages", tmp_path / "all.parquet")[0] == 0
    assert pq.read_table(tmp_path / "all.parquet").num_rows == 3
    init_project(tmp_path / "q")
    monkeypatch.setenv("EGREGORA_PROJECT", str(tmp_path / "q"))
    _code, out, _ = cli("import", tmp_path / "all.parquet")
    assert "3 new, 0 already present" in out
    assert "0 new, 3 already present" in cli("import", tmp_path / "all.parquet")[1]


def test_import_wrong_columns_names_them_and_writes_nothing(cli, tmp_path):
    bad = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"message_id": ["x"], "ts": [1], "text": ["hi"]}), bad)
    code, _, err = cli("import", bad)
    assert code == 2
    assert "missing column 'group_slug'" in err
    assert "column 'ts' is int64" in err
    assert not (cli.tmp / "p/.egregora/lake").exists()


def test_import_v2_messages_are_reanonymized(cli, tmp_path):
    from datetime import datetime

    v2 = tmp_path / "v2.parquet"
    pq.write_table(
        pa.table(
            {
                "timestamp": [datetime(2024, 1, 1, 10), datetime(2024, 1, 1, 11)],
                "author": ["957cf4d6", "6ebd8acd"],
                "message": ["hi", "mail me: a@b.example.org"],
                "original_line": ["raw line with John Doe", "raw"],
            }
        ),
        v2,
    )
    code, _out, _ = cli("import", v2)
    assert code == 0
    cli("export", "messages", tmp_path / "m.jsonl")
    text = (tmp_path / "m.jsonl").read_text()
    assert "[email]" in text
    assert "John Doe" not in text


def test_import_v3_shaped_file_with_raw_names_is_anonymized(cli, tmp_path):
    """A Parquet with v3's columns is untrusted: raw authors are re-keyed, texts scrubbed."""
    from datetime import UTC, date, datetime

    raw = tmp_path / "v3.parquet"
    ts = datetime(2024, 1, 1, 10, tzinfo=UTC)
    n = 3
    pq.write_table(
        pa.table(
            {
                "message_id": ["a1", "a2", "a3"],
                "group_slug": ["quintus-zebulon"] * n,
                "ts": [ts] * n,
                "date": [date(2024, 1, 1)] * n,
                "author": ["Quintus Zebulon", "Quintus Zebulon", "Ottilie Vexford"],
                "kind": ["text"] * n,
                "subtype": pa.array([None] * n, pa.string()),
                "text": [
                    "call me on +44 7700 900123 or quintus.z@example.org",
                    "/egregora opt-out",
                    "Quintus said hi to facebook.com/quintus.zebulon",
                ],
                "media_ref": pa.array([None] * n, pa.string()),
                "edited": [False] * n,
                "ordinal": [0, 1, 2],
                "source_id": ["s"] * n,
            }
        ),
        raw,
    )
    code, _out, err = cli("import", raw)
    assert code == 0, err
    cli("export", "messages", tmp_path / "m.jsonl")
    text = (tmp_path / "m.jsonl").read_text()
    for secret in ("Quintus", "quintus", "Zebulon", "zebulon", "Ottilie", "7700", "example.org"):
        assert secret not in text
    assert "/egregora" not in text
    lake_bytes = b"".join(p.read_bytes() for p in (cli.tmp / "p/.egregora").rglob("*.parquet"))
    assert b"Quintus" not in lake_bytes and b"Zebulon" not in lake_bytes
