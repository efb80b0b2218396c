"""The llm plugin end to end: a real project, the fake OpenAI-compatible server on 127.0.0.1.

Everything a model receives goes through the real provider client over HTTP; the raw
member names of the export (read in memory only) must never appear in a request.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import REPO
from .test_site_samples import raw_names

#: Two of the project's sample exports (Android pt-BR and iOS en).
SAMPLES = ("Conversa do WhatsApp com Horta da Vila", "WhatsApp Chat - Saturday Book Swap")

llm_testing = pytest.importorskip("egregora_llm.testing")


@pytest.fixture(scope="module")
def exports(samples) -> list[Path]:
    return [samples[name] for name in SAMPLES]


@pytest.fixture(scope="module")
def built(cli, exports, tmp_path_factory):
    """A project with two sample exports ingested and a site built (one post a day)."""
    project = tmp_path_factory.mktemp("llm") / "project"
    assert cli(["init", str(project)]) == 0
    for export in exports:
        assert cli(["--project", str(project), "run", str(export)]) == 0
    assert cli(["--project", str(project), "site", "build", "--period", "day"]) == 0
    return project


def use_server(project: Path, server) -> None:
    """Point the project's [llm] settings at the fake server (no key: like Ollama)."""
    config = project / ".egregora" / "egregora.toml"
    text = config.read_text(encoding="utf-8").split("\n[llm]\n")[0]
    config.write_text(
        text + f'\n[llm]\nmodel = "{llm_testing.TEST_MODEL}"\nbase_url = "{server.base_url}"\n',
        encoding="utf-8",
    )


def test_rank_with_the_llm_judge_stores_elo(cli, built, exports, capsys, monkeypatch):
    from egregora_core.project import open_project
    from egregora_writer_mkdocs.ranking.store import RankStore

    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    with llm_testing.FakeLLMServer(latency=0.01) as server:
        use_server(built, server)
        code = cli(
            ["--project", str(built), "rank", "--judge", "llm", "--duels", "4", "--seed", "3"]
        )
        records = list(server.records)
    out = capsys.readouterr().out
    assert code == 0 and "4 duel(s) recorded" in out, out
    assert [r.kind for r in records] == ["verdict"] * 4
    names = set().union(*map(raw_names, exports))
    assert len(names) >= 6  # something to find
    for record in records:
        assert not [n for n in names if n in record.prompt]
    with RankStore.open(open_project(built)) as store:
        ratings = store.ratings()
    assert sum(r["games"] for r in ratings.values()) == 8
    assert any(r["rating"] != 1500 for r in ratings.values())


def built_posts(project: Path) -> list[Path]:
    return sorted((project / "docs/posts/posts").glob("*.md"))


@pytest.fixture
def faulty_server():
    """30% of requests fail (429 with Retry-After, 500, or hang past the 0.6 s timeout)."""
    with llm_testing.FakeLLMServer(
        latency=0.02, fault_rate=0.3, retry_after=0.05, hang=1.5, seed=11
    ) as server:
        # every kind of fault at least once, then 30% at random
        server.fail(llm_testing.Fault.rate_limit(0.05), llm_testing.Fault(500))
        server.fail(llm_testing.Fault(hang=1.5))
        yield server


def configure_llm(project: Path, server, **extra) -> None:
    use_server(project, server)
    config = project / ".egregora" / "egregora.toml"
    settings = {"timeout": 0.6, "http_retries": 8, "concurrency": 4, **extra}
    lines = "".join(f"{k} = {v!r}\n" for k, v in settings.items())
    config.write_text(config.read_text(encoding="utf-8") + lines, encoding="utf-8")


