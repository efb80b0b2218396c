"""Core-owned transforms between extract and load (registered by :mod:`builtins`).

Order (see the transform hookspec): plugin steps < 100 see raw rows; then

* 100 ``chat-commands``: ``/egregora`` commands become preference events; command
  messages and every message of an opted-out member are dropped;
* 200 ``anonymize``: deterministic ``message_id``; authors, mentions, member names in
  text and system lines, group names and media names become pseudonyms;
* 300 ``redact``: remaining phone numbers and e-mails become placeholders.

Transforms are ibis expressions over an in-memory DuckDB. Name and phone replacement
needs Unicode look-arounds and a lookup per match, which RE2 cannot do, so it runs in
Python *only on the rows an RE2 prefilter selects*: those rows' distinct texts are fetched
in one query, rewritten in one Python call, and the changed ones joined back on their old
text (:func:`scrub_column`); the rest of the table never leaves DuckDB. (A Python UDF inside the
query was 3x slower: DuckDB's threads take turns on the GIL for every 2,048-row chunk.)

A transform works on the :class:`Batch` of the export being transformed (one per export,
in memory only), found with :func:`current_batch`.
"""

from __future__ import annotations

import hashlib
import hmac
import string
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa
import pyarrow.compute as pc

from . import chat_commands, redact
from .anonymize import Anonymizer, Pseudonymizer, group_slug, identity_key, mentioned_names
from .errors import SchemaError
from .lake import temp_table

if TYPE_CHECKING:  # pragma: no cover
    from .components import Extraction
    from .pipeline import Context

BATCH_KEY = "_egregora_batch"


@dataclass
class Batch:
    """One export between extract and load. Holds raw data: memory only, never logged."""

    path: Path
    extractor: str
    extraction: Extraction
    pseudonymizer: Pseudonymizer
    secret: bytes
    stored_events: list[dict[str, Any]] = field(default_factory=list)
    first_names: bool = True
    con: Any = None  # the ibis DuckDB backend running this batch
    table: ibis.Table | None = None
    events: list[dict[str, Any]] = field(default_factory=list)  # new, raw values
    opted_out: set[str] = field(default_factory=set)
    anonymizer: Anonymizer | None = None
    group_names: dict[str, str] = field(default_factory=dict)  # raw -> anonymized
    #: Temp tables made by :meth:`materialize` (they live until the connection closes).
    materialized: int = 0

    def materialize(self, table: ibis.Table, *, final: bool = False) -> ibis.Table:
        """Run ``table``'s plan once into a temp table (in memory), for several queries.

        ``final``: these are the transformed rows; the earlier temp tables, which only
        ``table``'s plan read, are dropped once it is made.
        """
        self.materialized += 1
        out = temp_table(self.con, self._scratch(self.materialized), table)
        if final:
            for number in range(1, self.materialized):
                self.con.drop_table(self._scratch(number), force=True)
        return out

    def _scratch(self, number: int) -> str:
        return f"_scratch_{id(self):x}_{number}"


def current_batch(ctx: Context) -> Batch:
    batch = ctx.options.get(BATCH_KEY)
    if batch is None:
        raise RuntimeError("core transforms run inside egregora_core.ingest's transform stage")
    return batch


class PendingScrub:
    """``scrub_many`` over the distinct ``column`` values of the rows matching the RE2
    ``gate_re2``, running in a worker thread from construction until :meth:`apply`.

    The gated values are fetched in one query (DuckDB filters with RE2; everything else
    never leaves DuckDB) and rewritten in one Python call. Scrubbing is a pure function of
    the text, so the values that changed are joined back *on the old text*: no row key is
    needed, and repeated texts are scrubbed once. The thread lets DuckDB (which releases
    the GIL while it runs a query) work on something else meanwhile.
    """

    def __init__(
        self,
        table: ibis.Table,
        column: str,
        gate_re2: str,
        scrub_many: Callable[[list[str | None]], list[str | None]],
        con: Any = None,
    ):
        self.column = column
        hits = table.filter(table[column].re_search(gate_re2).fill_null(False))
        # ``con``: the engine, for a plan over memtables only (not bound to a backend)
        distinct = hits.select(column).distinct()
        fetched = distinct.to_pyarrow() if con is None else con.to_pyarrow(distinct)
        self.before = fetched.column(column)
        self._future = None
        if len(self.before):
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="egregora-scrub")
            self._future = pool.submit(lambda: scrub_many(self.before.to_pylist()))
            pool.shutdown(wait=False)  # the thread ends with its one task

    def apply(self, table: ibis.Table) -> ibis.Table:
        """``table`` with the scrubbed values in place (waits for the worker)."""
        if self._future is None:
            return table
        after = pa.array(self._future.result(), pa.string())
        changed = pc.fill_null(pc.not_equal(self.before, after), True)
        if not pc.any(changed).as_py():
            return table
        patch = ibis.memtable(pa.table({"_before": self.before, "_after": after}).filter(changed))
        joined = table.left_join(patch, table[self.column] == patch._before)
        value = ibis.ifelse(joined._before.notnull(), joined._after, joined[self.column])
        return joined.mutate(**{self.column: value}).drop("_before", "_after")


