"""Entry point of egregora-llm (group `egregora`): hook implementations."""

from __future__ import annotations

from egregora_core import hookimpl

from .judge import LLMJudge
from .narrator import LLMNarrator


@hookimpl
def egregora_register_narrators(register):
    """Register the ``llm`` narrator (configured from ``[llm]``; no key needed to register)."""
    register(LLMNarrator())


@hookimpl
def egregora_register_judges(register):
    """Register the ``llm`` judge for ``egregora rank --judge llm``."""
    register(LLMJudge())
