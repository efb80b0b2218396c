"""Writes site files atomically, through the privacy guard, only when their content changed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .manifest import Manifest, sha
from .privacy import Guard


@contextmanager
def atomic(target: Path) -> Iterator[Path]:
    """A temporary name in ``target``'s own folder, renamed to ``target`` when the block
    ends, removed when it fails (a full disk leaves no ``.tmp`` behind)."""
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class Output:
    """Owns the files under ``docs/`` that the writer generates; counts what it did."""

    def __init__(self, docs_dir: Path, manifest: Manifest, guard: Guard, *, dry_run: bool = False):
        self.docs_dir = docs_dir
        self.manifest = manifest
        self.guard = guard
        self.dry_run = dry_run
        self.written: list[str] = []
        self.unchanged: list[str] = []
        self.removed: list[str] = []

    def write(self, relpath: str, text: str) -> bool:
        """Write ``docs/<relpath>`` unless identical; True when written."""
        self.guard.check_document(text, where=f"docs/{relpath}")
        digest = sha(text)
        target = self.docs_dir / relpath
        if self.manifest.files.get(relpath) == digest and target.is_file():
            self.unchanged.append(relpath)
            return False
        if target.is_file() and sha(target.read_text(encoding="utf-8")) == digest:
            self.manifest.files[relpath] = digest
            self.unchanged.append(relpath)
            return False
        self.written.append(relpath)
        if not self.dry_run:
            target.parent.mkdir(parents=True, exist_ok=True)
            with atomic(target) as tmp:
                tmp.write_text(text, encoding="utf-8")
            self.manifest.files[relpath] = digest
        return True

    def remove(self, relpath: str) -> None:
        """Delete a file the writer generated earlier (never a file it does not own)."""
        if relpath not in self.manifest.files:
            return
        self.removed.append(relpath)
        if not self.dry_run:
            (self.docs_dir / relpath).unlink(missing_ok=True)
            del self.manifest.files[relpath]