def scrub_column(
    table: ibis.Table,
    column: str,
    gate_re2: str,
    scrub_many: Callable[[list[str | None]], list[str | None]],
) -> ibis.Table:
    """``scrub_many`` applied to ``column`` on the rows matching ``gate_re2`` (see
    :class:`PendingScrub`). Run it over a materialized table or a cheap plan: the query
    for the gated rows runs the plan below it once more."""
    return PendingScrub(table, column, gate_re2, scrub_many).apply(table)


@ibis.udf.scalar.builtin
def md5(value: str) -> str:
    """DuckDB's md5 (32 hex)."""


@ibis.udf.scalar.builtin
def epoch_us(value: dt.Timestamp(timezone="UTC")) -> dt.int64:
    """DuckDB's epoch_us: microseconds since 1970 (a cheap, exact timestamp key)."""


@ibis.udf.scalar.builtin
def unix_micros(value: dt.Timestamp(timezone="UTC")) -> dt.int64:
    """Spark's name for the same microseconds since 1970."""


#: Microseconds since 1970, per ibis backend (ibis has no exact portable operation:
#: ``epoch_seconds`` drops the microseconds).
EPOCH_US = {"duckdb": epoch_us, "pyspark": unix_micros}


def _values(con: Any, expr: ibis.Value) -> list[Any]:
    return con.to_pyarrow(expr).to_pylist()


class ChatCommands:
    """Order 100: record ``/egregora`` commands, drop them and opted-out members' messages."""

    name = "chat-commands"
    order = 100

    def apply(self, table: ibis.Table, ctx: Context) -> ibis.Table:
        batch = current_batch(ctx)
        is_command = table.text.re_search(chat_commands.COMMAND_PREFIX).fill_null(False)
        rows = batch.con.to_pyarrow(table.filter(is_command).select("author", "ts", "text"))
        rows = rows.to_pylist()
        for row in rows:
            command = chat_commands.parse_command(row["text"])
            if command is None or row["author"] is None:
                continue
            pseudonym = batch.pseudonymizer(row["author"])
            batch.events.append(
                {
                    "event_id": chat_commands.event_id(pseudonym, row["ts"], command),
                    "pseudonym": pseudonym,
                    "ts": row["ts"],
                    "action": command.action,
                    "field": command.field,
                    "value": command.value,
                }
            )
        batch.opted_out = chat_commands.opted_out([*batch.stored_events, *batch.events])
        if rows:  # else no filter: every later query over the plan would re-run the regex
            table = table.filter(~is_command)
        if batch.opted_out:
            authors = [a for a in _values(batch.con, table.select("author").distinct().author) if a]
            leaving = [a for a in authors if batch.pseudonymizer(a) in batch.opted_out]
            if leaving:
                # A join on an in-memory table, not ``isin``: raw names stay out of the SQL.
                gone = ibis.memtable(pa.table({"_leaving": pa.array(leaving, pa.string())}))
                table = table.anti_join(gone, table.author == gone._leaving)
        return table


