"""What every vector index of this package shares: bookkeeping, staleness, exact fallback.

An index lives next to the vectors it covers, in the same DuckDB database (the serving
database, ``.egregora/egregora.duckdb``), on a *copy* ``<table>__<kind>`` of the vectors
laid out for that kind of index; the vectors table itself is never altered, so it stays
writable by any connection. The table ``egregora_ann_index`` records, per indexed table,
the row count and highest rowid at build time: a different count or rowid later means
the index is stale.

Search falls back to an exact ``array_cosine_distance`` scan, with a warning, when the
index is missing or stale (or, for HNSW, when the vss extension cannot load). Transient
DuckDB errors (I/O, transaction conflicts) are retried a few times before giving up.

Subclasses (:mod:`.ivf`, :mod:`.hnsw`) say how the copy is made (``_create``) and how it
is searched (``_ann``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import duckdb
from egregora_core.errors import EgregoraError
from egregora_core.extensions import vector_literal

log = logging.getLogger("egregora.ann")
T = TypeVar("T")

META_DDL = """
CREATE TABLE IF NOT EXISTS egregora_ann_index (
    table_name VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, rows BIGINT NOT NULL,
    max_rowid BIGINT, dimensions INTEGER NOT NULL, metric VARCHAR NOT NULL,
    params VARCHAR NOT NULL, seconds DOUBLE NOT NULL, bytes BIGINT, built_at TIMESTAMPTZ)
