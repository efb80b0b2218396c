"""Fixtures: models scripted with pydantic-ai's FunctionModel, and what they were sent."""

from __future__ import annotations

import pytest
from egregora_llm import LLMNarrator, LLMSettings
from pydantic_ai.messages import ModelResponse, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel


class Scripted:
    """A FunctionModel that plays ``answers`` in turn (the last one repeats).

    An answer is a dict of output arguments, or a callable ``(prompt) -> dict``. ``sent``
    keeps, per request, every text the model received (instructions, prompt, retry notes).
    """

    def __init__(self, *answers):
        self.answers = list(answers)
        self.sent: list[str] = []
        self.model = FunctionModel(self._reply)

    def _reply(self, messages, info: AgentInfo) -> ModelResponse:
        texts = [info.instructions or ""]
        for message in messages:
            for part in message.parts:
                content = getattr(part, "content", None)
                if content is not None:
                    texts.append(content if isinstance(content, str) else repr(content))
        self.sent.append("\n".join(texts))
        answer = self.answers[min(len(self.sent), len(self.answers)) - 1]
        if callable(answer):
            answer = answer(self.prompt)
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, answer)])

    @property
    def prompt(self) -> str:
        return self.sent[-1]

    @property
    def requests(self) -> int:
        return len(self.sent)


@pytest.fixture
def scripted():
    return Scripted


@pytest.fixture
def narrator_for():
    def make(model, **settings) -> LLMNarrator:
        return LLMNarrator(LLMSettings(**settings), model=model.model)

    return make
