"""Parse chat bytes into RAW_MESSAGES rows without a per-line Python loop.

How, and why it is fast (details in docs/whatsapp.md, "How parsing stays fast"):

* the file stays bytes: numpy finds the line starts, and blocks of lines (a few MB) are
  zero-copy Arrow string arrays, UTF-8-checked in C;
* :mod:`.scan` finds the header lines with one RE2 test per block and reads their fields
  with a numpy lockstep parser (Python's ``HEADER_RX`` only for odd rows);
* the day/month order is decided once from all dates, then timestamps are computed with
  numpy (in slices) and localized with ``pyarrow.compute.assume_timezone``;
* authors and bodies are Arrow string views over the file bytes, cast to ``string``;
* classification is RE2 over whole columns; only the distinct special rows that RE2
  cannot settle go through the exact per-row rules of :mod:`.classify`;
* ``text`` is built last from the file bytes plus the replaced texts, after the bodies
  are dropped, so the big column is copied once.
"""

from __future__ import annotations

import zoneinfo
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from egregora_core.errors import ConfigError
from egregora_core.schema import RAW_MESSAGES

from . import classify as cls
from .blocks import blocks, line_starts
from .dates import ORDERS, days_from_civil, infer_order, invalid_dates, split_order, to_24h
from .errors import ChatFormatError, DateOrderError, EncodingError
from .grammar import MARKS, Signature, line_shape
from .scan import HEADER_FIELDS, NUMBERS, Headers, gather, lines_array, scan_block

PARSER_VERSION = "1.0.0"
CHUNK_BYTES = 4 << 20
_TIME_ROWS = 1 << 18
FORMATS = ("android", "ios")
_EXAMPLES = "'dd/mm/yyyy, hh:mm - Name: text' (Android) or '[dd.mm.yy, hh:mm:ss] Name: text' (iOS)"


def _bools(array: pa.Array) -> np.ndarray:
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=bool)


@dataclass
class ParseOptions:
    group_name: str
    where: str  # file name used in error messages
    date_order: str | None = None
    timezone: str = "UTC"
    format: str | None = None
    chunk_bytes: int = CHUNK_BYTES


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


def _classify_distinct(authors: pa.Array, bodies: pa.Array, group_name: str):
    """Classify each distinct (author, body) pair once: ``(rows, index of each input's row)``.

    Special rows repeat a lot (``<Media omitted>`` from the same few members, the same
    location or deleted notice), so this runs the per-row Python rules a few times less.
    """
    key = pc.binary_join_element_wise(
        pc.if_else(pc.is_null(authors), "\x00", pc.binary_join_element_wise("\x01", authors, "")),
        bodies,
        "\x00",
    )
    encoded = pc.dictionary_encode(key)
    back = encoded.indices
    _, first = np.unique(back.to_numpy(), return_index=True)
    take = pa.array(first)
    pairs = list(zip(authors.take(take).to_pylist(), bodies.take(take).to_pylist(), strict=True))
    hinted = cls.hinted(authors.take(take))
    candidates = [b for _, b in pairs]
    candidates += [f"{a}: {b}" for (a, b), hint in zip(pairs, hinted, strict=True) if hint]
    found = cls.system_matches(candidates)

    def system(text: str):
        return found[text] if text in found else cls.system_match(text)

    rows = [cls.classify(a, b, group_name, system) for a, b in pairs]
    return rows, back


_RESULT = pa.schema(
    [
        ("author", pa.string()),
        ("kind", pa.string()),
        ("subtype", pa.string()),
        ("text", pa.string()),
        ("media_name", pa.string()),
        ("names", pa.list_(pa.string())),
    ]
)


def _classify_special(index, sub_bodies, author_raw, encoded, hint, author, group_name):
    """Classify the special rows ``index``: (result table, result row of each special row).

    Android attachments (``NAME (file attached)``, unique names, so deduplication does
    not help) are read in RE2 when their author is an ordinary member; the rest go
    through the per-row rules, once per distinct (author, body).
    """
    take = pa.array(index)
    sub_indices = encoded.indices.take(take)
    member = (
        np.asarray(pc.is_valid(sub_indices).to_numpy(zero_copy_only=False), dtype=bool)
        & ~_bools(pc.fill_null(hint.take(sub_indices), True))
        & ~_bools(pc.fill_null(pc.equal(author.take(take), group_name), True))
    )
    fast, media_names, media_subtypes, captions = cls.attached_media(
        sub_bodies.filter(pa.array(member))
    )
    fast = np.flatnonzero(member)[fast]
    slow = np.ones(len(index), bool)
    slow[fast] = False
    slow = np.flatnonzero(slow)
    rows, back = _classify_distinct(
        author_raw.take(pa.array(index[slow])), sub_bodies.take(pa.array(slow)), group_name
    )
    python = pa.Table.from_pylist([row._asdict() for row in rows], schema=_RESULT)
    distinct_authors = encoded.dictionary.take(sub_indices.take(pa.array(fast)))
    f = len(fast)
    quick = pa.table(
        {
            "author": pa.array(
                [cls.clean_name(a) for a in distinct_authors.to_pylist()], pa.string()
            ),
            "kind": pc.if_else(pc.equal(media_subtypes, "contact"), "contact", "media"),
            "subtype": media_subtypes,
            "text": captions,
            "media_name": media_names,
            "names": pa.nulls(f, pa.list_(pa.string())),
        },
        schema=_RESULT,
    )
    which = np.empty(len(index), np.int64)
    which[slow] = back.to_numpy()
    which[fast] = python.num_rows + np.arange(f)
    return pa.concat_tables([python, quick]).combine_chunks(), pa.array(which)


