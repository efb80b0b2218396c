"""``egregora_core.testing.samples``: folders zipped the same way every time; real samples gated."""

from __future__ import annotations

import os
import time
import zipfile

import pytest
from egregora_core.testing.samples import REAL_FIXTURES_ENV, real_fixtures, zip_folder, zip_samples


def test_zip_folder_keeps_relative_names_and_same_bytes(tmp_path):
    folder = tmp_path / "WhatsApp Chat - Club"
    (folder / "__MACOSX").mkdir(parents=True)
    (folder / "_chat.txt").write_bytes(b"[01.02.24, 10:00:00] A: hi\r\n")
    (folder / "__MACOSX" / "._chat.txt").write_bytes(b"\x00\x05\x16\x07")
    first = zip_folder(folder, tmp_path / "one" / "a.zip").read_bytes()
    later = time.time() + 3600
    os.utime(folder / "_chat.txt", (later, later))  # a checkout's file times do not matter
    assert zip_folder(folder, tmp_path / "two.zip").read_bytes() == first
    with zipfile.ZipFile(tmp_path / "two.zip") as archive:
        assert archive.namelist() == ["__MACOSX/._chat.txt", "_chat.txt"]  # sorted
        assert archive.read("_chat.txt").endswith(b"\r\n")  # bytes kept as they are
    assert zip_samples(tmp_path, tmp_path / "out") == {
        "WhatsApp Chat - Club": tmp_path / "out" / "WhatsApp Chat - Club.zip",
        "one": tmp_path / "out" / "one.zip",
    }


def test_real_fixtures_skip_when_unset_fail_when_wrong(tmp_path, monkeypatch):
    monkeypatch.delenv(REAL_FIXTURES_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match=REAL_FIXTURES_ENV):
        real_fixtures()
    monkeypatch.setenv(REAL_FIXTURES_ENV, str(tmp_path / "missing"))
    with pytest.raises(pytest.fail.Exception, match="is not a folder"):
        real_fixtures()
    monkeypatch.setenv(REAL_FIXTURES_ENV, str(tmp_path))
    assert real_fixtures() == tmp_path
