"""Drafts and memos kept in the serving database, so an unchanged window costs no call.

Tables (created on first use, beside the chunks and vectors of :mod:`.serving`):

* ``drafts``: ``key`` (:func:`egregora_core.narrative.cache_key`: window content hash,
  narrator name, its settings: model, prompt version, ...), the narrator, the window key
  and the draft as JSON. Each draft is committed as soon as it is written, so an
  interrupted build resumes from what it finished.
* ``window_memos``: the offline narrator's memo of each window (``<group>/<date>``), read
  by the group's next window when that one is re-written alone.

:meth:`DraftStore.preload` fetches every key a build needs in one query; ``get`` is then a
dictionary lookup (a build of 1,000 unchanged windows makes one query, not 1,000).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from .narrative import Draft
from .serving import ServingStore

DRAFTS_DDL = """
CREATE TABLE IF NOT EXISTS drafts (
    key VARCHAR PRIMARY KEY, narrator VARCHAR NOT NULL, window_key VARCHAR NOT NULL,
    draft VARCHAR NOT NULL, written_at TIMESTAMPTZ NOT NULL)
"""
MEMOS_DDL = """
CREATE TABLE IF NOT EXISTS window_memos (window_key VARCHAR PRIMARY KEY, memo VARCHAR NOT NULL)
"""


class DraftStore:
    """A :class:`egregora_core.narrative.DraftCache` over the serving database."""

    def __init__(self, store: ServingStore, *, read_only: bool = False):
        self.store = store
        self.con = store.con
        self.read_only = read_only
        self._loaded: dict[str, Draft] = {}
        self.narrator = ""  # recorded with each draft put (the host sets it)
        if not read_only:
            self.con.execute(DRAFTS_DDL)
            self.con.execute(MEMOS_DDL)

    @classmethod
    def open(cls, project: Any, *, read_only: bool = False) -> DraftStore:
        """The project's draft store (read-only: a dry run; an absent database is empty)."""
        if read_only and not project.serving_db.exists():
            return cls(ServingStore(":memory:"))
        return cls(ServingStore.open(project, read_only=read_only), read_only=read_only)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> DraftStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _has(self, table: str) -> bool:
        return self.store._has_table(table)

    # -- drafts -------------------------------------------------------------------------
    def preload(self, keys: Iterable[str]) -> int:
        """Fetch the drafts of ``keys`` in one query; returns how many were found."""
        wanted = sorted(set(keys) - set(self._loaded))
        if not wanted or not self._has("drafts"):
            return 0
        rows = self.con.execute(
            "SELECT key, draft FROM drafts WHERE key IN (SELECT unnest(?::VARCHAR[]))", [wanted]
        ).fetchall()
        for key, text in rows:
            self._loaded[key] = Draft.from_json(text)
        return len(rows)

    def get(self, key: str) -> Draft | None:
        if key not in self._loaded:
            self.preload([key])
        return self._loaded.get(key)

    def put(self, key: str, draft: Draft, *, narrator: str = "", window_key: str = "") -> None:
        self._loaded[key] = draft
        if self.read_only:
            return
        self.con.execute(
            "INSERT OR REPLACE INTO drafts VALUES (?, ?, ?, ?, ?)",
            [key, narrator or self.narrator, window_key, draft.to_json(), datetime.now(UTC)],
        )

    def count(self) -> int:
        return (
            self.con.execute("SELECT count(*) FROM drafts").fetchone()[0]
            if self._has("drafts")
            else 0
        )

    # -- memos --------------------------------------------------------------------------
    def memos(self, window_keys: Iterable[str]) -> dict[str, str]:
        wanted = sorted(set(window_keys))
        if not wanted or not self._has("window_memos"):
            return {}
        rows = self.con.execute(
            "SELECT window_key, memo FROM window_memos "
            "WHERE window_key IN (SELECT unnest(?::VARCHAR[]))",
            [wanted],
        ).fetchall()
        return dict(rows)

    def put_memos(self, memos: dict[str, str]) -> None:
        if self.read_only or not memos:
            return
        self.con.executemany(
            "INSERT OR REPLACE INTO window_memos VALUES (?, ?)", sorted(memos.items())
        )