@dataclass
class _Bodies:
    """Message bodies without copying them all.

    ``shifted`` is zero-copy over the segment: value i runs from body i's start to body
    i+1's start, i.e. the body, its ``\\n`` and the next message's header. A body-end
    ``$`` is ``\\n[^\\n]*$`` there (:func:`.classify.shifted`); in the final segment the last value is the
    exact last body, so it is tested with the plain patterns. ``exact(rows)`` copies
    just those bodies.
    """

    data: bytes
    start: np.ndarray
    end: np.ndarray
    shifted: pa.Array
    final: bool = True  # the last value is the exact last body (else it is shifted too)

    def exact(self, rows: np.ndarray) -> pa.Array:
        return gather(self.data, self.start[rows], self.end[rows])

    def test(self, *tests: tuple[str, str]) -> list[np.ndarray]:
        """One boolean row mask per ``(shifted_pattern, pattern)``.

        The big column is read once, by the union of the shifted patterns; each pattern
        then runs only on the rows the union let through (a few percent).
        """
        union = "|".join(f"(?:{shifted})" for shifted, _ in tests)
        rows = np.flatnonzero(_match(self.shifted, union))
        some = self.shifted.take(pa.array(rows))
        last = self.exact(np.array([len(self.shifted) - 1])) if self.final else None
        masks = []
        for shifted, pattern in tests:
            hits = np.zeros(len(self.shifted), bool)
            hits[rows] = _match(some, shifted)
            if self.final:
                hits[-1] = _match(last, pattern)[0]
            masks.append(hits)
        return masks


def _match(values: pa.Array, pattern: str) -> np.ndarray:
    return _bools(pc.fill_null(pc.match_substring_regex(values, pattern), False))


def _classify(author_raw: pa.Array, bodies: _Bodies, group_name: str) -> dict:
    """The author/kind/subtype/media_name/edited/names columns, and for ``text`` the
    rows whose text is not their body (special or edited) with their texts."""
    # The edited marker is cut off the few edited bodies only; ``body(rows)`` gives the
    # bodies as classification sees them, and ``text`` is copied once, at the end.
    edited, special = bodies.test(
        (cls.EDITED_SHIFTED, cls.EDITED_RX), (cls.SPECIAL_SHIFTED, cls.SPECIAL_RX)
    )
    edited_rows = np.flatnonzero(edited)
    edited = pa.array(edited)
    stripped = pc.replace_substring_regex(bodies.exact(edited_rows), cls.EDITED_RX, "")

    def body(rows: np.ndarray) -> pa.Array:
        sub = bodies.exact(rows)
        where = np.isin(rows, edited_rows)
        if not where.any():
            return sub
        return pc.replace_with_mask(
            sub, pa.array(where), stripped.take(np.searchsorted(edited_rows, rows[where]))
        )

    # members are few: clean each distinct author candidate once
    encoded = pc.dictionary_encode(author_raw)
    distinct = encoded.dictionary
    clean = pc.replace_substring_regex(distinct, f"[{MARKS}]", "")
    clean = pc.replace_substring_regex(clean, "[\u00a0\u202f]", " ")
    clean = pc.replace_substring_regex(pc.utf8_trim_whitespace(clean), "^~\\s*", "")
    hint = pc.match_substring_regex(distinct, cls.SYSTEM_HINT_RX)
    author = clean.take(encoded.indices)
    special[edited_rows] = _bools(
        pc.fill_null(pc.match_substring_regex(stripped, cls.SPECIAL_RX), False)
    )
    special |= _bools(pc.is_null(author_raw))
    special |= _bools(pc.fill_null(hint.take(encoded.indices), False))
    special |= _bools(pc.fill_null(pc.equal(author, group_name), False))
    n = len(special)
    kind = pa.repeat(pa.scalar("text"), n)
    subtype = pa.nulls(n, pa.string())
    media_name = pa.nulls(n, pa.string())
    names = pa.nulls(n, pa.list_(pa.string()))
    index = np.flatnonzero(special)
    texts = stripped  # replacement texts: classified special rows, then edited bodies
    replaced = special.copy()
    replaced[edited_rows] = True
    rows = np.flatnonzero(replaced)
    del replaced
    which = np.searchsorted(edited_rows, rows)  # for edited rows: their place in stripped
    if len(index):
        result, back = _classify_special(
            index, body(index), author_raw, encoded, hint, author, group_name
        )
        result = {name: result.column(name).chunk(0) for name in result.column_names}
        mask = pa.array(special)
        back = back.to_numpy()
        author = pc.replace_with_mask(author, mask, result["author"].take(back))
        kind = pc.replace_with_mask(kind, mask, result["kind"].take(back))
        positions = np.full(n, -1, dtype=np.int32)
        positions[index] = back
        take = pa.array(positions, mask=positions < 0)
        subtype = result["subtype"].take(take)
        media_name = result["media_name"].take(take)
        names = result["names"].take(take)
        texts = pa.concat_arrays([result["text"], stripped])
        which = np.where(special[rows], positions[rows], len(result["text"]) + which)
        del positions, take
    return {
        "author": author,
        "kind": kind,
        "subtype": subtype,
        "text": (rows, texts.take(which)),  # built by the caller, see parse_chat
        "media_name": media_name,
        "edited": edited,
        "names": names,
    }


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


