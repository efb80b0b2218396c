"""Entry point of egregora-writer-mkdocs (group `egregora`): hook implementations."""

from __future__ import annotations