"""

#: distance function per metric (DuckDB core; vss's HNSW supports the same three).
DISTANCES = {
    "cosine": "array_cosine_distance",
    "l2sq": "array_distance",
    "ip": "array_negative_inner_product",
}

#: Tables every kind of index of this package may keep beside ``<table>``: a build drops
#: them all first, so switching kinds leaves no stale copy behind.
COPY_SUFFIXES = ("__ivf", "__ivf_lists", "__hnsw")

TRANSIENT = (duckdb.IOException, duckdb.TransactionException)


class IndexError_(EgregoraError):
    """The vector index cannot answer (bad input such as a wrong dimension)."""


def retry(fn: Callable[[], T], *, attempts: int = 3, delay: float = 0.05) -> T:
    """Run ``fn``, retrying transient DuckDB errors with exponential backoff."""
    for attempt in range(attempts):
        try:
            return fn()
        except TRANSIENT as exc:
            if attempt == attempts - 1:
                raise
            log.warning("transient DuckDB error (%s); retrying", type(exc).__name__)
            time.sleep(delay * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def ident(name: str) -> str:
    """``name`` if it is safe to splice into SQL as a table name."""
    if not name.replace("_", "").isalnum():
        raise IndexError_(f"invalid table name {name!r}", hint="use letters, digits and '_'")
    return name


class IndexBase:
    """A vector index over ``table (id VARCHAR, vector FLOAT[dim])`` in DuckDB."""

    name = "?"
    kind = "?"

    # -- what a kind of index provides -------------------------------------------
    def _ready(self, con: Any) -> bool:
        """Prepare ``con`` (e.g. load an extension); False = this kind cannot work here."""
        return True

    def _create(
        self, con: Any, table: str, copy: str, dimensions: int, metric: str, rows: int
    ) -> dict[str, Any]:
        """Create ``copy`` from ``table`` inside the open transaction; return the parameters."""
        raise NotImplementedError

    def _verify(self, con: Any, table: str) -> None:
        """Check the committed copy (after the build's transaction)."""

    @contextlib.contextmanager
    def _building(self, con: Any) -> Iterator[None]:
        """Connection settings held while the copy is written and checkpointed."""
        yield

    def _ann(
        self, con: Any, table: str, query: list[float], k: int, state: dict[str, Any]
    ) -> list[tuple[str, float]]:
        raise NotImplementedError

    # -- helpers ----------------------------------------------------------------
    @staticmethod
    def _meta(con: Any, table: str) -> dict[str, Any] | None:
        has = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'egregora_ann_index'"
        ).fetchone()[0]
        if not has:
            return None
        row = con.execute(
            "SELECT kind, rows, max_rowid, dimensions, metric, params, seconds,"
            " bytes FROM egregora_ann_index WHERE table_name = ?",
            [table],
        ).fetchone()
        if row is None:
            return None
        keys = ("kind", "rows", "max_rowid", "dimensions", "metric", "params", "seconds", "bytes")
        return dict(zip(keys, row, strict=True))

    @staticmethod
    def _shape(con: Any, table: str) -> tuple[int, int | None]:
        return tuple(con.execute(f"SELECT count(*), max(rowid) FROM {ident(table)}").fetchone())

    @staticmethod
    def _dimensions(con: Any, table: str) -> int:
        row = con.execute(
            "SELECT data_type FROM duckdb_columns() WHERE table_name = ? AND"
            " column_name = 'vector'",
            [table],
        ).fetchone()
        if row is None:
            raise IndexError_(f"table {table} has no vector column")
        return int(row[0].rsplit("[", 1)[1].rstrip("]"))

    @staticmethod
    def _used_bytes(con: Any) -> int:
        row = con.execute(
            "SELECT used_blocks * block_size FROM pragma_database_size()"
            " WHERE database_name = current_database()"
        ).fetchone()
        return int(row[0] or 0) if row else 0

    def describe(self, con: Any, table: str) -> dict[str, Any] | None:
        """Facts of the last build (kind, rows, seconds, bytes, parameters), or None."""
        meta = self._meta(con, table)
        if meta is None:
            return None
        return {**meta, **json.loads(meta.pop("params"))}

    def ann_table(self, table: str) -> str:
        return f"{ident(table)}__{self.kind}"

    # -- protocol -----------------------------------------------------------------
    def status(self, con: Any, table: str) -> str:
        """'missing' (never built, or its copy is gone), 'stale' (vectors changed) or 'fresh'."""
        state = self._state(con, table)["status"]
        copy = self.ann_table(table)
        if (
            state == "fresh"
            and not con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [copy]
            ).fetchone()[0]
        ):
            return "missing"
        return state

    def build(self, con: Any, table: str, dimensions: int, metric: str) -> dict[str, Any]:
        """(Re)create the index over a fresh copy of ``table``; record what it covers."""
        if metric not in DISTANCES:
            raise IndexError_(
                f"metric '{metric}' is not supported", hint=f"use one of {', '.join(DISTANCES)}"
            )
        if self._dimensions(con, table) != dimensions:
            raise IndexError_(f"table {table} does not hold {dimensions}-dimension vectors")
        if not self._ready(con):
            return {"kind": "exact", "rows": self._shape(con, table)[0], "seconds": 0.0}
        copy = self.ann_table(table)
        started = time.perf_counter()
        before = self._used_bytes(con)

        def run() -> tuple[int, dict[str, Any]]:
            con.execute("BEGIN")
            try:
                # Shape and copy in one transaction: the recorded shape is what was copied.
                rows, max_rowid = self._shape(con, table)
                con.execute(META_DDL)
                for suffix in COPY_SUFFIXES:
                    con.execute(f"DROP TABLE IF EXISTS {ident(table)}{suffix}")
                params = self._create(con, table, copy, dimensions, metric, rows)
                con.execute("DELETE FROM egregora_ann_index WHERE table_name = ?", [table])
                con.execute(
                    "INSERT INTO egregora_ann_index VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, now())",
                    [
                        table,
                        self.kind,
                        rows,
                        max_rowid,
                        dimensions,
                        metric,
                        json.dumps(params),
                        time.perf_counter() - started,
                    ],
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            return rows, params

        with self._building(con):
            rows, params = retry(run)
            con.execute("CHECKPOINT")
        self._verify(con, table)
        seconds = time.perf_counter() - started
        size = max(0, self._used_bytes(con) - before)
        con.execute(
            "UPDATE egregora_ann_index SET seconds = ?, bytes = ? WHERE table_name = ?",
            [seconds, size, table],
        )
        return {"kind": self.kind, "rows": rows, "seconds": seconds, "bytes": size, **params}

    def _state(self, con: Any, table: str) -> dict[str, Any]:
        """Status, dimensions, metric, build time and database in one round trip (per query).

        A missing copy table is not checked here: the ANN query then fails and search
        falls back to the exact scan.
        """
        try:
            row = con.execute(
                f"SELECT m.rows = t.n AND m.max_rowid IS NOT DISTINCT FROM t.r, m.dimensions,"
                f" m.metric, m.kind, m.params, epoch_us(m.built_at), (SELECT path FROM"
                f" duckdb_databases() WHERE database_name = current_database())"
                f" FROM egregora_ann_index m, (SELECT count(*) AS n,"
                f" max(rowid) AS r FROM {ident(table)}) t WHERE m.table_name = ?",
                [table],
            ).fetchone()
        except duckdb.CatalogException:
            row = None
        if row is None:
            return {"status": "missing", "dimensions": self._dimensions(con, table)}
        fresh, dimensions, metric, kind, params, built_us, path = row
        if kind != self.kind:  # built by the other kind of index: not ours to use
            return {"status": "missing", "dimensions": dimensions, "metric": metric}
        return {
            "status": "fresh" if fresh else "stale",
            "dimensions": dimensions,
            "metric": metric,
            "params": json.loads(params),
            # identifies one build of one table of one database (for caches)
            "build_key": (path or f"memory:{id(con)}", table, built_us),
        }

    def search(
        self, con: Any, table: str, vector: Sequence[float], k: int, *, exact: bool = False
    ) -> list[tuple[str, float]]:
        """Nearest ``k`` ids and distances; exact scan when asked or when the index can't serve."""
        state = self._state(con, table)
        dimensions = state["dimensions"]
        if len(vector) != dimensions:
            raise IndexError_(
                f"query vector has {len(vector)} dimensions, table {table} holds {dimensions}",
                hint="embed the query with the model the vectors were built with",
            )
        query = [float(x) for x in vector]
        if k <= 0:
            return []
        if not exact:
            if state["status"] != "fresh":
                log.warning(
                    "vector index is %s; using exact search (run `egregora build`)",
                    state["status"],
                )
            elif self._ready(con):
                try:
                    return retry(lambda: self._ann(con, table, query, k, state))
                except duckdb.CatalogException:
                    log.warning(
                        "vector index table is missing; using exact search (run `egregora build`)"
                    )
        distance = DISTANCES[state.get("metric", "cosine")]
        return retry(lambda: self._exact(con, table, query, k, dimensions, distance))

    @staticmethod
    def _exact(con: Any, table: str, query: list[float], k: int, dim: int, distance: str):
        return con.execute(
            f"SELECT id, {distance}(vector, {vector_literal(query, dim)}) AS distance"
            f" FROM {ident(table)} ORDER BY distance, id LIMIT ?",
            [k],
        ).fetchall()
