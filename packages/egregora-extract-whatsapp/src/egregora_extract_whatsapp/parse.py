"""Parse chat bytes into RAW_MESSAGES rows without a per-line Python loop.

How, and why it is fast and small (details in docs/whatsapp.md, "How parsing stays fast"):

* the file stays bytes and is parsed as it is read: :mod:`.blocks` cuts the pieces into
  normalized blocks of whole lines (a few MB), UTF-8-checked in C;
* :mod:`.scan` finds the header lines of a block with one RE2 test and reads their fields
  with a numpy lockstep parser (Python's ``HEADER_RX`` only for odd rows);
* :class:`_Segments` turns blocks into segments of whole messages (the unfinished last
  message carries over), so each block's bytes are released once its segment is parsed;
* :mod:`.columns` builds a segment's string columns (Arrow string views over its bytes;
  RE2 over whole columns; special rows classified per batch of segments), in a worker
  thread while the main thread scans the next block;
* the day/month order is decided once from all dates at the end, then timestamps are
  computed with numpy (in slices) and localized with ``pyarrow.compute.assume_timezone``.
"""

from __future__ import annotations

import zoneinfo
from collections import Counter, deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from egregora_core.errors import ConfigError
from egregora_core.schema import RAW_MESSAGES

from .blocks import blocks, line_starts
from .columns import Segment, complete, prepare
from .dates import ORDERS, days_from_civil, infer_order, invalid_dates, split_order, to_24h
from .errors import ChatFormatError, DateOrderError, EncodingError, LimitError
from .grammar import Signature, line_shape
from .memory import POOL
from .scan import HEADER_FIELDS, NUMBERS, Headers, lines_array, scan_block

PARSER_VERSION = "1.0.0"
CHUNK_BYTES = 4 << 20
#: segments whose special rows are classified together (see :mod:`.columns`)
_BATCH = 2
_TIME_ROWS = 1 << 18
FORMATS = ("android", "ios")
_EXAMPLES = "'dd/mm/yyyy, hh:mm - Name: text' (Android) or '[dd.mm.yy, hh:mm:ss] Name: text' (iOS)"


@dataclass
class ParseOptions:
    group_name: str
    where: str  # file name used in error messages
    date_order: str | None = None
    timezone: str = "UTC"
    format: str | None = None
    chunk_bytes: int = CHUNK_BYTES
    max_messages: int | None = None  # refuse more (counted while parsing; bounds memory)


@dataclass
class Parsed:
    messages: pa.Table
    source: dict
    warnings: list[str] = field(default_factory=list)


def _check_utf8(lines: pa.Array, data: bytes, lo: int, hi: int, first_line: int, where: str):
    try:
        lines.validate(full=True)
    except pa.ArrowInvalid:
        try:
            str(memoryview(data)[lo:hi], "utf-8")
        except UnicodeDecodeError as error:
            bad_line = first_line + data.count(b"\n", lo, lo + error.start)
            raise EncodingError(
                "chat file is not valid UTF-8",
                where=f"{where}:{bad_line}",
                hint="use the file exactly as WhatsApp exported it, or convert it to UTF-8",
            ) from None
        raise  # pragma: no cover - Arrow and Python disagree on UTF-8


def _detect_format(codes: np.ndarray, first_line: int, options: ParseOptions) -> int:
    candidates = codes
    wanted = options.format
    if wanted == "ios":
        candidates = codes[(codes & 1) == 1]
    elif wanted == "android":
        candidates = codes[(codes & 1) == 0]
    if len(candidates) == 0:
        raise ChatFormatError(
            f"no {wanted} message header found",
            where=f"{options.where}:{first_line}",
            hint=f"expected {_EXAMPLES}; drop --format or pass the other one",
        )
    values, counts = np.unique(candidates, return_counts=True)
    return int(values[np.argmax(counts)])


def _preamble_error(pre: str, has_headers: bool, where: str) -> None:
    lines = pre.split("\n")
    offset = 0
    while offset < len(lines) and not lines[offset].strip():
        offset += 1
    shapes = "; ".join(repr(line_shape(x)) for x in lines[offset : offset + 2])
    what = (
        "the chat does not start with a message header"
        if has_headers
        else "no WhatsApp message header found"
    )
    raise ChatFormatError(
        f"{what}: line looks like {shapes}",
        where=f"{where}:{offset + 1}",
        hint=f"expected {_EXAMPLES}; if the export is unusual try --format android|ios",
    )


def _check_timezone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"unknown time zone {name!r}",
            where="--timezone",
            hint="use an IANA name such as UTC, Europe/Berlin or America/Sao_Paulo",
        ) from None


