from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from egregora_core.errors import SchemaError
from egregora_core.schema import MESSAGES, RAW_MESSAGES, conform, problems, validate


def test_valid_schema_has_no_problems():
    assert problems(MESSAGES, MESSAGES) == []
    validate(MESSAGES, MESSAGES, name="messages")


def test_every_missing_and_mistyped_column_is_named():
    schema = pa.schema(
        [
            pa.field("message_id", pa.string()),
            pa.field("ts", pa.string()),  # mistyped
            pa.field("ordinal", pa.float64()),  # mistyped
            pa.field("extra", pa.int8()),  # extra columns are fine
        ]
    )
    with pytest.raises(SchemaError) as info:
        validate(schema, MESSAGES, name="export.parquet")
    message = str(info.value)
    assert message.startswith("export.parquet: ")
    assert "column 'ts' is string, expected timestamp[us, tz=UTC]" in message
    assert "column 'ordinal' is double, expected int64" in message
    for missing in ("group_slug", "date", "author", "kind", "text", "edited", "source_id"):
        assert f"missing column '{missing}'" in message
    assert "extra" not in message.split(" — ")[0]
    assert "\n" not in message


def test_compatible_variants_accepted():
    schema = pa.schema(
        [
            pa.field(f.name, pa.large_string() if f.type == pa.string() else f.type)
            for f in RAW_MESSAGES
        ]
    )
    assert problems(schema, RAW_MESSAGES) == []
    naive = pa.schema([pa.field("ts", pa.timestamp("us"))])
    assert problems(naive, pa.schema([pa.field("ts", pa.timestamp("us", tz="UTC"))])) != []


def test_conform_casts_and_orders():
    table = pa.table(
        {
            "ordinal": pa.array([1], pa.int64()),
            "group_name": pa.array(["g"], pa.large_string()),
            "ts": pa.array([dt.datetime(2024, 1, 1, tzinfo=dt.UTC)], pa.timestamp("us", tz="UTC")),
            "date": pa.array([dt.date(2024, 1, 1)]),
            "author": pa.array([None], pa.null()),
            "kind": ["text"],
            "subtype": [None],
            "text": ["hi"],
            "media_name": [None],
            "edited": [False],
            "names": pa.array([None], pa.list_(pa.string())),
        }
    )
    out = conform(table, RAW_MESSAGES)
    assert out.schema == RAW_MESSAGES
    assert out.column("group_name").to_pylist() == ["g"]
