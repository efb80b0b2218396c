"""Headless Chromium opens the built site on localhost: post title shown, no console errors.

Screenshots of the home page and one post are saved as test artifacts in
``$EGREGORA_TEST_ARTIFACTS`` (CI uploads it), else in the test's temporary folder.
Needs the Debian packages ``chromium`` (and ``chromium-driver`` in CI); skipped otherwise.
"""

from __future__ import annotations

import functools
import http.server
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
