"""Headless Chromium opens the built site on localhost: post title shown, no console errors.

Screenshots of the home page and one post are saved as test artifacts in
``$EGREGORA_TEST_ARTIFACTS`` (CI uploads it), else in the test's temporary folder.
Needs the Debian packages ``chromium`` (and ``chromium-driver`` in CI); skipped otherwise.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import threading
from pathlib import Path

import pytest

from .cdp import Browser, chromium_path
from .conftest import mkdocs_build

pytestmark = pytest.mark.skipif(
    chromium_path() is None, reason="chromium is not installed (apt-get install chromium)"
)


@pytest.fixture
def served_site(project, make_ctx):
    make_ctx(project).plugins.writers()["mkdocs"].write(make_ctx(project))
    result = mkdocs_build(project.root)
    assert result.returncode == 0, result.stderr[-2000:]
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(project.root / "site")
    )
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", project
    finally:
        server.shutdown()
        server.server_close()


def test_home_and_post_render_without_console_errors(served_site, tmp_path):
    base, _project = served_site
    artifacts = Path(os.environ.get("EGREGORA_TEST_ARTIFACTS") or tmp_path / "artifacts")
    browser = Browser(tmp_path / "chromium-profile")
    try:
        browser.open(base + "/")
        home = browser.text()
        shot_home = browser.screenshot(artifacts / "home.png")
        assert "Viagem and dezembro" in home  # latest posts on the home (narrator titles)

        browser.open(base + "/posts/2025/10/27/praia-foto-sabado/")
        post = browser.text()
        shot_post = browser.screenshot(artifacts / "post.png")
        assert "Praia and sábado" in post
        prose = post[post.rindex("Praia and sábado") :].split("Who took part")[0]  # after the TOC
        assert "three members wrote six messages" in prose.lower()
        assert "two photos" in prose  # what was shared (one image present, one missing)
        assert "Bom dia! Alguém vai para a praia no sábado" in post.split("Sources")[-1]
        assert re.search(
            r"went around\.\s*\[3\]\s*\[4\]\s*\[5\]", prose
        )  # a paragraph's citation marks

        browser.open(base + "/posts/2025/10/20/alert-script/")
        hostile = browser.text()
        assert "<script>alert('x')</script>" in hostile  # shown as text, not executed
    finally:
        browser.close()
    assert browser.errors == []
    assert shot_home.stat().st_size > 10_000
    assert shot_post.stat().st_size > 10_000


PAYLOAD = 'Evil</title><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


@pytest.fixture
def hostile_site(tmp_path, make_ctx):
    """The sample site with a script payload in the group name, an alias and a bio."""
    from egregora_core.lake import Lake
    from egregora_core.project import init_project
    from egregora_writer_mkdocs import scaffold

    from .conftest import DEFAULT_PREFS, sample_rows, write_preferences

    project = init_project(tmp_path / "hostile")
    toml = project.config_path
    toml.write_text(toml.read_text().replace('language = "auto"', 'language = "en"'))
    scaffold.scaffold(project)
    rows = sample_rows(project.state_dir)
    rows.group_name = PAYLOAD
    with Lake.open(project) as lake:
        rows.write(lake)
    prefs = [{**DEFAULT_PREFS[0], "alias": PAYLOAD, "bio": PAYLOAD}, *DEFAULT_PREFS[1:]]
    write_preferences(project.lake_dir, prefs)
    make_ctx(project).plugins.writers()["mkdocs"].write(make_ctx(project))
    result = mkdocs_build(project.root)
    assert result.returncode == 0, result.stderr[-2000:]
    return project


def test_script_payloads_in_every_field_stay_inert_in_chromium(hostile_site, tmp_path):
    site = hostile_site.root / "site"
    categories = sorted(site.glob("posts/category/*/index.html"))
    profiles = sorted(site.glob("profiles/*/index.html"))
    pages = [site / "index.html", *categories, *profiles[:3]]
    pages += sorted(site.glob("posts/20*/**/index.html"))[:2]
    assert categories, "the blog plugin wrote no category page"
    for page in pages:
        assert "<script>window.__pwned" not in page.read_text(encoding="utf-8"), page
    search = (site / "search/search_index.json").read_text(encoding="utf-8")
    assert "<script>window.__pwned" not in search
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    browser = Browser(tmp_path / "chromium-profile")
    try:
        for page in pages:
            browser.open(base + page.relative_to(site).as_posix())
            state = browser.call(
                "Runtime.evaluate",
                {"expression": "String(window.__pwned)", "returnByValue": True},
            )
            assert state["result"]["value"] == "undefined", page
        browser.open(base + categories[0].relative_to(site).as_posix())
        title = browser.call(
            "Runtime.evaluate", {"expression": "document.title", "returnByValue": True}
        )
        assert "Evil" in title["result"]["value"]  # the payload is shown as text
    finally:
        browser.close()
        server.shutdown()
        server.server_close()


#: Script payloads for every field a member (``/egregora`` commands) or a model sets: each
#: would set ``window.__pwned``, add an ``img[src=x]``/``svg`` or a ``javascript:`` link.
PAYLOADS = [
    '"><img src=x onerror="window.__pwned=1">',
    "</title><script>window.__pwned=2</script>",
    "'><svg onload=window.__pwned=3>",
]
EVERYWHERE = "Evil " + "".join(PAYLOADS)


class HostileNarrator:
    """A narrator whose every output field is a payload: a model's output is untrusted."""

    name = "hostile"
    concurrency = 1
    max_input_tokens = None

    def settings(self):
        return {"model": "hostile-1"}

    def estimate(self, window):
        from egregora_core.narrative import Estimate

        return Estimate(calls=1, input_tokens=10, output_tokens=10)

    async def narrate(self, window):
        from egregora_core.narrative import Draft, Paragraph

        first = window.messages[0].id
        return Draft(
            title="Title " + EVERYWHERE,
            summary="Summary " + EVERYWHERE,
            tags=[EVERYWHERE, *PAYLOADS],
            paragraphs=[
                Paragraph(p + " [link](javascript:window.__pwned=4)", [first]) for p in PAYLOADS
            ],
            memo=EVERYWHERE,
        )

    async def portrait(self, member):
        from egregora_core.narrative import Portrait

        return Portrait("Portrait " + EVERYWHERE, [])


