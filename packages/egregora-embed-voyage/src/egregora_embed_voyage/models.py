"""What Egregora knows about each Voyage model: dimensions, request token cap, price.

Prices are USD per 1M input tokens, taken on 2026-11-24 from Voyage AI's published
pricing (docs.voyageai.com/docs/pricing). They change: check the page before trusting a
cost estimate, and note that every account gets free tokens the estimate ignores.

``token_cap`` is the API's limit on the total tokens of one request (documented as 1M for
the lite models, 320K for voyage-3.5, 120K for the large and domain models). For the
voyage-4 family the published caps were not confirmed here, so the smaller cap of the
matching 3.5 model (or 120K) is used: a lower cap only means more, smaller requests.
"""

from __future__ import annotations

from dataclasses import dataclass

from egregora_core.errors import ConfigError

#: Most texts one request may carry (API limit).
MAX_INPUTS_PER_REQUEST = 1000

#: Fraction of a model's token cap a batch may fill, since tokens are estimated locally.
TOKEN_CAP_MARGIN = 0.8

FLEXIBLE_DIMENSIONS = (256, 512, 1024, 2048)


@dataclass(frozen=True)
class ModelInfo:
    name: str
    default_dimensions: int
    dimensions: tuple[int, ...]  # accepted output_dimension values
    token_cap: int  # total tokens per request
    usd_per_million_tokens: float

    @property
    def flexible(self) -> bool:
        """True when the API accepts ``output_dimension`` for this model."""
        return len(self.dimensions) > 1

    @property
    def batch_token_budget(self) -> int:
        """Estimated tokens one request may carry, with the safety margin applied."""
        return int(self.token_cap * TOKEN_CAP_MARGIN)


def _flex(name: str, token_cap: int, price: float) -> ModelInfo:
    return ModelInfo(name, 1024, FLEXIBLE_DIMENSIONS, token_cap, price)


def _fixed(name: str, dimensions: int, token_cap: int, price: float) -> ModelInfo:
    return ModelInfo(name, dimensions, (dimensions,), token_cap, price)


MODELS: dict[str, ModelInfo] = {
    m.name: m
    for m in [
        _flex("voyage-3.5", 320_000, 0.06),
        _flex("voyage-3.5-lite", 1_000_000, 0.02),
        _flex("voyage-3-large", 120_000, 0.18),
        _flex("voyage-code-3", 120_000, 0.18),
        _flex("voyage-4", 320_000, 0.06),
        _flex("voyage-4-lite", 1_000_000, 0.02),
        _flex("voyage-4-large", 120_000, 0.12),
        _fixed("voyage-multilingual-2", 1024, 120_000, 0.12),
        _fixed("voyage-finance-2", 1024, 120_000, 0.12),
        _fixed("voyage-law-2", 1024, 120_000, 0.12),
    ]
}

DEFAULT_MODEL = "voyage-3.5"


def model_info(name: str) -> ModelInfo:
    """The facts for ``name``, or a one-line ConfigError listing the known models."""
    try:
        return MODELS[name]
    except KeyError:
        raise ConfigError(
            f"unknown Voyage model '{name}' (known: {', '.join(MODELS)})",
            where="voyage.model",
            hint="pick a known model, or add it to egregora_embed_voyage.models.MODELS",
        ) from None
