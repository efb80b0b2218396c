"""Find and read message headers straight from the chat bytes, without Python strings.

Why this shape: a Python ``re.split`` over the decoded text, or RE2 with capture
groups (``pyarrow.compute.extract_regex``), both cost microseconds per line. Instead:

1. line starts come from ``numpy`` (positions of ``\\n``); the lines of a block become a
   zero-copy Arrow string array over the file's own buffer;
2. RE2 answers only *is this line a header?* (``match_substring_regex``: a DFA, no
   captures, ~0.1 µs per line);
3. the fields of the header lines are read by a *lockstep* parser: numpy arrays of
   byte positions, one per header, advanced together one grammar element at a time.
   It follows the first choice of the regex at every step (greedy runs, optional parts
   taken when they fit), so when it succeeds it finds exactly what :data:`HEADER_RX`
   finds. Anything unusual (connector words like ``klo``, odd digit runs, a header at
   the very end without a newline) makes it give up on that row, and that row alone is
   read with :data:`HEADER_RX` in Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .grammar import HEADER_PATTERN, HEADER_RX, MARKS, signature_codes
from .memory import POOL

#: A cheap RE2 test that is true for every line :data:`HEADER_RX` matches (and maybe a
#: few more: a line only counts once the lockstep parser or ``HEADER_RX`` reads it).
#: Without the optional author part and with ``[^0-9\n]`` for the letters of a
#: connector word, the DFA stays small (Unicode letter classes made it ~10x slower).
_BEFORE_AUTHOR = HEADER_PATTERN[
    len("\n(?P<head>") : HEADER_PATTERN.index(f"[{MARKS}]*(?:(?P<author>")
]
RE2_HEADER = "^" + re.sub(r"\(\?P<\w+>", "(?:", _BEFORE_AUTHOR).replace("[^\\W\\d_]", "[^0-9\n]")

_NL, _COLON, _DOT, _COMMA, _DASH, _SLASH = 10, 58, 46, 44, 45, 47
_LBR, _RBR, _SEMI, _SPACE = 91, 93, 59, 32
_AP = np.zeros(256, bool)
_AP[[ord(c) for c in "aApP"]] = True


@dataclass
class Headers:
    """Header fields of the lines that hold a header (one entry per such line)."""

    line: np.ndarray  # 0-based line index
    start: np.ndarray  # byte offset of the line
    author_start: np.ndarray  # byte offsets of the author (author_end == -1: none)
    author_end: np.ndarray
    body_start: np.ndarray
    d1: np.ndarray
    d2: np.ndarray
    d3: np.ndarray
    hour: np.ndarray
    minute: np.ndarray
    second: np.ndarray
    ampm: np.ndarray  # 0 none, 1 am, 2 pm
    code: np.ndarray  # grammar.Signature code


class _Bytes:
    """Byte access at many positions at once (positions past the end read the last byte)."""

    def __init__(self, u8: np.ndarray):
        self.u8 = u8

    def at(self, p: np.ndarray) -> np.ndarray:
        return self.u8.take(p, mode="clip")  # positions are never negative

    def is_digit(self, p: np.ndarray) -> np.ndarray:
        return (self.at(p) - 48) < 10  # uint8 wraps below '0'

    def digits(self, p: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
        """(length of the digit run at p, capped at width + 1; its value up to width)."""
        length = np.zeros(len(p), np.int32)
        value = np.zeros(len(p), np.int32)
        going = np.ones(len(p), bool)
        for j in range(width + 1):
            digit = self.at(p + j).astype(np.int32) - 48
            going &= (digit >= 0) & (digit < 10)
            length += going
            if j < width:
                value = np.where(going, value * 10 + digit, value)
        return length, value

    def space(self, p: np.ndarray) -> np.ndarray:
        """Byte length of a space, NBSP or NARROW NBSP at p (0 if none)."""
        b0 = self.at(p)
        out = (b0 == _SPACE).astype(np.int32)
        wide = np.flatnonzero((b0 == 0xC2) | (b0 == 0xE2))
        if len(wide):
            q = p[wide]
            b0, b1, b2 = b0[wide], self.at(q + 1), self.at(q + 2)
            out[wide] = np.where(
                (b0 == 0xC2) & (b1 == 0xA0), 2, np.where((b1 == 0x80) & (b2 == 0xAF), 3, 0)
            )
        return out

    def spaces(self, p: np.ndarray) -> np.ndarray:
        """Skip any number of spaces."""
        step = self.space(p)
        while step.any():
            p = p + step
            step = self.space(p)
        return p

    def marks(self, p: np.ndarray) -> np.ndarray:
        """Skip any number of invisible direction marks (three UTF-8 bytes each)."""
        while True:
            lead = np.flatnonzero(self.at(p) == 0xE2)
            if not len(lead):
                return p
            q = p[lead]
            b1, b2 = self.at(q + 1), self.at(q + 2)
            mark = (
                (b1 == 0x80) & ((b2 == 0x8E) | (b2 == 0x8F) | ((b2 >= 0xAA) & (b2 <= 0xAE)))
            ) | ((b1 == 0x81) & (b2 >= 0xA6) & (b2 <= 0xA9))
            if not mark.any():
                return p
            p = p.copy()
            p[lead[mark]] += 3


HEADER_FIELDS = tuple(Headers.__dataclass_fields__)
#: The numeric header fields that become table columns (besides ``line``).
NUMBERS = ("d1", "d2", "d3", "hour", "minute", "second", "ampm")

#: Added to a year written with 3 or 4 digits but below 100 ("0001"): only 2-digit years
#: are widened to 20yy, so such a year stays out of range and is reported as impossible.
LONG_SMALL_YEAR = 10_000


def long_year(value: np.ndarray, length: np.ndarray) -> np.ndarray:
    """``value`` unchanged, except a 3-4 digit number below 100 moved out of date range."""
    return np.where((length >= 3) & (value < 100), value + LONG_SMALL_YEAR, value)


def lines_array(buffer: pa.Buffer, starts: np.ndarray) -> pa.Array:
    """Zero-copy string array of the lines between consecutive ``starts`` (with their ``\\n``)."""
    offsets = (starts - starts[0]).astype(np.int32)
    data = buffer.slice(int(starts[0]), int(starts[-1] - starts[0]))
    return pa.StringArray.from_buffers(len(starts) - 1, pa.py_buffer(offsets), data)


def _low_bytes(count: np.ndarray) -> np.ndarray:
    """uint64 masks that keep the lowest ``count`` (0..8) bytes of a little-endian word."""
    count = count.astype(np.uint64)
    with np.errstate(over="ignore"):
        ones = (np.uint64(1) << (np.minimum(count, 7) * np.uint64(8))) - np.uint64(1)
    full = np.uint64(0xFFFFFFFFFFFFFFFF)
    return np.where(count >= 8, full, np.where(count == 7, np.uint64(0xFFFFFFFFFFFFFF), ones))


def _views(data, lo: np.ndarray, hi: np.ndarray, buffer: int) -> np.ndarray:
    """Arrow string views (n x 16 bytes) of the byte ranges ``data[lo:hi]``.

    A view holds the length, then the bytes inline when they fit in 12, else a 4-byte
    prefix, the buffer number and the offset. Made with a few numpy gathers of
    unaligned 8-byte words (``words[i]`` is ``data[i:i+8]``), no Python strings.
    """
    n, size = len(lo), len(data)
    length = hi - lo
    words = np.ndarray((max(size - 7, 1),), "<u8", data if size >= 8 else bytes(8), 0, (1,))
    safe = lo + 12 <= size
    pos = np.where(safe, lo, 0) if size >= 12 else np.zeros(n, np.int64)
    view = np.empty((n, 2), np.uint64)
    head = (words[pos] & _low_bytes(np.minimum(length, 4))) << np.uint64(32)
    view[:, 0] = length.astype(np.uint64) | head
    tail = words[np.minimum(pos + 4, len(words) - 1)] & _low_bytes(np.clip(length - 4, 0, 8))
    far = np.uint64(buffer) | (lo.astype(np.uint64) << np.uint64(32))
    view[:, 1] = np.where(length <= 12, tail, far)
    raw_data = memoryview(data).cast("B")
    for i in np.flatnonzero(~safe):  # the last few bytes: no 8-byte word there
        raw = bytes(raw_data[lo[i] : hi[i]]) + bytes(12)
        view[i, 0] = int(length[i]) | int.from_bytes(raw[:4], "little") << 32
        view[i, 1] = int.from_bytes(raw[4:12], "little") if length[i] <= 12 else int(far[i])
    return view


def gather(
    data: bytes,
    lo: np.ndarray,
    hi: np.ndarray,
    valid: np.ndarray | None = None,
    rows: np.ndarray | None = None,
    values: pa.Array | None = None,
) -> pa.Array:
    """String array of the byte ranges ``data[lo:hi]``, built without Python strings.

    ``valid`` marks null rows (give them empty ranges). ``values`` (a string array)
    replaces the ``rows`` (sorted): their views point into its buffer instead. Arrow's
    cast from string views to ``string`` copies the bytes once, in C.
    """
    view = _views(data, lo, hi, 0)
    buffers = [pa.py_buffer(data)]
    if rows is not None and len(rows):
        values = pa.concat_arrays([values], memory_pool=POOL)  # no offset into the buffers
        _, offsets, chunk = values.buffers()
        offsets = np.frombuffer(offsets, np.int32)[: len(values) + 1]
        chunk = chunk if chunk is not None and chunk.size else pa.py_buffer(bytes(16))
        view[rows] = _views(chunk, offsets[:-1], offsets[1:], 1)
        buffers.append(chunk)
        if values.null_count:
            valid = np.ones(len(lo), bool) if valid is None else valid.copy()
            valid[rows] = np.asarray(values.is_valid().to_numpy(zero_copy_only=False), bool)
    bitmap = None if valid is None else pa.py_buffer(np.packbits(valid, bitorder="little"))
    array = pa.Array.from_buffers(pa.string_view(), len(lo), [bitmap, pa.py_buffer(view), *buffers])
    return array.cast(pa.string(), memory_pool=POOL)


def _fast(b: _Bytes, p: np.ndarray, line_end: np.ndarray) -> tuple[np.ndarray, dict]:
    """The lockstep parser: (rows it read exactly, fields) for header lines starting at p."""
    ok = np.ones(len(p), bool)
    p = b.marks(p)
    bracket = b.at(p) == _LBR
    p = b.marks(p + bracket)
    len1, d1 = b.digits(p, 4)
    ok &= (len1 >= 1) & (len1 <= 4)
    p = p + len1
    sep_byte = b.at(p)
    sep = np.where(sep_byte == _SLASH, 1, np.where(sep_byte == _DASH, 2, 0))
    ok &= (sep_byte == _DOT) | (sep_byte == _SLASH) | (sep_byte == _DASH)
    p = p + 1
    p = p + b.space(p)
    len2, d2 = b.digits(p, 2)
    ok &= (len2 >= 1) & (len2 <= 2)
    p = p + len2
    second_sep = b.at(p)
    ok &= (second_sep == _DOT) | (second_sep == _SLASH) | (second_sep == _DASH)
    p = p + 1
    p = p + b.space(p)
    len3, d3 = b.digits(p, 4)
    ok &= (len3 >= 1) & (len3 <= 4)
    p = p + len3
    d1, d3 = long_year(d1, len1), long_year(d3, len3)
    p = p + (b.at(p) == _DOT)
    p = p + (b.at(p) == _COMMA)
    p = b.spaces(p)
    dash = (b.at(p) == _DASH) & (b.space(p + 1) > 0)
    p = np.where(dash, b.spaces(p + 1), p)
    p = b.marks(p)
    ok &= b.is_digit(p)  # a connector word (klo, à, kl.) goes the slow way
    len_h, hour = b.digits(p, 2)
    ok &= (len_h >= 1) & (len_h <= 2)
    p = p + len_h
    colon = b.at(p)
    ok &= (colon == _COLON) | (colon == _DOT)
    len_m, minute = b.digits(p + 1, 2)
    ok &= len_m == 2
    p = p + 3
    colon = b.at(p)
    colon = (colon == _COLON) | (colon == _DOT)
    len_s, second = b.digits(p + 1, 2)
    seconds = colon & (len_s == 2)
    ok &= ~colon | (len_s == 0) | seconds
    p = p + 3 * seconds
    second = np.where(seconds, second, 0)
    # optional AM/PM: spaces, marks, [aApP] .? space? [mM] .?
    q = b.marks(b.spaces(p))
    letter = b.at(q)
    r = q + 1
    r = r + (b.at(r) == _DOT)
    r = r + b.space(r)
    m = b.at(r)
    has_ap = _AP[letter] & ((m == 0x6D) | (m == 0x4D))
    r = r + 1
    r = r + (b.at(r) == _DOT)
    p = np.where(has_ap, r, p)
    ampm = np.where(has_ap, np.where((letter == 0x70) | (letter == 0x50), 2, 1), 0).astype(np.int8)
    p = b.marks(p)
    # close bracket, or the separator after the header
    c = b.at(p)
    close = c == _RBR
    after_close = b.marks(p + 1)
    after_close = after_close + b.space(after_close)
    sp0 = b.space(p)
    sp1 = b.space(p + sp0 + 1)
    t1 = ~close & (sp0 > 0) & (b.at(p + sp0) == _DASH) & (sp1 > 0)
    sp_colon = b.space(p + 1)
    t2 = ~close & ~t1 & ((c == _COLON) | (c == _SEMI)) & (sp_colon > 0)
    t3 = ~close & ~t1 & ~t2 & (sp0 > 0)
    ok &= close | t1 | t2 | t3
    p = np.select(
        [close, t1, t2], [after_close, p + sp0 + 1 + sp1, p + 1 + sp_colon], default=p + sp0
    )
    trail = np.select([close, t1, t2], [0, 1, 2], default=3)
    author_start = b.marks(p)
    ok &= (b.at(author_start) != _COLON) & (author_start < line_end)
    fields = {
        "author_start": author_start,
        "d1": d1,
        "d2": d2,
        "d3": d3,
        "hour": hour,
        "minute": minute,
        "second": second,
        "ampm": ampm,
        "code": signature_codes(bracket, sep, len1, len3, seconds, ampm > 0, trail),
    }
    return ok, fields


def _colons(b: _Bytes, lo: int, hi: int, data_end: int) -> np.ndarray:
    """Positions in [lo, hi) of ':' followed by a space, a newline or the end of the file."""
    where = np.flatnonzero(b.u8[lo:hi] == _COLON) + lo
    nxt = b.at(where + 1)
    good = (nxt == _NL) | (where + 1 >= data_end) | (b.space(where + 1) > 0)
    return where[good]


def _authors(b: _Bytes, fields: dict, line_end: np.ndarray, colons: np.ndarray) -> None:
    """Author = text up to the first ':' + space/newline/end after it (the lazy regex)."""
    start = fields["author_start"]
    k = np.searchsorted(colons, start + 1)
    q = colons[np.minimum(k, len(colons) - 1)] if len(colons) else np.zeros_like(start)
    has = (k < len(colons)) & (q < line_end)
    fields["author_end"] = np.where(has, q, -1)
    fields["body_start"] = np.where(has, q + 1 + b.space(q + 1), start)


def _slow(data: memoryview, start: int, end: int) -> dict | None:
    """One header line read with Python's :data:`HEADER_RX` (the reference grammar)."""
    line = str(data[start:end], "utf-8")
    match = HEADER_RX.match("\n" + line)
    if match is None:
        return None

    def offset(index: int) -> int:  # character index in "\n" + line -> byte offset
        return start + len(line[: index - 1].encode())

    g = match.groupdict()
    author = g["author"]
    a_start = offset(match.start("author")) if author is not None else offset(match.end())
    ap = (g["ap"] or "")[:1].lower()
    trail = g["trail"] or ""
    trail_code = (
        0 if g["close"] else 1 if "-" in trail else 2 if any(c in trail for c in ":;") else 3
    )
    code = signature_codes(
        np.array([g["br"] is not None]),
        np.array([{".": 0, "/": 1, "-": 2}[g["sep"]]]),
        np.array([len(g["d1"])]),
        np.array([len(g["d3"])]),
        np.array([g["S"] is not None]),
        np.array([bool(ap)]),
        np.array([trail_code]),
    )[0]
    return {
        "author_start": a_start,
        "author_end": offset(match.end("author")) if author is not None else -1,
        "body_start": offset(match.end()),
        "d1": int(long_year(np.array([int(g["d1"])]), np.array([len(g["d1"])]))[0]),
        "d2": int(g["d2"]),
        "d3": int(long_year(np.array([int(g["d3"])]), np.array([len(g["d3"])]))[0]),
        "hour": int(g["H"]),
        "minute": int(g["Mi"]),
        "second": int(g["S"] or 0),
        "ampm": 2 if ap == "p" else 1 if ap else 0,
        "code": int(code),
    }


