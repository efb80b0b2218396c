"""Extract → transform → load: one ingest = one lake transaction = one snapshot.

``ingest(ctx, paths)`` takes the project write lock (unless ``ctx.dry_run``), opens an
:class:`IngestSession` and runs :func:`ingest_stages`. ``egregora run`` reuses the same
function, then continues with its own stages.

* transform: every registered transform over each export (core's: chat commands,
  anonymization, redaction; see :mod:`egregora_core.transforms`);
* load: anti-join on the deterministic ``message_id`` ("N new, M already present"),
  content-addressed media store, sources / media / preference rows, deletion of
  opted-out members' earlier messages — all in one DuckLake transaction. A dry run
  computes the same report and writes nothing.

Fault injection for the crash-safety tests: ``EGREGORA_FAULT=<point>`` kills the process
with SIGKILL at that point (``after-transform``, ``after-media``, ``before-commit``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import signal
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from . import chat_commands, redact
from .anonymize import Anonymizer, Pseudonymizer, group_slug
from .components import Extraction
from .errors import ConfigError, InputError, SchemaError
from .extensions import sql_literal
from .extract import extract_stage
from .lake import Lake, lake_exists, lake_location, read_parquet, temp_table
from .locking import project_lock
from .media_clean import clean_media
from .pipeline import Context, Stage, StageResult, run_stages
from .reingest import INPUTS_KEY, already_ingested, input_key
from .schema import (
    MEDIA,
    MESSAGES,
    PREFERENCE_EVENTS,
    PREFERENCES,
    RAW_MEDIA,
    RAW_MESSAGES,
    SOURCES,
    conform,
    validate,
)
from .transforms import BATCH_KEY, MESSAGE_ID_SCHEME, Batch, lookup

SESSION_KEY = "_egregora_ingest_session"
FAULT_ENV = "EGREGORA_FAULT"
MEDIA_DIR = "media"

MEDIA_TYPES = {
    "images": {".jpg", ".jpeg", ".png", ".gif", ".webp"},
    "videos": {".mp4", ".mov", ".3gp", ".avi"},
    "audio": {".opus", ".ogg", ".mp3", ".m4a", ".aac"},
    "documents": {".pdf", ".doc", ".docx"},
}
#: Bytes kept in the media store: pictures and sound only. Contact cards hold names and
#: numbers; documents can hold anything. Their rows are kept with ``stored = false``.
STORED_TYPES = {"images", "videos", "audio"}


def fault(point: str) -> None:
    """Crash-test hook: die here, hard, when ``EGREGORA_FAULT`` names this point."""
    if os.environ.get(FAULT_ENV) == point:
        os.kill(os.getpid(), signal.SIGKILL)


def media_type(name: str) -> str:
    ext = PurePosixPath(name).suffix.lower()
    return next((kind for kind, exts in MEDIA_TYPES.items() if ext in exts), "files")


def media_id(slug: str, sha256: str) -> str:
    """egregora v2's media name (without extension): uuid5(uuid5(DNS, slug), sha256)."""
    return str(uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_DNS, slug), sha256))


V2_CHAT_PREFIX = "WhatsApp Chat with "


def v2_media_slug(source: dict[str, Any], fallback: Path) -> str:
    """The group slug egregora v2 named media with, so a v2 site's media links stay valid.

    v2 took the group name from ``WhatsApp Chat with NAME.txt``, else the chat file's stem
    (it stripped no localized prefix), and slugged it with :func:`group_slug`. Extractors
    without a chat file (other apps) use their group name. The slug is only hashed into the
    uuid5 namespace; it is never stored.
    """
    if source.get("chat_file"):
        name = PurePosixPath(source["chat_file"]).stem.removeprefix(V2_CHAT_PREFIX)
    else:
        name = source.get("group_name") or fallback.stem
    return group_slug(name)


def media_path(project: Any, sha256: str) -> Path:
    """Where the media store keeps the bytes of ``sha256``."""
    return project.state_dir / MEDIA_DIR / sha256