def test_site_build_with_the_llm_narrator_under_faults(cli, built, exports, faulty_server, capsys):
    configure_llm(built, faulty_server)
    dry = cli(
        [
            "--project",
            str(built),
            "site",
            "build",
            "--period",
            "day",
            "--narrator",
            "llm",
            "--dry-run",
        ]
    )
    out = capsys.readouterr().out
    assert dry == 0 and "with the llm narrator" in out and "input and" in out, out
    profiles = sorted(p for p in (built / "docs/profiles").glob("*.md") if p.stem != "index")
    assert f"would write {len(profiles)} portrait(s) with the llm narrator" in out, out
    assert faulty_server.records == []  # a dry run sends nothing

    code = cli(["--project", str(built), "site", "build", "--period", "day", "--narrator", "llm"])
    out = capsys.readouterr().out
    assert code == 0, out  # site build ends with mkdocs build --strict
    written = faulty_server.written()
    statuses = faulty_server.statuses()
    assert written and set(written.values()) == {1}, written  # each window written once
    assert statuses[429] and statuses[500] and statuses[0]
    assert f"prose (llm): {len(written)} written, 0 cached, 0 by the offline" in out, out
    prose = "\n".join(p.read_text(encoding="utf-8") for p in built_posts(built))
    assert "messages in this part of the conversation" in prose  # the model's paragraphs
    names = set().union(*map(raw_names, exports))
    for record in faulty_server.records:
        assert not [n for n in names if n in record.prompt]
    # Every profile's portrait came from the model (the fake's answer), its prompt from
    # the member's anonymized profile: a display name and samples, never a raw name.
    portraits = [r for r in faulty_server.records if r.kind == "portrait" and r.status == 200]
    assert len(portraits) == len(profiles), out
    assert all(r.prompt.startswith("Member: ") and "Samples:" in r.prompt for r in portraits)
    assert f"portraits: {len(profiles)} written, 0 cached, 0 by the offline fallback" in out
    for path in profiles:
        assert "A regular voice of the group" in path.read_text(encoding="utf-8"), path.name

    shows_prose_in_chromium(built, "messages in this part of the conversation")

    # Unchanged windows and profiles cost nothing the second time.
    before = len(faulty_server.records)
    again = ["site", "build", "--period", "day", "--narrator", "llm", "--no-mkdocs"]
    assert cli(["--project", str(built), *again]) == 0
    assert len(faulty_server.records) == before
    assert "narrator calls: 0" in capsys.readouterr().out


def shows_prose_in_chromium(project: Path, phrase: str) -> None:
    """Headless Chromium opens a built post with the model's prose; screenshot kept."""
    import functools
    import http.server
    import importlib.util
    import os
    import tempfile
    import threading

    spec = importlib.util.spec_from_file_location(
        "writer_cdp", REPO / "packages/egregora-writer-mkdocs/tests/cdp.py"
    )
    cdp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cdp)
    if cdp.chromium_path() is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    site = project / "site"
    page = next(p for p in sorted(site.rglob("index.html")) if phrase in p.read_text("utf-8"))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    artifacts = Path(os.environ.get("EGREGORA_TEST_ARTIFACTS") or tempfile.mkdtemp())
    with tempfile.TemporaryDirectory() as profile:
        browser = cdp.Browser(Path(profile))
        try:
            url = page.parent.relative_to(site).as_posix()
            browser.open(f"http://127.0.0.1:{server.server_address[1]}/{url}/")
            text = browser.text()
            shot = browser.screenshot(artifacts / "llm-post.png")
            errors = list(browser.errors)
        finally:
            browser.close()
            server.shutdown()
            server.server_close()
    assert phrase in text
    assert shot.stat().st_size > 10_000
    assert errors == []


def month_of_chat(folder: Path) -> Path:
    """An Android export of 30 days, 8 messages a day by 4 members (30 day windows)."""
    names = ["Ana Souza", "Bruno Lima", "Carla Dias", "Davi Rocha"]
    lines = []
    for day in range(1, 31):
        for i in range(8):
            lines.append(
                f"{day:02d}/04/2025, {9 + i:02d}:{7 * i:02d} - {names[i % 4]}: "
                f"day {day} message {i} about the garden and the rain"
            )
    path = folder / "WhatsApp Chat with Garden Club.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_killed_llm_build_resumes_from_the_draft_cache(cli, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    project = tmp_path / "project"
    assert cli(["init", str(project)]) == 0
    assert cli(["--project", str(project), "ingest", str(month_of_chat(tmp_path))]) == 0
    egregora = str(Path(sys.executable).parent / "egregora")
    with llm_testing.FakeLLMServer(latency=0.3) as server:
        configure_llm(project, server, concurrency=2, timeout=10.0)
        command = [
            egregora,
            "--project",
            str(project),
            "site",
            "build",
            "--period",
            "day",
            "--narrator",
            "llm",
            "--no-mkdocs",
        ]
        child = subprocess.Popen(command, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
        deadline = time.monotonic() + 120
        while len(server.written()) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert child.returncode == -signal.SIGKILL
        first = set(server.written())
        seen = len(server.records)
        resumed = subprocess.run(command, capture_output=True, text=True)
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        second = {r.window for r in server.records[seen:] if r.kind == "draft"}
        names = ["Ana Souza", "Bruno Lima", "Carla Dias", "Davi Rocha"]
        assert not [r for r in server.records if any(n in r.prompt for n in names)]
    assert len(first) >= 6 and len(first | second) == 30
    # What the killed build finished was cached and not asked for again; only the (at most
    # two) windows in flight when it died may have been answered without being stored.
    assert len(first & second) <= 2
    cached = len(first - second)
    assert f"prose (llm): {len(second)} written, {cached} cached, 0 by the offline" in (
        resumed.stdout
    ), resumed.stdout
