"""The ``llm`` judge: a model reads two posts and says which is better (``egregora rank``).

A judge is called synchronously, one duel at a time, by the rank command, so each duel
runs the agent in its own event loop. What the model sees is the two posts as the site
shows them (titles, summaries, prose and quotes of anonymized messages), redacted once more.
A duel the model cannot answer after its retries stops the ranking with one line; it is
never guessed.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .narrator import _agent, _Job, run_agent
from .prompt import JUDGE_INSTRUCTIONS, Labels, judge_prompt
from .settings import LLMSettings

if TYPE_CHECKING:  # pragma: no cover
    from pydantic_ai import Agent
    from pydantic_ai.models import Model


@dataclass
class LLMJudge:
    """``judge(left, right) -> "left" | "right" | "tie"`` with a language model."""

    llm: LLMSettings = field(default_factory=LLMSettings)
    model: Model | None = None  # tests: a pydantic-ai TestModel or FunctionModel
    name: str = "llm"
    _agent: Agent | None = field(default=None, init=False, repr=False, compare=False)

    def judge(self, left: dict[str, Any], right: dict[str, Any]) -> str:
        """The better post. A model that keeps failing raises a one-line error
        (:class:`~egregora_core.narrative.NarrationFailed`); the duels recorded so far stay."""
        return asyncio.run(self.ajudge(left, right))

    def configure(self, config: Any, env: Any = None) -> LLMJudge:
        """A copy configured from the ``[llm]`` section and ``EGREGORA_LLM_*``."""
        return dataclasses.replace(self, llm=self.llm.configure(config, env))

    async def ajudge(self, left: dict[str, Any], right: dict[str, Any]) -> str:
        from .outputs import Verdict

        if self._agent is None:
            self._agent = _agent(Verdict, JUDGE_INSTRUCTIONS, self.llm)
        model = self.model if self.model is not None else self.llm.build_model()
        what = f"duel {left.get('post_id')} vs {right.get('post_id')}"
        job = _Job(Labels("", {}), lambda verdict: [])  # the Literal type is the whole check
        verdict = await run_agent(
            self._agent, judge_prompt(left, right), job, model, self.llm, what
        )
        return verdict.winner
