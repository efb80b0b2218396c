"""Sample exports for tests: folders zipped on demand, and the optional real samples.

A sample export is kept under version control as a folder holding exactly what the export
zip holds (the chat file, media, even a ``__MACOSX/`` member); :func:`zip_folder` builds the
zip into a temporary folder, with the same bytes every time. Third-party real exports are
not redistributed: tests on them use :func:`real_fixtures`, which skips unless the
environment variable ``EGREGORA_REAL_FIXTURES`` names the folder that holds them.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

REAL_FIXTURES_ENV = "EGREGORA_REAL_FIXTURES"

#: Zip member timestamp: fixed, so the archive does not depend on checkout times.
_STAMP = (2024, 1, 1, 0, 0, 0)


def zip_folder(folder: Path, dest: Path) -> Path:
    """Zip every file under ``folder`` as ``dest`` (names relative to ``folder``, sorted,
    fixed timestamps, deflated) and return ``dest``."""
    folder, dest = Path(folder), Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return dest


def zip_samples(folder: Path, dest: Path) -> dict[str, Path]:
    """Every sample folder under ``folder`` zipped into ``dest`` as ``<folder name>.zip``;
    returns ``{folder name: zip path}``."""
    return {
        sample.name: zip_folder(sample, Path(dest) / f"{sample.name}.zip")
        for sample in sorted(Path(folder).iterdir())
        if sample.is_dir()
    }


def real_fixtures() -> Path:
    """The folder of third-party real sample exports named by ``EGREGORA_REAL_FIXTURES``.

    Skips the calling test when the variable is unset (a clone has no such samples); fails
    when it is set but does not name a folder, so a CI misconfiguration cannot pass silently.
    """
    import pytest

    value = os.environ.get(REAL_FIXTURES_ENV)
    if not value:
        pytest.skip(f"third-party real samples: set {REAL_FIXTURES_ENV} to their folder")
    folder = Path(value)
    if not folder.is_dir():
        pytest.fail(f"{REAL_FIXTURES_ENV}={value} is not a folder")
    return folder
