"""YAML front matter that chat text cannot break: every string is a JSON-quoted scalar.

JSON strings are valid YAML flow scalars, so a title containing ``---``, ``:``, ``#`` or
quotes stays one value. Dates stay unquoted ISO (v2 and the blog plugin expect that).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, int, float)):
        return value.isoformat() if isinstance(value, dt.date) else repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def render(meta: dict[str, Any]) -> str:
    """``---`` + one key per line (lists as block sequences) + ``---``; None values omitted."""
    lines = ["---"]
    for key, value in meta.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            if not value:
                continue
            lines.append(f"{key}:")
            lines += [f"  - {_scalar(item)}" for item in value]
        else:
            lines.append(f"{key}: {_scalar(value)}")
    lines.append("---")
    return "\n".join(lines) + "\n"
