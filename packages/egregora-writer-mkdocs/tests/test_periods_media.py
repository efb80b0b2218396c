from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from pathlib import Path

import pytest
from egregora_core.errors import ConfigError
from egregora_writer_mkdocs import periods
from egregora_writer_mkdocs.media import MediaFile, media_type, publish, v2_media_id

#: egregora v2's own sample (third-party, not in the repository; EGREGORA_REAL_FIXTURES).
V2_SAMPLE = "Conversa do WhatsApp com Teste.zip"


@pytest.mark.parametrize(
    ("period", "key", "end", "label"),
    [
        ("day", "2025-10-27", dt.date(2025, 10, 27), "27 October 2025"),
        ("week", "2025-W44", dt.date(2025, 11, 2), "Week of 27 October 2025"),
        ("month", "2025-10", dt.date(2025, 10, 31), "October 2025"),
    ],
)
def test_period_keys(period, key, end, label):
    start = dt.date(2025, 10, 27) if period != "month" else dt.date(2025, 10, 1)
    assert periods.key(start, period) == key
    assert periods.end(start, period) == end
    assert periods.label(start, period) == (label if period != "month" else "October 2025")


def test_december_month_end_and_bad_input():
    assert periods.end(dt.date(2025, 12, 1), "month") == dt.date(2025, 12, 31)
    with pytest.raises(ConfigError):
        periods.check("year")
    with pytest.raises(ConfigError, match="--from"):
        periods.parse_date("27/10/2025", "--from")


@pytest.mark.parametrize(
    ("ext", "folder"),
    [
        ("jpg", "images"),
        (".JPEG", "images"),
        ("mp4", "videos"),
        ("opus", "audio"),
        ("pdf", "documents"),
        ("vcf", "files"),
    ],
)
def test_media_folders(ext, folder):
    assert media_type(ext) == folder


GOLDEN = {  # v2-parity.md [checked]
    "IMG-20251027-WA0023.jpg": "59ae99b8-7e9b-5812-9b2b-03d62efc7ce2.jpg",
    "IMG-20251028-WA0033.jpg": "c512b918-4ff4-582c-93d9-3364f4055737.jpg",
    "IMG-20251028-WA0034.jpg": "0852c7fc-f06c-58e3-9d67-2d46cb74e04a.jpg",
    "IMG-20251028-WA0035.jpg": "6d321d4d-02c1-540e-a495-bdd85a8a9244.jpg",
}


def test_v2_media_names_from_the_real_fixture(egregora_real_fixtures):
    with zipfile.ZipFile(egregora_real_fixtures / V2_SAMPLE) as archive:
        names = {Path(n).name: n for n in archive.namelist()}
        for original, expected in GOLDEN.items():
            sha = hashlib.sha256(archive.read(names[original])).hexdigest()
            item = MediaFile(
                v2_media_id("conversa-do-whatsapp-com-teste", sha), "images", "jpg", sha
            )
            assert item.site_path == f"media/images/{expected}"


def test_publish_copies_once_and_reports_missing(tmp_path):
    state, docs = tmp_path / "state", tmp_path / "docs"
    (state / "media").mkdir(parents=True)
    from egregora_core.testing.media_samples import png_with_text

    (state / "media" / "abc").write_bytes(png_with_text())  # a store from before cleaning
    item = MediaFile("id-1", "images", ".png", "abc")
    assert publish(state, docs, item) is True
    published = (docs / "media/images/id-1.png").read_bytes()
    assert published.startswith(b"\x89PNG") and b"Quintus" not in published
    assert publish(state, docs, item) is False
    assert publish(state, docs, MediaFile("id-2", "images", "png", "nope")) is None
