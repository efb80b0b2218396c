"""Privacy scanning for tests: is any raw name, phone or e-mail left on disk?

:func:`project_text` gathers everything readable under a folder, decoding what plain
byte scans miss (compressed Parquet pages, the DuckLake catalog's DuckDB file), so a test
can assert ``raw_name not in project_text(root)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

#: Files a site build copies unchanged from mkdocs-material (search-language bundles contain
#: words such as "john"): not generated from chat data, so not scanned.
THEME_ASSETS = ("site/assets/javascripts/", "site/assets/stylesheets/")


def project_text(root: Path, *, exclude: tuple[str, ...] = ()) -> str:
    """Everything readable under ``root``: raw bytes of every file, every Parquet cell, and
    every row of every DuckDB file (the DuckLake catalog, the serving database), joined in
    one string to search. ``exclude``: relative path prefixes to skip (e.g. THEME_ASSETS)."""
    import duckdb
    import pyarrow.parquet as pq

    chunks: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.relative_to(root).as_posix().startswith(exclude):
            continue
        chunks.append(path.name)
        data = path.read_bytes()
        chunks.append(data.decode("utf-8", "ignore"))
        chunks.append(data.decode("utf-16-le", "ignore"))  # ID3 frames, some EXIF text
        if path.suffix == ".gz":
            import gzip

            chunks.append(gzip.decompress(data).decode("utf-8", "ignore"))
        if path.suffix == ".parquet":
            chunks.append(repr(pq.read_table(path).to_pylist()))
        if path.suffix in (".ducklake", ".duckdb"):
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


def _trie_pattern(words: set[str]) -> str:
    """One regex matching any of ``words``, written as a trie (``re`` tries the branches
    of a plain alternation one by one: thousands of them over megabytes is too slow)."""
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [re.escape(c) + emit(child) for c, child in sorted(node.items()) if c]
        if not branches:
            return ""
        body = "(?:" + "|".join(branches) + ")"
        return body + "?" if "" in node else body

    return emit(root)


def found_secrets(text: str, secrets: Iterable[str]) -> set[str]:
    """The ``secrets`` in ``text``, accent- and case-insensitively (folded as
    :func:`egregora_core.testing.adversarial.leaks` does), in one pass for any number."""
    from .adversarial import _fold

    folded = {_fold(s) for s in secrets if s}
    if not folded:
        return set()
    return set(re.findall(_trie_pattern(folded), _fold(text)))
