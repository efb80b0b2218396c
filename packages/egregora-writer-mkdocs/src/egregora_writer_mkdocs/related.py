"""Related earlier posts through the serving database's vectors (optional).

One function, :func:`related_posts`, so the integration can rewire it to the vector
package's own helper. Today it reads the serving DB's ``chunks`` table when it exists
(columns ``group_slug``, a date column ``date``/``first_ts``/``ts`` and ``vector``),
averages the chunk vectors of each post's period and ranks *earlier* posts by cosine
similarity. No serving DB, no table or no vectors: no related posts, and the site still builds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np

Key = tuple[str, dt.date]  # (group_slug, period start)
DATE_COLUMNS = ("date", "first_ts", "ts", "start_ts")


def _period_vectors(db: Path, start_of: Callable[[dt.date], dt.date]) -> dict[Key, np.ndarray]:
    import ibis

    con = ibis.duckdb.connect(str(db), read_only=True)
    try:
        if "chunks" not in con.list_tables():
            return {}
        chunks = con.table("chunks")
        date_col = next((c for c in DATE_COLUMNS if c in chunks.columns), None)
        if date_col is None or "vector" not in chunks.columns or "group_slug" not in chunks.columns:
            return {}
        day = chunks[date_col] if date_col == "date" else chunks[date_col].date()
        rows = chunks.select("group_slug", day=day, vector=chunks.vector).to_pyarrow()
    finally:
        con.disconnect()
    sums: dict[Key, np.ndarray] = {}
    groups = rows.column("group_slug").to_pylist()
    days = rows.column("day").to_pylist()
    vectors = rows.column("vector").to_pylist()
    for group, day, vector in zip(groups, days, vectors, strict=True):
        if vector is None or day is None:
            continue
        key = (group, start_of(day))
        v = np.asarray(vector, dtype=np.float32)
        sums[key] = sums[key] + v if key in sums else v.copy()
    out = {}
    for key, v in sums.items():
        norm = float(np.linalg.norm(v))
        if norm > 0:
            out[key] = v / norm
    return out


def related_posts(
    serving_db: Path,
    keys: list[Key],
    all_keys: list[Key],
    start_of: Callable[[dt.date], dt.date],
    k: int = 3,
    min_similarity: float = 0.0,
) -> dict[Key, list[Key]]:
    """For each of ``keys``, up to ``k`` earlier posts (from ``all_keys``) most similar to it."""
    if not serving_db.is_file() or not keys:
        return {}
    try:
        vectors = _period_vectors(serving_db, start_of)
    except Exception:
        return {}
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
            if candidates[i][1] < key[1] and scores[i] >= min_similarity
        ][:k]
        if picks:
            out[key] = picks
    return out
