"""Entry point of egregora-embed-local (group `egregora`): hook implementations."""

from __future__ import annotations