class Anonymize:
    """Order 200: message ids, then every member name becomes a pseudonym."""

    name = "anonymize"
    order = 200

    def apply(self, table: ibis.Table, ctx: Context) -> ibis.Table:
        batch = current_batch(ctx)
        con = batch.con
        # One pass for every distinct value the mappings need (each query re-runs the plan).
        found = con.to_pyarrow(
            table.aggregate(
                authors=table.author.collect(distinct=True),
                listed=table.names.collect(where=table.names.notnull()),
                groups=table.group_name.collect(distinct=True),
                mentions=table.text.collect(where=table.text.contains("\u2068")),
                created=((table.kind == "system") & (table.subtype == "created")).any(),
            )
        ).to_pylist()[0]
        authors = found["authors"] or []
        listed = [n for names in (found["listed"] or []) if names for n in names]
        mentioned = mentioned_names(found["mentions"] or [])
        names = {n for n in (*authors, *listed, *mentioned) if n}
        titles = [g for g in found["groups"] or [] if g]
        # Judged on the export as extracted (before opt-outs drop a member's rows), so
        # the same export is judged the same way whoever opted out since.
        raw = batch.extraction.messages
        everyone = pc.unique(raw.column("author")).to_pylist() if raw is not None else authors
        if is_one_to_one(titles, everyone, created=bool(found["created"])):
            names.update(titles)  # the title is the other person's name
        anonymizer = Anonymizer(batch.pseudonymizer, names, first_names=batch.first_names)
        batch.anonymizer = anonymizer

        # Only media names a gate selects can change (there may be ~100k distinct ones);
        # asked before the message ids are added, so the query does not compute them.
        gate = f"{anonymizer.gate_re2()}|{redact.GATE_RE2}"
        name = table.media_name
        risky = table.filter(name.re_search(gate) & ~name.re_search(redact.PLAIN_FILE_RE2))
        media = _values(con, risky.select("media_name").distinct().media_name)

        authors = [a for a in authors if a is not None]
        pseudonyms = {a: batch.pseudonymizer(a) for a in authors}
        groups = [g for g in found["groups"] or [] if g]
        batch.group_names = {g: anonymizer.scrub_all(g) for g in groups}
        media_names = {m: anonymizer.scrub_all(m) for m in media}
        # From here the worker thread is the only user of the anonymizer (its caches).
        scrub = PendingScrub(table, "text", anonymizer.gate_re2(), anonymizer.scrub_many, con)
        table = with_base_digest(table, batch.secret, con.name)
        table = lookup(table, "author", pseudonyms, "_pseudo")
        table = lookup(table, "media_name", media_names, "_media")
        # Joins, not ``substitute`` (a CASE with every raw group name as a SQL literal):
        # no raw value of the export is ever written into a query's text.
        table = lookup(table, "group_name", batch.group_names, "_group")
        slugs = {raw: group_slug(anon) for raw, anon in batch.group_names.items()}
        table = lookup(table, "group_name", slugs, "_slug")
        table = table.mutate(
            author=table._pseudo,
            group_name=table._group.fill_null(table.group_name),
            group_slug=table._slug.fill_null(table.group_name),
            media_name=table._media.fill_null(table.media_name),
            raw_media_name=table.media_name,
        )
        # The texts are scrubbed in a thread while DuckDB computes the digests and lookups.
        table = batch.materialize(table.drop("_pseudo", "_media", "_group", "_slug", "names"))
        return scrub.apply(with_occurrence_ids(table))


def is_one_to_one(titles: list[str], authors: list[str | None], *, created: bool) -> bool:
    """A chat between two people, titled with the other person's name (WhatsApp names a
    one-to-one export "WhatsApp Chat with <contact>"), even if that person never wrote.

    Judged from the rows: no "created group" line, at most two authors, and the title
    equal to one of them (the contact who wrote) or, with fewer than two authors, to none
    (the contact who never answered). Two writers and a title that is neither of them is
    a group. A one-author group without its creation line is taken for a one-to-one chat:
    the error is on the side of privacy."""
    if created or len(titles) != 1:
        return False
    people = {identity_key(a) for a in authors if a}
    return len(people) < 2 or (len(people) == 2 and identity_key(titles[0]) in people)


#: Bumped when the message-id recipe changes (stored in the lake's ``meta``).
MESSAGE_ID_SCHEME = "md5-v1"


def message_id_salt(secret: bytes) -> str:
    """A 128-bit per-project salt derived from the secret (short: it is hashed per row)."""
    return hmac.new(secret, b"egregora message id", hashlib.sha256).hexdigest()[:32]


def lookup(table: ibis.Table, column: str, mapping: dict[str, str], out: str) -> ibis.Table:
    """Add ``out`` = ``mapping[table[column]]`` (NULL when absent) with a join on a small
    in-memory table: unlike ``substitute`` (one CASE branch per key, evaluated per row), the
    cost does not grow with the number of keys. An empty ``mapping`` adds a NULL column
    without a join (a join still hashes every row's key)."""
    if not mapping:
        return table.mutate(**{out: ibis.null(dt.string)})
    keys = pa.table(
        {
            "_key": pa.array(list(mapping), pa.string()),
            out: pa.array(list(mapping.values()), pa.string()),
        }
    )
    right = ibis.memtable(keys)
    return table.left_join(right, table[column] == right._key).drop("_key")


_SEP = "\x1f"  # between the parts of a message-id key
#: RE2: a value ending in one of the characters ``.rstrip()`` removes (``string.whitespace``).
_TRAILING_SPACE_RE2 = "[" + "".join(f"\\x{{{ord(c):02x}}}" for c in string.whitespace) + "]$"


