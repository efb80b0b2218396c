"""No member name is readable in any SQL text, nor in what ``-v`` prints when a query fails.

Patterns built from names are hex-escaped and raw values reach DuckDB only as in-memory
tables (see docs/privacy.md, "SQL"). Here every SQL string of an ingest of the adversarial
fixture is captured twice over: as ibis compiles it (``ibis.options.verbose``) and as
DuckDB receives it (DuckDB's ``QueryLog``, enabled on every connection the process opens,
so ``raw_sql`` and the lake's own statements are seen too). Then a query is made to fail
mid-ingest under ``-v``, and a damaged one-to-one export is given, and what is printed is
scanned.
"""

from __future__ import annotations

import contextlib
import csv
import zipfile
from pathlib import Path

import duckdb
import ibis
import pytest
from egregora_core import anonymize, redact
from egregora_core.testing.adversarial import ONE_TO_ONE_FILE, SECRETS, leaks, write_exports


@pytest.fixture
def sql_log(monkeypatch, tmp_path):
    """``sql_log()`` -> every SQL text compiled by ibis or run by DuckDB so far."""
    compiled: list[str] = []
    folders: list[Path] = []
    opened: list[duckdb.DuckDBPyConnection] = []
    connect = duckdb.connect

    def logged_connect(*args, **kwargs):
        con = connect(*args, **kwargs)
        folder = tmp_path / "duckdb-log" / str(len(folders))
        folder.mkdir(parents=True)
        con.execute(
            "CALL enable_logging('QueryLog', storage = 'file', storage_path = ?)", [str(folder)]
        )
        folders.append(folder)
        opened.append(con)
        return con

    monkeypatch.setattr(duckdb, "connect", logged_connect)
    monkeypatch.setattr(ibis.options, "verbose", True)
    monkeypatch.setattr(ibis.options, "verbose_log", compiled.append)

    def read() -> list[str]:
        for con in opened:  # flushes each connection's log file
            with contextlib.suppress(duckdb.Error):
                con.close()
        opened.clear()
        ran = []
        for folder in folders:
            entries = folder / "duckdb_log_entries.csv"
            if entries.exists():
                with entries.open(newline="", encoding="utf-8") as file:
                    ran += [row["message"] for row in csv.DictReader(file)]
        return compiled + ran

    return read


def test_no_member_name_in_any_sql_of_an_ingest(cli, tmp_path, sql_log):
    exports = write_exports(tmp_path / "in")
    project = tmp_path / "project"
    assert cli(["init", str(project)]) == 0
    assert cli(["--project", str(project), "ingest", *map(str, exports)]) == 0

    statements = sql_log()
    sql = "\n".join(statements)
    # Both captures worked and saw the name gate (hex-escaped) and the lake's writes.
    assert len(statements) > 50
    assert redact.re2_hex("dubois") in sql
    assert "ducklake" in sql.lower()
    assert leaks(sql, [*SECRETS, "Rose Quill"]) == []


def test_a_failing_query_under_v_prints_no_member_name(cli, tmp_path, monkeypatch, capsys):
    from egregora_cli import ui

    gate = anonymize.Anonymizer.gate_re2
    # An invalid pattern: DuckDB's error quotes the whole gate, -v prints the traceback.
    monkeypatch.setattr(anonymize.Anonymizer, "gate_re2", lambda self: gate(self) + "(")
    monkeypatch.setattr(ui.stderr, "width", 100_000)  # no wrapping inside a name
    exports = write_exports(tmp_path / "in")
    project = tmp_path / "project"
    assert cli(["init", str(project)]) == 0
    capsys.readouterr()
    status = cli(["--project", str(project), "-v", "ingest", str(exports[0])])
    printed = capsys.readouterr()
    output = printed.out + printed.err
    assert status != 0
    assert "Traceback" in output and redact.re2_hex("dubois") in output  # the gate was shown
    assert leaks(output) == []


def test_a_damaged_one_to_one_export_is_named_without_its_contact(cli, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    project = tmp_path / "project"
    assert cli(["init", str(project)]) == 0
    damaged = folder / ONE_TO_ONE_FILE
    damaged.write_bytes(b"PK\x03\x04 not a zip")
    nul = folder / "nul" / ONE_TO_ONE_FILE
    nul.parent.mkdir()
    with zipfile.ZipFile(nul, "w") as archive:
        chat = "17/03/2024, 21:00 - Quintus Zebulon: a\x00b\n"
        archive.writestr(ONE_TO_ONE_FILE.replace(".zip", ".txt"), chat)
    for export in (damaged, nul):
        capsys.readouterr()
        assert cli(["--project", str(project), "-v", "ingest", str(export)]) == 2
        printed = capsys.readouterr()
        assert "error" in printed.err
        assert leaks(printed.out + printed.err) == [], printed.err
