"""Conformance suites every plugin of a kind must pass.

Subclass one in your package's tests and provide its fixtures::

    from egregora_core.testing.conformance import ExtractorTests

    class TestTelegram(ExtractorTests):
        @pytest.fixture
        def extractor(self):
            return TelegramExtractor()

        @pytest.fixture
        def sample_export(self, tmp_path):
            ...  # write a small valid export, return its path

Each test's docstring says what to fix when it fails.
"""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from ..components import Embedder, Extraction, ExtractOptions, Extractor, VectorIndex
from ..errors import EgregoraError
from ..plugins import NAME_RE
from ..schema import KINDS, RAW_MEDIA, RAW_MESSAGES, problems


class ExtractorTests:
    """Fixtures to provide: ``extractor`` and ``sample_export`` (a path to a valid export)."""

    @pytest.fixture
    def not_an_export(self, tmp_path) -> Path:
        path = tmp_path / "random.bin"
        path.write_bytes(bytes(range(256)) * 8)
        return path

    def test_protocol_and_name(self, extractor):
        """The object must have name/sniff/extract and a lowercase name."""
        assert isinstance(extractor, Extractor)
        assert NAME_RE.match(extractor.name), extractor.name

    def test_sniff_claims_sample(self, extractor, sample_export):
        """sniff() must be confident (>= 0.5) about a valid export."""
        assert extractor.sniff(sample_export) >= 0.5

    def test_sniff_rejects_other_files(self, extractor, not_an_export):
        """sniff() must return < 0.5, not raise, for files it cannot read."""
        assert extractor.sniff(not_an_export) < 0.5

    def test_extract_schema(self, extractor, sample_export):
        """extract() returns an Extraction whose tables follow RAW_MESSAGES / RAW_MEDIA."""
        result = extractor.extract(sample_export, ExtractOptions())
        assert isinstance(result, Extraction)
        assert problems(result.messages.schema, RAW_MESSAGES) == []
        assert problems(result.media.schema, RAW_MEDIA) == []
        assert result.messages.num_rows > 0

    def test_extract_values(self, extractor, sample_export):
        """Kinds come from schema.KINDS, ordinals are unique, required columns have no NULLs."""
        messages = extractor.extract(sample_export, ExtractOptions()).messages
        kinds = set(messages.column("kind").to_pylist())
        assert kinds <= set(KINDS), kinds - set(KINDS)
        ordinals = messages.column("ordinal")
        assert pc.count_distinct(ordinals).as_py() == messages.num_rows
        for field in RAW_MESSAGES:
            if not field.nullable:
                assert messages.column(field.name).null_count == 0, field.name

    def test_source_metadata(self, extractor, sample_export):
        """source must name the file, the group and carry a sha256 checksum."""
        source = extractor.extract(sample_export, ExtractOptions()).source
        for key in ("checksum", "file_name", "group_name"):
            assert source.get(key), key
        assert len(source["checksum"]) == 64

    def test_media_readable(self, extractor, sample_export):
        """Every listed media entry can be read back with read_media()."""
        result = extractor.extract(sample_export, ExtractOptions())
        for row in result.media.to_pylist():
            assert result.read_media is not None
            assert len(result.read_media(row["name"])) == row["size"]

    def test_deterministic(self, extractor, sample_export):
        """Extracting the same export twice gives identical rows."""
        first = extractor.extract(sample_export, ExtractOptions()).messages
        second = extractor.extract(sample_export, ExtractOptions()).messages
        assert first.equals(second)

    def test_bad_input_is_user_error(self, extractor, not_an_export):
        """Unreadable input raises an EgregoraError (one clear line), never a traceback."""
        with pytest.raises(EgregoraError):
            extractor.extract(not_an_export, ExtractOptions())


