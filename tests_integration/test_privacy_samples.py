"""After ingest (and the site), no raw member name, phone number or e-mail is on disk.

Runs on the project's own sample exports everywhere, and on the third-party real samples
when ``EGREGORA_REAL_FIXTURES`` names their folder. The ground truth comes from the exports
themselves, read in memory: every author and every name inside a system line (by the
extractor), and every e-mail and phone number typed in a message (by pattern).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from egregora_core.components import ExtractOptions
from egregora_core.testing.plugin_install import run_egregora
from egregora_core.testing.privacy import THEME_ASSETS, project_text
from egregora_core.testing.samples import real_fixtures
from egregora_extract_whatsapp.extractor import WhatsAppExtractor

PHONE = re.compile(r"\+?\d[\d\s\u00a0-]{7,}\d")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
TYPED_PHONE = re.compile(r"(?:\+\d{1,3}[\s\u00a0]?|\(\d{2}\)\s?)\d[\d\s\u00a0-]{6,}\d")


def raw_identities(exports: list[Path]) -> set[str]:
    found: set[str] = set()
    for export in exports:
        rows = WhatsAppExtractor().extract(export, ExtractOptions()).messages.to_pylist()
        for row in rows:
            found.update(n for n in [row["author"], *(row["names"] or [])] if n)
    return found


def chat_text(exports: list[Path]) -> str:
    """The raw chat files, in memory."""
    texts = []
    for export in exports:
        with zipfile.ZipFile(export) as archive:
            texts += [
                archive.read(n).decode("utf-8-sig")
                for n in archive.namelist()
                if n.endswith(".txt") and not n.startswith("__MACOSX")
            ]
    return "\n".join(texts)


@pytest.fixture(scope="module", params=["own", "real"])
def ingested(request, samples, tmp_path_factory):
    if request.param == "own":
        exports = sorted(samples.values())
    else:
        exports = sorted(real_fixtures().glob("*.zip"))
    root = tmp_path_factory.mktemp(f"privacy-{request.param}")
    assert run_egregora("init", "p", cwd=root).returncode == 0
    result = run_egregora("--project", "p", "run", "--period", "day", *map(str, exports), cwd=root)
    assert result.returncode == 0, result.stderr
    return root / "p", exports, result, request.param == "own"


def test_fixtures_have_identities_to_hide(ingested):
    _, exports, *_ = ingested
    names = raw_identities(exports)
    assert len(names) >= 4  # the test is only meaningful if there is something to find


def test_no_raw_identity_anywhere_under_the_project(ingested):
    project, exports, *_ = ingested
    text = project_text(project, exclude=THEME_ASSETS).casefold()
    leaks = sorted(n for n in raw_identities(exports) if n.casefold() in text)
    assert leaks == [], f"{len(leaks)} raw identities found on disk"


def test_no_phone_numbers_in_lake_or_site(ingested):
    project, exports, *_ = ingested
    phones = {n for n in raw_identities(exports) if PHONE.fullmatch(n.replace(" ", ""))}
    text = project_text(project, exclude=THEME_ASSETS)
    digits_on_disk = re.sub(r"\D", "", text)
    for phone in phones:
        assert re.sub(r"\D", "", phone) not in digits_on_disk


def test_typed_emails_and_phones_are_redacted(ingested):
    project, exports, _, own = ingested
    raw = chat_text(exports)
    emails = set(EMAIL.findall(raw))
    phones = {re.sub(r"\D", "", p) for p in TYPED_PHONE.findall(raw)}
    if own:  # the project's samples type both kinds; the test must have something to find
        assert len(emails) >= 3 and len(phones) >= 4, (emails, phones)
    text = project_text(project, exclude=THEME_ASSETS)
    assert [e for e in emails if e.casefold() in text.casefold()] == []
    digits_on_disk = re.sub(r"\D", "", text)
    assert [p for p in phones if p in digits_on_disk] == []


def test_command_output_does_not_print_raw_names(ingested):
    _, exports, result, _ = ingested
    output = (result.stdout + result.stderr).casefold()
    assert [n for n in raw_identities(exports) if n.casefold() in output] == []