def with_message_id(table: ibis.Table, secret: bytes, engine: str = "duckdb") -> ibis.Table:
    """Add ``message_id``: a secret-salted md5 of (group, ts, author, kind, body, occurrence).

    The ordinal is left out on purpose, so an overlapping later export (whose ordinals
    differ) produces the same ids; the occurrence index keeps genuinely repeated messages
    ("ok" twice in the same minute) apart. Raw values go in, but only salted with a key
    derived from the project secret, so the id cannot be reversed by guessing.

    The first occurrence's id is the base digest (:func:`with_base_digest`); the n-th
    repeat (in ordinal order, n from 1) hashes it again: ``md5(base␟n)``
    (:func:`with_occurrence_ids`). The anonymize transform materializes the digests
    between the two steps.
    """
    return with_occurrence_ids(with_base_digest(table, secret, engine))


def with_base_digest(table: ibis.Table, secret: bytes, engine: str = "duckdb") -> ibis.Table:
    """Add ``_base`` = ``md5(salt␟group␟epoch-µs␟author key␟kind␟body)`` (␟ = U+001F).

    Author key = ``author.strip(string.whitespace).lower()`` (ASCII whitespace, as ibis
    compiles ``strip`` for DuckDB); body = the text with CRLF as LF and trailing
    whitespace removed. Speed (1M rows), each step giving the same bytes as the plain
    expression: md5, not sha256; the timestamp as epoch microseconds; ``concat_ws``
    rather than ``||`` (every part is non-null); the author key computed once per
    distinct author and joined; the body normalized only where a CR or trailing whitespace
    makes it differ (``rtrim`` copies every string: 0.8 s at 1M).
    """
    authors = table.select(_author=table.author).distinct()
    authors = authors.mutate(_author_key=authors._author.strip().lower())
    table = table.left_join(authors, table.author == authors._author).drop("_author")
    text = table.text
    normalize = text.contains("\r") | text.re_search(_TRAILING_SPACE_RE2)
    # A regex, not ``rstrip()``: ibis compiles that to Spark's ``rtrim``, which removes
    # spaces only; the pattern means the same on both engines (RE2 and Java).
    trimmed = text.replace("\r\n", "\n").re_replace(_TRAILING_SPACE_RE2[:-1] + "+$", "")
    body = ibis.ifelse(normalize.fill_null(False), trimmed, text)
    key = ibis.literal(_SEP).join(
        [
            ibis.literal(message_id_salt(secret)),
            table.group_name,
            EPOCH_US[engine](table.ts).cast("string"),
            table._author_key.fill_null(""),
            table.kind,
            body.fill_null(""),
        ]
    )
    return table.mutate(_base=md5(key)).drop("_author_key")


def with_occurrence_ids(table: ibis.Table) -> ibis.Table:
    """Replace ``_base`` with ``message_id``: the base digest, re-hashed with the
    occurrence index for the 2nd, 3rd, ... row sharing it (in ordinal order).

    Repeats are rare (~60 in 1M synthetic messages), so they are found with one
    aggregate and numbered in a tiny table joined back on (digest, ordinal), instead of
    a window over every row (which carried every column through a sort: ~1.7 s of CPU at
    1M). Run it over a materialized table: the repeat query reads ``table`` once more.
    """
    counts = table.group_by("_base").aggregate(_n=table.count())
    repeats = table.semi_join(counts.filter(counts._n > 1), "_base").select("_base", "ordinal")
    found = repeats.to_pyarrow()
    if not found.num_rows:
        return table.rename(message_id="_base")
    if len(set(zip(*found.to_pydict().values(), strict=True))) < found.num_rows:
        raise SchemaError(
            "the extractor returned the same message twice with the same ordinal",
            hint="ordinals must be unique within an export (the position in the source)",
        )
    small = ibis.memtable(found).rename(_rep_base="_base", _rep_ordinal="ordinal")
    occurrence = ibis.row_number().over(group_by=small._rep_base, order_by=small._rep_ordinal)
    rehashed = md5(small._rep_base + _SEP + occurrence.cast("string"))
    small = small.mutate(_rep_id=ibis.ifelse(occurrence == 0, small._rep_base, rehashed))
    joined = table.left_join(
        small, (table._base == small._rep_base) & (table.ordinal == small._rep_ordinal)
    )
    return joined.mutate(message_id=joined._rep_id.fill_null(joined._base)).drop(
        "_base", "_rep_base", "_rep_ordinal", "_rep_id"
    )


class Redact:
    """Order 300: phone numbers and e-mails left in the text become placeholders."""

    name = "redact"
    order = 300

    def apply(self, table: ibis.Table, ctx: Context) -> ibis.Table:
        numeric = current_batch(ctx).pseudonymizer.numeric  # pseudonyms that look like phones

        def scrub_many(texts: list[str | None]) -> list[str | None]:
            return redact.redact_many(texts, numeric)

        return scrub_column(table, "text", redact.GATE_RE2, scrub_many)


def core_transforms() -> list[Any]:
    return [ChatCommands(), Anonymize(), Redact()]
