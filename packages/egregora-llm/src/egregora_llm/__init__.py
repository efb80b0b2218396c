"""egregora-llm: a language-model narrator and judge for Egregora, on pydantic-ai."""

from importlib.metadata import PackageNotFoundError, version

from .judge import LLMJudge
from .narrator import LLMNarrator
from .prompt import PROMPT_VERSION
from .settings import LLMSettings

try:
    __version__ = version("egregora-llm")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = ["PROMPT_VERSION", "LLMJudge", "LLMNarrator", "LLMSettings"]
