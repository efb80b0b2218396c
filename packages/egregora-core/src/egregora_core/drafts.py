"""Drafts and memos kept in the serving database, so an unchanged window costs no call.

Tables (created on first use, beside the chunks and vectors of :mod:`.serving`):

* ``drafts``: ``key`` (:func:`egregora_core.narrative.cache_key`: window content hash,
  narrator name, its settings: model, prompt version, ...), the narrator, the window key
  and the draft as JSON. Each draft is committed as soon as it is written, so an
  interrupted build resumes from what it finished.
* ``portraits``: the same for profile portraits: ``key`` (the cache key of the member's
  profile: its content hash, i.e. counts, groups, hours, keywords, companions and samples,
  with the narrator and its settings), the narrator, the member's pseudonym and the
  portrait as JSON. :attr:`DraftStore.portraits` is its cache.
* ``window_memos``: the offline narrator's memo of each window (``<group>/<date>``), read
  by the group's next window when that one is re-written alone.

:meth:`DraftStore.preload` fetches every key a build needs in one query; ``get`` is then a
dictionary lookup (a build of 1,000 unchanged windows makes one query, not 1,000).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from .narrative import Draft, Portrait
from .serving import ServingStore

DRAFTS_DDL = """
CREATE TABLE IF NOT EXISTS drafts (
    key VARCHAR PRIMARY KEY, narrator VARCHAR NOT NULL, window_key VARCHAR NOT NULL,
    draft VARCHAR NOT NULL, written_at TIMESTAMPTZ NOT NULL)
"""
PORTRAITS_DDL = """
CREATE TABLE IF NOT EXISTS portraits (
    key VARCHAR PRIMARY KEY, narrator VARCHAR NOT NULL, member VARCHAR NOT NULL,
    portrait VARCHAR NOT NULL, written_at TIMESTAMPTZ NOT NULL)
"""
MEMOS_DDL = """
CREATE TABLE IF NOT EXISTS window_memos (window_key VARCHAR PRIMARY KEY, memo VARCHAR NOT NULL)
"""


class CachedTable:
    """One cache table (``drafts`` or ``portraits``): key -> a value stored as JSON.

    ``preload`` fetches many keys in one query; ``get`` is then a dictionary lookup.
    """

    def __init__(
        self, owner: DraftStore, table: str, column: str, decode: Callable[[str], Any]
    ) -> None:
        self.owner, self.table, self.column, self.decode = owner, table, column, decode
        self._loaded: dict[str, Any] = {}

    def preload(self, keys: Iterable[str]) -> int:
        """Fetch the values of ``keys`` in one query; returns how many were found."""
        wanted = sorted(set(keys) - set(self._loaded))
        if not wanted or not self.owner._has(self.table):
            return 0
        rows = self.owner.con.execute(
            f"SELECT key, {self.column} FROM {self.table} "
            "WHERE key IN (SELECT unnest(?::VARCHAR[]))",
            [wanted],
        ).fetchall()
        for key, text in rows:
            self._loaded[key] = self.decode(text)
        return len(rows)

    def get(self, key: str) -> Any:
        if key not in self._loaded:
            self.preload([key])
        return self._loaded.get(key)

    def put(self, key: str, value: Any, *, narrator: str = "", item: str = "") -> None:
        """Keep ``value`` (committed at once); ``item`` is its window key or pseudonym."""
        self._loaded[key] = value
        if self.owner.read_only:
            return
        self.owner.con.execute(
            f"INSERT OR REPLACE INTO {self.table} VALUES (?, ?, ?, ?, ?)",
            [key, narrator or self.owner.narrator, item, value.to_json(), datetime.now(UTC)],
        )

    def count(self) -> int:
        if not self.owner._has(self.table):
            return 0
        return self.owner.con.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0]


class DraftStore:
    """A :class:`egregora_core.narrative.DraftCache` over the serving database, with the
    portraits' cache (:class:`egregora_core.narrative.PortraitCache`) as ``portraits``."""

    def __init__(self, store: ServingStore, *, read_only: bool = False):
        self.store = store
        self.con = store.con
        self.read_only = read_only
        self.narrator = ""  # recorded with each draft and portrait put (the host sets it)
        self.drafts = CachedTable(self, "drafts", "draft", Draft.from_json)
        self.portraits = CachedTable(self, "portraits", "portrait", Portrait.from_json)
        if not read_only:
            self.con.execute(DRAFTS_DDL)
            self.con.execute(PORTRAITS_DDL)
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
        return self.drafts.preload(keys)

    def get(self, key: str) -> Draft | None:
        return self.drafts.get(key)

    def put(self, key: str, draft: Draft, *, narrator: str = "", window_key: str = "") -> None:
        self.drafts.put(key, draft, narrator=narrator, item=window_key)

    def count(self) -> int:
        return self.drafts.count()

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
