"""Ranking posts by pairwise duels (ELO, as in egregora v2)."""
