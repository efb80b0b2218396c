"""The llm narrator with pydantic-ai test models: citations, retries, fallback, estimates."""

from __future__ import annotations

import asyncio
import logging

import pytest
from egregora_core.narrative import (
    MemoryCache,
    NarrationFailed,
    Paragraph,
    cache_key,
    draft_problems,
    narrate_windows,
    split_window,
)
from egregora_core.offline_narrator import OfflineNarrator
from egregora_llm import LLMNarrator, LLMSettings
from egregora_llm.testing import draft_answer, sample_window
from pydantic_ai.models.test import TestModel


def good(prompt: str) -> dict:
    return draft_answer(prompt)


def test_a_draft_cites_the_lake_ids_of_the_labels_the_model_cited(scripted, narrator_for):
    window = sample_window(n=6)
    model = scripted(good)
    draft = asyncio.run(narrator_for(model).narrate(window))
    assert draft_problems(draft, window) == []
    cited = [c for p in draft.paragraphs for c in p.cites]
    assert cited == [m.id for m in window.messages]  # m1..m6 mapped back, in order
    assert model.requests == 1


def test_testmodel_output_is_validated_too():
    window = sample_window(n=2)
    args = {
        "title": "t",
        "summary": "s",
        "tags": [],
        "paragraphs": [{"text": "They met.", "cites": ["m2"]}],
        "memo": "",
    }
    narrator = LLMNarrator(model=TestModel(custom_output_args=args))
    draft = asyncio.run(narrator.narrate(window))
    assert draft.paragraphs == [Paragraph("They met.", [window.messages[1].id])]


@pytest.mark.parametrize(
    ("flaw", "reason"),
    [
        ("cite", "not in this window: m9999"),
        ("phone", "contains a phone number or e-mail"),
        ("email", "contains a phone number or e-mail"),
    ],
)
def test_a_refused_draft_goes_back_to_the_model_with_the_reason(
    scripted, narrator_for, flaw, reason
):
    window = sample_window(n=4)
    model = scripted(lambda p: draft_answer(p, flaw), good)
    draft = asyncio.run(narrator_for(model).narrate(window))
    assert model.requests == 2
    assert reason in model.sent[1]  # the retry note the model got
    assert draft_problems(draft, window) == []
    assert "98765" not in draft.to_json() and "@example.org" not in draft.to_json()


def test_a_paragraph_citing_nothing_is_sent_back(scripted, narrator_for):
    window = sample_window(n=3)
    uncited = draft_answer("")  # no labels in the prompt: one paragraph, no citation
    model = scripted(uncited, good)
    asyncio.run(narrator_for(model).narrate(window))
    assert "paragraph 1 cites no message" in model.sent[1]


def test_after_the_retries_the_window_is_given_up_without_quoting_text(scripted, narrator_for):
    window = sample_window(n=3)
    model = scripted(lambda p: draft_answer(p, "phone"))
    narrator = narrator_for(model, retries=2)
    with pytest.raises(NarrationFailed) as info:
        asyncio.run(narrator.narrate(window))
    assert model.requests == 3  # first answer + 2 retries
    message = str(info.value)
    assert "after 2 retries" in message
    assert "98765" not in message and "wrote" not in message  # no model or chat text


def test_a_window_that_keeps_failing_falls_back_with_one_warning(scripted, narrator_for, caplog):
    bad, fine = sample_window("g/2025-06-02"), sample_window("g/2025-06-09")
    model = scripted(lambda p: draft_answer(p, "email" if bad.key in p else ""))
    narrator = narrator_for(model, retries=1)
    cache = MemoryCache()
    with caplog.at_level(logging.WARNING, logger="egregora.narrative"):
        run = asyncio.run(narrate_windows(narrator, [bad, fine], cache, fallback=OfflineNarrator()))
    assert run.fallbacks == [bad.key]
    assert run.written == [fine.key]
    assert draft_problems(run.drafts[bad.key], bad) == []  # the offline narrator's draft
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and bad.key in warnings[0] and "offline" in warnings[0]
    assert cache.get(cache_key(narrator, bad)) is None  # the next build tries the model again
    assert cache.get(cache_key(narrator, fine)) is not None


