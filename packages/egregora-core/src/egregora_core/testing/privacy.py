"""Privacy scanning for tests: is any raw name, phone or e-mail left on disk?

:func:`project_text` gathers everything readable under a folder, decoding what plain
byte scans miss (compressed Parquet pages, the DuckLake catalog's DuckDB file), so a test
can assert ``raw_name not in project_text(root)``.
"""

from __future__ import annotations

from pathlib import Path


def project_text(root: Path) -> str:
    """Everything readable under ``root``: raw bytes of every file, every Parquet cell, and
    every row of the DuckLake catalog (a DuckDB file), joined in one string to search."""
    import duckdb
    import pyarrow.parquet as pq

    chunks: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        chunks.append(path.name)
        chunks.append(path.read_bytes().decode("utf-8", "ignore"))
        if path.suffix == ".parquet":
            chunks.append(repr(pq.read_table(path).to_pylist()))
        if path.suffix == ".ducklake":
            con = duckdb.connect(str(path), read_only=True)
            try:
                for schema, name in con.execute(
                    "SELECT schema_name, table_name FROM duckdb_tables()"
                ).fetchall():
                    chunks.append(
                        repr(con.execute(f'SELECT * FROM "{schema}"."{name}"').fetchall())
                    )
            finally:
                con.close()
    return "\n".join(chunks)
