"""The writer over a lake of canonical rows: names, front matter, media, privacy, incrementality."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import yaml
from egregora_core.lake import Lake
from egregora_writer_mkdocs.privacy import PrivacyLeak
from egregora_writer_mkdocs.render import POSTS_DIR

from .conftest import EURICO, FRANKLIN, HOSTILE, JOHN, JULES, Rows, mkdocs_build, write_preferences


def build(make_ctx, project, **options):
    writer = make_ctx(project).plugins.writers()["mkdocs"]
    return writer.write(make_ctx(project), **options)


def front_matter(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1]), text


def post_files(project):
    return sorted(p.name for p in (project.root / "docs" / POSTS_DIR).glob("*.md"))


def test_week_posts_golden_names_and_front_matter(make_ctx, project):
    summary = build(make_ctx, project)
    assert post_files(project) == [
        "2025-10-20-alert-script.md",  # the hostile Sunday belongs to ISO week 43
        "2025-10-27-praia-foto-sabado.md",
        "2025-11-03-viagem-dezembro.md",
    ]
    assert summary["posts_written"] == 3
    meta, text = front_matter(project.root / "docs" / POSTS_DIR / "2025-10-27-praia-foto-sabado.md")
    assert meta["title"] == "Praia and sábado"  # the offline narrator's: the liveliest topic
    assert meta["date"] == dt.date(2025, 10, 27)  # unquoted ISO date
    assert re.search(r"^date: 2025-10-27$", text, re.M)
    assert meta["slug"] == "praia-foto-sabado"
    assert set(meta["authors"]) == {FRANKLIN, EURICO, JULES}
    assert meta["categories"] == ["Conversa do WhatsApp com Teste"]
    assert meta["summary"].startswith("Three members wrote six messages")
    assert "*6 messages from 3 members in 2 conversations." in text  # the stats, below the prose
    assert "<!-- more -->" in text


def test_day_and_month_periods_and_range(make_ctx, project):
    build(make_ctx, project, period="day", date_from="2025-10-27", date_to="2025-10-28")
    assert [f[:10] for f in post_files(project)] == ["2025-10-27", "2025-10-28"]
    build(make_ctx, project, period="month")
    assert [f[:10] for f in post_files(project)] == ["2025-10-01", "2025-11-01"]


def test_opted_out_member_is_nowhere(make_ctx, project):
    build(make_ctx, project)
    docs = project.root / "docs"
    assert not (docs / "profiles" / f"{JOHN}.md").exists()
    for path in docs.rglob("*"):
        if path.is_file() and path.suffix in (".md", ".yml"):
            text = path.read_text(encoding="utf-8")
            assert JOHN not in text, path
            assert "opted out later" not in text, path


def test_authors_file_and_profiles(make_ctx, project):
    build(make_ctx, project)
    docs = project.root / "docs"
    authors = yaml.safe_load((docs / "posts/.authors.yml").read_text())["authors"]
    assert set(authors) == {FRANKLIN, EURICO, JULES}
    assert (
        authors[FRANKLIN]["name"] == "Frank \u2039b\u203athe\u2039/b\u203a tank"
    )  # printed raw (even unescaped) by Material: no markup character left
    assert all(a["avatar"] == f"assets/avatars/{p}.svg" for p, a in authors.items())
    profile = (docs / "profiles" / f"{FRANKLIN}.md").read_text()
    assert "Frank &lt;b&gt;the&lt;\\/b&gt; tank" in profile
    assert "[@frank\\_t](https://twitter.com/frank_t)" in profile
    assert "## Activity over time" in profile
    assert "| 2025-10 |" in profile
    assert "## Active hours" in profile
    index = (docs / "profiles/index.md").read_text()
    assert all(f"({p}.md)" in index for p in (FRANKLIN, EURICO, JULES))


def test_profile_lists_top_domains(make_ctx, project):
    build(make_ctx, project)
    profile = (project.root / "docs/profiles" / f"{JULES}.md").read_text()
    assert "## Top shared domains" in profile
    assert "- example\\.com (1)" in profile
    assert "- docs\\.example\\.org (1)" in profile


def test_media_copied_with_v2_names_and_missing_noted(make_ctx, project):
    summary = build(make_ctx, project)
    assert summary["media_copied"] == 1
    assert summary["media_missing"] == 1
    images = list((project.root / "docs/media/images").glob("*.jpg"))
    assert len(images) == 1
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}\.jpg", images[0].name
    )
    post = (project.root / "docs" / POSTS_DIR / "2025-10-27-praia-foto-sabado.md").read_text()
    assert f"![shared image](../../media/images/{images[0].name})" in post
    assert "*image not available*" in post


def test_hostile_text_is_quoted_escaped(make_ctx, project):
    build(make_ctx, project)
    post = (project.root / "docs" / POSTS_DIR / "2025-10-20-alert-script.md").read_text()
    body = post.split("---\n", 2)[2]
    assert "<script" not in body
    assert "<img" not in body
    assert "&lt;script&gt;" in body
    assert "\\[aqui\\]\\(javascript\\:alert\\(1\\)\\)" in body
    assert "\n---\n" not in body
    assert "\ntitle: hacked" not in body
    assert len(re.findall(r"^> —", body, re.M)) == len(HOSTILE)


def test_privacy_guard_redacts_chat_text(make_ctx, project):
    summary = build(make_ctx, project, period="day")
    post = (project.root / "docs" / POSTS_DIR).glob("2025-11-04-*.md")
    text = next(post).read_text()
    assert "98765" not in text
    assert "\\[redacted\\]" in text
    assert summary["redactions"] >= 1


def test_privacy_guard_refuses_a_leaking_page(make_ctx, project):
    write_preferences(
        project.lake_dir,
        [
            {
                "pseudonym": EURICO,
                "alias": None,
                "bio": None,
                "twitter": None,
                "website": None,
                "opted_out": False,
            }
        ],
    )
    from egregora_writer_mkdocs import pages

    original = pages.profiles_index
    try:
        pages.profiles_index = lambda *a: "contact: admin@example.com\n"
        with pytest.raises(PrivacyLeak, match=r"profiles/index\.md"):
            build(make_ctx, project)
    finally:
        pages.profiles_index = original


def test_rerun_writes_nothing_then_only_the_new_day(make_ctx, project):
    first = build(make_ctx, project, period="day")
    assert first["posts_written"] == 4
    again = build(make_ctx, project, period="day")
    assert again["posts_written"] == 0
    assert again["posts_unchanged"] == 4
    assert again["profiles_written"] == 0
    assert again["files_written"] == 0

    rows = Rows()
    rows.ordinal = 1000
    rows.message(dt.date(2025, 11, 5), 8, 0, EURICO, "Novo dia, nova conversa sobre a viagem toda")
    with Lake.open(project) as lake:
        rows.write(lake, sources=False)
    third = build(make_ctx, project, period="day")
    assert third["posts_written"] == 1
    assert third["posts_unchanged"] == 4
    assert third["profiles_written"] == 1  # only Eurico's profile changed
    assert f"{POSTS_DIR}/2025-11-05-5-november-2025.md" in third["files"]
    assert f"profiles/{EURICO}.md" in third["files"]


def test_opt_out_removes_profile_and_rewrites_posts(make_ctx, project):
    build(make_ctx, project)
    assert (project.root / "docs/profiles" / f"{JULES}.md").exists()
    write_preferences(
        project.lake_dir,
        [
            {
                "pseudonym": JULES,
                "alias": None,
                "bio": None,
                "twitter": None,
                "website": None,
                "opted_out": True,
            }
        ],
    )
    summary = build(make_ctx, project)
    assert summary["profiles_removed"] == 1
    assert not (project.root / "docs/profiles" / f"{JULES}.md").exists()
    for path in (project.root / "docs").rglob("*.md"):
        assert JULES not in path.read_text(), path


def test_dry_run_writes_nothing(make_ctx, project):
    writer = make_ctx(project).plugins.writers()["mkdocs"]
    summary = writer.write(make_ctx(project, dry_run=True))
    assert summary["posts_written"] == 3
    assert post_files(project) == []
    assert not (project.state_dir / "site-manifest.json").exists()


def test_manifest_holds_no_chat_text(make_ctx, project):
    build(make_ctx, project)
    manifest = json.loads((project.state_dir / "site-manifest.json").read_text())
    dumped = json.dumps(manifest)
    assert "praia no sábado" not in dumped.lower()
    assert "98765" not in dumped
    assert set(manifest["posts"]) == {
        "conversa-do-whatsapp-com-teste/2025-10-20",
        "conversa-do-whatsapp-com-teste/2025-10-27",
        "conversa-do-whatsapp-com-teste/2025-11-03",
    }


def test_home_lists_latest_posts(make_ctx, project):
    build(make_ctx, project)
    home = (project.root / "docs/index.md").read_text()
    assert f"]({POSTS_DIR}/2025-11-03-viagem-dezembro.md)" in home
    assert home.index("2025-11-03") < home.index("2025-10-27")


def test_mkdocs_strict_build_and_html_is_clean(make_ctx, project):
    build(make_ctx, project)
    result = mkdocs_build(project.root)
    assert result.returncode == 0, result.stderr[-2000:]
    site = project.root / "site"
    pages = list(site.rglob("*.html"))
    assert any("praia-foto-sabado" in str(p) for p in pages)
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html, page
        assert not re.search(r"<img[^>]*onerror", html), page
        assert 'href="javascript:' not in html, page
        assert "98765" not in html, page
        assert "opted out later" not in html, page
    post_html = next(p for p in pages if "alert-script" in str(p)).read_text()
    assert "&lt;script&gt;alert" in post_html  # shown as text


def test_missing_mkdocs_yml_is_one_clear_error(make_ctx, project):
    (project.root / "mkdocs.yml").unlink()
    from egregora_core.errors import ConfigError

    with pytest.raises(ConfigError, match="egregora init"):
        build(make_ctx, project)


def test_authors_file_keys_stay_strings_for_numeric_looking_pseudonyms():
    # Keyed pseudonyms are random hex: "56402624" reads as an int and "1e78c227" as a float
    # in YAML unless quoted, and the blog plugin then refuses the authors file.
    from egregora_writer_mkdocs.pages import authors_yml
    from egregora_writer_mkdocs.privacy import Guard
    from egregora_writer_mkdocs.render import Members

    ids = ["56402624", "1e78c227", "ca71a986"]
    members = Members(prefs={}, with_profile=set(ids))
    loaded = yaml.safe_load(authors_yml(ids, members, Guard(set(ids))))["authors"]
    assert sorted(loaded) == sorted(ids)
    assert all(isinstance(key, str) for key in loaded)
