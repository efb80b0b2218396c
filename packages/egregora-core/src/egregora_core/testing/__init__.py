"""Helpers for plugin authors' tests (also used by Egregora's own packages).

* :class:`FakeEmbedder`: deterministic, hash-seeded, offline embedder.
* :func:`make_context`: a pipeline context over a temporary project.
* The pytest plugin :mod:`egregora_core.testing.pytest_plugin` (auto-loaded when
  egregora-core is installed) provides the fixtures ``egregora_project``,
  ``egregora_plugins``, ``egregora_register``, ``fake_embedder`` and
  ``egregora_real_fixtures``.
* :mod:`egregora_core.testing.samples`: sample-export folders zipped on demand, and the
  optional third-party real samples (``EGREGORA_REAL_FIXTURES``).
* Conformance suites in :mod:`egregora_core.testing.conformance`: subclass
  ``ExtractorTests``, ``EmbedderTests`` or ``VectorIndexTests`` in your package's tests.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..pipeline import Context
from ..plugins import PluginManager, make_plugin_manager
from ..project import Project, init_project

_TOKEN = re.compile(r"\w+", re.UNICODE)


class FakeEmbedder:
    """Feature-hashing embedder: texts sharing words get similar vectors; no model, no network.

    Each lowercased word adds ±1 at a position chosen by its blake2b hash; the vector is
    L2-normalized. Identical input gives identical output on every machine.
    """

    metric = "cosine"
    max_batch_tokens = None

    def __init__(self, dimensions: int = 32, *, name: str = "fake", max_batch_size: int = 64):
        self.name = name
        self.model = f"fake-hash-{dimensions}"
        self.dimensions = dimensions
        self.max_batch_size = max_batch_size
        self.calls: list[tuple[int, str]] = []  # (batch size, input type) per call

    def vector(self, text: str, input_type: str = "document") -> list[float]:
        out = np.zeros(self.dimensions, dtype=np.float32)
        tokens = _TOKEN.findall(text.lower()) or [text]
        for token in tokens:
            digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
            value = int.from_bytes(digest, "little")
            out[value % self.dimensions] += 1.0 if (value >> 63) & 1 else -1.0
        norm = float(np.linalg.norm(out))
        if norm == 0.0 or not math.isfinite(norm):
            out[0], norm = 1.0, 1.0
        return (out / norm).tolist()

    async def embed(self, texts: Sequence[str], input_type: str = "document") -> list[list[float]]:
        if len(texts) > self.max_batch_size:
            raise ValueError(f"batch of {len(texts)} exceeds max_batch_size {self.max_batch_size}")
        self.calls.append((len(texts), input_type))
        return [self.vector(text, input_type) for text in texts]


def make_context(
    root: Path,
    *,
    plugins: PluginManager | None = None,
    dry_run: bool = False,
    env: dict[str, str] | None = None,
) -> Context:
    """A context over a fresh project at ``root`` (initialized if needed)."""
    project = Project(root.resolve())
    if not project.config_path.exists():
        project = init_project(root)
    plugins = plugins or make_plugin_manager(load_entry_points=False, env=env or {})
    return Context(
        project=project, config=project.config(env=env or {}), plugins=plugins, dry_run=dry_run
    )


__all__ = ["FakeEmbedder", "make_context"]
