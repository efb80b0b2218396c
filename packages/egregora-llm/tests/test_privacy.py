"""What reaches a model: only the window's own text, redacted once more; no key in a message."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from dataclasses import asdict

from egregora_llm import LLMNarrator, LLMSettings
from egregora_llm.prompt import window_prompt
from egregora_llm.testing import draft_answer, sample_window

WORD = re.compile(r"[^\W\d_]+")
#: The prompt's own words (its headings); every other word must come from the window.
TEMPLATE_WORDS = {"Window", "Group", "Period", "to", "Language", "Previous", "memo"}
TEMPLATE_WORDS |= {"Threads", "T", "messages", "started", "by", "with", "about", "Links", "x"}
TEMPLATE_WORDS |= {"Messages", "m", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "system"}


def test_every_word_of_a_prompt_comes_from_the_window_or_the_template():
    window = sample_window(n=8, text="Ana's cousin brought the cake", memo="Cake was planned.")
    prompt, _ = window_prompt(window)
    from_window = set(WORD.findall(json.dumps(asdict(window), default=str, ensure_ascii=False)))
    extra = set(WORD.findall(prompt)) - from_window - TEMPLATE_WORDS
    assert extra == set()
    assert "Ana's cousin brought the cake" in prompt


def test_only_the_prompt_and_fixed_instructions_are_sent(scripted, narrator_for):
    window = sample_window(n=5)
    model = scripted(draft_answer)
    asyncio.run(narrator_for(model).narrate(window))
    prompt, _ = window_prompt(window)
    from egregora_llm.prompt import NARRATOR_INSTRUCTIONS

    assert model.sent[0] == NARRATOR_INSTRUCTIONS + "\n" + prompt


def test_contact_data_that_reached_a_window_is_redacted_before_sending(scripted, narrator_for):
    window = sample_window(n=3)
    leaky = dataclasses.replace(
        window.messages[1], text="ring me on +44 7700 900123 or mail joe.bloggs@example.com"
    )
    window = dataclasses.replace(window, messages=(window.messages[0], leaky, window.messages[2]))
    model = scripted(draft_answer)
    asyncio.run(narrator_for(model).narrate(window))
    sent = "\n".join(model.sent)
    assert "7700" not in sent and "joe.bloggs" not in sent
    assert "[phone]" in sent and "[email]" in sent


def test_member_ids_and_group_slug_are_not_sent_beyond_the_window_key(scripted, narrator_for):
    window = sample_window(n=3)
    model = scripted(draft_answer)
    asyncio.run(narrator_for(model).narrate(window))
    # the lake ids are replaced by short labels: they never reach the model
    assert not any(m.id in model.sent[0] for m in window.messages)


def test_no_key_is_ever_in_the_settings_or_an_error(monkeypatch):
    import pytest
    from egregora_core.errors import ConfigError

    monkeypatch.delenv("ABSENT_KEY", raising=False)
    llm = LLMSettings(model="m", base_url="http://127.0.0.1:9/v1", api_key_env="ABSENT_KEY")
    with pytest.raises(ConfigError) as info:
        llm.build_model()
    assert "ABSENT_KEY" in str(info.value)
    monkeypatch.setenv("ABSENT_KEY", "sk-secret-value")
    model = llm.build_model()
    assert model is not None
    assert "sk-secret-value" not in repr(LLMNarrator(llm)) + json.dumps(llm.public())