@dataclass
class IngestSession:
    """State shared by the transform and load stages of one ingest."""

    pseudonymizer: Pseudonymizer
    secret: bytes
    lake: Lake | None
    stored_events: list[dict[str, Any]] = field(default_factory=list)
    input_keys: dict[Path, str | None] = field(default_factory=dict)
    #: Where DuckDB may spill the raw rows of temp tables (a private temp dir).
    spill_dir: str | None = None
    #: Where the transforms run: ``duckdb`` (the lake's connection) or ``spark``.
    engine: str = "duckdb"

    @functools.cached_property
    def transform_con(self) -> Any:
        """The ibis backend the transforms run on (see :mod:`egregora_core.spark`)."""
        if self.engine == "spark":
            from .spark import spark_backend

            return spark_backend()
        return self.con

    @functools.cached_property
    def con(self) -> Any:
        """Where the load runs: the lake's own connection when there is a lake, so the
        transformed rows are loaded with one INSERT ... SELECT and never copied out. Made on
        first use: a re-ingest that stops early never needs ibis's DuckDB backend."""
        con = self.lake.ibis if self.lake is not None else ibis.duckdb.connect()
        if self.spill_dir:
            con.raw_sql(f"SET temp_directory = {sql_literal(self.spill_dir)}")
        return con


def session(ctx: Context) -> IngestSession:
    return ctx.options[SESSION_KEY]


@contextmanager
def open_session(ctx: Context) -> Iterator[IngestSession]:
    """Open the lake (read-only for a dry run) and check the pseudonym scheme."""
    project = ctx.project
    secret = project.secret()
    pseudonymizer = Pseudonymizer(ctx.config["privacy.pseudonym_scheme"], secret)
    location = lake_location(project, ctx.config)
    if ctx.dry_run:
        lake = Lake(location, read_only=True) if lake_exists(location) else None
    else:
        lake = Lake(location)
    stack = ExitStack()
    try:
        events: list[dict[str, Any]] = []
        if lake is not None:
            check_scheme(lake, pseudonymizer)
            events = lake.rows("preference_events")
        # Raw rows live in the session connection's temp tables; should DuckDB ever spill
        # them (memory limit reached), the spill files go to a private temp dir removed
        # below, not to DuckDB's default ``.tmp`` in the working directory.
        spill = stack.enter_context(tempfile.TemporaryDirectory(prefix="egregora-spill-"))
        engine = ctx.config["ingest.engine"]
        state = IngestSession(pseudonymizer, secret, lake, events, spill_dir=spill, engine=engine)
        ctx.options[SESSION_KEY] = state
        yield state
    finally:
        ctx.options.pop(SESSION_KEY, None)
        ctx.options.pop(BATCH_KEY, None)
        if lake is not None:
            lake.close()
        stack.close()


def check_scheme(lake: Lake, pseudonymizer: Pseudonymizer) -> None:
    """Refuse to mix pseudonyms of two schemes (or two secrets) in one lake."""
    meta = lake.meta()
    stored = meta.get("pseudonyms")
    if stored is not None and meta.get("message_ids") != MESSAGE_ID_SCHEME:
        raise ConfigError(
            "the project's data uses an older message-id scheme "
            f"({meta.get('message_ids', 'sha256')}; this version uses {MESSAGE_ID_SCHEME})",
            where=str(lake.lake_dir),
            hint="re-ingest into a new project (`egregora init NEW` then `egregora ingest`): "
            "mixing schemes would store overlapping messages twice",
        )
    if stored is None or stored == pseudonymizer.fingerprint():
        return
    stored_scheme = stored.split(":", 1)[0]
    if stored_scheme != pseudonymizer.scheme:
        what = (
            f"the project's data uses pseudonym scheme '{stored_scheme}' but the "
            f"configuration asks for '{pseudonymizer.scheme}'"
        )
        hint = (
            f'set privacy.pseudonym_scheme = "{stored_scheme}" again: changing it would '
            "give every member a second pseudonym and link nothing; start a new project "
            "to use another scheme"
        )
    else:
        what = "the project secret changed since the data was ingested"
        hint = "restore .egregora/secret.key from your backup (pseudonyms depend on it)"
    raise ConfigError(what, where="privacy.pseudonym_scheme", hint=hint)


def write_lock(ctx: Context) -> Any:
    """The project write lock for a local lake. A hosted lake takes concurrent workers
    (even from one project folder): it serializes what must be (see ``Lake.retrying``)."""
    if ctx.dry_run or lake_location(ctx.project, ctx.config).hosted:
        return nullcontext()
    return project_lock(ctx.project.state_dir)