PROBE = """JSON.stringify({
  pwned: String(window.__pwned),
  img: document.querySelectorAll('img[src="x"], svg[onload]').length,
  js: [...document.querySelectorAll('a[href]')].filter(a => /^\\s*javascript:/i.test(a.getAttribute('href'))).length,
  scripts: [...document.scripts].filter(s => s.textContent.includes('__pwned')).length,
  shown: document.body.innerText.includes('onerror=') || document.title.includes('Evil')
})"""


def test_payloads_from_members_and_a_model_stay_inert_on_every_page(tmp_path, make_ctx, plugins):
    """Group name, alias, bio, twitter, website, post title, summary, tags, paragraphs and
    portraits all hold payloads; ``mkdocs build --strict`` passes and every generated HTML
    page runs no injected script in Chromium."""
    from egregora_core import hookimpl
    from egregora_core.lake import Lake
    from egregora_core.project import init_project
    from egregora_writer_mkdocs import scaffold

    from .conftest import DEFAULT_PREFS, sample_rows, write_preferences

    class Plugin:
        @hookimpl
        def egregora_register_narrators(self, register):
            register(HostileNarrator())

    plugins.register(Plugin(), "hostile-narrator")
    project = init_project(tmp_path / "hostile")
    toml = project.config_path
    toml.write_text(toml.read_text().replace('language = "auto"', 'language = "en"'))
    scaffold.scaffold(project)
    rows = sample_rows(project.state_dir)
    rows.group_name = EVERYWHERE
    with Lake.open(project) as lake:
        rows.write(lake)
    hostile = {
        "alias": EVERYWHERE,
        "bio": EVERYWHERE,
        "twitter": '@x"><img src=x onerror=window.__pwned=5>',
        "website": "javascript:window.__pwned=6",
    }
    write_preferences(project.lake_dir, [{**DEFAULT_PREFS[0], **hostile}, *DEFAULT_PREFS[1:]])
    ctx = make_ctx(project)
    summary = ctx.plugins.writers()["mkdocs"].write(ctx, narrator="hostile")
    assert summary["narrator_calls"] >= 1
    result = mkdocs_build(project.root)
    assert result.returncode == 0, result.stderr[-2000:]

    site = project.root / "site"
    authors = (project.root / "docs" / "posts" / ".authors.yml").read_text(encoding="utf-8")
    assert "Evil" in authors and "<script>" not in authors
    search = (site / "search/search_index.json").read_text(encoding="utf-8")
    assert "Title Evil" in search and "<script>window.__pwned" not in search
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 10 and any("profiles" in p.parts for p in pages)
    control = site / "control.html"  # the probe does see a payload that is not escaped
    control.write_text(f"<html><title>{EVERYWHERE}</title><body></body></html>")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    browser = Browser(tmp_path / "chromium-profile")
    shown = 0
    try:
        browser.open(base + "control.html", settle=0.3)
        state = browser.call("Runtime.evaluate", {"expression": PROBE, "returnByValue": True})
        assert json.loads(state["result"]["value"])["pwned"] != "undefined"
        for page in pages:
            browser.open(base + page.relative_to(site).as_posix(), settle=0.3)
            state = browser.call("Runtime.evaluate", {"expression": PROBE, "returnByValue": True})
            found = json.loads(state["result"]["value"])
            assert found["pwned"] == "undefined", (page, found)
            assert (found["img"], found["js"], found["scripts"]) == (0, 0, 0), (page, found)
            shown += found["shown"]
    finally:
        browser.close()
        server.shutdown()
        server.server_close()
    assert shown >= len(pages) // 2  # the payloads are on the pages, as text