def test_windows_are_written_concurrently_up_to_the_setting(narrator_for):
    from pydantic_ai.messages import ModelResponse, ToolCallPart
    from pydantic_ai.models.function import FunctionModel

    state = {"now": 0, "peak": 0}

    async def slow(messages, info):
        state["now"] += 1
        state["peak"] = max(state["peak"], state["now"])
        await asyncio.sleep(0.02)
        state["now"] -= 1
        prompt = messages[0].parts[-1].content
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, draft_answer(prompt))])

    narrator = LLMNarrator(LLMSettings(concurrency=3), model=FunctionModel(slow))
    windows = [sample_window(f"g/2025-06-{d:02d}") for d in range(1, 11)]
    run = asyncio.run(narrate_windows(narrator, windows, MemoryCache()))
    assert sorted(run.written) == sorted(w.key for w in windows)
    assert state["peak"] == 3


def test_estimate_counts_the_request_as_sent(scripted, narrator_for):
    small, big = sample_window(n=5), sample_window(n=200)
    model = scripted(good)
    narrator = narrator_for(model, max_output_tokens=1000)
    asyncio.run(narrator.narrate(big))
    estimate = narrator.estimate(big)
    assert estimate.calls == 1
    sent_tokens = len(model.sent[0]) // 4
    # the estimate covers the instructions and prompt the model got, plus the output schema
    assert sent_tokens <= estimate.input_tokens <= sent_tokens + 600
    assert narrator.estimate(small).input_tokens < estimate.input_tokens
    assert 0 < estimate.output_tokens <= 1000


def test_the_host_splits_windows_to_fit_max_input_tokens():
    narrator = LLMNarrator(LLMSettings(max_input_tokens=3000))
    window = sample_window(n=400)
    parts = split_window(window, narrator.max_input_tokens)
    assert len(parts) > 1
    for part in parts:
        assert narrator.estimate(part).input_tokens <= 3000


def test_settings_name_the_model_and_prompt_never_a_key(monkeypatch):
    monkeypatch.setenv("MY_SERVER_KEY", "sk-very-secret")
    narrator = LLMNarrator(
        LLMSettings(model="llama3.2", base_url="http://127.0.0.1:9/v1", api_key_env="MY_SERVER_KEY")
    )
    settings = narrator.settings()
    assert settings["model"] == "llama3.2" and settings["prompt_version"]
    assert "sk-very-secret" not in repr(settings) + repr(narrator)
    window = sample_window()
    warmer = LLMNarrator(
        LLMSettings(model="llama3.2", base_url="http://127.0.0.1:9/v1", temperature=0.9)
    )
    assert cache_key(narrator, window) != cache_key(warmer, window)


def test_portrait_cites_the_samples_it_used(scripted, narrator_for):
    import datetime as dt

    from egregora_core.narrative import MemberProfile

    window = sample_window(n=4)
    member = MemberProfile(
        key="a1b2c3d4",
        name="Blue Heron",
        messages=120,
        first=dt.date(2024, 1, 1),
        last=dt.date(2025, 6, 1),
        groups=("Friends",),
        hours=(21, 22),
        keywords=("football",),
        companions=("Red Fox",),
        samples=window.messages[:2],
        language="pt",
    )
    model = scripted(
        {"text": "Mail me at x@example.org", "cites": ["s1"]},
        {"text": "Blue Heron follows every match.", "cites": ["s2", "s7"]},
        {"text": "Blue Heron follows every match.", "cites": ["s2"]},
    )
    portrait = asyncio.run(narrator_for(model).portrait(member))
    assert portrait.text == "Blue Heron follows every match."
    assert portrait.cites == [window.messages[1].id]
    assert "phone number or e-mail" in model.sent[1] and "s7" in model.sent[2]
    assert "Language: pt" in model.sent[0]  # written in the member's language
