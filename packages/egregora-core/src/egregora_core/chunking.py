"""Conversation chunks: what is embedded and what a search hit shows.

A chunk is a readable stretch of one group's conversation. Messages of a group are
ordered by time and cut into chunks:

* a **time gap** longer than ``max_gap`` starts a new conversation (default 30 minutes);
* a conversation longer than ``max_messages`` messages (default 20) or ``max_chars``
  characters of text (default 1200, roughly 300-400 tokens, below the 512-token input
  of e5-style models) is split into consecutive pieces.

Only messages with text are used (``kind`` not ``system``/``deleted``), and only the
lake's anonymized ``text`` and pseudonymous ``author`` ever reach a chunk, so only
anonymized text is embedded.

Everything is one ibis expression (window functions), so the cut is deterministic and
local: boundaries depend only on the messages of the same conversation, so a later
ingest that adds messages changes only the chunks of the conversations it touches.

``chunk_id`` is a hash of the group and the first and last message ids; ``content_hash``
hashes the text that is embedded (message bodies only, without pseudonyms), so identical
stretches of text share one vector.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import pyarrow as pa

from .errors import ConfigError

if TYPE_CHECKING:  # imported in chunk_expr: the serving store needs CHUNKS, not ibis (~0.2 s)
    import ibis

#: Kinds whose text is conversation (system lines and deleted stubs are noise for search).
SKIPPED_KINDS = ("system", "deleted")

CHUNKS = pa.schema(
    [
        pa.field("chunk_id", pa.string(), nullable=False),
        pa.field("group_slug", pa.string(), nullable=False),
        pa.field("start_ts", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("end_ts", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("first_message_id", pa.string(), nullable=False),
        pa.field("last_message_id", pa.string(), nullable=False),
        pa.field("message_count", pa.int64(), nullable=False),
        pa.field("authors", pa.list_(pa.string())),  # distinct pseudonyms, in order of first line
        pa.field("text", pa.string(), nullable=False),  # display: "pseudonym: body" lines
        pa.field("search_text", pa.string(), nullable=False),  # embedded: bodies only
        pa.field("content_hash", pa.string(), nullable=False),  # sha256 of search_text
    ]
)


@dataclass(frozen=True)
class ChunkOptions:
    """Where conversations are cut (see the module docstring for the defaults' reasons)."""

    max_gap: timedelta = timedelta(minutes=30)
    max_messages: int = 20
    max_chars: int = 1200

    def __post_init__(self) -> None:
        if self.max_messages < 1 or self.max_chars < 1 or self.max_gap <= timedelta(0):
            raise ConfigError(
                "chunking limits must be positive",
                hint="use max_messages >= 1, max_chars >= 1 and a positive max_gap",
            )


def chunk_expr(messages: ibis.Table, options: ChunkOptions = ChunkOptions()) -> ibis.Table:
    """The chunks of ``messages`` (schema ``egregora_core.schema.MESSAGES``) as ibis.

    Hashes are added by :func:`chunk_messages`, because they must be identical on every
    backend (sha256 in Python, not a backend hash function).
    """
    import ibis

    m = messages.filter(
        messages.text.notnull(),
        messages.text.strip().length() > 0,
        ~messages.kind.isin(SKIPPED_KINDS),
    )
    body = m.text.strip()
    m = m.mutate(body=body, line=m.author.fill_null("system").concat(": ", body))
    order = ["ts", "ordinal", "message_id"]  # names, so windows bind to each new relation
    by_group = ibis.window(group_by="group_slug", order_by=order)
    gap_seconds = int(options.max_gap.total_seconds())
    previous = m.ts.lag().over(by_group)
    new_conversation = previous.isnull() | (
        (m.ts.epoch_seconds() - previous.epoch_seconds()) > gap_seconds
    )
    m = m.mutate(starts=new_conversation.cast("int64"))
    m = m.mutate(conversation=m.starts.cumsum().over(by_group))
    in_conversation = ibis.window(group_by=["group_slug", "conversation"], order_by=order)
    position = ibis.row_number().over(in_conversation)  # 0-based
    chars_before = m.body.length().cumsum().over(in_conversation) - m.body.length()
    m = m.mutate(
        by_count=(position // options.max_messages).cast("int64"),
        by_chars=(chars_before // options.max_chars).cast("int64"),
    )
    keys = [m.group_slug, m.conversation, m.by_count, m.by_chars]
    msg_order = [m[name] for name in order]
    return m.group_by(keys).aggregate(
        start_ts=m.ts.min(),
        end_ts=m.ts.max(),
        first_message_id=m.message_id.first(order_by=msg_order),
        last_message_id=m.message_id.last(order_by=msg_order),
        message_count=m.message_id.count(),
        author_lines=m.author.collect(order_by=msg_order),
        text=m.line.group_concat("\n", order_by=msg_order),
        search_text=m.body.group_concat("\n", order_by=msg_order),
    )


def _hash(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def chunk_id(group_slug: str, first_message_id: str, last_message_id: str) -> str:
    """Deterministic chunk id: 16 hex of sha256(group, first message id, last message id)."""
    return _hash(group_slug, first_message_id, last_message_id)[:16]


def content_hash(search_text: str) -> str:
    """sha256 of the embedded text: identical text shares one vector."""
    return hashlib.sha256(search_text.encode("utf-8")).hexdigest()


def chunk_messages(messages: ibis.Table, options: ChunkOptions = ChunkOptions()) -> pa.Table:
    """Materialize the chunks of ``messages`` as an Arrow table of schema :data:`CHUNKS`.

    Rows are ordered by group and start time.
    """
    expr = chunk_expr(messages, options).order_by(["group_slug", "start_ts", "first_message_id"])
    raw = expr.to_pyarrow()
    groups = raw.column("group_slug").to_pylist()
    firsts = raw.column("first_message_id").to_pylist()
    lasts = raw.column("last_message_id").to_pylist()
    searches = raw.column("search_text").to_pylist()
    authors = [
        list(dict.fromkeys(a for a in lines if a is not None))
        for lines in raw.column("author_lines").to_pylist()
    ]
    columns = {
        "chunk_id": [chunk_id(g, f, la) for g, f, la in zip(groups, firsts, lasts, strict=True)],
        "group_slug": groups,
        "start_ts": raw.column("start_ts"),
        "end_ts": raw.column("end_ts"),
        "first_message_id": firsts,
        "last_message_id": lasts,
        "message_count": raw.column("message_count"),
        "authors": authors,
        "text": raw.column("text"),
        "search_text": searches,
        "content_hash": [content_hash(s) for s in searches],
    }
    arrays = [
        pa.array(columns[f.name], f.type)
        if isinstance(columns[f.name], list)
        else columns[f.name].cast(f.type)
        for f in CHUNKS
    ]
    return pa.Table.from_arrays(arrays, schema=CHUNKS)