def ingest(ctx: Context, paths: list[Path]) -> list[StageResult]:
    """Run extract → transform → load on ``paths`` under the project write lock.

    Exports already ingested (same bytes, options and secret; nothing removed since) are
    not parsed again: see :mod:`egregora_core.reingest`.
    """
    with write_lock(ctx), open_session(ctx) as state:
        state.input_keys = {path: input_key(ctx, state.secret, path) for path in paths}
        done = already_ingested(state.lake, list(state.input_keys.values()))
        if done is not None:
            return run_stages(ctx, [Stage("load", lambda _ctx, _value: done)])
        return run_stages(ctx, ingest_stages(), paths)


def ingest_stages() -> list[Stage]:
    return [
        Stage("extract", extract_stage),
        Stage("transform", transform_stage),
        Stage("load", load_stage),
    ]


# -- transform ------------------------------------------------------------------------
def transform_stage(ctx: Context, extracted: list[tuple[Path, str, Any]]) -> StageResult:
    """Apply every registered transform to each export; output: the :class:`Batch` list."""
    state = session(ctx)
    transforms = ctx.plugins.transforms()
    batches: list[Batch] = []
    kept = dropped = 0
    for path, extractor, extraction in extracted:
        validate(extraction.messages, RAW_MESSAGES, name=f"{extractor} messages")
        validate(extraction.media, RAW_MEDIA, name=f"{extractor} media")
        refuse_nul(extraction.messages, shown_name(path, extraction))
        batch = Batch(
            path=path,
            extractor=extractor,
            extraction=extraction,
            pseudonymizer=state.pseudonymizer,
            secret=state.secret,
            stored_events=state.stored_events,
            first_names=ctx.config["privacy.replace_first_names"],
            con=state.transform_con,
        )
        ctx.options[BATCH_KEY] = batch
        # A memtable: DuckDB scans the extractor's Arrow table in place (no copy).
        table = ibis.memtable(conform(extraction.messages, RAW_MESSAGES))
        for transform in transforms:
            table = transform.apply(table, ctx)
        # Run once into a temp table: the plan ends in joins with the scrub patches (on
        # the text), which every later query (counts, stats, the INSERTs) would re-run.
        if batch.con is not state.con:  # another engine: its rows come back for the load
            table = ibis.memtable(batch.con.to_pyarrow(table))
            batch.con = state.con
        batch.table = table = batch.materialize(table, final=True)
        rows = table.count().to_pyarrow().as_py()
        kept += rows
        dropped += extraction.messages.num_rows - rows
        # The plan no longer reads the raw rows: let them go before the load (in place:
        # the extract stage's result holds the same object).
        extraction.messages = RAW_MESSAGES.empty_table()
        batches.append(batch)
    ctx.options.pop(BATCH_KEY, None)
    fault("after-transform")
    return StageResult("transform", counts={"messages": kept, "dropped": dropped}, output=batches)


#: Raw text columns that must hold no NUL character (SQL and Parquet readers cut at it).
TEXT_COLUMNS = ("group_name", "author", "text", "media_name")


def shown_name(path: Path, extraction: Extraction) -> str:
    """``path``'s file name for an error, with the export's title elided ("WhatsApp Chat
    with ….zip"): a one-to-one chat is titled with the contact's name, and whether a chat
    is one is known only after the anonymize transform."""
    title = (extraction.source or {}).get("group_name") or ""
    words = [re.escape(w) for w in title.split()]
    if not words:
        return path.name
    return re.sub("[ _]+".join(words), "…", path.name, flags=re.IGNORECASE)


def refuse_nul(messages: pa.Table, where: str) -> None:
    """A NUL character is never part of a chat: it means a damaged or non-text file."""
    for column in TEXT_COLUMNS:
        values = messages.column(column)
        if pc.any(pc.match_substring(values, "\x00")).as_py():
            row = pc.index(pc.match_substring(values, "\x00"), True).as_py()
            raise InputError(
                f"message {row + 1} holds a NUL byte in its {column}: the file is damaged "
                "or not a chat",
                where=where,
                hint="remove NUL bytes (e.g. tr -d '\\000' < chat.txt > fixed.txt), or "
                "export the chat again",
            )


