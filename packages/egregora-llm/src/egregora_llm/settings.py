"""The ``[llm]`` settings and the pydantic-ai model they describe.

Precedence: ``EGREGORA_LLM_<KEY>`` environment variables over the ``[llm]`` section of
``.egregora/egregora.toml`` over the defaults below. Keys are never settings: providers read
theirs from their usual environment variables (``GOOGLE_API_KEY``, ``OPENAI_API_KEY``,
``ANTHROPIC_API_KEY``, ...), and an OpenAI-compatible server's key from the variable named
by ``api_key_env``. No key is ever stored on the settings object, in the cache key or in a
message.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from egregora_core.config import plugin_settings
from egregora_core.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from pydantic_ai.models import Model
    from pydantic_ai.settings import ModelSettings

ENV_PREFIX = "EGREGORA_LLM_"
SECTION = "llm"
DEFAULT_MODEL = "google:gemini-3.8-flash"
#: Model-string prefixes of older pydantic-ai releases, still accepted.
PROVIDER_ALIASES = {"google-gla": "google", "google-vertex": "google-cloud"}
#: The key sent to an OpenAI-compatible server when ``api_key_env`` is not set (Ollama,
#: llama.cpp and vLLM ignore it). Passing it explicitly also keeps the OpenAI client from
#: sending ``$OPENAI_API_KEY`` to a server that is not OpenAI.
NO_KEY = "no-key"


#: What each ``[llm]`` key means (docs/narrators.md is generated from it).
SETTING_DOCS = {
    "model": "A pydantic-ai model string (`google:gemini-…`, `openai:gpt-…`, "
    "`anthropic:claude-…`); with `base_url`, the name the server gives the model.",
    "base_url": "An OpenAI-compatible endpoint (Ollama, llama.cpp server, vLLM, OpenRouter), "
    "e.g. `http://127.0.0.1:11434/v1`. Empty: the provider named in `model`.",
    "api_key_env": "Name of the environment variable holding the key for `base_url` "
    "(none for Ollama). The key itself is never a setting.",
    "concurrency": "Windows written at once (requests in flight).",
    "max_input_tokens": "Most input tokens in one request; larger windows are split into "
    "parts (the messages get this minus about 2,000 for instructions and context).",
    "max_output_tokens": "Most tokens the model may write for one draft.",
    "retries": "Times a draft that fails validation (citations, privacy) is sent back to "
    "the model with the reason, before the offline narrator writes the window.",
    "http_retries": "Retries of a failed request (429, 5xx, timeouts), by the provider's "
    "client, waiting as `Retry-After` says.",
    "timeout": "Seconds before one request counts as timed out (and is retried).",
    "temperature": "Sampling temperature (0 to 2).",
    "output_mode": "How the draft is asked for: `tool` (a tool call; most models), `native` "
    "(the API's JSON-schema output) or `prompted` (the schema in the prompt, for local models "
    "without tool calls).",
}
OUTPUT_MODES = ("tool", "native", "prompted")


@dataclass(frozen=True)
class LLMSettings:
    """Model choice and request limits (see ``docs/narrators.md``).

    ``model`` is a pydantic-ai model string (``google:gemini-…``, ``openai:gpt-…``,
    ``anthropic:claude-…``), or, with ``base_url``, the model name an OpenAI-compatible
    server serves (``llama3.2`` on Ollama). ``retries`` counts validation retries (a draft
    sent back to the model with the reason); ``http_retries`` counts retries of a failed
    request (429, 5xx, timeouts; the provider client waits as ``Retry-After`` says).
    """

    model: str = DEFAULT_MODEL
    base_url: str | None = None
    api_key_env: str | None = None
    concurrency: int = 4
    max_input_tokens: int = 24_000
    max_output_tokens: int = 4_096
    retries: int = 2
    http_retries: int = 4
    timeout: float = 120.0
    temperature: float = 0.4
    output_mode: str = "tool"

    def __post_init__(self) -> None:
        for key in ("concurrency", "max_input_tokens", "max_output_tokens"):
            if getattr(self, key) < 1:
                raise ConfigError(f"{key} must be at least 1", where=f"llm.{key}")
        for key in ("retries", "http_retries"):
            if getattr(self, key) < 0:
                raise ConfigError(f"{key} must be >= 0", where=f"llm.{key}")
        if self.timeout <= 0:
            raise ConfigError("timeout must be positive", where="llm.timeout")
        if not 0 <= self.temperature <= 2:
            raise ConfigError("temperature must be between 0 and 2", where="llm.temperature")
        if self.output_mode not in OUTPUT_MODES:
            raise ConfigError(
                f"output_mode must be one of {', '.join(OUTPUT_MODES)}, got {self.output_mode!r}",
                where="llm.output_mode",
            )
        if not (self.model or "").strip():
            raise ConfigError("model must not be empty", where="llm.model")

    @classmethod
    def from_config(cls, config: Any, env: Mapping[str, str] | None = None) -> LLMSettings:
        """Settings from the ``[llm]`` section, overridden by ``EGREGORA_LLM_*``."""
        return cls().configure(config, env)

    def configure(self, config: Any, env: Mapping[str, str] | None = None) -> LLMSettings:
        """A copy updated from ``config``'s ``[llm]`` section and the environment."""
        # Annotations are strings here ("int", "str | None"): the first name is the type.
        kinds = {
            f.name: {"int": int, "float": float}.get(str(f.type).split(" ")[0], str)
            for f in dataclasses.fields(self)
        }
        changes = plugin_settings(config, SECTION, kinds, env, empty_is_none=True)
        return dataclasses.replace(self, **changes)

    # -- what the cache key and --dry-run see -------------------------------------------
    def public(self) -> dict[str, Any]:
        """Everything that changes a draft, and nothing secret (the key's variable name only)."""
        return {
            "model": self.model_string(),
            "base_url": self.base_url,
            "temperature": self.temperature,
            "max_output_tokens": self.max_output_tokens,
            "output_mode": self.output_mode,
        }

    def model_string(self) -> str:
        provider, sep, name = self.model.partition(":")
        if sep and provider in PROVIDER_ALIASES:
            return f"{PROVIDER_ALIASES[provider]}:{name}"
        return self.model

    # -- pydantic-ai objects ---------------------------------------------------------------
    def model_settings(self) -> ModelSettings:
        from pydantic_ai.settings import ModelSettings

        settings = ModelSettings(
            temperature=self.temperature, max_tokens=self.max_output_tokens, timeout=self.timeout
        )
        if not self.base_url:  # a base_url's client is built with its retries (build_model)
            settings["max_retries"] = self.http_retries
        return settings

    def build_model(self, env: Mapping[str, str] | None = None) -> Model:
        """The pydantic-ai model (a new HTTP client each time: one per event loop)."""
        from pydantic_ai.exceptions import UserError

        env = os.environ if env is None else env
        if self.base_url:
            from pydantic_ai.models.openai import OpenAIChatModel
            from pydantic_ai.providers.openai import OpenAIProvider

            key = NO_KEY
            if self.api_key_env:
                key = env.get(self.api_key_env, "").strip()
                if not key:
                    raise ConfigError(
                        f"the environment variable {self.api_key_env} is not set",
                        where="llm.api_key_env",
                        hint=f"export {self.api_key_env}=... (the key of {self.base_url})",
                    )
            # The client gets its retry count here rather than per request: a per-request
            # count makes pydantic-ai copy the client for every request, and each copy asks
            # for the platform in a worker thread (measured: ~5 ms a window under load).
            from openai import AsyncOpenAI
            from pydantic_ai.models import create_async_httpx2_client

            client = AsyncOpenAI(
                base_url=self.base_url,
                api_key=key,
                max_retries=self.http_retries,
                http_client=create_async_httpx2_client(),
            )
            provider = OpenAIProvider(openai_client=client)
            return OpenAIChatModel(self.model, provider=provider)
        from pydantic_ai.models import infer_model

        try:
            return infer_model(self.model_string())
        except UserError as exc:
            raise ConfigError(
                f"cannot use model {self.model!r}: {exc}",
                where="llm.model",
                hint="see docs/narrators.md for model strings and the key each provider needs",
            ) from None
