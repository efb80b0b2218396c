"""Parse chat bytes into RAW_MESSAGES rows, in bounded chunks.

How, and why it is fast:

* the bytes are cut into chunks of a few MB at line ends and decoded one chunk at a
  time (memory stays flat; a multi-line message that crosses a cut is carried over);
* ``HEADER_RX.split`` cuts a chunk into headers and bodies in one C call: a body
  already holds its continuation lines, so there is no per-line Python loop;
* the header fields become Arrow arrays; numbers, signatures, author clean-up and the
  edited marker are vectorized (pyarrow compute, RE2);
* a vectorized prefilter sends only the rows that may be media/system/deleted/poll/...
  through the exact per-row rules of :mod:`.classify`;
* the day/month order is decided once from all dates, then timestamps are computed
  with numpy and localized with ``pyarrow.compute.assume_timezone``.
"""

from __future__ import annotations

import zoneinfo
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from egregora_core.errors import ConfigError
from egregora_core.schema import RAW_MESSAGES

from . import classify as cls
from .dates import ORDERS, days_from_civil, infer_order, invalid_dates, split_order, to_24h
from .errors import ChatFormatError, DateOrderError, EncodingError
from .grammar import GROUP_INDEX, GROUPS, HEADER_RX, MARKS, Signature, line_shape, signature_codes

PARSER_VERSION = "1.0.0"
CHUNK_BYTES = 4 << 20
FORMATS = ("android", "ios")
_STRIDE = GROUPS + 1
_EXAMPLES = "'dd/mm/yyyy, hh:mm - Name: text' (Android) or '[dd.mm.yy, hh:mm:ss] Name: text' (iOS)"
_G = GROUP_INDEX


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


def _chunks(data: bytes, size: int, where: str) -> Iterator[tuple[str, int]]:
    """Decoded text chunks cut at line ends, each with the 1-based line it starts at.

    The newline at a cut belongs to the next chunk (it is the "\\n" the header regex
    needs), so a chunk never ends with the newline that separates it from the next.
    """
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    line = 1
    end_all = len(data)
    while start < end_all:
        cut = data.find(b"\n", start + size) if start + size < end_all else -1
        end = end_all if cut < 0 else cut
        raw = data[start:end]
        if cut >= 0 and raw.endswith(b"\r"):  # the cut fell inside a CRLF pair
            raw = raw[:-1]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            bad_line = line + raw.count(b"\n", 0, error.start)
            raise EncodingError(
                "chat file is not valid UTF-8",
                where=f"{where}:{bad_line}",
                hint="use the file exactly as WhatsApp exported it, or convert it to UTF-8",
            ) from None
        yield text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", ""), line
        line += raw.count(b"\n") + (0 if cut < 0 else 1)
        start = end + 1 if cut >= 0 else end_all


def _strings(values: list) -> pa.Array:
    return pa.array(values, pa.string())


def _ints(values: list, fill: int | None = None) -> np.ndarray:
    array = pc.cast(_strings(values), pa.int16())
    if fill is not None:
        array = pc.fill_null(array, fill)
    return array.to_numpy(zero_copy_only=False)


def _bools(array: pa.Array) -> np.ndarray:
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=bool)


