"""Entry point of egregora-ann-duckdb (group `egregora`): hook implementations."""

from __future__ import annotations