def scan_block(
    data: bytes, buffer: pa.Buffer, u8: np.ndarray, starts: np.ndarray, first_line: int
) -> Headers:
    """Headers among the lines ``starts[:-1]`` (``starts[-1]`` ends the last line)."""
    b = _Bytes(u8)
    matched = pc.match_substring_regex(lines_array(buffer, starts), RE2_HEADER, memory_pool=POOL)
    index = np.flatnonzero(matched.to_numpy(zero_copy_only=False))
    # int32 positions (chat files are limited to 1 GiB): half the memory traffic of int64
    line_start = starts[index].astype(np.int32)
    # line_end: the '\n' (or the last byte of an unterminated file)
    line_end = starts[index + 1].astype(np.int32) - 1
    unterminated = u8[np.minimum(line_end, len(u8) - 1)] != _NL
    line_end = line_end + unterminated
    ok, fields = _fast(b, line_start, line_end)
    ok &= ~unterminated
    _authors(b, fields, line_end, _colons(b, int(starts[0]), int(starts[-1]), len(u8)))
    slow = np.flatnonzero(~ok)
    if len(slow):
        view = memoryview(data)
        drop = []
        for i in slow:
            found = _slow(view, int(line_start[i]), int(line_end[i]))
            if found is None:  # RE2 and Python disagree on an exotic line: Python decides
                drop.append(i)
                continue
            for name, value in found.items():
                fields[name][i] = value
        if drop:
            keep = np.ones(len(index), bool)
            keep[drop] = False
            index, line_start = index[keep], line_start[keep]
            fields = {name: value[keep] for name, value in fields.items()}
    small = {name: fields[name].astype(np.int16) for name in NUMBERS}
    return Headers(  # int32 offsets: chat files are limited to 1 GiB (container.Limits)
        line=(index + first_line).astype(np.int32),
        start=line_start.astype(np.int32),
        author_start=fields["author_start"].astype(np.int32),
        author_end=fields["author_end"].astype(np.int32),
        body_start=fields["body_start"].astype(np.int32),
        code=fields["code"].astype(np.int16),
        **small,
    )