def _check_options(options: ParseOptions) -> None:
    if options.date_order not in (None, *ORDERS):
        raise ConfigError(
            f"unknown date order {options.date_order!r}",
            where="--date-order",
            hint="use dmy, mdy or ymd",
        )
    if options.format not in (None, *FORMATS):
        raise ConfigError(
            f"unknown format {options.format!r}", where="--format", hint="use android or ios"
        )
    _check_timezone(options.timezone)


def _pick(headers: Headers, rows) -> Headers:
    return Headers(**{name: getattr(headers, name)[rows] for name in HEADER_FIELDS})


def _shift(headers: Headers, delta: int) -> Headers:
    """The same headers with their byte offsets moved by ``delta`` (``-1``: no author)."""
    moved = {name: getattr(headers, name) for name in HEADER_FIELDS}
    for name in ("start", "author_start", "body_start"):
        moved[name] = moved[name] + np.int32(delta)
    end = headers.author_end
    moved["author_end"] = np.where(end >= 0, end + np.int32(delta), end).astype(np.int32)
    return Headers(**moved)


def _join(first: Headers, second: Headers) -> Headers:
    return Headers(
        **{
            name: np.concatenate([getattr(first, name), getattr(second, name)])
            for name in HEADER_FIELDS
        }
    )


class _Segments:
    """Turns blocks of lines into segments of whole messages.

    A message may run on into the next block, so the last message of each block is
    carried over (with its header) and finished by the next one. Everything else of a
    block is released once its segment is parsed.
    """

    def __init__(self, options: ParseOptions):
        self.options = options
        self.format_code: int | None = None
        self.line = 0  # 0-based number of the next block's first line
        self.head = b""  # the first bytes before any header, for error messages
        self.blank = True  # nothing but whitespace before the first header so far
        self.preamble = False  # the chat does not start with a header (raised at the end)
        self.carry = b""
        self.carry_headers: Headers | None = None
        self.numbers: list[dict] = []  # header numbers of each segment, for the timestamps
        self.messages = 0

    def add(self, block: bytes) -> Segment | None:
        """Scan one block; return the messages it completes, if any."""
        u8 = np.frombuffer(block, np.uint8)
        buffer = pa.py_buffer(block)
        starts = line_starts(u8)
        _check_utf8(
            lines_array(buffer, starts), block, 0, len(block), self.line + 1, self.options.where
        )
        headers = scan_block(block, buffer, u8, starts, self.line)
        self.line += len(starts) - 1
        if self.preamble:  # the error is known; only the UTF-8 check goes on
            return None
        if self.format_code is None:
            if not len(headers.line):
                self._before(block)
                return None
            self.format_code = _detect_format(headers.code, int(headers.line[0]) + 1, self.options)
            first = int(np.argmax(headers.code == self.format_code))
            cut = int(headers.start[first])
            self._before(block[:cut])
            if first > 0 or not self.blank:
                self.preamble = True
                return None
            block = block[cut:]
            headers = _shift(_pick(headers, slice(first, None)), -cut)
        headers = _pick(headers, headers.code == self.format_code)
        if self.carry_headers is not None:
            headers = _join(self.carry_headers, _shift(headers, len(self.carry)))
            block = self.carry + block
        if len(headers.line) < 2:
            self.carry, self.carry_headers = block, headers
            return None
        cut = int(headers.start[-1])
        self.carry = block[cut:]
        self.carry_headers = _shift(_pick(headers, slice(-1, None)), -cut)
        done = _pick(headers, slice(None, -1))
        return self._segment(block[: int(headers.body_start[-1])], done, cut - 1, final=False)

    def finish(self) -> Segment:
        """The last segment (the carried message); raises the chat-start errors."""
        if self.format_code is None:
            _preamble_error(self.head.decode("utf-8", "replace"), False, self.options.where)
        if self.preamble:
            _preamble_error(self.head.decode("utf-8", "replace"), True, self.options.where)
        data, headers = self.carry, self.carry_headers
        end = len(data)
        while end > headers.body_start[-1] and data[end - 1] == 10:
            end -= 1
        return self._segment(data, headers, end, final=True)

    def _before(self, data: bytes) -> None:
        if len(self.head) < 2000:
            self.head += data[: 2000 - len(self.head)]
        self.blank = self.blank and not data.strip()

    def _segment(self, data: bytes, headers: Headers, end: int, final: bool) -> Segment:
        numbers = {name: getattr(headers, name) for name in ("line", *NUMBERS)}
        self.messages += len(headers.line)
        limit = self.options.max_messages
        if limit is not None and self.messages > limit:
            raise LimitError(
                f"the chat has more than extract.max_messages = {limit:,} messages",
                where=self.options.where,
                hint="raise extract.max_messages (ingest needs ~0.9 GB of memory per million "
                "messages), or ingest a shorter export",
            )
        self.numbers.append(numbers)
        return Segment(data, headers, end, final)


