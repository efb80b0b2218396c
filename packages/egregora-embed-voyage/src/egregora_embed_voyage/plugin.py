"""Entry point of egregora-embed-voyage (group `egregora`): hook implementations."""

from __future__ import annotations
