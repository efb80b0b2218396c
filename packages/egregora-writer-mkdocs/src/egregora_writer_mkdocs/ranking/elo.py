"""ELO as in egregora v2: start 1500, K = 32, expected 1 / (1 + 10^((Rb - Ra) / 400))."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

START = 1500.0
K = 32.0
SCORES = {"left": 1.0, "right": 0.0, "tie": 0.5}


def expected(ra: float, rb: float) -> float:
    """Probability that a player rated ``ra`` beats one rated ``rb``."""
    return 1.0 / (1.0 + 10.0 ** ((rb - ra) / 400.0))


def update(ra: float, rb: float, outcome: str, k: float = K) -> tuple[float, float]:
    """New ratings of (left, right) after ``outcome`` ("left", "right" or "tie")."""
    score = SCORES[outcome]
    ea = expected(ra, rb)
    return ra + k * (score - ea), rb + k * ((1.0 - score) - (1.0 - ea))


def pick_pair(
    post_ids: Sequence[str],
    games: Mapping[str, int],
    played: set[frozenset[str]],
    rng: random.Random,
) -> tuple[str, str] | None:
    """The two posts with the fewest games (random among equals), avoiding rematches if possible."""
    if len(post_ids) < 2:
        return None
    order = sorted(post_ids, key=lambda p: (games.get(p, 0), rng.random()))
    left = order[0]
    fresh = [p for p in order[1:] if frozenset((left, p)) not in played]
    right = (fresh or order[1:])[0]
    return (left, right) if rng.random() < 0.5 else (right, left)