class _ChunkParser:
    """Turns one chunk's split parts into an Arrow table of header fields + classified body."""

    def __init__(self, options: ParseOptions):
        self.options = options
        self.format_code: int | None = None
        self.carry: list | None = None  # the last message of the previous chunk (raw parts)
        self.carry_line = 0
        self.tables: list[pa.Table] = []

    # -- split -----------------------------------------------------------------
    def feed(self, text: str, first_line: int, last: bool) -> None:
        parts = HEADER_RX.split("\n" + text)
        pre = parts[0]
        if self.carry is not None:
            self.carry[-1] += pre
            parts = ["", *self.carry, *parts[1:]]
            line0 = self.carry_line
        else:
            if pre.strip():
                self._preamble_error(pre, first_line, len(parts) > 1)
            line0 = first_line + pre.count("\n")
        count = (len(parts) - 1) // _STRIDE
        if count == 0:
            return
        if not last:  # hold the last message back: its body may continue in the next chunk
            self.carry = parts[-_STRIDE:]
            parts = parts[:-_STRIDE]
            count -= 1
        else:
            self.carry = None
            parts[-1] = parts[-1].rstrip("\n")
        if count == 0:
            self.carry_line = line0
            return
        self._columns(parts, count, line0)

    def _columns(self, parts: list, count: int, line0: int) -> None:
        def group(name: str) -> list:
            return parts[1 + _G[name] :: _STRIDE]

        bodies = parts[_STRIDE::_STRIDE]
        newlines = pc.count_substring(_strings(bodies), "\n").to_numpy(zero_copy_only=False)
        lines = line0 + np.concatenate(([0], np.cumsum(newlines[:-1] + 1))).astype(np.int64)

        d1_strings = _strings(group("d1"))
        d1 = pc.cast(d1_strings, pa.int16()).to_numpy(zero_copy_only=False)
        d1_len = pc.utf8_length(d1_strings).to_numpy(zero_copy_only=False)
        d3_strings = _strings(group("d3"))
        d3 = pc.cast(d3_strings, pa.int16()).to_numpy(zero_copy_only=False)
        d3_len = pc.utf8_length(d3_strings).to_numpy(zero_copy_only=False)
        sep = _strings(group("sep"))
        sep_code = np.where(
            _bools(pc.equal(sep, "/")), 1, np.where(_bools(pc.equal(sep, "-")), 2, 0)
        )
        ap = pc.utf8_lower(pc.utf8_slice_codeunits(_strings(group("ap")), 0, 1))
        ampm = np.where(
            _bools(pc.fill_null(pc.equal(ap, "p"), False)),
            2,
            np.where(_bools(pc.is_valid(ap)), 1, 0),
        ).astype(np.int8)
        close = _bools(pc.is_valid(_strings(group("close"))))
        trail = _strings(group("trail"))
        trail_code = np.where(
            close,
            0,
            np.where(
                _bools(pc.fill_null(pc.match_substring(trail, "-"), False)),
                1,
                np.where(
                    _bools(pc.fill_null(pc.match_substring_regex(trail, "[:;]"), False)), 2, 3
                ),
            ),
        )
        seconds_strings = _strings(group("S"))
        codes = signature_codes(
            _bools(pc.is_valid(_strings(group("br")))),
            sep_code,
            d1_len,
            d3_len,
            _bools(pc.is_valid(seconds_strings)),
            ampm > 0,
            trail_code,
        )
        if self.format_code is None:
            self.format_code = self._detect_format(codes, lines)
        authors = group("author")
        keep = codes == self.format_code
        if not keep.all():
            bodies, authors = self._glue(parts, keep, bodies, authors)
        mask = pa.array(keep)
        body_array = _strings(bodies)
        table = pa.table(
            {
                "line": pa.array(lines).filter(mask),
                "d1": pa.array(d1).filter(mask),
                "d2": pa.array(_ints(group("d2"))).filter(mask),
                "d3": pa.array(d3).filter(mask),
                "hour": pa.array(_ints(group("H"))).filter(mask),
                "minute": pa.array(_ints(group("Mi"))).filter(mask),
                "second": pc.fill_null(pc.cast(seconds_strings, pa.int16()), 0).filter(mask),
                "ampm": pa.array(ampm).filter(mask),
            }
        )
        author_array = _strings(authors)
        if not keep.all():
            body_array = body_array.filter(mask)
            author_array = author_array.filter(mask)
        self.tables.append(_classify(table, author_array, body_array, self.options.group_name))

    def _glue(self, parts, keep, bodies, authors):
        """Glue header-looking lines of another format back onto the message before them."""
        heads = parts[1 + _G["head"] :: _STRIDE]
        bodies = list(bodies)
        previous = -1
        for index in range(len(bodies)):
            if keep[index]:
                previous = index
                continue
            line = "\n" + heads[index] + bodies[index]
            if previous >= 0:
                bodies[previous] += line
            elif self.tables or self.carry_line:
                raise ChatFormatError(  # pragma: no cover - guarded by the carry logic
                    "internal: continuation without a message", where=self.options.where
                )
            else:
                self._preamble_error("\n" + heads[index] + bodies[index], 1, True)
        return bodies, authors

    def _detect_format(self, codes: np.ndarray, lines: np.ndarray) -> int:
        candidates = codes
        wanted = self.options.format
        if wanted == "ios":
            candidates = codes[(codes & 1) == 1]
        elif wanted == "android":
            candidates = codes[(codes & 1) == 0]
        if len(candidates) == 0:
            raise ChatFormatError(
                f"no {wanted} message header found",
                where=f"{self.options.where}:{int(lines[0])}",
                hint=f"expected {_EXAMPLES}; drop --format or pass the other one",
            )
        values, counts = np.unique(candidates, return_counts=True)
        return int(values[np.argmax(counts)])

    def _preamble_error(self, pre: str, first_line: int, has_headers: bool) -> None:
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
            where=f"{self.options.where}:{first_line + offset - 1}",
            hint=f"expected {_EXAMPLES}; if the export is unusual try --format android|ios",
        )


