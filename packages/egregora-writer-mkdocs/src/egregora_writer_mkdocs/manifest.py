"""Incremental output: what was written last time, so a re-run rewrites only what changed.

``.egregora/site-manifest.json`` records the build settings, a fingerprint per post and per
profile (computed in the lake: message count + a sum of message hashes) and the sha256 of
every file the writer owns. It holds pseudonyms and titles only, nothing raw.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

VERSION = 1


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Manifest:
    def __init__(self, path: Path):
        self.path = path
        data: dict[str, Any] = {}
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}
        if data.get("version") != VERSION:
            data = {}
        self.settings: str = data.get("settings", "")
        self.posts: dict[str, dict[str, Any]] = data.get("posts", {})
        self.profiles: dict[str, dict[str, Any]] = data.get("profiles", {})
        self.files: dict[str, str] = data.get("files", {})

    def reset(self) -> None:
        """Forget fingerprints (settings changed): everything is re-rendered, files compared.

        Entries are kept (with no fingerprint) so that pages which no longer exist under the
        new settings, e.g. day posts after switching to weeks, are still removed.
        """
        for entry in (*self.posts.values(), *self.profiles.values()):
            entry["fp"] = None

    def save(self) -> None:
        data = {
            "version": VERSION,
            "settings": self.settings,
            "posts": self.posts,
            "profiles": self.profiles,
            "files": self.files,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str), "utf-8")
        os.replace(tmp, self.path)