def _submit(pool: ThreadPoolExecutor, queue: deque, work, *args) -> Future:
    """Hand work to the worker; wait while more than two tasks are queued (bounded memory)."""
    queue.append(pool.submit(work, *args))
    while len(queue) > 2:
        queue.popleft().result()
    return queue[-1]


def _done(result) -> Future:
    """A future that already holds ``result`` (work done by the main thread)."""
    future = Future()
    future.set_result(result)
    return future


def _complete(batch: list[Future], group_name: str, known: dict) -> list[dict]:
    """:func:`.columns.complete` of prepared segments (run by the worker, after them)."""
    return complete([future.result() for future in batch], group_name, known)


def _pieces(data: bytes | Iterable[bytes]) -> Iterable[bytes]:
    return [data] if isinstance(data, bytes | bytearray | memoryview) else data


def parse_chat(data: bytes | Iterable[bytes], options: ParseOptions) -> Parsed:
    """Parse a chat file (bytes, or its bytes in pieces) into RAW_MESSAGES plus metadata.

    Pieces are parsed as they come, block by block (``options.chunk_bytes``), so a file
    read in pieces never needs to be in memory whole.
    """
    _check_options(options)
    segments = _Segments(options)
    queue: deque[Future] = deque()
    batch: list[Future] = []  # prepared segments whose special rows wait for the batch
    parts: list[Future] = []
    known: dict = {}  # special (author, body) pairs classified so far; only the worker uses it
    empty = True
    # pyarrow and numpy release the GIL: a worker thread builds the strings of one
    # segment while the main thread reads and scans the next block, and prepares a
    # segment itself when the worker is behind (the worker has the larger share)
    with ThreadPoolExecutor(1) as pool:
        for block in blocks(_pieces(data), options.chunk_bytes):
            empty = False
            segment = segments.add(block)
            if segment is not None:
                if any(not future.done() for future in queue):  # the worker is behind: help
                    batch.append(_done(prepare(segment, options.group_name)))
                else:
                    batch.append(_submit(pool, queue, prepare, segment, options.group_name))
                if len(batch) >= _BATCH:
                    parts.append(_submit(pool, queue, _complete, batch, options.group_name, known))
                    batch = []
        if empty:
            raise ChatFormatError(
                "the chat file is empty",
                where=options.where,
                hint="export the chat again from WhatsApp",
            )
        batch.append(_submit(pool, queue, prepare, segments.finish(), options.group_name))
        parts.append(_submit(pool, queue, _complete, batch, options.group_name, known))
        columns = [part for future in parts for part in future.result()]
    del queue, batch, parts, known
    fields = {}
    for name in ("line", *NUMBERS):  # one field at a time, dropping the pieces as we go
        fields[name] = np.concatenate([numbers.pop(name) for numbers in segments.numbers])
    del segments.numbers
    fields["line"] += 1
    signature = Signature.decode(segments.format_code)
    times = _times(fields, signature, options)
    del fields
    columns = {
        name: pa.chunked_array([part[name] for part in columns], RAW_MESSAGES.field(name).type)
        for name in columns[0]
    }
    return _finish(columns, times, signature, options)


def _where(options: ParseOptions, lines: np.ndarray, index: np.ndarray, limit: int = 3) -> str:
    return f"{options.where}:" + ",".join(str(int(lines[i])) for i in index[:limit])


@dataclass
class _Times:
    ts: pa.Array
    days: np.ndarray
    order: str
    evidence: str
    warnings: list[str]


#: Years a chat can have: nothing before 1970 (the epoch; WhatsApp itself is from 2009) or
#: far in the future. Out of range is an edited or damaged file, not a date to guess at.
MIN_YEAR, MAX_YEAR = 1970, 2100