# -- load -----------------------------------------------------------------------------
@dataclass
class Loadable:
    """The anonymized rows of one export, in the stored schemas."""

    source: dict[str, Any]
    messages: ibis.Table  # over the session connection; MESSAGES columns
    media: list[dict[str, Any]]
    events: list[dict[str, Any]]
    media_bytes: dict[str, Any]  # sha256 -> callable returning bytes


def _source_id(secret: bytes, checksum: str, group: str) -> str:
    raw = f"{secret.hex()}\x1f{checksum}\x1f{group}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


def _batch_stats(batch: Batch) -> dict[str, Any]:
    """One aggregate pass over the transformed rows: what the source row and media need."""
    table = batch.table
    stats = batch.con.to_pyarrow(
        table.aggregate(
            rows=table.count(),
            group_name=table.group_name.arbitrary(),
            group_slug=table.group_slug.arbitrary(),
            first_ts=table.ts.min(),
            last_ts=table.ts.max(),
            media=table.raw_media_name.collect(distinct=True),
        )
    ).to_pylist()[0]
    kinds = batch.con.to_pyarrow(table.group_by("kind").aggregate(n=table.count())).to_pylist()
    stats["kinds"] = {row["kind"]: row["n"] for row in kinds}
    return stats


def prepare(ctx: Context, batch: Batch) -> Loadable:
    """Turn a transformed batch into SOURCES / MESSAGES / MEDIA / event rows."""
    anonymizer = batch.anonymizer
    extraction = batch.extraction
    info = extraction.source
    table = batch.table
    stats = _batch_stats(batch)
    rows = stats["rows"]
    raw_group = info.get("group_name") or (stats["group_name"] if rows else batch.path.stem)
    slug = (
        stats["group_slug"] if rows else anonymizer.scrub_all(raw_group).lower().replace(" ", "-")
    )
    checksum = info.get("checksum") or hashlib.sha256(batch.path.read_bytes()).hexdigest()
    source_id = _source_id(batch.secret, checksum, slug)

    # media: v2 names, only for entries referenced by kept messages
    media_slug = v2_media_slug(info, batch.path)
    raw_media = extraction.media.to_pylist()
    sha_by_name = {m["name"]: m for m in raw_media}
    referenced = set(stats["media"] or []) - {None}
    media_rows, media_bytes = [], {}
    media_ids: dict[str, str] = {}
    for name in sorted(referenced & set(sha_by_name)):
        entry = sha_by_name[name]
        ext = PurePosixPath(name).suffix.lower()
        kind = media_type(name)
        stored = kind in STORED_TYPES or (
            kind == "documents" and ctx.config["privacy.store_documents"]
        )
        mid = media_id(media_slug, entry["sha256"])
        media_ids[name] = mid
        media_rows.append(
            {
                "media_id": mid,
                "group_slug": slug,
                "source_id": source_id,
                "file_name": anonymizer.scrub_all(PurePosixPath(name).name),
                "extension": ext,
                "media_type": kind,
                "sha256": entry["sha256"],
                "size": entry["size"],
                "stored": bool(stored and extraction.read_media is not None),
            }
        )
        if stored and extraction.read_media is not None:
            media_bytes[entry["sha256"]] = (extraction.read_media, name)
    table = lookup(table, "raw_media_name", media_ids, "media_ref")
    table = table.mutate(source_id=ibis.literal(source_id))
    columns = {field.name: table[field.name].cast(ibis.dtype(field.type)) for field in MESSAGES}
    messages = table.select(**columns)

    source = {
        "source_id": source_id,
        "checksum": checksum,
        "file_name": anonymizer.scrub_all(info.get("file_name") or batch.path.name),
        "group_name": anonymizer.scrub_all(raw_group),
        "group_slug": slug,
        "extractor": batch.extractor,
        "platform": info.get("platform"),
        "date_order": info.get("date_order"),
        "date_order_evidence": anonymizer.scrub_all(info.get("date_order_evidence")),
        "clock": info.get("clock"),
        "counts": json.dumps(dict(sorted(stats["kinds"].items()))),
        "message_count": rows,
        "first_ts": stats["first_ts"] if rows else None,
        "last_ts": stats["last_ts"] if rows else None,
        "parser_version": info.get("parser_version"),
        "ingested_at": datetime.now(UTC),
        "snapshot_id": None,
    }
    events = [
        {**e, "value": anonymizer.scrub_all(e["value"]), "source_id": source_id}
        for e in batch.events
    ]
    return Loadable(source, messages, media_rows, events, media_bytes)


