"""After ingest (and the site), no raw member name, phone number or e-mail is on disk.

The ground truth comes from the real exports themselves, read in memory by the extractor:
every author and every name inside a system line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from egregora_core.components import ExtractOptions
from egregora_core.testing.plugin_install import run_egregora
from egregora_core.testing.privacy import THEME_ASSETS, project_text
from egregora_extract_whatsapp.extractor import WhatsAppExtractor

PHONE = re.compile(r"\+?\d[\d\s\u00a0-]{7,}\d")


def raw_identities(exports: list[Path]) -> set[str]:
    found: set[str] = set()
    for export in exports:
        rows = WhatsAppExtractor().extract(export, ExtractOptions()).messages.to_pylist()
        for row in rows:
            found.update(n for n in [row["author"], *(row["names"] or [])] if n)
    return found


@pytest.fixture(scope="module")
def ingested(whatsapp_fixtures, tmp_path_factory):
    root = tmp_path_factory.mktemp("privacy")
    exports = sorted(whatsapp_fixtures.glob("*.zip"))
    assert run_egregora("init", "p", cwd=root).returncode == 0
    result = run_egregora("--project", "p", "run", "--period", "day", *map(str, exports), cwd=root)
    assert result.returncode == 0, result.stderr
    return root / "p", exports, result


def test_fixtures_have_identities_to_hide(ingested):
    _, exports, _ = ingested
    names = raw_identities(exports)
    assert len(names) >= 4  # the test is only meaningful if there is something to find


def test_no_raw_identity_anywhere_under_the_project(ingested):
    project, exports, _ = ingested
    text = project_text(project, exclude=THEME_ASSETS).casefold()
    leaks = sorted(n for n in raw_identities(exports) if n.casefold() in text)
    assert leaks == [], f"{len(leaks)} raw identities found on disk"


def test_no_phone_numbers_in_lake_or_site(ingested):
    project, exports, _ = ingested
    phones = {n for n in raw_identities(exports) if PHONE.fullmatch(n.replace(" ", ""))}
    text = project_text(project, exclude=THEME_ASSETS)
    digits_on_disk = re.sub(r"\D", "", text)
    for phone in phones:
        assert re.sub(r"\D", "", phone) not in digits_on_disk


def test_command_output_does_not_print_raw_names(ingested):
    _, exports, result = ingested
    output = (result.stdout + result.stderr).casefold()
    assert [n for n in raw_identities(exports) if n.casefold() in output] == []