@dataclass
class _Segment:
    """Whole messages: ``data`` runs from the first one's header to the next message's
    body (whose header ends the last body), or to the end of the file (``final``)."""

    data: bytes
    headers: Headers  # the file's format only; offsets into data
    end: int  # end of the last body
    final: bool


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

    def add(self, block: bytes) -> _Segment | None:
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

    def finish(self) -> _Segment:
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

    def _segment(self, data: bytes, headers: Headers, end: int, final: bool) -> _Segment:
        numbers = {name: getattr(headers, name) for name in ("line", *NUMBERS)}
        self.numbers.append(numbers)
        return _Segment(data, headers, end, final)


def _strings(segment: _Segment, group_name: str) -> dict:
    """The string columns of a segment (authors, classification, text)."""
    data, headers = segment.data, segment.headers
    body_start = headers.body_start
    body_end = np.empty(len(body_start), np.int32)
    body_end[:-1] = headers.start[1:] - 1
    body_end[-1] = segment.end
    has_author = headers.author_end >= 0
    author_raw = gather(
        data,
        headers.author_start,
        np.where(has_author, headers.author_end, headers.author_start),
        has_author,
    )
    upper = segment.end if segment.final else len(data)
    shifted = lines_array(pa.py_buffer(data), np.append(body_start, upper))
    bodies = _Bodies(data, body_start, body_end, shifted, segment.final)
    columns = _classify(author_raw, bodies, group_name)
    del author_raw, bodies, shifted
    rows, values = columns["text"]
    columns["text"] = gather(data, body_start, body_end, rows=rows, values=values)
    return columns


def _pieces(data: bytes | Iterable[bytes]) -> Iterable[bytes]:
    return [data] if isinstance(data, bytes | bytearray | memoryview) else data


def parse_chat(data: bytes | Iterable[bytes], options: ParseOptions) -> Parsed:
    """Parse a chat file (bytes, or its bytes in pieces) into RAW_MESSAGES plus metadata.

    Pieces are parsed as they come, block by block (``options.chunk_bytes``), so a file
    read in pieces never needs to be in memory whole.
    """
    _check_options(options)
    segments = _Segments(options)
    futures: list[Future] = []
    empty = True
    # pyarrow and numpy release the GIL: one segment's strings are built in a worker
    # while the main thread reads and scans the next block
    with ThreadPoolExecutor(1) as pool:
        for block in blocks(_pieces(data), options.chunk_bytes):
            empty = False
            segment = segments.add(block)
            if segment is not None:
                futures.append(pool.submit(_strings, segment, options.group_name))
                if len(futures) > 1:
                    futures[-2].result()  # at most one segment waits: bounded memory
        if empty:
            raise ChatFormatError(
                "the chat file is empty",
                where=options.where,
                hint="export the chat again from WhatsApp",
            )
        futures.append(pool.submit(_strings, segments.finish(), options.group_name))
        parts = [future.result() for future in futures]
    del futures
    fields = {
        name: np.concatenate([numbers[name] for numbers in segments.numbers])
        for name in ("line", *NUMBERS)
    }
    fields["line"] = fields["line"] + 1
    signature = Signature.decode(segments.format_code)
    times = _times(fields, signature, options)
    del fields
    columns = {
        name: pa.chunked_array([part[name] for part in parts], RAW_MESSAGES.field(name).type)
        for name in parts[0]
    }
    del parts
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
    bad_dates, bad_times, odd = [], [], 0
    for lo in range(0, n, _TIME_ROWS):  # slices keep the int64 temporaries small
        part = slice(lo, lo + _TIME_ROWS)
        year, month, day = split_order(order, d1[part], d2[part], d3[part])
        year = np.where(year < 100, year + 2000, year)
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
        local = pc.assume_timezone(
            naive, timezone=options.timezone, ambiguous="earliest", nonexistent="earliest"
        )
        ts = local.cast(pa.timestamp("us", tz="UTC"))
    del micros
    return _Times(ts, days, order, evidence, warnings)


def _finish(columns: dict, times: _Times, signature: Signature, options: ParseOptions) -> Parsed:
    ts = times.ts
    n = len(ts)
    columns = {
        "group_name": pa.repeat(pa.scalar(options.group_name), n),
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
