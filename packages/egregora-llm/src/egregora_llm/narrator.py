"""The ``llm`` narrator: a pydantic-ai agent writes each window's draft as structured output.

The output validator refuses a draft that :func:`egregora_core.narrative.draft_problems`
rejects (a paragraph citing nothing or an id outside the window, a phone number or e-mail
anywhere) and pydantic-ai sends it back to the model with the reasons; after
``llm.retries`` such retries, or when the provider keeps failing after ``llm.http_retries``
(429, 5xx, timeouts, retried by the provider's client, honouring ``Retry-After``), the
window is given up with :class:`~egregora_core.narrative.NarrationFailed` and the host has
the offline narrator write it. A refused key or an unknown model stops the build instead:
every window would fail the same way.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from egregora_core.errors import ConfigError
from egregora_core.narrative import (
    Draft,
    Estimate,
    MemberProfile,
    NarrationFailed,
    Portrait,
    Window,
    draft_problems,
    estimate_tokens,
    portrait_problems,
)

from .prompt import (
    NARRATOR_INSTRUCTIONS,
    PORTRAIT_INSTRUCTIONS,
    PROMPT_VERSION,
    Labels,
    portrait_prompt,
    window_prompt,
)
from .settings import LLMSettings

if TYPE_CHECKING:  # pragma: no cover
    from pydantic_ai import Agent
    from pydantic_ai.models import Model

    from .outputs import DraftOut, PortraitOut

#: Tokens of a request that are not the window's messages: instructions, the output
#: schema, the header, threads, links and memo. The host splits windows whose messages
#: exceed ``llm.max_input_tokens`` minus this.
PROMPT_OVERHEAD_TOKENS = 2_000
#: Output tokens a draft is expected to take, for ``--dry-run``: this many, plus one per
#: eight input tokens, capped by ``llm.max_output_tokens``.
BASE_OUTPUT_TOKENS = 400
#: Output tokens a portrait (one paragraph) is expected to take, for ``--dry-run``.
PORTRAIT_OUTPUT_TOKENS = 250


@dataclass(frozen=True)
class _Job:
    """What an output validator needs to judge one answer (the agent's deps)."""

    labels: Labels
    check: Callable[[Any], list[str]]


def _validate(job: _Job, output: Any) -> Any:
    from pydantic_ai import ModelRetry

    problems = job.check(output)
    if problems:
        raise ModelRetry("Fix these problems and answer again: " + "; ".join(problems) + ".")
    return output


def _agent(output_type: type, instructions: str, llm: LLMSettings) -> Agent:
    from pydantic_ai import Agent, NativeOutput, PromptedOutput, RunContext, ToolOutput

    mode = {"tool": ToolOutput, "native": NativeOutput, "prompted": PromptedOutput}
    agent = Agent(
        output_type=mode[llm.output_mode](output_type),
        instructions=instructions,
        deps_type=_Job,
        retries=llm.retries,
    )

    # async: pydantic-ai runs a plain `def` validator in a worker thread, a needless hop
    # (and a queue for the few default workers) for a check that takes microseconds.
    @agent.output_validator
    async def check(ctx: RunContext[_Job], output: Any) -> Any:
        return _validate(ctx.deps, output)

    return agent


@dataclass
class LLMNarrator:
    """Writes drafts with a language model (see ``docs/narrators.md``).

    ``model`` replaces the model ``llm`` describes (tests pass pydantic-ai's ``TestModel``
    or ``FunctionModel``); otherwise one is built per event loop, since its HTTP client
    belongs to the loop it was first used on.
    """

    llm: LLMSettings = field(default_factory=LLMSettings)
    model: Model | None = None
    name: str = "llm"
    _models: dict[int, tuple[asyncio.AbstractEventLoop, Model]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _agents: dict[str, Agent] = field(default_factory=dict, init=False, repr=False, compare=False)

    # -- the Narrator protocol ----------------------------------------------------------------
    @property
    def concurrency(self) -> int:
        return self.llm.concurrency

    @property
    def max_input_tokens(self) -> int:
        """Message tokens one request may carry (``llm.max_input_tokens`` minus the overhead)."""
        return max(
            self.llm.max_input_tokens - PROMPT_OVERHEAD_TOKENS, self.llm.max_input_tokens // 4
        )

    def settings(self) -> dict[str, Any]:
        return {**self.llm.public(), "prompt_version": PROMPT_VERSION}

    def estimate(self, window: Window) -> Estimate:
        """Input tokens of the request as it would be sent, and the output expected."""
        from .outputs import DraftOut

        prompt, _ = window_prompt(window)
        schema = estimate_tokens(str(DraftOut.model_json_schema()))
        input_tokens = estimate_tokens(NARRATOR_INSTRUCTIONS) + estimate_tokens(prompt) + schema
        output_tokens = min(self.llm.max_output_tokens, BASE_OUTPUT_TOKENS + input_tokens // 8)
        return Estimate(calls=1, input_tokens=input_tokens, output_tokens=output_tokens)

    def estimate_portrait(self, member: MemberProfile) -> Estimate:
        """A portrait's request as it would be sent, and a paragraph's worth of output."""
        from .outputs import PortraitOut

        prompt, _ = portrait_prompt(member)
        schema = estimate_tokens(str(PortraitOut.model_json_schema()))
        input_tokens = estimate_tokens(PORTRAIT_INSTRUCTIONS) + estimate_tokens(prompt) + schema
        output_tokens = min(self.llm.max_output_tokens, PORTRAIT_OUTPUT_TOKENS)
        return Estimate(calls=1, input_tokens=input_tokens, output_tokens=output_tokens)

    async def narrate(self, window: Window) -> Draft:
        prompt, labels = window_prompt(window)

        def check(output: DraftOut) -> list[str]:
            return draft_problems(output.draft(labels), window)

        # The host's warning names the window: the error does not repeat it.
        output = await self._run("draft", prompt, _Job(labels, check))
        return output.draft(labels)

    async def portrait(self, member: MemberProfile) -> Portrait:
        prompt, labels = portrait_prompt(member)

        def check(output: PortraitOut) -> list[str]:
            # the host's check (an unknown label stays as written, so it is named back)
            return portrait_problems(Portrait(output.text, labels.ids(output.cites)), member)

        output = await self._run("portrait", prompt, _Job(labels, check))
        return Portrait(output.text.strip(), labels.ids(output.cites))

    def configure(self, config: Any, env: Any = None) -> LLMNarrator:
        """A copy configured from the ``[llm]`` section and ``EGREGORA_LLM_*``."""
        return dataclasses.replace(self, llm=self.llm.configure(config, env))

    # -- running the agent ---------------------------------------------------------------------
    def agent(self, kind: str) -> Agent:
        from .outputs import DraftOut, PortraitOut

        if kind not in self._agents:
            output_type, instructions = {
                "draft": (DraftOut, NARRATOR_INSTRUCTIONS),
                "portrait": (PortraitOut, PORTRAIT_INSTRUCTIONS),
            }[kind]
            self._agents[kind] = _agent(output_type, instructions, self.llm)
        return self._agents[kind]

    def current_model(self) -> Model:
        """The injected model, or the one built for the running event loop."""
        if self.model is not None:
            return self.model
        loop = asyncio.get_running_loop()
        kept = self._models.get(id(loop))
        if kept is None or kept[0] is not loop:
            self._models = {id(loop): (loop, self.llm.build_model())}  # older loops are gone
        return self._models[id(loop)][1]

    async def _run(self, kind: str, prompt: str, job: _Job) -> Any:
        return await run_agent(self.agent(kind), prompt, job, self.current_model(), self.llm)


async def run_agent(
    agent: Agent, prompt: str, deps: Any, model: Model, llm: LLMSettings, what: str = ""
) -> Any:
    """Run ``agent`` once; failures become one-line errors that quote no chat text.

    ``what`` (e.g. "duel a vs b") starts the message of a :class:`NarrationFailed`.
    """
    where = f"{what}: " if what else ""
    from pydantic_ai.exceptions import (
        ModelAPIError,
        ModelAuthenticationError,
        ModelNotFoundError,
        UnexpectedModelBehavior,
    )

    try:
        result = await agent.run(
            prompt, deps=deps, model=model, model_settings=llm.model_settings()
        )
    except (ModelAuthenticationError, ModelNotFoundError) as exc:
        raise ConfigError(
            f"{llm.model_string()} refused the request ({_describe(exc)})",
            where="llm.model" if isinstance(exc, ModelNotFoundError) else "llm",
            hint="check the model name and the provider's API key variable (docs/narrators.md)",
        ) from None
    except UnexpectedModelBehavior:
        raise NarrationFailed(
            f"{where}the model's answers failed validation after "
            f"{llm.retries} {'retry' if llm.retries == 1 else 'retries'}"
        ) from None
    except ModelAPIError as exc:  # 429, 5xx, timeouts: the client's own retries are spent
        raise NarrationFailed(
            f"{where}the model request failed after {llm.http_retries + 1} attempts "
            f"({_describe(exc)})"
        ) from None
    return result.output


def _describe(exc: Exception) -> str:
    """The error's kind and status, never its body (which can echo the prompt)."""
    status = getattr(exc, "status_code", None)
    return type(exc).__name__.lstrip("_") + (f" {status}" if status else "")
