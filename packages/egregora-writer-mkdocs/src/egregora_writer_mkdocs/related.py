"""Related earlier posts through the serving database's chunk vectors (optional).

Each post's vector is the normalized mean of the vectors of the conversation chunks that
start in its period (local dates, ``extract.timezone``); earlier posts are ranked by cosine
similarity. The vectors come from the space of the configured embedder (``build.embedder``),
else the first space built. No serving database, no chunks or no vectors: no related posts,
and the site still builds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from egregora_core.errors import EgregoraError
from egregora_core.serving import ServingStore

Key = tuple[str, dt.date]  # (group_slug, period start)


def _period_vectors(
    project: Any, embedder: str, timezone: str, start_of: Callable[[dt.date], dt.date]
) -> dict[Key, np.ndarray]:
    try:
        store = ServingStore.open(project, read_only=True)
    except EgregoraError:
        return {}
    with store:
        spaces = store.spaces()
        space = next((s for s in spaces if s.embedder == embedder), spaces[0] if spaces else None)
        if space is None:
            return {}
        rows = store.chunk_vectors(space)
    if rows.num_rows == 0:
        return {}
    zone = ZoneInfo(timezone)
    keys = [
        (group, start_of(ts.astimezone(zone).date()))
        for group, ts in zip(
            rows.column("group_slug").to_pylist(), rows.column("start_ts").to_pylist(), strict=True
        )
    ]
    flat = rows.column("vector").combine_chunks().flatten().to_numpy()
    vectors = flat.reshape(rows.num_rows, space.dimensions).astype(np.float32)
    index: dict[Key, int] = {}
    slots = np.array([index.setdefault(key, len(index)) for key in keys])
    sums = np.zeros((len(index), space.dimensions), dtype=np.float32)
    np.add.at(sums, slots, vectors)
    norms = np.linalg.norm(sums, axis=1)
    return {key: sums[i] / norms[i] for key, i in index.items() if norms[i] > 0}


def related_posts(
    project: Any,
    embedder: str,
    timezone: str,
    keys: list[Key],
    all_keys: list[Key],
    start_of: Callable[[dt.date], dt.date],
    k: int = 3,
    min_similarity: float = 0.0,
) -> dict[Key, list[Key]]:
    """For each of ``keys``, up to ``k`` earlier posts (from ``all_keys``) most similar to it."""
    if not keys:
        return {}
    vectors = _period_vectors(project, embedder, timezone, start_of)
    return nearest_earlier(vectors, keys, all_keys, k=k, min_similarity=min_similarity)


def nearest_earlier(
    vectors: dict[Key, np.ndarray],
    keys: list[Key],
    all_keys: list[Key],
    k: int = 3,
    min_similarity: float = 0.0,
) -> dict[Key, list[Key]]:
    """For each of ``keys``, up to ``k`` earlier posts *of the same group*, most similar first.

    Another group's post is never related: groups are separate audiences, and a link across
    them would tell one group what another talked about.
    """
    candidates = [key for key in all_keys if key in vectors]
    if not candidates:
        return {}
    matrix = np.stack([vectors[key] for key in candidates])
    out: dict[Key, list[Key]] = {}
    for key in keys:
        if key not in vectors:
            continue
        scores = matrix @ vectors[key]
        order = np.argsort(-scores, kind="stable")
        picks = [
            candidates[i]
            for i in order
            if candidates[i][0] == key[0]
            and candidates[i][1] < key[1]
            and scores[i] >= min_similarity
        ][:k]
        if picks:
            out[key] = picks
    return out
