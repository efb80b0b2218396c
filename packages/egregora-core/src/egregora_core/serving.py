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
* ``fts_main_chunks``: DuckDB's full-text index (the packaged ``fts`` extension, BM25)
  over ``chunks.search_text``, rebuilt by :meth:`ServingStore.build_text_index` whenever
  the chunks changed; ``text_index_meta`` records the chunk count it covers.
* ``members``: pseudonym and public alias (from the lake's preferences) so that a
  ``from:`` filter may name either.

Besides the lake store and the vector index, this is the one module with DuckDB SQL:
k-NN needs a typed ``FLOAT[dim]`` query vector that ibis cannot express, and BM25 is
the fts extension's own macro.
"""

from __future__ import annotations

import hashlib
import re
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
from .extensions import load_extension, vector_literal

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


MEMBERS_DDL = """
CREATE TABLE IF NOT EXISTS members (pseudonym VARCHAR PRIMARY KEY, alias VARCHAR)
"""
TEXT_META_DDL = """
CREATE TABLE IF NOT EXISTS text_index_meta (chunks BIGINT NOT NULL, hash_sum HUGEINT)
"""
#: How the full-text index reads chunk text: lower case, accents stripped (so "praca"
#: finds "praça"), Porter stems (plural -s and English suffixes; harmless on
#: Portuguese), and the English and Portuguese function words of :data:`STOPWORDS`
#: dropped: chats mix both languages, and a question's "the", "de", "onde" would
#: otherwise match most chunks and drown the vector list in the fusion.
#: Digits are kept (DuckDB's default ``ignore`` drops everything but a-z, so flight
#: numbers, prices and codes could not be found); other characters separate words.
TEXT_INDEX_OPTIONS = (
    "stemmer = 'porter', stopwords = 'fts_stopwords', ignore = '(\\.|[^a-z0-9])+',"
    " strip_accents = 1, lower = 1"
)
_STOPWORD_TEXT = """
a an and are as at be been but by can could did do does for from had has have he her his
how i if in into is it its me my no not of on or our she so than that the their them then
there these they this to too up us was we were what when where which who whom why will
with would you your yours about after all also any just more most some such only own same
very
o os as um uma uns umas de da do das dos em na no nas nos por para pra pro com sem e ou mas
que se como quando onde quem qual quais quanto quanta quantos quantas porque eu tu ele ela
eles elas nós vós voce você vocês me te lhe nos vos meu minha meus minhas seu sua seus suas
nosso nossa ao aos à às pelo pela pelos pelas é foi ser era são estar está estão tem têm ter
vai vamos vou já não sim isso isto aquilo esse essa este esta aquele aquela num numa dum
duma lá aqui muito muita mais menos também ainda só até
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


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
    #: exact phrases the chunk's text must contain (case and accents ignored)
    phrases: tuple[str, ...] = ()

    def active(self) -> bool:
        return any(v is not None and v != () for v in vars(self).values())

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
        for phrase in self.phrases:
            clauses.append(f"contains(strip_accents(lower({alias}.search_text)), ?)")
            params.append(fold(phrase))
        return " AND ".join(clauses), params


def fold(text: str) -> str:
    """Lower case without accents, as phrase filters compare text."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_FOLDED_STOPWORDS = frozenset(fold(w) for w in STOPWORDS)


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
            self.con.execute(MEMBERS_DDL)

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

    # -- full-text index and members ---------------------------------------------------
    def _text_shape(self) -> tuple[int, int | None]:
        return tuple(
            self.con.execute(
                "SELECT count(*), sum(hash(chunk_id, content_hash)::HUGEINT) FROM chunks"
            ).fetchone()
        )

    def text_index_fresh(self) -> bool:
        """True when the full-text index covers exactly the current chunks."""
        if not self._has_table("text_index_meta"):
            return False
        has_index = self.con.execute(
            "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'fts_main_chunks'"
        ).fetchone()[0]
        recorded = self.con.execute("SELECT chunks, hash_sum FROM text_index_meta").fetchone()
        return bool(has_index) and recorded == self._text_shape()

    def build_text_index(self) -> bool:
        """(Re)build the BM25 index over ``chunks.search_text`` if the chunks changed."""
        if self.text_index_fresh():
            return False
        load_extension(self.con, "fts")
        # accents folded like the index folds the text (strip_accents): "é" -> "e"
        words = sorted(_FOLDED_STOPWORDS)
        self.con.execute("CREATE OR REPLACE TABLE fts_stopwords (sw VARCHAR)")
        self.con.executemany("INSERT INTO fts_stopwords VALUES (?)", [[w] for w in words])
        self.con.execute(
            "PRAGMA create_fts_index('chunks', 'chunk_id', 'search_text', "
            f"{TEXT_INDEX_OPTIONS}, overwrite = 1)"
        )
        self.con.execute(TEXT_META_DDL)
        self.con.execute("DELETE FROM text_index_meta")
        self.con.execute("INSERT INTO text_index_meta VALUES (?, ?)", list(self._text_shape()))
        return True

    def text_search(
        self, text: str, k: int, filters: Filters = Filters(), *, all_words: bool = False
    ) -> list[tuple[str, float]]:
        """Top-``k`` ``(chunk_id, bm25)`` for ``text`` among chunks passing ``filters``.

        Any query word may match (BM25 ranks chunks with more and rarer ones first), or,
        with ``all_words``, only chunks with every word of the query.
        """
        if not self.text_index_fresh():
            raise NoVectors(
                "the full-text index is missing or out of date",
                where=str(self.path or ":memory:"),
                hint="run `egregora build`",
            )
        load_extension(self.con, "fts")
        if all_words:  # the fts macro would also require the stop words it never indexed
            text = " ".join(
                w for w in re.split(r"[^a-z0-9]+", fold(text)) if w and w not in _FOLDED_STOPWORDS
            )
            if not text:
                return []
        where, params = filters.sql()
        return self.con.execute(
            "SELECT chunk_id, score FROM (SELECT c.chunk_id,"
            " fts_main_chunks.match_bm25(c.chunk_id, ?, conjunctive := ?) AS score FROM chunks c"
            f" WHERE {where}) WHERE score IS NOT NULL ORDER BY score DESC, chunk_id LIMIT ?",
            [text, int(all_words), *params, k],
        ).fetchall()

    def sync_members(self, rows: Sequence[tuple[str, str | None]]) -> None:
        """Replace the pseudonym -> alias table (rows from the lake's preferences)."""
        self.con.execute("BEGIN")
        try:
            self.con.execute("DELETE FROM members")
            if rows:
                self.con.executemany("INSERT INTO members VALUES (?, ?)", list(rows))
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def resolve_author(self, name: str) -> str:
        """The pseudonym ``name`` refers to: itself, or the member whose alias it is."""
        if not self._has_table("members"):
            return name
        row = self.con.execute(
            "SELECT pseudonym FROM members WHERE lower(alias) = lower(?) ORDER BY pseudonym",
            [name.strip()],
        ).fetchone()
        return row[0] if row else name

    def chunk_rows(self, chunk_ids: Sequence[str]) -> dict[str, dict]:
        """Display rows of the chunks ``chunk_ids``, by id."""
        rows = self.con.execute(
            "SELECT chunk_id, group_slug, start_ts, end_ts, authors, text, content_hash,"
            " search_text FROM chunks WHERE chunk_id IN (SELECT unnest(?))",
            [list(chunk_ids)],
        ).fetchall()
        keys = (
            "chunk_id",
            "group_slug",
            "start_ts",
            "end_ts",
            "authors",
            "text",
            "content_hash",
            "search_text",
        )
        return {row[0]: dict(zip(keys, row, strict=True)) for row in rows}

    def chunks_with_text(self, text: str) -> set[str]:
        """Ids of chunks with a message whose text is exactly ``text`` (stripped)."""
        rows = self.con.execute(
            "SELECT chunk_id FROM chunks WHERE list_contains(string_split(search_text, chr(10)), ?)",
            [text.strip()],
        ).fetchall()
        return {r[0] for r in rows}

    def chunks_at(self, group_slug: str, ts: datetime, text: str | None) -> set[str]:
        """Ids of the chunk holding a message of ``group_slug`` at ``ts`` (with ``text``)."""
        rows = self.con.execute(
            "SELECT chunk_id, search_text FROM chunks WHERE group_slug = ? AND ? BETWEEN"
            " start_ts AND end_ts",
            [group_slug, ts],
        ).fetchall()
        if len(rows) > 1 and text:  # a boundary inside one second: the chunk with that line
            rows = [r for r in rows if text.strip() in r[1].split("\n")] or rows
        return {r[0] for r in rows}

    def has_chunk(self, chunk_id: str) -> bool:
        return bool(
            self.con.execute(
                "SELECT count(*) FROM chunks WHERE chunk_id = ?", [chunk_id]
            ).fetchone()[0]
        )

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
            f"SELECT v.id, array_cosine_distance(v.vector,"
            f" {vector_literal(vector, space.dimensions)}) AS d"
            f" FROM {space.table} v WHERE v.id IN (SELECT content_hash FROM chunks c"
            f" WHERE {where}) ORDER BY d, v.id LIMIT ?",
            [*params, k],
        ).fetchall()


def check_dimensions(space: Space, vector: Sequence[float]) -> None:
    if len(vector) != space.dimensions:
        raise DimensionMismatch(
            f"the query vector has {len(vector)} dimensions but the stored vectors of "
            f"'{space.embedder}' ({space.model}) have {space.dimensions}",
            hint="query with the embedder the vectors were built with (--embedder)",
        )