def _times(fields: dict, signature: Signature, options: ParseOptions) -> _Times:
    """Localized timestamps from the header numbers (decides the day/month order)."""
    warnings: list[str] = []
    lines = fields["line"]
    d1, d2, d3 = fields["d1"], fields["d2"], fields["d3"]
    decision = infer_order(d1, d2, signature.year_first)
    if options.date_order:
        order, evidence = options.date_order, "set with --date-order"
    else:
        if decision.conflict is not None:
            raise DateOrderError(
                f"dates mix two day/month orders ({decision.evidence})",
                where=_where(options, lines, np.array(decision.conflict)),
                hint="pass --date-order dmy or --date-order mdy",
            )
        order, evidence = decision.order, decision.evidence
        if decision.warning:
            warnings.append(decision.warning)
    n = len(lines)
    days = np.empty(n, np.int32)
    micros = np.empty(n, np.int64)
    bad_dates, bad_times, bad_years, odd = [], [], [], 0
    for lo in range(0, n, _TIME_ROWS):  # slices keep the int64 temporaries small
        part = slice(lo, lo + _TIME_ROWS)
        year, month, day = split_order(order, d1[part], d2[part], d3[part])
        year = np.where(year < 100, year + 2000, year)
        bad_years.append(np.flatnonzero((year < MIN_YEAR) | (year > MAX_YEAR)) + lo)
        bad_dates.append(np.flatnonzero(invalid_dates(year, month, day)) + lo)
        hour, odd_part = to_24h(fields["hour"][part], fields["ampm"][part])
        odd += odd_part
        minute = fields["minute"][part].astype(np.int64)
        second = fields["second"][part].astype(np.int64)
        bad_times.append(np.flatnonzero((hour > 23) | (minute > 59) | (second > 59)) + lo)
        day_numbers = days_from_civil(year, month, day)
        days[part] = day_numbers
        micros[part] = (
            day_numbers * 86400 + hour.astype(np.int64) * 3600 + minute * 60 + second
        ) * 1_000_000
    bad = np.concatenate(bad_years)
    if len(bad):
        raise ChatFormatError(
            f"{len(bad)} dates have an impossible year (before {MIN_YEAR} or after {MAX_YEAR})",
            where=_where(options, lines, bad),
            hint="check the file was not edited; years are written with 2 or 4 digits",
        )
    bad = np.concatenate(bad_dates)
    if len(bad):
        raise DateOrderError(
            f"{len(bad)} impossible dates for day/month order {order} ({evidence})",
            where=_where(options, lines, bad),
            hint="pass --date-order dmy, mdy or ymd to match the export",
        )
    if odd:
        warnings.append(
            f"{odd} times mix a 24 h hour with AM/PM (e.g. '23:59 PM'); kept as written"
        )
    bad = np.concatenate(bad_times)
    if len(bad):
        raise ChatFormatError(
            f"{len(bad)} impossible times (hour > 23 or minute > 59)",
            where=_where(options, lines, bad),
            hint="check the file was not edited; 12 h exports need AM/PM markers",
        )
    if options.timezone == "UTC":  # the default: local times are already UTC
        ts = pa.array(micros, pa.int64()).cast(pa.timestamp("us", tz="UTC"))
    else:
        naive = pa.array(micros, pa.int64()).cast(pa.timestamp("us"))
        # A repeated local hour (autumn) is read as its first occurrence; a local time
        # that never existed (the spring-forward gap) as the first instant after the gap,
        # with a warning: it was edited or written by a phone in another zone.
        local = pc.assume_timezone(
            naive, timezone=options.timezone, ambiguous="earliest", nonexistent="latest"
        )
        before = pc.assume_timezone(
            naive, timezone=options.timezone, ambiguous="earliest", nonexistent="earliest"
        )
        gaps = pc.sum(pc.not_equal(local, before)).as_py() or 0
        if gaps:
            warnings.append(
                f"{gaps} local times fall in a daylight-saving gap of {options.timezone}; "
                "stored as the first instant after the gap"
            )
        ts = local.cast(pa.timestamp("us", tz="UTC"))
    del micros
    return _Times(ts, days, order, evidence, warnings)


def _finish(columns: dict, times: _Times, signature: Signature, options: ParseOptions) -> Parsed:
    ts = times.ts
    n = len(ts)
    columns = {
        "group_name": pa.repeat(pa.scalar(options.group_name), n, memory_pool=POOL),
        "ordinal": pa.array(np.arange(n, dtype=np.int64)),
        "ts": ts,
        "date": pa.array(times.days, pa.int32()).cast(pa.date32()),
        **columns,
    }
    messages = pa.table(columns, schema=RAW_MESSAGES)
    counts = dict(
        sorted(
            Counter(
                dict(
                    zip(
                        *[
                            c.to_pylist()
                            for c in pc.value_counts(messages.column("kind")).flatten()
                        ],
                        strict=True,
                    )
                )
            ).items()
        )
    )
    bounds = pc.min_max(ts).as_py()
    source = {
        "platform": signature.platform,
        "date_order": times.order,
        "date_order_evidence": times.evidence,
        "clock": signature.clock,
        "format": signature.describe(times.order),
        "parser_version": PARSER_VERSION,
        "counts": counts,
        "message_count": n,
        "first_ts": bounds["min"],
        "last_ts": bounds["max"],
        "timezone": options.timezone,
    }
    return Parsed(messages, source, times.warnings)
