"""Local token estimates and request batching.

Voyage's ``count_tokens`` downloads a tokenizer from a model hub, which is not possible
offline, so tokens are estimated: one token per three UTF-8 bytes, plus one per text.
English prose runs about four characters per Voyage token, so the estimate is high by
roughly a third there; accented Latin text costs a little more; CJK text (three bytes a
character) is counted as one token per character. Batches also keep a 20% margin under
each model's request cap (see :data:`egregora_embed_voyage.models.TOKEN_CAP_MARGIN`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence


def estimate_tokens(text: str) -> int:
    """Estimated Voyage tokens in ``text`` (an over-estimate for most languages)."""
    return len(text.encode("utf-8")) // 3 + 1


def batch_ranges(
    texts: Sequence[str], max_items: int, max_tokens: int | None
) -> Iterator[tuple[int, int, int]]:
    """Split ``texts`` into contiguous ``(start, end, tokens)`` ranges under both caps.

    A single text over ``max_tokens`` gets a range of its own (the API truncates it to the
    model's context length, far below any request cap).
    """
    start, tokens = 0, 0
    for i, text in enumerate(texts):
        cost = estimate_tokens(text)
        full = i - start >= max_items or (max_tokens is not None and tokens + cost > max_tokens)
        if i > start and full:
            yield start, i, tokens
            start, tokens = i, 0
        tokens += cost
    if start < len(texts):
        yield start, len(texts), tokens
