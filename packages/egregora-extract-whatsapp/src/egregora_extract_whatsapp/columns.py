"""The string columns of a segment: authors, classification and ``text``.

Two steps, so the slow part runs on few, large batches:

1. :func:`prepare` (per segment, a few MB): authors, the edited marker and the RE2
   prefilter that picks the *special* rows (media, system, deleted, ...), all in bulk.
2. :func:`complete` (per batch of segments): the special rows of the whole batch are
   classified together, then each segment's columns are built and ``text`` is copied
   once from the segment bytes. RE2 compiles its big patterns (system lines: ~2 ms,
   plus warming its DFA) on every call, so one call per batch instead of one per
   segment saves most of that, and repeated special rows are classified once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import classify as cls
from .grammar import MARKS
from .memory import POOL, array, take
from .scan import Headers, gather, lines_array


def _bools(values: pa.Array) -> np.ndarray:
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=bool)


def _match(values: pa.Array, pattern: str) -> np.ndarray:
    return _bools(pc.fill_null(pc.match_substring_regex(values, pattern, memory_pool=POOL), False))


def _replace(values: pa.Array, pattern: str, replacement: str) -> pa.Array:
    return pc.replace_substring_regex(values, pattern, replacement, memory_pool=POOL)


def _with_mask(values: pa.Array, mask: pa.Array, replacements: pa.Array) -> pa.Array:
    return pc.replace_with_mask(values, mask, replacements, memory_pool=POOL)


@dataclass
class Segment:
    """Whole messages: ``data`` runs from the first one's header to the next message's
    body (whose header ends the last body), or to the end of the file (``final``)."""

    data: bytes
    headers: Headers  # the file's format only; offsets into data
    end: int  # end of the last body
    final: bool


@dataclass
class _Bodies:
    """Message bodies without copying them all.

    ``shifted`` is zero-copy over the segment: value i runs from body i's start to body
    i+1's start, i.e. the body, its ``\\n`` and the next message's header. A body-end
    ``$`` is ``\\n[^\\n]*$`` there (:func:`.classify.shifted`); in the final segment the
    last value is the exact last body, so it is tested with the plain patterns.
    ``exact(rows)`` copies just those bodies.
    """

    data: bytes
    start: np.ndarray
    end: np.ndarray
    shifted: pa.Array
    final: bool

    def exact(self, rows: np.ndarray) -> pa.Array:
        return gather(self.data, self.start[rows], self.end[rows])

    def test(self, *tests: tuple[str, str]) -> list[np.ndarray]:
        """One boolean row mask per ``(shifted_pattern, pattern)``.

        The big column is read once, by the union of the shifted patterns; each pattern
        then runs only on the rows the union let through (a few percent).
        """
        union = "|".join(f"(?:{shifted})" for shifted, _ in tests)
        rows = np.flatnonzero(_match(self.shifted, union))
        some = take(self.shifted, array(rows))
        last = self.exact(np.array([len(self.shifted) - 1])) if self.final else None
        masks = []
        for shifted, pattern in tests:
            hits = np.zeros(len(self.shifted), bool)
            hits[rows] = _match(some, shifted)
            if self.final:
                hits[-1] = _match(last, pattern)[0]
            masks.append(hits)
        return masks


@dataclass
class Prepared:
    """A segment classified in bulk; its special rows wait for their batch."""

    data: bytes
    body_start: np.ndarray
    body_end: np.ndarray
    authors: pa.Array  # the segment's distinct cleaned authors
    author_codes: np.ndarray  # each row's index into authors (special rows: replaced later)
    edited: np.ndarray  # bool per row
    edited_rows: np.ndarray
    stripped: pa.Array  # the edited rows' bodies without the marker
    special: np.ndarray  # bool per row
    special_authors: pa.Array  # raw author of each special row (null: none)
    special_bodies: pa.Array  # body of each special row, edited marker cut
    member: np.ndarray  # special row written by an ordinary member (see attached_media)


def prepare(segment: Segment, group_name: str) -> Prepared:
    """Authors, edited marker and the special-row prefilter of one segment, in bulk."""
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
    # the edited marker is cut off the few edited bodies only
    edited, special = bodies.test(
        (cls.EDITED_SHIFTED, cls.EDITED_RX), (cls.SPECIAL_SHIFTED, cls.SPECIAL_RX)
    )
    edited_rows = np.flatnonzero(edited)
    stripped = _replace(bodies.exact(edited_rows), cls.EDITED_RX, "")
    # members are few: clean each distinct author candidate once
    encoded = pc.dictionary_encode(author_raw, memory_pool=POOL)
    distinct = encoded.dictionary
    clean = _replace(distinct, f"[{MARKS}]", "")
    clean = _replace(clean, "[\u00a0\u202f]", " ")
    clean = _replace(pc.utf8_trim_whitespace(clean), "^~\\s*", "")
    hint = _bools(pc.fill_null(pc.match_substring_regex(distinct, cls.SYSTEM_HINT_RX), False))
    by_group = _bools(pc.fill_null(pc.equal(clean, group_name), False))
    has_author = _bools(pc.is_valid(encoded.indices))
    codes = pc.fill_null(encoded.indices, 0).to_numpy().copy()  # written in _columns
    special[edited_rows] = _match(stripped, cls.SPECIAL_RX)
    odd_author = (hint[codes] | by_group[codes]) if len(distinct) else np.zeros(len(codes), bool)
    special |= ~has_author | odd_author
    index = np.flatnonzero(special)
    special_bodies = bodies.exact(index)
    where = np.isin(index, edited_rows)
    if where.any():
        special_bodies = _with_mask(
            special_bodies,
            array(where),
            take(stripped, np.searchsorted(edited_rows, index[where])),
        )
    return Prepared(
        data=data,
        body_start=body_start,
        body_end=body_end,
        authors=clean,
        author_codes=codes,
        edited=edited,
        edited_rows=edited_rows,
        stripped=stripped,
        special=special,
        special_authors=take(author_raw, array(index)),
        special_bodies=special_bodies,
        member=has_author[index] & ~odd_author[index],
    )


@cache
def _text_kind() -> pa.Array:
    """``["text"]``, made on first use: pyarrow imports pandas (~1 s) on its first
    conversion of Python values, and this module is imported by every `egregora` command."""
    return pa.array(["text"])


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


def _classify_distinct(authors: pa.Array, bodies: pa.Array, group_name: str, known: dict):
    """Classify each distinct (author, body) pair once: ``(rows, index of each input's row)``.

    Special rows repeat a lot (``<Media omitted>`` from the same few members, the same
    location or deleted notice), so this runs the per-row Python rules a few times less.
    ``known`` holds the pairs earlier batches of the same chat classified (memory only).
    """
    key = pc.binary_join_element_wise(
        pc.if_else(pc.is_null(authors), "\x00", pc.binary_join_element_wise("\x01", authors, "")),
        bodies,
        "\x00",
    )
    encoded = pc.dictionary_encode(key)
    back = encoded.indices
    _, first = np.unique(back.to_numpy(), return_index=True)
    firsts = array(first)
    pairs = list(
        zip(take(authors, firsts).to_pylist(), take(bodies, firsts).to_pylist(), strict=True)
    )
    new = [pair for pair in pairs if pair not in known]
    hinted = cls.hinted(array([a for a, _ in new], pa.string()))
    candidates = [b for _, b in new]
    candidates += [f"{a}: {b}" for (a, b), hint in zip(new, hinted, strict=True) if hint]
    found = cls.system_matches(candidates)

    def system(text: str):
        return found[text] if text in found else cls.system_match(text)

    for a, b in new:
        known[a, b] = cls.classify(a, b, group_name, system)
    return [known[pair] for pair in pairs], back


def _clean_names(authors: pa.Array) -> pa.Array:
    """:func:`.classify.clean_name` of each author, run once per distinct name."""
    encoded = pc.dictionary_encode(authors, memory_pool=POOL)
    names = [cls.clean_name(a) for a in encoded.dictionary.to_pylist()]
    return take(array(names, pa.string()), encoded.indices)


def _classify_special(
    authors: pa.Array, bodies: pa.Array, member: np.ndarray, group_name: str, known: dict
):
    """Classify special rows: (result table, result row of each special row).

    Android attachments (``NAME (file attached)``, unique names, so deduplication does
    not help) are read in RE2 when their author is an ordinary member; the rest go
    through the per-row rules, once per distinct (author, body).
    """
    fast, media_names, media_subtypes, captions = cls.attached_media(bodies.filter(array(member)))
    fast = np.flatnonzero(member)[fast]
    slow = np.ones(len(member), bool)
    slow[fast] = False
    slow = np.flatnonzero(slow)
    rows, back = _classify_distinct(
        take(authors, array(slow)), take(bodies, array(slow)), group_name, known
    )
    python = pa.Table.from_pylist([row._asdict() for row in rows], schema=_RESULT)
    f = len(fast)
    quick = pa.table(
        {
            "author": _clean_names(take(authors, array(fast))),
            "kind": pc.if_else(pc.equal(media_subtypes, "contact"), "contact", "media"),
            "subtype": media_subtypes,
            "text": captions,
            "media_name": media_names,
            "names": pa.nulls(f, pa.list_(pa.string())),
        },
        schema=_RESULT,
    )
    which = np.empty(len(member), np.int64)
    which[slow] = back.to_numpy()
    which[fast] = python.num_rows + np.arange(f)
    result = pa.concat_tables([python, quick]).combine_chunks()
    return {name: result.column(name).chunk(0) for name in result.column_names}, which


def complete(batch: list[Prepared], group_name: str, known: dict) -> list[dict]:
    """Classify the special rows of a batch of segments at once; each segment's columns.

    ``known`` maps (raw author, body) pairs already classified in this chat to their rows.
    """
    counts = [len(p.special_bodies) for p in batch]
    result, which = None, np.zeros(0, np.int64)
    if sum(counts):
        result, which = _classify_special(
            pa.concat_arrays([p.special_authors for p in batch]),
            pa.concat_arrays([p.special_bodies for p in batch]),
            np.concatenate([p.member for p in batch]),
            group_name,
            known,
        )
    bounds = np.cumsum([0, *counts])
    return [
        _columns(p, result, which[lo:hi])
        for p, lo, hi in zip(batch, bounds[:-1], bounds[1:], strict=True)
    ]


def _columns(p: Prepared, result: dict | None, back: np.ndarray) -> dict:
    """One segment's columns, its special rows taken from the batch ``result``."""
    special, edited_rows, stripped = p.special, p.edited_rows, p.stripped
    n = len(special)
    # author and kind: one take each from a small dictionary (the segment's authors or
    # "text", then the batch results) instead of a full column and a masked replace
    authors, codes = p.authors, p.author_codes
    kinds, kind_codes = _text_kind(), np.zeros(n, np.int32)
    subtype = pa.nulls(n, pa.string(), memory_pool=POOL)
    media_name = pa.nulls(n, pa.string(), memory_pool=POOL)
    names = pa.nulls(n, pa.list_(pa.string()), memory_pool=POOL)
    index = np.flatnonzero(special)
    texts = stripped  # replacement texts: classified special rows, then edited bodies
    replaced = special.copy()
    replaced[edited_rows] = True
    rows = np.flatnonzero(replaced)
    del replaced
    which = np.searchsorted(edited_rows, rows)  # for edited rows: their place in stripped
    if len(index):
        codes[index] = len(authors) + back
        authors = pa.concat_arrays([authors, result["author"]], memory_pool=POOL)
        kind_codes[index] = 1 + back
        kinds = pa.concat_arrays([_text_kind(), result["kind"]], memory_pool=POOL)
        positions = np.full(n, -1, dtype=np.int64)
        positions[index] = back
        picks = array(positions, mask=positions < 0)
        subtype = take(result["subtype"], picks)
        media_name = take(result["media_name"], picks)
        names = take(result["names"], picks)
        texts = pa.concat_arrays([result["text"], stripped], memory_pool=POOL)
        which = np.where(special[rows], positions[rows], len(result["text"]) + which)
        del positions, picks
    text = gather(p.data, p.body_start, p.body_end, rows=rows, values=take(texts, which))
    return {
        "author": take(authors, array(codes)),
        "kind": take(kinds, array(kind_codes)),
        "subtype": subtype,
        "text": text,
        "media_name": media_name,
        "edited": array(p.edited),
        "names": names,
    }