def _month_counts(con: Any, messages: ibis.Table) -> list[dict[str, Any]]:
    """Rows per (group, year-month of the local ``date``, kind): what a dry run shows, and
    the lake's partitions (see :data:`egregora_core.lake.PARTITIONS`).

    Two-level aggregate: first per date, then the few thousand (group, date, kind) rows are
    folded into months, so the month label is formatted per date, not per message.
    """
    daily = messages.group_by("group_slug", "date", "kind").aggregate(rows=messages.count())
    month = daily.date.strftime("%Y-%m")
    monthly = daily.group_by(group_slug=daily.group_slug, month=month, kind=daily.kind)
    rows = con.to_pyarrow(monthly.aggregate(rows=daily.rows.sum())).to_pylist()
    return sorted(rows, key=lambda r: (r["group_slug"], r["month"], r["kind"]))


#: Rows per INSERT statement of the messages write (see :meth:`Lake.insert`): bounds the
#: partitioned writer's buffers (~150 MB at 1M messages, ~0.5 GB in one statement).
ROWS_PER_WRITE = 250_000


def _write_bounds(months: list[dict[str, Any]], budget: int = ROWS_PER_WRITE) -> list[date]:
    """Month starts (local ``date``) that cut the new rows into writes of about ``budget``
    rows.

    The lake partitions messages by year and month of ``date``, so a cut on a month start
    never splits a partition (no extra files). ``months`` is the report's per-month counts.
    """
    per_month: dict[str, int] = {}
    for row in months:
        per_month[row["month"]] = per_month.get(row["month"], 0) + row["rows"]
    bounds, pending = [], 0
    for month in sorted(per_month):
        if pending >= budget:
            year, mon = map(int, month.split("-"))
            bounds.append(date(year, mon, 1))
            pending = 0
        pending += per_month[month]
    return bounds


def _store_media(ctx: Context, loadables: list[Loadable]) -> int:
    """Write media bytes without metadata, content-addressed by the original bytes' hash
    (tmp file + rename: never a torn file)."""
    written = 0
    folder = ctx.project.state_dir / MEDIA_DIR
    for loadable in loadables:
        for sha, (read, name) in loadable.media_bytes.items():
            target = folder / sha
            if target.exists():
                continue
            folder.mkdir(parents=True, exist_ok=True)
            data = clean_media(name, read(name))
            if data is None:
                continue  # metadata that cannot be removed: never stored (media_clean.py)
            # beside the target (same file system: the rename is atomic); removed on failure
            # (pid in the name: concurrent workers of one project never share a part file)
            tmp = folder / f".{sha}.{os.getpid()}.part"
            try:
                tmp.write_bytes(data)
                os.replace(tmp, target)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            written += 1
    return written


def _new_messages(state: IngestSession, loadables: list[Loadable]) -> ibis.Table:
    """The incoming messages not in the lake yet, as an expression over the session's
    connection (rows stay in DuckDB).

    When the lake holds no message in the exports' scope (their group slugs, first..last
    timestamp), e.g. on a first ingest, every row is new: the batch itself is returned,
    no anti-join and no copy (several exports are deduplicated into a temp table). Otherwise
    the anti-join (reading only the partitions the exports can overlap) is staged in a temp
    table, so it runs once for the counts and the INSERTs.
    """
    con = state.con
    if not loadables:
        return temp_table(con, "_new_messages", MESSAGES.empty_table())
    incoming = ibis.union(*(item.messages for item in loadables))
    several = len(loadables) > 1  # ids are unique within one export (occurrence index)
    dated = [item.source for item in loadables if item.source["message_count"]]
    scope = (
        {
            "group_slug": sorted({s["group_slug"] for s in dated}),
            "ts": (min(s["first_ts"] for s in dated), max(s["last_ts"] for s in dated)),
        }
        if dated
        else None
    )
    lake = state.lake
    if lake is not None and dated and lake.has_rows("messages", scope):
        return lake.stage_new("messages", incoming, "message_id", scope=scope, distinct=several)
    if several:  # dedup across the exports once, not in every pass over the rows
        rows = incoming.distinct(on="message_id", keep="first")
        return temp_table(con, "_new_messages", rows)
    return incoming


