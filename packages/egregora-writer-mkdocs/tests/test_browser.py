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
        assert re.search(r"went around\.\s*3\s*4\s*5", prose)  # a paragraph's citation marks

        browser.open(base + "/posts/2025/10/20/alert-script/")
        hostile = browser.text()
        assert "<script>alert('x')</script>" in hostile  # shown as text, not executed
    finally:
        browser.close()
    assert browser.errors == []
    assert shot_home.stat().st_size > 10_000
    assert shot_post.stat().st_size > 10_000
