"""Read a project's lake with plain DuckDB SQL (no egregora code involved).

    uv run python examples/read_lake_with_duckdb.py PROJECT_DIR

The lake is DuckLake: a catalog (a DuckDB file) plus Parquet. With the ducklake extension
loaded (here from the `duckdb-extension-ducklake` package, so it works offline), any DuckDB
reads every table at any snapshot.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import duckdb

SQL = """
ATTACH 'ducklake:{catalog}' AS lake (READ_ONLY);
"""

QUERIES = {
    "snapshots": "SELECT snapshot_id, snapshot_time FROM lake.snapshots() ORDER BY 1",
    "messages per group and month": """
        SELECT group_slug, strftime(ts, '%Y-%m') AS month, kind, count(*) AS messages
        FROM lake.messages GROUP BY ALL ORDER BY ALL""",
    "most active pseudonyms": """
        SELECT author, count(*) AS messages FROM lake.messages
        WHERE author IS NOT NULL GROUP BY author ORDER BY messages DESC, author LIMIT 5""",
    "first snapshot with messages": """
        SELECT count(*) AS messages FROM lake.messages AT (VERSION => 2)""",
}


def ducklake_extension() -> Path:
    spec = importlib.util.find_spec("duckdb_extension_ducklake")
    root = Path(next(iter(spec.submodule_search_locations)))
    return root / "extensions" / f"v{duckdb.__version__}" / "ducklake.duckdb_extension"


def main(project: Path) -> None:
    con = duckdb.connect()
    con.execute(f"LOAD '{ducklake_extension()}'")
    con.execute(SQL.format(catalog=project / ".egregora" / "lake" / "catalog.ducklake"))
    for title, query in QUERIES.items():
        print(f"-- {title}")
        for row in con.execute(query).fetchall():
            print("  ", *row)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