def load_stage(ctx: Context, batches: list[Batch]) -> StageResult:
    """Anti-join on ``message_id`` and write everything new in ONE snapshot.

    On a hosted lake the anti-join and the commit run under a claim on the groups written
    (and on the lake's ``meta`` while it is empty), and again from the anti-join when
    another worker's commit wins the race: see ``Lake.retrying``.
    """
    state = session(ctx)
    lake = state.lake
    loadables = [prepare(ctx, batch) for batch in batches]
    if lake is None or ctx.dry_run:
        return _load(ctx, state, batches, loadables)
    claims = sorted({item.source["group_slug"] for item in loadables})
    if not lake.meta():
        claims.append("egregora:meta")
    result = lake.retrying(lambda: _load(ctx, state, batches, loadables), claims=claims)
    if lake.location.hosted:
        result.counts["retries"] = lake.conflicts
        if isinstance(result.output, dict):
            result.output["retries"] = lake.conflicts
    return result


def _load(
    ctx: Context, state: IngestSession, batches: list[Batch], loadables: list[Loadable]
) -> StageResult:
    """One attempt of the load: read what the lake holds, then write the rest."""
    lake = state.lake
    total = sum(item.source["message_count"] for item in loadables)
    new = _new_messages(state, loadables)
    months = _month_counts(state.con, new)
    new_count = sum(row["rows"] for row in months)  # same pass as the month counts
    present = total - new_count
    sources = [item.source for item in loadables]
    if lake is not None:
        known = set(lake.table("sources").source_id.to_pyarrow().to_pylist())
        sources = [s for s in sources if s["source_id"] not in known]
    events = _table([e for item in loadables for e in item.events], PREFERENCE_EVENTS)
    if lake is not None:
        events = lake.new_rows("preference_events", events, "event_id")
    media = _table([m for item in loadables for m in item.media], MEDIA)
    if lake is not None:
        media = lake.new_rows("media", media, "media_id")
    all_events = [*state.stored_events, *events.to_pylist()]
    leaving = sorted(chat_commands.opted_out(all_events))
    report = {
        "new": new_count,
        "present": present,
        "sources": len(sources),
        "media": media.num_rows,
        "events": events.num_rows,
        "groups": sorted({s["group_slug"] for s in (item.source for item in loadables)}),
        "months": months,
        "snapshot_id": None,
        "exports": [_describe(item.source) for item in loadables],
    }
    counts = {"new": new_count, "present": present}
    changed = new_count or sources or media.num_rows or events.num_rows
    if ctx.dry_run:  # what later stages of this run read instead of the lake's new rows
        ctx.pending = {
            "messages": new.to_pyarrow(),
            "media": media,
            "sources": _table([{**s, "snapshot_id": None} for s in sources], SOURCES),
        }
    if ctx.dry_run or not changed:
        detail = f"{new_count:,} new, {present:,} already present"
        return StageResult(
            "load",
            status="ok" if changed else "skipped",
            counts=counts,
            detail=detail,
            output=report,
        )
    _store_media(ctx, loadables)
    fault("after-media")
    # A source row names its snapshot, predicted before the commit. On a hosted lake another
    # worker may commit in between (appends to other groups never conflict), so prediction
    # and commit take turns lake-wide; extract and transform still run in parallel.
    with lake.claim(["egregora:commit"]):
        snapshot = lake.current_snapshot() + 1
        sources_table = _table([{**s, "snapshot_id": snapshot} for s in sources], SOURCES)
        message = f"ingest {', '.join(report['groups'])}: {new_count} new, {present} present"
        extra = {
            "rows_added": new_count,
            "sources": [s["file_name"] for s in sources],
            "groups": report["groups"],
            INPUTS_KEY: {
                state.input_keys[b.path]: item.source["source_id"]
                for b, item in zip(batches, loadables, strict=True)
                if state.input_keys.get(b.path)
            },
        }
        with lake.transaction(message, extra):
            if not lake.meta():
                lake.append(
                    "meta",
                    pa.table(
                        {
                            "key": ["pseudonyms", "format", "message_ids"],
                            "value": [state.pseudonymizer.fingerprint(), "1", MESSAGE_ID_SCHEME],
                        }
                    ),
                )
            bounds = _write_bounds(months)
            written = lake.insert("messages", new, bounds=bounds) if new_count else 0
            if written != new_count:  # the counts reported must be the rows stored
                raise RuntimeError(f"load wrote {written} messages, expected {new_count}")
            lake.append("sources", sources_table)
            lake.append("media", media)
            lake.append("preference_events", events)
            if events.num_rows:
                touched = sorted(set(events.column("pseudonym").to_pylist()))
                folded = chat_commands.fold(e for e in all_events if e["pseudonym"] in touched)
                lake.delete_in("preferences", "pseudonym", touched)
                lake.append("preferences", _table(list(folded.values()), PREFERENCES))
            removed = lake.delete_in("messages", "author", leaving)
            fault("before-commit")
    report["snapshot_id"] = lake.current_snapshot()
    counts["removed"] = removed
    return StageResult(
        "load",
        counts=counts,
        output=report,
        detail=f"{new_count:,} new, {present:,} already present; snapshot {report['snapshot_id']}",
    )


