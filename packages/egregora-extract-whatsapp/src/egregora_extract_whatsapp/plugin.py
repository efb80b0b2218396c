"""Entry point of egregora-extract-whatsapp (group `egregora`): hook implementations."""

from __future__ import annotations
