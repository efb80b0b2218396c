"""The llm judge: a verdict per duel, from a scripted model and over HTTP."""

from __future__ import annotations

import pytest
from egregora_core.narrative import NarrationFailed
from egregora_llm import LLMJudge, LLMSettings
from egregora_llm.prompt import JUDGE_POST_CHARS
from egregora_llm.testing import TEST_MODEL, FakeLLMServer

LEFT = {"post_id": "a", "title": "Match night", "summary": "They watched.", "text": "Long " * 50}
RIGHT = {"post_id": "b", "title": "Quiet week", "summary": "Little happened.", "text": "Short."}


@pytest.mark.parametrize("winner", ["left", "right", "tie"])
def test_the_verdict_is_the_models_answer(scripted, winner):
    model = scripted({"winner": winner})
    judge = LLMJudge(model=model.model)
    assert judge.judge(LEFT, RIGHT) == winner
    assert "Match night" in model.sent[0] and "Quiet week" in model.sent[0]


def test_an_answer_outside_left_right_tie_is_retried(scripted):
    model = scripted({"winner": "both"}, {"winner": "right"})
    assert LLMJudge(model=model.model).judge(LEFT, RIGHT) == "right"
    assert model.requests == 2


def test_a_judge_that_cannot_answer_raises_one_line_naming_the_duel(scripted):
    model = scripted({"winner": "both"})
    judge = LLMJudge(LLMSettings(retries=1), model=model.model)
    with pytest.raises(NarrationFailed) as info:
        judge.judge(LEFT, RIGHT)
    assert str(info.value).startswith("duel a vs b: ")


def test_posts_are_cut_and_redacted_before_they_are_sent(scripted):
    model = scripted({"winner": "tie"})
    long = dict(RIGHT, text="x" * (3 * JUDGE_POST_CHARS) + " call +55 11 98765-4321")
    LLMJudge(model=model.model).judge(dict(LEFT, summary="mail a@example.org"), long)
    assert len(model.sent[0]) < 3 * JUDGE_POST_CHARS
    assert "a@example.org" not in model.sent[0]


def test_the_judge_over_http_runs_one_request_per_duel():
    with FakeLLMServer() as server:
        judge = LLMJudge(LLMSettings(model=TEST_MODEL, base_url=server.base_url))
        assert [judge.judge(LEFT, RIGHT) for _ in range(3)] == ["left"] * 3  # the longer post
        assert [r.kind for r in server.records] == ["verdict"] * 3
