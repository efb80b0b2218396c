"""The serving database ``.egregora/egregora.duckdb``: chunks, vectors and their spaces.

It is rebuildable from the lake. Tables:

* ``chunks``: the current conversation chunks (:data:`egregora_core.chunking.CHUNKS`).
  :meth:`ServingStore.sync_chunks` replaces only the rows that changed.
* ``vector_spaces``: one row per (embedder, model): dimensions, metric and the name of
  its vectors table. A space never changes dimension: a model that changed size must
  use a new name.
* ``vectors_<key>``: ``id`` (the chunk's ``content_hash``) and ``vector FLOAT[dim]``.
  Vectors are keyed by content, so identical chunk text is embedded once and its vector
  serves every chunk with that hash. Every batch is its own transaction, so an
  interrupted build keeps what it finished.

Besides the lake store and the vector index, this is the one module with DuckDB SQL:
k-NN needs a typed ``?::FLOAT[dim]`` parameter that ibis cannot express.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from .chunking import CHUNKS
from .errors import EgregoraError

CHUNKS_DDL = """
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id VARCHAR PRIMARY KEY, group_slug VARCHAR NOT NULL, start_ts TIMESTAMPTZ NOT NULL,
    end_ts TIMESTAMPTZ NOT NULL, first_message_id VARCHAR NOT NULL,
    last_message_id VARCHAR NOT NULL, message_count BIGINT NOT NULL, authors VARCHAR[],
    text VARCHAR NOT NULL, search_text VARCHAR NOT NULL, content_hash VARCHAR NOT NULL)
"""
SPACES_DDL = """
CREATE TABLE IF NOT EXISTS vector_spaces (
    embedder VARCHAR NOT NULL, model VARCHAR NOT NULL, dimensions INTEGER NOT NULL,
    metric VARCHAR NOT NULL, table_name VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (embedder, model))
"""


class DimensionMismatch(EgregoraError):
    """Vectors of one size were offered to a space (or index) of another."""


class NoVectors(EgregoraError):
    """A query needs vectors that no build has made yet."""


@dataclass(frozen=True)
class Space:
    """Where one embedder/model's vectors live, and their shape."""

    embedder: str
    model: str
    dimensions: int
    metric: str
    table: str


def space_table(embedder: str, model: str) -> str:
    key = hashlib.sha256(f"{embedder}\x00{model}".encode()).hexdigest()[:12]
    return f"vectors_{key}"


def vector_array(vectors: Sequence[Sequence[float]] | np.ndarray, dimensions: int) -> pa.Array:
    """Vectors as a FixedSizeList<float32, dim> array (DuckDB reads it as FLOAT[dim])."""
    data = np.asarray(vectors, dtype=np.float32)
    if data.ndim != 2 or data.shape[1] != dimensions:
        got = data.shape[1] if data.ndim == 2 else "ragged"
        raise DimensionMismatch(
            f"got vectors of {got} dimensions for a {dimensions}-dimension space",
            hint="the embedder returned vectors of another size than it declares",
        )
    return pa.FixedSizeListArray.from_arrays(pa.array(data.ravel(), pa.float32()), dimensions)


@dataclass(frozen=True)
class Filters:
    """Restrictions on which chunks a query may return (all optional)."""

    group: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    author: str | None = None
    before: datetime | None = None  # chunks that ended strictly before this instant

    def active(self) -> bool:
        return any(v is not None for v in vars(self).values())

    def sql(self, alias: str = "c") -> tuple[str, list[Any]]:
        """A WHERE clause (``TRUE`` when empty) and its parameters."""
        clauses, params = ["TRUE"], []
        if self.group is not None:
            clauses.append(f"{alias}.group_slug = ?")
            params.append(self.group)
        if self.since is not None:
            clauses.append(f"{alias}.end_ts >= ?")
            params.append(self.since)
        if self.until is not None:
            clauses.append(f"{alias}.start_ts <= ?")
            params.append(self.until)
        if self.before is not None:
            clauses.append(f"{alias}.end_ts < ?")
            params.append(self.before)
        if self.author is not None:
            clauses.append(f"list_contains({alias}.authors, ?)")
            params.append(self.author)
        return " AND ".join(clauses), params


