"""Chat text renders as inert text through the same Markdown pipeline MkDocs uses."""

from __future__ import annotations

import markdown
import pytest
from egregora_writer_mkdocs import escape

from .conftest import HOSTILE

EXTENSIONS = ["pymdownx.escapeall", "attr_list", "tables"]
CONFIG = {"pymdownx.escapeall": {"hardbreak": False, "nbsp": False}}


def to_html(md: str) -> str:
    return markdown.markdown(md, extensions=EXTENSIONS, extension_configs=CONFIG)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_inert(text):
    html = to_html(escape.block(text))
    assert "<script" not in html
    assert "<img" not in html
    assert "<a " not in html
    assert "href" not in html
    assert "<h1" not in html
    assert "<strong" not in html
    assert "<code" not in html
    assert "<hr" not in html
    assert "<table" not in html
    assert 'class="attr"' not in html


def test_characters_survive_as_text():
    html = to_html(escape.inline("a <b> & [c](d) *e* 1.5 #tag"))
    assert html == "<p>a &lt;b&gt; &amp; [c](d) *e* 1.5 #tag</p>"


def test_block_keeps_line_breaks_and_drops_indentation():
    md = escape.block("first\n    indented would be code\nthird", prefix="> ")
    html = to_html(md)
    assert "<pre" not in html
    assert "<code" not in html
    assert html.count("<br") == 2
    assert "indented would be code" in html


def test_entities_even_without_escapeall():
    html = markdown.markdown(escape.inline("<script>x</script>"))
    assert "<script" not in html


def test_control_characters_removed():
    assert escape.inline("a\x00b\x1bc") == "abc"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a?b=1", "https://example.com/a?b=1"),
        ("https://example.com/a)b", "https://example.com/a%29b"),
        ('http://x.org/<script>?a="b" c', "http://x.org/%3Cscript%3E?a=%22b%22%20c"),
        ("https://example.com/path.", "https://example.com/path"),
    ],
)
def test_safe_url_encodes_link_breakers(url, expected):
    assert escape.safe_url(url) == expected


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,x", "ftp://x.org", "https://"]
)
def test_safe_url_refuses_other_schemes(url):
    assert escape.safe_url(url) is None


def test_domain():
    assert escape.domain("https://www.Example.com:8080/x") == "example.com"
    assert escape.domain("not a url") == ""
