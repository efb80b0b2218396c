"""Core-owned transforms between extract and load.

The anonymization steps are added here by the transform/load work; until then the list
is empty and nothing is loaded anywhere.
"""

from __future__ import annotations

from typing import Any


def core_transforms() -> list[Any]:
    return []
