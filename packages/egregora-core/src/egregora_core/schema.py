"""The canonical dataset schema, owned by egregora-core.

Three layers of tables:

* ``RAW_MESSAGES`` / ``RAW_MEDIA``: what an extractor returns. They hold raw names and
  text and live **only in memory**; the core transforms anonymize them before anything
  is written.
* ``MESSAGES``, ``SOURCES``, ``MEDIA``: what the lake stores (anonymized).

:func:`validate` names every missing or mistyped column in one error.
"""

from __future__ import annotations

import pyarrow as pa

from .errors import SchemaError

TS = pa.timestamp("us", tz="UTC")

#: Message kinds every extractor maps its lines onto.
KINDS = ("text", "media", "system", "deleted", "poll", "location", "contact")

RAW_MESSAGES = pa.schema(
    [
        pa.field("group_name", pa.string(), nullable=False),
        pa.field("ordinal", pa.int64(), nullable=False),  # position in the export, unique
        pa.field("ts", TS, nullable=False),  # localized with the export's timezone
        pa.field("date", pa.date32(), nullable=False),  # local calendar date as written
        pa.field("author", pa.string()),  # raw name or phone; NULL for system lines
        pa.field("kind", pa.string(), nullable=False),  # one of KINDS
        pa.field("subtype", pa.string()),  # e.g. system "added", media "image"
        pa.field("text", pa.string()),  # raw body, newlines kept, edited marker stripped
        pa.field("media_name", pa.string()),  # attachment file name, if any
        pa.field("edited", pa.bool_(), nullable=False),
        # Raw member names that appear in the body (system-line actors/targets):
        # the anonymizer replaces them even if they never wrote a message.
        pa.field("names", pa.list_(pa.string())),
    ]
)

RAW_MEDIA = pa.schema(
    [
        pa.field("name", pa.string(), nullable=False),  # member name inside the export
        pa.field("size", pa.int64(), nullable=False),
        pa.field("sha256", pa.string(), nullable=False),
    ]
)

MESSAGES = pa.schema(
    [
        pa.field("message_id", pa.string(), nullable=False),  # deterministic: dedups overlaps
        pa.field("group_slug", pa.string(), nullable=False),
        pa.field("ts", TS, nullable=False),
        pa.field("date", pa.date32(), nullable=False),
        pa.field("author", pa.string()),  # pseudonym; NULL for system lines
        pa.field("kind", pa.string(), nullable=False),
        pa.field("subtype", pa.string()),
        pa.field("text", pa.string()),  # anonymized and redacted
        pa.field("media_ref", pa.string()),  # MEDIA.media_id
        pa.field("edited", pa.bool_(), nullable=False),
        pa.field("ordinal", pa.int64(), nullable=False),
        pa.field("source_id", pa.string(), nullable=False),
    ]
)

SOURCES = pa.schema(
    [
        pa.field("source_id", pa.string(), nullable=False),
        pa.field("checksum", pa.string(), nullable=False),  # sha256 of the export file
        pa.field("file_name", pa.string(), nullable=False),
        pa.field("group_name", pa.string(), nullable=False),
        pa.field("group_slug", pa.string(), nullable=False),
        pa.field("extractor", pa.string(), nullable=False),
        pa.field("platform", pa.string()),  # android | ios | ...
        pa.field("date_order", pa.string()),  # dmy | mdy | ymd
        pa.field("date_order_evidence", pa.string()),
        pa.field("clock", pa.string()),  # 12h | 24h
        pa.field("counts", pa.string()),  # JSON object: kind -> count
        pa.field("message_count", pa.int64(), nullable=False),
        pa.field("first_ts", TS),
        pa.field("last_ts", TS),
        pa.field("parser_version", pa.string()),
        pa.field("ingested_at", TS, nullable=False),
        pa.field("snapshot_id", pa.int64()),
    ]
)