class ServingStore:
    """An open serving database. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: Path | str, *, read_only: bool = False):
        self.path = Path(path) if path != ":memory:" else None
        if self.path is not None and not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            raise EgregoraError(
                "the serving database is locked by another egregora process",
                where=str(path),
                hint="wait for the other command to finish",
            ) from None
        if not read_only:
            self.con.execute(CHUNKS_DDL)
            self.con.execute(SPACES_DDL)

    @classmethod
    def open(cls, project: Any, *, read_only: bool = False) -> ServingStore:
        """The serving database of a project (read-only opens need an existing file)."""
        if read_only and not project.serving_db.exists():
            raise NoVectors(
                "the project has no serving database yet",
                where=str(project.serving_db),
                hint="run `egregora build` first",
            )
        return cls(project.serving_db, read_only=read_only)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> ServingStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _has_table(self, name: str) -> bool:
        return bool(
            self.con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]
            ).fetchone()[0]
        )

    # -- chunks -----------------------------------------------------------------
    def sync_chunks(self, chunks: pa.Table) -> dict[str, int]:
        """Make ``chunks`` the current chunk set, touching only rows that changed."""
        self.con.register("_incoming_chunks", chunks.select(CHUNKS.names))
        try:
            self.con.execute("BEGIN")
            removed = self.con.execute(
                "DELETE FROM chunks WHERE chunk_id NOT IN (SELECT chunk_id FROM _incoming_chunks)"
                " OR chunk_id IN (SELECT i.chunk_id FROM _incoming_chunks i JOIN chunks c"
                " USING (chunk_id) WHERE i.content_hash <> c.content_hash"
                " OR i.text <> c.text)"
            ).fetchone()[0]
            added = self.con.execute(
                "INSERT INTO chunks SELECT * FROM _incoming_chunks"
                " WHERE chunk_id NOT IN (SELECT chunk_id FROM chunks)"
            ).fetchone()[0]
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        finally:
            self.con.unregister("_incoming_chunks")
        total = self.con.execute("SELECT count(*) FROM chunks").fetchone()[0]
        return {"chunks": total, "added": added, "removed": removed}

    def chunk_count(self) -> int:
        if not self._has_table("chunks"):
            return 0
        return self.con.execute("SELECT count(*) FROM chunks").fetchone()[0]

    def chunks_for(self, hashes: Sequence[str], filters: Filters = Filters()) -> list[dict]:
        """Chunks whose content hash is in ``hashes`` and that pass ``filters``."""
        where, params = filters.sql()
        rows = self.con.execute(
            "SELECT chunk_id, group_slug, start_ts, end_ts, authors, text, content_hash"
            f" FROM chunks c WHERE content_hash IN (SELECT unnest(?)) AND {where}"
            " ORDER BY start_ts, chunk_id",
            [list(hashes), *params],
        ).fetchall()
        keys = ("chunk_id", "group_slug", "start_ts", "end_ts", "authors", "text", "content_hash")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def filtered_count(self, filters: Filters) -> int:
        where, params = filters.sql()
        return self.con.execute(
            f"SELECT count(DISTINCT content_hash) FROM chunks c WHERE {where}", params
        ).fetchone()[0]

    # -- spaces and vectors -------------------------------------------------------
    def find_space(self, embedder: str, model: str) -> Space | None:
        if not self._has_table("vector_spaces"):
            return None
        row = self.con.execute(
            "SELECT embedder, model, dimensions, metric, table_name FROM vector_spaces"
            " WHERE embedder = ? AND model = ?",
            [embedder, model],
        ).fetchone()
        return Space(*row) if row else None

    def spaces(self) -> list[Space]:
        if not self._has_table("vector_spaces"):
            return []
        rows = self.con.execute(
            "SELECT embedder, model, dimensions, metric, table_name"
            " FROM vector_spaces ORDER BY created_at"
        ).fetchall()
        return [Space(*row) for row in rows]

    def ensure_space(self, embedder: str, model: str, dimensions: int, metric: str) -> Space:
        """The space for (embedder, model), created on first use; its shape may not change."""
        found = self.find_space(embedder, model)
        if found is not None:
            if (found.dimensions, found.metric) != (dimensions, metric):
                raise DimensionMismatch(
                    f"embedder '{embedder}' model '{model}' now declares {dimensions} dimensions "
                    f"({metric}); stored vectors have {found.dimensions} ({found.metric})",
                    hint="give the new model another name, or delete .egregora/egregora.duckdb "
                    "and rebuild",
                )
            return found
        space = Space(embedder, model, dimensions, metric, space_table(embedder, model))
        self.con.execute("BEGIN")
        self.con.execute(
            f"CREATE TABLE {space.table} (id VARCHAR PRIMARY KEY,"
            f" vector FLOAT[{int(dimensions)}] NOT NULL)"
        )
        self.con.execute(
            "INSERT INTO vector_spaces VALUES (?, ?, ?, ?, ?, now())",
            [embedder, model, dimensions, metric, space.table],
        )
        self.con.execute("COMMIT")
        return space

    def missing_texts(self, space: Space | None) -> list[tuple[str, str]]:
        """``(content_hash, search_text)`` of chunks with no vector in ``space``, one per hash."""
        if not self._has_table("chunks"):
            return []
        missing = (
            "" if space is None else (f" WHERE content_hash NOT IN (SELECT id FROM {space.table})")
        )
        return self.con.execute(
            "SELECT content_hash, any_value(search_text) FROM chunks"
            + missing
            + " GROUP BY content_hash ORDER BY min(start_ts), content_hash"
        ).fetchall()

    def add_vectors(self, space: Space, hashes: Sequence[str], vectors: Any) -> None:
        """Store one batch in one transaction (so an interrupted build keeps it)."""
        batch = pa.table(
            {
                "id": pa.array(list(hashes), pa.string()),
                "vector": vector_array(vectors, space.dimensions),
            }
        )
        self.con.register("_incoming_vectors", batch)
        try:
            self.con.execute(
                f"INSERT OR IGNORE INTO {space.table} SELECT id, vector FROM _incoming_vectors"
            )
        finally:
            self.con.unregister("_incoming_vectors")

    def chunk_vectors(self, space: Space) -> pa.Table:
        """``group_slug``, ``start_ts`` and ``vector`` of every chunk with a vector in ``space``."""
        return self.con.execute(
            f"SELECT c.group_slug, c.start_ts, v.vector FROM chunks c"
            f" JOIN {space.table} v ON v.id = c.content_hash ORDER BY c.chunk_id"
        ).to_arrow_table()

    def vector_count(self, space: Space) -> int:
        return self.con.execute(f"SELECT count(*) FROM {space.table}").fetchone()[0]

    def prune_vectors(self, space: Space) -> int:
        """Delete vectors no current chunk uses (after chunks changed)."""
        return self.con.execute(
            f"DELETE FROM {space.table} WHERE id NOT IN (SELECT content_hash FROM chunks)"
        ).fetchone()[0]

    def exact_search(
        self, space: Space, vector: Sequence[float], k: int, filters: Filters = Filters()
    ) -> list[tuple[str, float]]:
        """Exact k-NN restricted to chunks passing ``filters`` (for narrow filters)."""
        check_dimensions(space, vector)
        where, params = filters.sql()
        return self.con.execute(
            f"SELECT v.id, array_cosine_distance(v.vector, ?::FLOAT[{space.dimensions}]) AS d"
            f" FROM {space.table} v WHERE v.id IN (SELECT content_hash FROM chunks c"
            f" WHERE {where}) ORDER BY d, v.id LIMIT ?",
            [list(map(float, vector)), *params, k],
        ).fetchall()


def check_dimensions(space: Space, vector: Sequence[float]) -> None:
    if len(vector) != space.dimensions:
        raise DimensionMismatch(
            f"the query vector has {len(vector)} dimensions but the stored vectors of "
            f"'{space.embedder}' ({space.model}) have {space.dimensions}",
            hint="query with the embedder the vectors were built with (--embedder)",
        )
