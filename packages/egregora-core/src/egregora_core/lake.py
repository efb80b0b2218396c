"""The lake store: DuckLake (DuckDB-file catalog + Parquet data) under ``.egregora/lake/``.

This module is one of the two places allowed DuckDB-specific SQL (the other is the vector
index). Everything else reads the lake through the ibis tables returned by :meth:`Lake.table`.

Layout::

    .egregora/lake/catalog.ducklake   DuckLake catalog (a DuckDB file)
    .egregora/lake/data/<table>/...   Parquet files, hive-partitioned

Each :meth:`Lake.write` is one transaction, i.e. one DuckLake snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from .extensions import load_extension
from .schema import TABLES

CATALOG = "lake"

#: Partitioning per table (DuckLake writes hive-style folders).
PARTITIONS: dict[str, str] = {
    "messages": "group_slug, year(ts), month(ts)",
}

_DUCK_TYPES = {
    pa.string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
    pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ",
    pa.list_(pa.string()): "VARCHAR[]",
}


def duck_type(arrow_type: pa.DataType) -> str:
    return _DUCK_TYPES[arrow_type]


def create_table_sql(name: str, schema: pa.Schema, catalog: str = CATALOG) -> str:
    columns = ", ".join(f'"{f.name}" {duck_type(f.type)}' for f in schema)
    return f"CREATE TABLE IF NOT EXISTS {catalog}.{name} ({columns})"


class Lake:
    """An open lake. Use as a context manager, or call :meth:`close`."""

    def __init__(self, lake_dir: Path, *, tables: Mapping[str, pa.Schema] = TABLES):
        self.lake_dir = Path(lake_dir)
        self.data_dir = self.lake_dir / "data"
        self.catalog_path = self.lake_dir / "catalog.ducklake"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.ibis = ibis.duckdb.connect()
        self.con = self.ibis.con  # the raw DuckDB connection
        load_extension(self.con, "ducklake")
        self.con.execute(
            f"ATTACH 'ducklake:{self.catalog_path}' AS {CATALOG} (DATA_PATH '{self.data_dir}/')"
        )
        self._ensure_tables(tables)

    @classmethod
    def open(cls, project: Any) -> Lake:
        """The lake of a :class:`~egregora_core.project.Project`."""
        return cls(project.lake_dir)

    def _ensure_tables(self, tables: Mapping[str, pa.Schema]) -> None:
        existing = {
            row[0]
            for row in self.con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = ?",
                [CATALOG],
            ).fetchall()
        }
        missing = [name for name in tables if name not in existing]
        if not missing:
            return
        self.con.execute("BEGIN")
        for name in missing:
            self.con.execute(create_table_sql(name, tables[name]))
            if name in PARTITIONS:
                self.con.execute(
                    f"ALTER TABLE {CATALOG}.{name} SET PARTITIONED BY ({PARTITIONS[name]})"
                )
        self.con.execute("COMMIT")

    def table(self, name: str, *, snapshot: int | None = None) -> ibis.Table:
        """An ibis table over ``name`` at the latest (or the given) snapshot."""
        if snapshot is None:
            return self.ibis.table(name, database=CATALOG)
        return self.ibis.sql(f"SELECT * FROM {CATALOG}.{name} AT (VERSION => {int(snapshot)})")

    def write(self, tables: Mapping[str, pa.Table]) -> int:
        """Append Arrow tables (already anonymized, canonical schema) in ONE snapshot.

        Returns the new snapshot id.
        """
        self.con.execute("BEGIN")
        try:
            for name, table in tables.items():
                if table.num_rows == 0:
                    continue
                self.con.register("_incoming", table)
                columns = ", ".join(f'"{c}"' for c in table.column_names)
                self.con.execute(
                    f"INSERT INTO {CATALOG}.{name} ({columns}) SELECT {columns} FROM _incoming"
                )
                self.con.unregister("_incoming")
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return self.current_snapshot()

    def current_snapshot(self) -> int:
        return int(
            self.con.execute(f"SELECT max(snapshot_id) FROM {CATALOG}.snapshots()").fetchone()[0]
        )

    def snapshots(self) -> list[dict[str, Any]]:
        rows = self.con.execute(
            f"SELECT snapshot_id, snapshot_time, changes FROM {CATALOG}.snapshots() ORDER BY snapshot_id"
        ).fetchall()
        return [{"snapshot_id": r[0], "time": r[1], "changes": r[2]} for r in rows]

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Lake:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
