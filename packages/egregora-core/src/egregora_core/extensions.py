"""Loading DuckDB extensions offline.

``INSTALL x`` downloads from the internet, which fails on offline machines. The PyPI
packages ``duckdb-extension-<name>`` ship the binaries for one DuckDB version; we LOAD
them by path. Only the lake store and the vector index use DuckDB-specific SQL.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import duckdb

from .errors import EgregoraError


class ExtensionUnavailable(EgregoraError):
    """A packaged DuckDB extension is not installed or does not match DuckDB."""


def extension_path(name: str) -> Path:
    """Path of the packaged ``<name>.duckdb_extension`` for the running DuckDB."""
    package = f"duckdb_extension_{name}"
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionUnavailable(
            f"the DuckDB '{name}' extension is not installed",
            hint=f"pip install duckdb-extension-{name}=={duckdb.__version__}",
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    path = root / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.is_file():
        found = sorted(p.name for p in (root / "extensions").glob("v*")) or ["none"]
        raise ExtensionUnavailable(
            f"the DuckDB '{name}' extension has no build for DuckDB {duckdb.__version__} "
            f"(found {', '.join(found)})",
            hint=f"pip install duckdb-extension-{name}=={duckdb.__version__}",
        )
    return path


def sql_literal(value: object) -> str:
    """``value`` as a quoted SQL string literal.

    Used instead of ``?`` parameters in the queries every command runs first: DuckDB's
    Python client imports pandas (~1 s) on the first query with parameters.
    """
    return "'" + str(value).replace("'", "''") + "'"


#: Packages whose file name is not the extension's own name. DuckDB derives the entry point
#: from the file name (``postgres`` -> ``postgres_duckdb_cpp_init``), so such a file is
#: loaded through a link that carries the real name.
INTERNAL_NAMES = {"postgres": "postgres_scanner"}


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """LOAD a packaged extension into ``con`` (idempotent)."""
    internal = INTERNAL_NAMES.get(name, name)
    loaded = con.execute(
        f"SELECT loaded FROM duckdb_extensions() WHERE extension_name = {sql_literal(internal)}"
    ).fetchone()
    if loaded and loaded[0]:
        return
    path = extension_path(name)
    if internal != name:
        path = _renamed(path, internal)
    con.execute(f"LOAD {sql_literal(path)}")


def _renamed(path: Path, internal: str) -> Path:
    """A symlink named ``<internal>.duckdb_extension`` to ``path`` (made once per process)."""
    folder = Path(tempfile.gettempdir()) / f"egregora-duckdb-{duckdb.__version__}"
    folder.mkdir(exist_ok=True)
    link = folder / f"{internal}.duckdb_extension"
    if not (link.is_symlink() and link.resolve() == path.resolve()):
        staging = folder / f".{internal}.{os.getpid()}.link"
        staging.unlink(missing_ok=True)
        staging.symlink_to(path)
        staging.replace(link)  # atomic: concurrent workers never see a half-made link
    return link


def vector_literal(vector: Sequence[float], dimensions: int) -> str:
    """``vector`` as a typed SQL literal ``[x, ...]::FLOAT[dimensions]``.

    Used instead of a ``?`` list parameter in k-NN queries: binding a Python list makes
    DuckDB's client try ``import pandas`` once per element when pandas is not installed
    (a failed import each time: ~0.8 s for two 384-float queries). ``repr`` of a float
    round-trips exactly, so the literal is the same vector.
    """
    return "[" + ", ".join(repr(float(x)) for x in vector) + f"]::FLOAT[{int(dimensions)}]"