class EmbedderTests:
    """Fixture to provide: ``embedder``."""

    texts = ["bom dia, pessoal", "the meeting moved to 8 pm", "🎉🎉", "", "ünïcödé ok"]

    def run(self, coro):
        return asyncio.run(coro)

    def test_protocol(self, embedder):
        """name/model/dimensions/metric/max_batch_size must be set."""
        assert isinstance(embedder, Embedder)
        assert NAME_RE.match(embedder.name)
        assert embedder.dimensions > 0 and embedder.max_batch_size > 0
        assert embedder.metric == "cosine"

    def test_shape(self, embedder):
        """One finite vector of `dimensions` floats per input text, in order."""
        vectors = self.run(embedder.embed(self.texts))
        assert len(vectors) == len(self.texts)
        for vector in vectors:
            assert len(vector) == embedder.dimensions
            assert all(math.isfinite(float(x)) for x in vector)

    def test_deterministic_and_ordered(self, embedder):
        """The same text gives the same vector, whatever its position in the batch."""
        a = np.asarray(self.run(embedder.embed(self.texts)), dtype=np.float32)
        b = np.asarray(self.run(embedder.embed(list(reversed(self.texts)))), dtype=np.float32)
        assert np.allclose(a, b[::-1], atol=1e-4)

    def test_query_input_type(self, embedder):
        """input_type='query' is accepted and returns vectors of the same size."""
        vectors = self.run(embedder.embed(["where is the party?"], input_type="query"))
        assert len(vectors) == 1 and len(vectors[0]) == embedder.dimensions

    def test_empty_batch(self, embedder):
        """An empty list returns an empty list without a call."""
        assert list(self.run(embedder.embed([]))) == []

    def test_related_texts_are_closer(self, embedder):
        """Cosine(same topic) > cosine(unrelated): vectors carry meaning."""
        vecs = np.asarray(self.run(embedder.embed(
            ["pizza dinner tonight", "pizza dinner tomorrow", "quantum tax forms"])), dtype=np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2]


class VectorIndexTests:
    """Fixture to provide: ``index``. The table has ``id VARCHAR, vector FLOAT[dim]``."""

    dimensions = 16
    rows = 2000

    @pytest.fixture
    def vectors(self):
        rng = np.random.default_rng(7)
        centers = rng.normal(size=(20, self.dimensions))
        labels = rng.integers(0, 20, self.rows)
        data = centers[labels] + 0.05 * rng.normal(size=(self.rows, self.dimensions))
        return (data / np.linalg.norm(data, axis=1, keepdims=True)).astype(np.float32)

    @pytest.fixture
    def con(self, tmp_path, vectors):
        import duckdb

        con = duckdb.connect(str(tmp_path / "vectors.duckdb"))
        table = pa.table({
            "id": [f"v{i}" for i in range(self.rows)],
            "vector": pa.FixedSizeListArray.from_arrays(
                pa.array(vectors.ravel(), pa.float32()), self.dimensions),
        })
        con.register("incoming", table)
        con.execute("CREATE TABLE vecs AS SELECT * FROM incoming")
        con.unregister("incoming")
        yield con
        con.close()

    def exact(self, vectors, query, k):
        return [f"v{i}" for i in np.argsort(-(vectors @ query))[:k]]

    def test_protocol(self, index):
        """name/build/search/status must exist."""
        assert isinstance(index, VectorIndex)
        assert NAME_RE.match(index.name)

    def test_missing_index_falls_back_to_exact(self, index, con, vectors):
        """Without build(), search() still answers exactly (status 'missing')."""
        assert index.status(con, "vecs") == "missing"
        hits = index.search(con, "vecs", vectors[3].tolist(), 5)
        assert [h[0] for h in hits] == self.exact(vectors, vectors[3], 5)

    def test_build_then_search_recall(self, index, con, vectors):
        """After build(), approximate search finds >= 90% of the exact top-10."""
        index.build(con, "vecs", self.dimensions, "cosine")
        assert index.status(con, "vecs") == "fresh"
        found = 0
        for i in range(0, self.rows, 100):
            hits = {h[0] for h in index.search(con, "vecs", vectors[i].tolist(), 10)}
            found += len(hits & set(self.exact(vectors, vectors[i], 10)))
        assert found / (10 * len(range(0, self.rows, 100))) >= 0.9

    def test_exact_flag(self, index, con, vectors):
        """search(exact=True) equals a brute-force scan, nearest first."""
        index.build(con, "vecs", self.dimensions, "cosine")
        hits = index.search(con, "vecs", vectors[11].tolist(), 10, exact=True)
        assert [h[0] for h in hits] == self.exact(vectors, vectors[11], 10)
        distances = [h[1] for h in hits]
        assert distances == sorted(distances)

    def test_stale_after_insert(self, index, con, vectors):
        """Rows added after build() make status 'stale', and search still sees them."""
        index.build(con, "vecs", self.dimensions, "cosine")
        new = (-vectors[0]).tolist()
        con.execute("INSERT INTO vecs VALUES ('new', ?::FLOAT[%d])" % self.dimensions, [new])
        assert index.status(con, "vecs") == "stale"
        assert index.search(con, "vecs", new, 1)[0][0] == "new"
