"""End to end on sample exports: export -> lake -> site -> `mkdocs build --strict`.

Runs on the project's own samples everywhere, and on the third-party real samples when
``EGREGORA_REAL_FIXTURES`` names their folder.

Needs the whole installed set (extractor, anonymizer and ingest from their packages). The
raw member names are read from the export *in memory* only, to prove that none of them,
and no phone number or e-mail, reaches the built HTML.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
import yaml
from egregora_core.components import ExtractOptions
from egregora_core.testing.samples import real_fixtures
from egregora_extract_whatsapp.extractor import WhatsAppExtractor
from egregora_writer_mkdocs.privacy import find

TESTE = "Conversa do WhatsApp com Teste.zip"
GOLDEN_MEDIA = {  # v2-parity.md [checked]
    "59ae99b8-7e9b-5812-9b2b-03d62efc7ce2.jpg",
    "c512b918-4ff4-582c-93d9-3364f4055737.jpg",
    "0852c7fc-f06c-58e3-9d67-2d46cb74e04a.jpg",
    "6d321d4d-02c1-540e-a495-bdd85a8a9244.jpg",
}
ANDROID_AUTHOR = re.compile(
    r"^\d{1,2}/\d{1,2}/\d{2,4},? \d{1,2}:\d{2}(?:\s?[AP]M)? - ([^:]+): ", re.M
)
IOS_AUTHOR = re.compile(r"^\[[\d.,/: ]+\] ([^:]+): ", re.M)


def raw_names(export: Path) -> set[str]:
    """Member names as written in the export (kept in memory, never written). New iOS
    exports write system lines under the group's name, which is not a member's."""
    names: set[str] = set()
    with zipfile.ZipFile(export) as archive:
        for member in archive.namelist():
            if member.endswith(".txt") and "__MACOSX" not in member:
                text = archive.read(member).decode("utf-8-sig")
                for pattern in (ANDROID_AUTHOR, IOS_AUTHOR):
                    names |= {n.strip("\u200e\u202a\u202c\u202f ~") for n in pattern.findall(text)}
    group = WhatsAppExtractor().extract(export, ExtractOptions()).source["group_name"]
    return {n for n in names if len(n) >= 3 and n != group}


EXPORTS = {
    "own-android-pt": ("own", "Conversa do WhatsApp com Horta da Vila"),
    "own-ios-en": ("own", "WhatsApp Chat - Saturday Book Swap"),
    "own-android-en": ("own", "WhatsApp Chat with Robotics Club Parents"),
    "real-android-pt": ("real", TESTE),
    "real-ios-en": ("real", "whatsapp-chat-parser-example.zip"),
}


@pytest.fixture(params=sorted(EXPORTS))
def export(request, samples) -> Path:
    kind, name = EXPORTS[request.param]
    return samples[name] if kind == "own" else real_fixtures() / name


def test_export_builds_a_clean_site(cli, export, tmp_path, monkeypatch):
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    project = tmp_path / "site-project"
    assert cli(["init", str(project)]) == 0
    assert (project / "mkdocs.yml").is_file()
    assert cli(["--project", str(project), "run", str(export)]) == 0
    assert cli(["--project", str(project), "site", "build", "--period", "day"]) == 0

    posts = sorted((project / "docs/posts/posts").glob("*.md"))
    assert posts, "no post was written"
    for post in posts:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-[a-z0-9-]{1,63}\.md", post.name)
        meta = yaml.safe_load(post.read_text(encoding="utf-8").split("---\n")[1])
        assert {"title", "date", "slug", "authors", "summary"} <= set(meta)
        assert all(re.fullmatch(r"[0-9a-f]{8}", a) for a in meta["authors"])
        assert post.name == f"{meta['date'].isoformat()}-{meta['slug']}.md"
    authors = yaml.safe_load((project / "docs/posts/.authors.yml").read_text())["authors"]
    assert authors

    copied = {p.name for p in (project / "docs/media/images").glob("*.jpg")}
    with zipfile.ZipFile(export) as archive:
        images = [n for n in archive.namelist() if n.endswith(".jpg")]
    assert len(copied) == len(images)
    if export.name == TESTE:
        assert copied >= GOLDEN_MEDIA

    names = raw_names(export)
    assert names, "the fixture should have named authors"
    html_pages = list((project / "site").rglob("*.html"))
    assert html_pages
    for page in html_pages:
        html = page.read_text(encoding="utf-8")
        for name in names:
            assert name not in html, f"a raw member name reached {page.name}"
        body = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", body)
        assert find(text, allowed=frozenset(authors)) == [], page