def _describe(source: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "file_name",
        "group_slug",
        "extractor",
        "platform",
        "date_order",
        "clock",
        "message_count",
        "first_ts",
        "last_ts",
    )
    out = {key: source[key] for key in keys}
    out["counts"] = json.loads(source["counts"])
    return out


def _table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()


def _distinct(table: pa.Table) -> pa.Table:
    """First row per message_id (a dry run without a lake still dedups within itself)."""
    if table.num_rows == 0:
        return table
    ids = table.column("message_id")
    first = pc.index_in(pc.unique(ids), value_set=ids)
    return table.take(first)


# -- import ---------------------------------------------------------------------------
#: egregora v2's message table columns (-> RAW_MESSAGES) that an import needs.
V2_COLUMNS = {"timestamp": "ts", "author": "author", "message": "text"}


def import_file(ctx: Context, path: Path) -> list[StageResult]:
    """Load a Parquet export: v3's own ``egregora export messages`` output, or egregora
    v2's message table (re-anonymized through the core transforms; v2's raw-line columns
    are ignored). Anything else is refused naming each missing or mistyped column."""
    table = read_parquet(path)
    if set(V2_COLUMNS) <= set(table.column_names) and "message_id" not in table.column_names:
        extraction = _v2_extraction(path, table)
        with write_lock(ctx), open_session(ctx):
            stages = [Stage("transform", transform_stage), Stage("load", load_stage)]
            return run_stages(ctx, stages, [(path, "egregora-v2", extraction)])
    validate(table, MESSAGES, name=path.name)
    messages = conform(table, MESSAGES)
    with write_lock(ctx), open_session(ctx) as state:
        return run_stages(ctx, [Stage("load", lambda c, v: _load_messages(c, state, v))], messages)


#: A pseudonym as the anonymizer writes it (8 lowercase hex).
_PSEUDONYM = re.compile(r"[0-9a-f]{8}")
_SLUG_UNSAFE = re.compile(r"[^a-z0-9]+")


def _known_authors(lake: Lake | None) -> set[str]:
    """The pseudonyms this project's lake already holds as authors."""
    if lake is None or "messages" not in lake.table_names():
        return set()
    table = lake.table("messages")
    return {a for a in table.select("author").distinct().to_pyarrow().column(0).to_pylist() if a}


