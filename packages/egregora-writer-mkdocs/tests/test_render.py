"""Page rendering: media players, conversation labels, cut lists, plurals, related posts,
and the page text in the group's language."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import markdown
import numpy as np
import pytest
from egregora_writer_mkdocs import i18n, periods, related, site
from egregora_writer_mkdocs.media import MediaFile
from egregora_writer_mkdocs.privacy import Guard
from egregora_writer_mkdocs.render import POSTS_DIR, Members, Post, post_page, profile_page

from .conftest import FRANKLIN, mkdocs_build

UTC = ZoneInfo("UTC")


def _ts(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, 6, day, hour, minute, tzinfo=dt.UTC)


def _post(**fields) -> Post:
    base = {
        "group_slug": "g",
        "group_name": "G",
        "start": dt.date(2024, 6, 3),
        "period": "week",
        "messages": 1,
        "participants": 1,
        "first_ts": _ts(3, 9),
        "last_ts": _ts(3, 9),
        "authors": [(FRANKLIN, 1)],
        "slug": "s",
    }
    return Post(**{**base, **fields})


def _page(post: Post) -> str:
    return post_page(post, Members({}), Guard(), UTC)


def _html(page: str) -> str:
    body = page.split("---\n", 2)[2]
    return markdown.markdown(body, extensions=["attr_list", "tables"])


def _media(kind: str, ext: str, n: int) -> MediaFile:
    return MediaFile(f"0000000{n}-0000-5000-8000-000000000000", kind, ext, f"{n}" * 64)


def test_media_players_and_a_real_list_under_an_image():
    items = [
        _media("images", "jpg", 1),
        _media("videos", "mp4", 2),
        _media("audio", "opus", 3),
        _media("documents", "pdf", 4),
        _media("images", "png", 5),
    ]
    page = _page(_post(media=items, missing_media={items[4].sha256}, media_count=5))
    html = _html(page)
    media = html.split("Media</h2>", 1)[1]
    # Before: "- video file - audio file - file not available" was one literal paragraph.
    assert "- " not in media.replace("<li>", "")
    assert '<video controls preload="none" src="../../../../../media/videos/' in media
    assert '<audio controls preload="none" src="../../../../../media/audio/' in media
    assert "autoplay" not in media
    assert media.count("<li>") == 2  # the document and the missing image
    assert "<em>image not available</em>" in media
    assert '<a href="../../media/documents/00000004-' in media


def test_a_conversation_over_several_days_names_both_days():
    thread = {"start": _ts(3, 0, 9), "end": _ts(9, 23, 59), "messages": 40, "participants": 3}
    page = _page(_post(threads=[thread], thread_count=1, first_ts=_ts(3, 0, 9)))
    assert "**Mon 03 Jun, 00:09 – Sun 09 Jun, 23:59**" in page
    same_day = {"start": _ts(4, 10), "end": _ts(4, 11, 30), "messages": 2, "participants": 2}
    assert "**Tue 04 Jun, 10:00–11:30**" in _page(_post(threads=[same_day], thread_count=1))


def test_cut_lists_say_how_many_more():
    threads = [
        {"start": _ts(3, h), "end": _ts(3, h, 5), "messages": 2, "participants": 2}
        for h in range(12)
    ]
    links = [{"url": "https://example.com/a", "domain": "example.com", "shares": 1}]
    page = _page(_post(threads=threads, thread_count=19, links=links, link_count=4))
    assert "19 conversations" in page
    conversations = page.split("## Conversations", 1)[1].split("##", 1)[0]
    assert "*and 7 more*" in conversations
    assert "*and 3 more*" in page.split("## Shared links", 1)[1]
    assert "more*" not in _page(_post(threads=threads[:2], thread_count=2))


def test_singular_and_plural():
    one = {"start": _ts(3, 9), "end": _ts(3, 9), "messages": 1, "participants": 1}
    page = _page(_post(threads=[one], thread_count=1))
    assert "1 message from 1 member in 1 conversation." in page
    assert "· 1 message · 1 member" in page
    assert "1 messages" not in page and "1 members" not in page
    data = {
        "totals": {
            "messages": 1,
            "days": 1,
            "first": dt.date(2024, 6, 3),
            "last": dt.date(2024, 6, 3),
        },
        "groups": [("g", 1)],
        "months": [(dt.date(2024, 6, 1), 1)],
        "hours": [(9, 1)],
        "domains": [],
    }
    profile = profile_page(FRANKLIN, data, Members({}), Guard(), {"g": "G"})
    assert "1 message on 1 day " in profile


def test_related_posts_stay_within_their_group():
    v = np.array([1.0, 0.0], dtype=np.float32)
    a1, a2 = ("a", dt.date(2024, 6, 3)), ("a", dt.date(2024, 6, 10))
    b1 = ("b", dt.date(2024, 6, 5))  # the other group's post is the closest match
    vectors = {a1: np.array([0.6, 0.8], dtype=np.float32), a2: v, b1: v}
    found = related.nearest_earlier(vectors, [a2], [a1, b1, a2])
    assert found == {a2: [a1]}
    assert related.nearest_earlier(vectors, [b1], [a1, b1, a2]) == {}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Bom dia pessoal, você vai? Não sei, acho que está muito cedo pra isso", "pt"),
        ("Hola, ¿los vas a ver? Pero no sé, esto está muy lejos de las casas", "es"),
        ("Ich habe das nicht gesehen, aber wir sind auch noch da und sie auch", "de"),
        ("Je ne sais pas, c'est bien mais nous avons tout pour les enfants", "fr"),
        ("Non lo so, anche questo è vero, però sono tutto per te e io", "it"),
        ("I think that the meeting was just fine, but you have to see this", "en"),
        ("👍 👍 ok", "en"),
    ],
)
def test_language_detected_from_common_words(text, language):
    assert i18n.detect([text, text]) == language


def test_page_text_in_each_language():
    pt = i18n.Text("pt")
    assert pt.count(1, "message") == "1 mensagem"
    assert pt.count(1234, "message") == "1.234 mensagens"
    assert periods.label(dt.date(2024, 6, 3), "week", "pt") == "Semana de 3 de junho de 2024"
    assert periods.label(dt.date(2024, 6, 3), "day", "de") == "3. Juni 2024"
    page = _page(_post(language="fr", messages=3, participants=2))
    assert "3 messages de 2 membres dans 0 conversations." in page
    assert "## Qui a participé" in page
    for language in i18n.LANGUAGES:  # every table has every key the English one has
        assert set(i18n.TEXT[language]) == set(i18n.TEXT["en"]), language


def test_site_language_detected_and_set_in_the_theme(make_ctx, project):
    toml = project.config_path
    toml.write_text(toml.read_text().replace('language = "en"', 'language = "auto"'))
    ctx = make_ctx(project)
    writer = ctx.plugins.writers().get_or_fail("mkdocs")
    writer.write(ctx, period="week")
    post = (project.root / "docs" / POSTS_DIR / "2025-10-27-praia-foto-sabado.md").read_text()
    assert "6 mensagens de 3 membros em 2 conversas." in post
    assert "## Quem participou" in post
    mkdocs_yml = (project.root / "mkdocs.yml").read_text()
    assert "\n  language: pt " in mkdocs_yml
    assert "Membros" in (project.root / "docs/profiles/index.md").read_text()
    built = mkdocs_build(project.root)
    assert built.returncode == 0, built.stderr
    # Profiles are outside the nav on purpose: no INFO line per page about it.
    assert "not included in the" not in built.stderr
    yml = project.root / "mkdocs.yml"
    yml.write_text(yml.read_text().replace("  /profiles/*.md", "  /elsewhere/*.md"))
    assert "not included in the" in mkdocs_build(project.root).stderr  # what it silences
    assert 'lang="pt"' in (project.root / "site/index.html").read_text()

    # An explicit setting wins, and the theme follows it.
    summary = writer.write(make_ctx(project, env={"EGREGORA_SITE_LANGUAGE": "es"}), period="week")
    assert summary["posts_written"] > 0  # a language change re-renders every page
    assert "\n  language: es " in (project.root / "mkdocs.yml").read_text()


def test_theme_language_added_to_an_older_mkdocs_yml(tmp_path):
    (tmp_path / "mkdocs.yml").write_text("site_name: x\ntheme:\n  name: material\n  font: false\n")
    assert site.scaffold.set_theme_language(tmp_path, "it")
    assert (
        "  name: material\n  language: it\n  font: false" in (tmp_path / "mkdocs.yml").read_text()
    )
    assert not site.scaffold.set_theme_language(tmp_path, "it")
