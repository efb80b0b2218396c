"""scrub_column / PendingScrub: gated values rewritten in Python and joined back on the old text."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest
from egregora_core.transforms import PendingScrub, lookup, scrub_column

TEXTS = ["hi Ana", "plain", None, "hi Ana", "Ana again", "", "bye"]


def _table() -> ibis.Table:
    data = pa.table({"ordinal": pa.array(range(len(TEXTS)), pa.int64()), "text": TEXTS})
    return ibis.memtable(data)


def _texts(table: ibis.Table) -> list[str | None]:
    return table.order_by("ordinal").text.to_pyarrow().to_pylist()


def test_only_gated_values_are_rewritten_and_each_distinct_value_once():
    seen: list[list[str | None]] = []

    def scrub_many(values):
        seen.append(list(values))
        return [v.replace("Ana", "a1b2c3d4") for v in values]

    out = scrub_column(_table(), "text", "Ana", scrub_many)
    assert _texts(out) == ["hi a1b2c3d4", "plain", None, "hi a1b2c3d4", "a1b2c3d4 again", "", "bye"]
    assert len(seen) == 1 and sorted(seen[0]) == ["Ana again", "hi Ana"]


def test_a_value_scrubbed_to_null_becomes_null_not_the_original():
    out = scrub_column(_table(), "text", "Ana", lambda values: [None for _ in values])
    assert _texts(out) == [None, "plain", None, None, None, "", "bye"]


def test_nothing_gated_leaves_the_table_as_it_is():
    out = scrub_column(_table(), "text", "Zé", lambda values: pytest.fail("called"))
    assert _texts(out) == TEXTS


def test_an_error_in_the_worker_reaches_the_caller():
    def broken(values):
        raise ValueError("boom")

    pending = PendingScrub(_table(), "text", "Ana", broken)
    with pytest.raises(ValueError, match="boom"):
        pending.apply(_table())


@pytest.mark.parametrize("mapping", [{"hi Ana": "x", "bye": "y"}, {}])
def test_lookup_adds_the_mapped_value_or_null(mapping):
    out = lookup(_table(), "text", mapping, "found").order_by("ordinal").to_pyarrow()
    assert out.column_names == ["ordinal", "text", "found"]
    assert out.column("found").type == pa.string()
    assert out.column("found").to_pylist() == [mapping.get(t) for t in TEXTS]