def anonymize_import(state: IngestSession, messages: pa.Table) -> pa.Table:
    """A v3-shaped Parquet is untrusted input: it goes through the same steps as an export.

    An author is kept as it is only if it is a pseudonym *this* project's lake already
    holds (checked against the lake, not assumed from its shape); every other author
    (a raw "First Last", or a pseudonym keyed by another project's secret) is re-keyed
    with this project's secret. Whatever the authors, ``/egregora`` commands and opted-out
    members' rows are dropped, and texts and group slugs pass the name scrubber (with every
    re-keyed author as a member name) and the redactor.
    """
    known = _known_authors(state.lake)
    authors = [a for a in pc.unique(messages.column("author")).to_pylist() if a]
    raw = [a for a in authors if not (_PSEUDONYM.fullmatch(a) and a in known)]
    anonymizer = Anonymizer(state.pseudonymizer, raw)
    rekey = {a: state.pseudonymizer(a) for a in raw}
    opted_out = chat_commands.opted_out(state.stored_events)
    rows = messages.to_pylist()
    keep = []
    for row in rows:
        author = rekey.get(row["author"], row["author"])
        text = row["text"]
        if author in opted_out or chat_commands.is_command(text):
            continue
        row["author"] = author
        keep.append(row)
    numeric = state.pseudonymizer.numeric
    texts = redact.redact_many(anonymizer.scrub_many([r["text"] for r in keep]), numeric)
    slugs = {s: anonymizer.scrub_all(s) for s in {r["group_slug"] for r in keep}}
    for row, text in zip(keep, texts, strict=True):
        row["text"] = text
        row["group_slug"] = _SLUG_UNSAFE.sub("-", slugs[row["group_slug"]].lower()).strip("-")
        row["group_slug"] = row["group_slug"] or "group"
    return pa.Table.from_pylist(keep, schema=messages.schema)


def _load_messages(ctx: Context, state: IngestSession, messages: pa.Table) -> StageResult:
    lake = state.lake
    messages = anonymize_import(state, messages)
    if lake is None or ctx.dry_run:
        return _load_messages_once(ctx, state, messages)
    claims = sorted(set(messages.column("group_slug").to_pylist()) - {None})
    return lake.retrying(lambda: _load_messages_once(ctx, state, messages), claims=claims)


def _load_messages_once(ctx: Context, state: IngestSession, messages: pa.Table) -> StageResult:
    lake = state.lake
    new = lake.new_rows("messages", messages, "message_id") if lake else _distinct(messages)
    present = messages.num_rows - new.num_rows
    report = {
        "new": new.num_rows,
        "present": present,
        "months": _month_counts(state.con, ibis.memtable(new)),
        "snapshot_id": None,
        "exports": [],
        "groups": [],
    }
    if not ctx.dry_run and new.num_rows:
        with lake.transaction(
            f"import: {new.num_rows} new, {present} present",
            {"rows_added": new.num_rows, "sources": ["import"]},
        ):
            lake.append("messages", new)
        report["snapshot_id"] = lake.current_snapshot()
    return StageResult(
        "load",
        counts={"new": new.num_rows, "present": present},
        output=report,
        detail=f"{new.num_rows:,} new, {present:,} already present",
    )


def _v2_extraction(path: Path, table: pa.Table) -> Extraction:
    ts = table.column("timestamp")
    if not pa.types.is_timestamp(ts.type):
        raise SchemaError(f"column 'timestamp' is {ts.type}, expected a timestamp", where=path.name)
    ts = ts.cast(pa.timestamp("us", tz=ts.type.tz or "UTC")).cast(pa.timestamp("us", tz="UTC"))
    group = (
        table.column("group_name")[0].as_py()
        if "group_name" in table.column_names and table.num_rows
        else path.stem
    )
    n = table.num_rows
    raw = pa.table(
        {
            "group_name": pa.array([group] * n, pa.string()),
            "ordinal": pa.array(range(n), pa.int64()),
            "ts": ts,
            "date": pc.cast(ts, pa.date32()),
            "author": table.column("author").cast(pa.string()),
            "kind": pa.array(["text"] * n, pa.string()),
            "subtype": pa.nulls(n, pa.string()),
            "text": table.column("message").cast(pa.string()),
            "media_name": pa.nulls(n, pa.string()),
            "edited": pa.array([False] * n),
            "names": pa.nulls(n, pa.list_(pa.string())),
        }
    )
    source = {
        "checksum": hashlib.sha256(path.read_bytes()).hexdigest(),
        "file_name": path.name,
        "group_name": group,
        "platform": "egregora-v2",
        "parser_version": "v2-import",
    }
    return Extraction(
        messages=conform(raw, RAW_MESSAGES), media=RAW_MEDIA.empty_table(), source=source
    )
