"""What reaches a model: only the window's own text, redacted once more; no key in a message."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from dataclasses import asdict

from egregora_llm import LLMNarrator, LLMSettings
from egregora_llm.prompt import PORTRAIT_INSTRUCTIONS, portrait_prompt, window_prompt
from egregora_llm.testing import draft_answer, sample_member, sample_window

WORD = re.compile(r"[^\W\d_]+")
#: The prompt's own words (its headings); every other word must come from the window.
TEMPLATE_WORDS = {"Window", "Group", "Period", "to", "Language", "Previous", "memo"}
TEMPLATE_WORDS |= {"Threads", "T", "messages", "started", "by", "with", "about", "Links", "x"}
TEMPLATE_WORDS |= {"Messages", "m", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "system"}
#: A portrait prompt's own words.
PORTRAIT_WORDS = {"Member", "Language", "Messages", "from", "to", "Groups", "Busiest", "hours"}
PORTRAIT_WORDS |= {"h", "Keywords", "Talks", "most", "with", "Samples", "s", "Mon", "Tue", "T"}
PORTRAIT_WORDS |= {"phone", "email"}  # the redactor's [phone] and [email]


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


def hostile_member():
    """A profile whose samples carry what a careless pipeline could leak: contact data, a
    name-like mention, markup (the adversarial export's kinds of text)."""
    window = sample_window(n=8, text="Ana's cousin <b>brought</b> the cake, @ca71a986")
    leaky = dataclasses.replace(
        window.messages[4], text="ring me on +44 7700 900123 or mail joe.bloggs@example.com"
    )
    messages = (*window.messages[:4], leaky, *window.messages[5:])
    return sample_member(dataclasses.replace(window, messages=messages), key="9f8e7d6c")


def test_a_portrait_prompt_holds_only_the_profile(scripted, narrator_for):
    member = hostile_member()
    model = scripted({"text": f"{member.name} brings cakes.", "cites": ["s1"]})
    portrait = asyncio.run(narrator_for(model).portrait(member))
    assert portrait.cites == [member.samples[0].id]
    prompt, _ = portrait_prompt(member)
    assert model.sent == [PORTRAIT_INSTRUCTIONS + "\n" + prompt]  # one request, nothing else
    from_member = set(WORD.findall(json.dumps(asdict(member), default=str, ensure_ascii=False)))
    extra = set(WORD.findall(prompt)) - from_member - PORTRAIT_WORDS
    assert extra == set()
    # no pseudonym or lake id reaches the model; display names do, contact data does not
    assert member.key not in prompt and not any(m.id in prompt for m in member.samples)
    assert "7700" not in prompt and "joe.bloggs" not in prompt and "[phone]" in prompt
    assert member.name in prompt and all(c in prompt for c in member.companions)


def test_a_portrait_with_contact_data_goes_back_then_falls_back(scripted, narrator_for):
    from egregora_core.narrative import NarrationFailed

    member = sample_member()
    model = scripted({"text": "Mail her at ana.souza@example.org", "cites": []})
    import pytest

    with pytest.raises(NarrationFailed) as info:
        asyncio.run(narrator_for(model, retries=1).portrait(member))
    assert model.requests == 2 and "phone number or e-mail" in model.sent[1]
    assert "ana.souza" not in str(info.value) and member.name not in str(info.value)


def test_a_portrait_estimate_counts_the_prompt():
    member = sample_member()
    estimate = LLMNarrator().estimate_portrait(member)
    prompt, _ = portrait_prompt(member)
    assert estimate.calls == 1 and estimate.input_tokens > len(prompt) // 4
    assert 0 < estimate.output_tokens <= LLMSettings().max_output_tokens