def _classify(table: pa.Table, author_raw: pa.Array, bodies: pa.Array, group_name: str) -> pa.Table:
    """Add author/kind/subtype/text/media_name/edited/names to a chunk's header table."""
    edited = pc.fill_null(pc.match_substring_regex(bodies, cls.EDITED_RX), False)
    if pc.any(edited).as_py():
        bodies = pc.replace_substring_regex(bodies, cls.EDITED_RX, "")
    author = pc.replace_substring_regex(author_raw, f"[{MARKS}]", "")
    author = pc.replace_substring_regex(author, "[\u00a0\u202f]", " ")
    author = pc.replace_substring_regex(pc.utf8_trim_whitespace(author), "^~\\s*", "")
    special = pc.or_kleene(
        pc.is_null(author_raw),
        pc.or_kleene(
            pc.fill_null(pc.match_substring_regex(bodies, cls.SPECIAL_RX), False),
            pc.or_kleene(
                pc.fill_null(pc.match_substring_regex(author_raw, cls.SYSTEM_HINT_RX), False),
                pc.fill_null(pc.equal(author, group_name), False),
            ),
        ),
    )
    n = len(bodies)
    kind = pa.array(np.full(n, "text", dtype=object), pa.string())
    subtype = pa.nulls(n, pa.string())
    text = bodies
    media_name = pa.nulls(n, pa.string())
    names = pa.nulls(n, pa.list_(pa.string()))
    index = np.flatnonzero(_bools(special))
    if len(index):
        raw_authors = author_raw.take(pa.array(index)).to_pylist()
        raw_bodies = bodies.take(pa.array(index)).to_pylist()
        rows = [
            cls.classify(a, b, group_name) for a, b in zip(raw_authors, raw_bodies, strict=True)
        ]
        mask = pa.array(_bools(special))
        columns = list(zip(*rows, strict=True))
        author = pc.replace_with_mask(author, mask, pa.array(columns[0], pa.string()))
        kind = pc.replace_with_mask(kind, mask, pa.array(columns[1], pa.string()))
        subtype = pc.replace_with_mask(subtype, mask, pa.array(columns[2], pa.string()))
        text = pc.replace_with_mask(text, mask, pa.array(columns[3], pa.string()))
        media_name = pc.replace_with_mask(media_name, mask, pa.array(columns[4], pa.string()))
        positions = np.full(n, -1, dtype=np.int64)
        positions[index] = np.arange(len(index))
        take = pa.array(positions, mask=positions < 0)
        names = pa.array(columns[5], pa.list_(pa.string())).take(take)
    return (
        table.append_column("author", author)
        .append_column("kind", kind)
        .append_column("subtype", subtype)
        .append_column("text", text)
        .append_column("media_name", media_name)
        .append_column("edited", edited)
        .append_column("names", names)
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


def parse_chat(data: bytes, options: ParseOptions) -> Parsed:
    """Parse a whole chat file (bytes) into RAW_MESSAGES plus source metadata."""
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
    parser = _ChunkParser(options)
    chunks = _chunks(data, options.chunk_bytes, options.where)
    pending = next(chunks, None)
    if pending is None:
        raise ChatFormatError(
            "the chat file is empty",
            where=options.where,
            hint="export the chat again from WhatsApp",
        )
    for upcoming in chunks:
        parser.feed(*pending, last=False)
        pending = upcoming
    parser.feed(*pending, last=True)
    if not parser.tables:
        parser._preamble_error("\n" + data[:2000].decode("utf-8", "replace"), 1, False)
    table = pa.concat_tables(parser.tables)
    return _finish(table, Signature.decode(parser.format_code), options)


def _where(options: ParseOptions, lines: np.ndarray, index: np.ndarray, limit: int = 3) -> str:
    return f"{options.where}:" + ",".join(str(int(lines[i])) for i in index[:limit])


def _finish(table: pa.Table, signature: Signature, options: ParseOptions) -> Parsed:
    warnings: list[str] = []
    lines = table.column("line").to_numpy()
    d1 = table.column("d1").to_numpy().astype(np.int32)
    d2 = table.column("d2").to_numpy().astype(np.int32)
    d3 = table.column("d3").to_numpy().astype(np.int32)
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
    year, month, day = split_order(order, d1, d2, d3)
    year = np.where(year < 100, year + 2000, year)
    bad = np.flatnonzero(invalid_dates(year, month, day))
    if len(bad):
        raise DateOrderError(
            f"{len(bad)} impossible dates for day/month order {order} ({evidence})",
            where=_where(options, lines, bad),
            hint="pass --date-order dmy, mdy or ymd to match the export",
        )
    hour, odd = to_24h(table.column("hour").to_numpy(), table.column("ampm").to_numpy())
    if odd:
        warnings.append(
            f"{odd} times mix a 24 h hour with AM/PM (e.g. '23:59 PM'); kept as written"
        )
    minute = table.column("minute").to_numpy()
    second = table.column("second").to_numpy()
    bad = np.flatnonzero((hour > 23) | (minute > 59) | (second > 59))
    if len(bad):
        raise ChatFormatError(
            f"{len(bad)} impossible times (hour > 23 or minute > 59)",
            where=_where(options, lines, bad),
            hint="check the file was not edited; 12 h exports need AM/PM markers",
        )
    days = days_from_civil(year, month, day)
    micros = (days * 86400 + hour.astype(np.int64) * 3600 + minute * 60 + second) * 1_000_000
    naive = pa.array(micros.astype(np.int64), pa.int64()).cast(pa.timestamp("us"))
    local = pc.assume_timezone(
        naive, timezone=options.timezone, ambiguous="earliest", nonexistent="earliest"
    )
    ts = local.cast(pa.timestamp("us", tz="UTC"))
    n = table.num_rows
    columns = {
        "group_name": pa.array(np.full(n, options.group_name, dtype=object), pa.string()),
        "ordinal": pa.array(np.arange(n, dtype=np.int64)),
        "ts": ts,
        "date": pa.array(days.astype(np.int32), pa.int32()).cast(pa.date32()),
        **{
            name: table.column(name)
            for name in ("author", "kind", "subtype", "text", "media_name", "edited", "names")
        },
    }
    messages = pa.Table.from_pydict(columns, schema=RAW_MESSAGES)
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
        "date_order": order,
        "date_order_evidence": evidence,
        "clock": signature.clock,
        "format": signature.describe(order),
        "parser_version": PARSER_VERSION,
        "counts": counts,
        "message_count": n,
        "first_ts": bounds["min"],
        "last_ts": bounds["max"],
        "timezone": options.timezone,
    }
    return Parsed(messages, source, warnings)