MEDIA = pa.schema(
    [
        pa.field(
            "media_id", pa.string(), nullable=False
        ),  # v2 name: uuid5(uuid5(DNS, slug), sha256)
        pa.field("group_slug", pa.string(), nullable=False),
        pa.field("source_id", pa.string(), nullable=False),
        pa.field("file_name", pa.string(), nullable=False),  # anonymized original name
        pa.field("extension", pa.string(), nullable=False),
        pa.field("media_type", pa.string(), nullable=False),  # images|videos|audio|documents|files
        pa.field("sha256", pa.string(), nullable=False),
        pa.field("size", pa.int64(), nullable=False),
        # False when the bytes were deliberately not kept (contact cards, documents).
        pa.field("stored", pa.bool_(), nullable=False),
    ]
)

#: One row per member who used an in-chat command (keyed by pseudonym, anonymized values).
PREFERENCES = pa.schema(
    [
        pa.field("pseudonym", pa.string(), nullable=False),
        pa.field("opted_out", pa.bool_(), nullable=False),
        pa.field("alias", pa.string()),
        pa.field("bio", pa.string()),
        pa.field("twitter", pa.string()),
        pa.field("website", pa.string()),
        pa.field("updated_ts", TS),
    ]
)

#: Every in-chat command ever seen; PREFERENCES is folded from these in timestamp order.
PREFERENCE_EVENTS = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("pseudonym", pa.string(), nullable=False),
        pa.field("ts", TS, nullable=False),
        pa.field("action", pa.string(), nullable=False),  # opt-out | opt-in | set | remove
        pa.field("field", pa.string()),
        pa.field("value", pa.string()),
        pa.field("source_id", pa.string(), nullable=False),
    ]
)

#: Facts about the lake itself (pseudonym scheme fingerprint, format version).
META = pa.schema(
    [
        pa.field("key", pa.string(), nullable=False),
        pa.field("value", pa.string(), nullable=False),
    ]
)

TABLES: dict[str, pa.Schema] = {
    "messages": MESSAGES,
    "sources": SOURCES,
    "media": MEDIA,
    "preferences": PREFERENCES,
    "preference_events": PREFERENCE_EVENTS,
    "meta": META,
}


def problems(actual: pa.Schema, expected: pa.Schema) -> list[str]:
    """Return one human-readable line per missing or mistyped column (empty if valid).

    Extra columns are allowed (callers select what they need).
    """
    found = {field.name: field for field in actual}
    out: list[str] = []
    for field in expected:
        have = found.get(field.name)
        if have is None:
            out.append(f"missing column '{field.name}' ({field.type})")
        elif not _compatible(have.type, field.type):
            out.append(f"column '{field.name}' is {have.type}, expected {field.type}")
    return out


def _compatible(have: pa.DataType, want: pa.DataType) -> bool:
    if have.equals(want):
        return True
    # Large/small string variants and null columns (all-NULL) are acceptable stand-ins.
    if pa.types.is_null(have):
        return True
    if pa.types.is_string(want) and (
        pa.types.is_large_string(have) or pa.types.is_string_view(have)
    ):
        return True
    if pa.types.is_timestamp(want) and pa.types.is_timestamp(have):
        return (have.tz is None) == (want.tz is None)
    if pa.types.is_list(want) and (pa.types.is_list(have) or pa.types.is_large_list(have)):
        return _compatible(have.value_type, want.value_type)
    return False


def validate(table: pa.Table | pa.Schema, expected: pa.Schema, *, name: str) -> None:
    """Raise :class:`SchemaError` naming every missing or mistyped column of ``table``."""
    schema = table if isinstance(table, pa.Schema) else table.schema
    found = problems(schema, expected)
    if found:
        raise SchemaError(
            "; ".join(found),
            where=name,
            hint=f"expected columns: {', '.join(expected.names)}",
        )


def conform(table: pa.Table, expected: pa.Schema) -> pa.Table:
    """Select and cast ``table``'s columns to ``expected`` (after :func:`validate`)."""
    columns = []
    for field in expected:
        column = table.column(field.name)
        columns.append(column if column.type.equals(field.type) else column.cast(field.type))
    return pa.Table.from_arrays(columns, schema=expected)


def empty(expected: pa.Schema) -> pa.Table:
    """An empty table of the given schema."""
    return expected.empty_table()
