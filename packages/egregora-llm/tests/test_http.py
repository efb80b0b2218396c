"""The narrator over real HTTP: the openai client against a fake server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from egregora_core.errors import ConfigError
from egregora_core.narrative import (
    Draft,
    MemoryCache,
    NarrationFailed,
    cache_key,
    draft_problems,
    narrate_windows,
)
from egregora_core.offline_narrator import OfflineNarrator
from egregora_llm import LLMNarrator, LLMSettings
from egregora_llm.testing import TEST_MODEL, FakeLLMServer, Fault, sample_window


def narrator(server: FakeLLMServer, **settings) -> LLMNarrator:
    options = dict(model=TEST_MODEL, base_url=server.base_url, timeout=2.0, http_retries=3)
    options.update(settings)
    return LLMNarrator(LLMSettings(**options))


def weeks(n: int, group: str = "friends") -> list:
    return [
        sample_window(f"{group}/2025-{1 + i // 28:02d}-{1 + i % 28:02d}", n=5) for i in range(n)
    ]


def test_a_build_under_30_percent_faults_writes_every_window_exactly_once():
    windows = weeks(16)
    with FakeLLMServer(latency=0.02, fault_rate=0.3, retry_after=0.05, hang=1.5, seed=7) as server:
        llm = narrator(server, concurrency=4, timeout=0.6, http_retries=8)
        cache = MemoryCache()
        run = asyncio.run(narrate_windows(llm, windows, cache, fallback=OfflineNarrator()))
        statuses = server.statuses()
        written = server.written()
    assert run.fallbacks == []
    assert sorted(run.written) == sorted(w.key for w in windows)
    assert written == {w.key: 1 for w in windows}  # no window was written twice
    assert statuses[429] and statuses[500] and statuses[0]  # every fault kind was played
    for w in windows:
        draft = cache.get(cache_key(llm, w))
        assert draft is not None and draft_problems(draft, w) == []


def test_retry_after_is_honoured():
    with FakeLLMServer() as server:
        server.fail(Fault.rate_limit(retry_after=1.0))
        asyncio.run(narrator(server).narrate(sample_window()))
        first, second = server.records
    assert first.status == 429 and second.status == 200
    assert second.received - first.answered >= 0.9


def test_a_server_that_keeps_failing_gives_the_window_up_after_the_http_retries():
    with FakeLLMServer() as server:
        server.fail(*[500] * 3)
        llm = narrator(server, http_retries=2)
        with pytest.raises(NarrationFailed) as info:
            asyncio.run(llm.narrate(sample_window()))
        assert len(server.records) == 3
    assert "after 3 attempts" in str(info.value) and "500" in str(info.value)


def test_a_refused_key_stops_the_build_with_one_line(monkeypatch):
    monkeypatch.setenv("FAKE_SERVER_KEY", "sk-wrong")
    with FakeLLMServer(api_key="sk-right") as server:
        llm = narrator(server, api_key_env="FAKE_SERVER_KEY")
        with pytest.raises(ConfigError) as info:
            asyncio.run(narrate_windows(llm, weeks(2), MemoryCache(), fallback=OfflineNarrator()))
    assert "refused the request" in str(info.value)
    assert "sk-wrong" not in str(info.value)


def test_the_openai_key_is_never_sent_to_another_server(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-real-openai-key")
    with FakeLLMServer() as server:
        asyncio.run(narrator(server).narrate(sample_window()))
        (record,) = server.records
    assert "sk-real-openai-key" not in record.authorization


def test_a_key_named_by_api_key_env_is_sent(monkeypatch):
    monkeypatch.setenv("FAKE_SERVER_KEY", "sk-right")
    with FakeLLMServer(api_key="sk-right") as server:
        asyncio.run(narrator(server, api_key_env="FAKE_SERVER_KEY").narrate(sample_window()))
        assert [r.status for r in server.records] == [200]


@pytest.mark.parametrize("flaws", [("phone",), ("email", "cite")])
def test_contact_data_in_an_answer_is_retried_over_http(flaws):
    window = sample_window()
    with FakeLLMServer() as server:
        server.poison(window.key, *flaws)
        draft = asyncio.run(narrator(server, retries=2).narrate(window))
        assert [r.bad for r in server.records] == [*flaws, ""]
    assert draft_problems(draft, window) == []


def test_contact_data_that_persists_fails_the_window_over():
    window = sample_window()
    with FakeLLMServer() as server:
        server.poison(window.key, "phone", "email", "phone")
        run = asyncio.run(
            narrate_windows(
                narrator(server, retries=2), [window], MemoryCache(), fallback=OfflineNarrator()
            )
        )
    assert run.fallbacks == [window.key]
    assert "98765" not in run.drafts[window.key].to_json()


def test_windows_are_sent_concurrently_up_to_the_setting():
    with FakeLLMServer(latency=0.2) as server:
        asyncio.run(narrate_windows(narrator(server, concurrency=3), weeks(9), MemoryCache()))
        assert server.peak_in_flight == 3


class DirCache:
    """A draft cache in a folder, one file per key written atomically (as a DB row would be)."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def get(self, key):
        path = self.folder / f"{key}.json"
        return Draft.from_json(path.read_text("utf-8")) if path.exists() else None

    def put(self, key, draft):
        tmp = self.folder / f"{key}.tmp"
        tmp.write_text(draft.to_json(), "utf-8")
        os.replace(tmp, self.folder / f"{key}.json")


CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[3])
    from test_http import DirCache, narrator_at, weeks
    from egregora_core.narrative import narrate_windows
    asyncio.run(narrate_windows(narrator_at(sys.argv[1]), weeks(12), DirCache(Path(sys.argv[2]))))
    """
)


def narrator_at(base_url: str) -> LLMNarrator:
    return LLMNarrator(LLMSettings(model=TEST_MODEL, base_url=base_url, concurrency=2, timeout=5.0))


def test_a_build_killed_midway_resumes_from_the_cache(tmp_path):
    windows = weeks(12)
    folder = tmp_path / "cache"
    with FakeLLMServer(latency=0.25) as server:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, server.base_url, str(folder), str(Path(__file__).parent)]
        )
        deadline = time.monotonic() + 60
        while len(list(folder.glob("*.json"))) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert child.returncode == -signal.SIGKILL
        before = {p.stem for p in folder.glob("*.json")}
        assert 4 <= len(before) < len(windows)
        llm = narrator_at(server.base_url)
        keys = {cache_key(llm, w): w for w in windows}
        for key in before:  # what the killed build cached is whole and valid
            draft = DirCache(folder).get(key)
            assert draft_problems(draft, keys[key]) == []
        # The killed build's last requests are still being answered: let them land first,
        # so every record after ``seen`` belongs to the resumed build.
        while server.in_flight and time.monotonic() < deadline:
            time.sleep(0.02)
        seen = len(server.records)
        run = asyncio.run(narrate_windows(llm, windows, DirCache(folder)))
        resumed = {r.window for r in server.records[seen:]}
    assert sorted(run.cached) == sorted(keys[k].key for k in before)
    assert resumed == {w.key for w in windows} - {keys[k].key for k in before}
    assert {p.stem for p in folder.glob("*.json")} == set(keys)
    assert json.loads((folder / f"{next(iter(before))}.json").read_text())["paragraphs"]


@pytest.mark.parametrize("mode", ["tool", "native", "prompted"])
def test_each_output_mode_asks_for_the_draft_its_way(mode):
    window = sample_window()
    with FakeLLMServer() as server:
        server.poison(window.key, "cite")  # the validator works the same in every mode
        draft = asyncio.run(narrator(server, output_mode=mode).narrate(window))
        assert [(r.mode, r.kind, r.bad) for r in server.records] == [
            (mode, "draft", "cite"),
            (mode, "draft", ""),
        ]
    assert draft_problems(draft, window) == []
