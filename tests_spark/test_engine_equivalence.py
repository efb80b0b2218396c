"""The transforms on Spark store exactly the rows the DuckDB engine stores.

Two projects with one secret ingest the same exports, one with ``ingest.engine = duckdb``,
one with ``spark`` (PySpark local mode, one session for the whole run); every column of
every stored message must be equal: message ids, pseudonyms, scrubbed texts, kinds.
Run by ``uv run nox -s spark`` (it installs the ``spark`` extra).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from egregora_core.ingest import ingest
from egregora_core.lake import Lake
from egregora_core.plugins import make_plugin_manager
from egregora_core.testing import make_context
from egregora_extract_whatsapp.synthetic import generate_chat


def real_exports() -> list[Path]:
    """The third-party sample exports, when ``EGREGORA_REAL_FIXTURES`` points at them."""
    folder = os.environ.get("EGREGORA_REAL_FIXTURES")
    if not folder:
        return []
    return sorted(p for p in Path(folder).iterdir() if p.suffix in (".zip", ".txt"))


def stored(root: Path) -> list[tuple]:
    with Lake(root / ".egregora" / "lake", read_only=True) as lake:
        return lake.con.execute("SELECT * FROM lake.messages ORDER BY message_id").fetchall()


def ingest_with(root: Path, engine: str, exports: list[Path], secret_from: Path | None) -> None:
    ctx = make_context(root, plugins=make_plugin_manager(), env={"EGREGORA_INGEST_ENGINE": engine})
    if secret_from is not None:
        shutil.copy2(secret_from, ctx.project.secret_path)
    assert ctx.config["ingest.engine"] == engine
    for export in exports:  # one ingest per export, as a batch of many exports does
        ingest(ctx, [export])


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("exports")
    chat = generate_chat(100_000, seed=7, group_name="Spark Hikers 🥾")
    small = generate_chat(2_000, seed=8, platform="ios", group_name="Família ✨")
    return [
        chat.write_txt(folder / "WhatsApp Chat with Spark Hikers.txt"),
        small.write_zip(folder / "WhatsApp Chat with Familia.zip"),
    ]


def assert_identical(tmp_path: Path, exports: list[Path]) -> list[tuple]:
    duck, spark = tmp_path / "duckdb", tmp_path / "spark"
    ingest_with(duck, "duckdb", exports, None)
    ingest_with(spark, "spark", exports, duck / ".egregora" / "secret.key")
    expected, got = stored(duck), stored(spark)
    assert got == expected
    return expected


def test_spark_and_duckdb_store_identical_rows(tmp_path, generated):
    assert len(assert_identical(tmp_path, generated)) > 95_000


def test_spark_and_duckdb_identical_on_real_samples(tmp_path):
    """The third-party samples (CI's second step runs this alone with ``-k real``)."""
    exports = real_exports()
    if not exports:
        pytest.skip("EGREGORA_REAL_FIXTURES is not set: the third-party samples are not here")
    assert assert_identical(tmp_path, exports)
