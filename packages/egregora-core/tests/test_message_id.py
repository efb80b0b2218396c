"""The message-id recipe is a stored contract: lakes dedup on it across versions.

The DuckDB expression is optimized (joined author keys, guarded normalization); these
tests recompute every id in plain Python from the documented recipe and must agree, so a
faster expression can never silently change the ids of messages already stored.
"""

from __future__ import annotations

import hashlib
import string
from datetime import UTC, datetime, timedelta

import ibis
import pyarrow as pa
import pytest
from egregora_core.errors import SchemaError
from egregora_core.schema import RAW_MESSAGES, conform
from egregora_core.transforms import message_id_salt, with_message_id

SECRET = b"s" * 32
SEP = "\x1f"


def reference_ids(rows: list[dict]) -> list[str]:
    """md5(salt␟group␟epoch-µs␟author key␟kind␟body), then the occurrence rule."""
    salt = message_id_salt(SECRET)
    out, seen = [], {}
    for row in sorted(rows, key=lambda r: r["ordinal"]):
        epoch = row["ts"] - datetime(1970, 1, 1, tzinfo=UTC)
        micros = (epoch.days * 86_400 + epoch.seconds) * 1_000_000 + epoch.microseconds
        author = (row["author"] or "").strip(string.whitespace).lower()
        body = (row["text"] or "").replace("\r\n", "\n").rstrip(string.whitespace)
        key = SEP.join([salt, row["group_name"], str(micros), author, row["kind"], body])
        base = hashlib.md5(key.encode()).hexdigest()
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(
            (
                row["ordinal"],
                base if n == 0 else hashlib.md5(f"{base}{SEP}{n}".encode()).hexdigest(),
            )
        )
    return [mid for _, mid in sorted(out)]


def test_ids_follow_the_documented_recipe():
    start = datetime(2024, 3, 7, 9, 15, tzinfo=UTC)
    texts = [
        "plain",
        "trailing space ",
        "trailing tab\t",
        "crlf\r\ninside",
        "crlf at end\r\n",
        "lone cr\rinside",
        "vertical tab\x0b",
        "form feed\x0c",
        "  leading kept",
        "nbsp end\u00a0",  # not in string.whitespace: kept by rstrip()
        None,
        "",
        "ok",
        "ok",  # same minute, same author: the occurrence index tells them apart
    ]
    authors = ["Ana", " Ana ", "ANA\t", None, "Zoë Ünal", "+55 11 98765-4321", "bob", "Bob"]
    rows = [
        {
            "group_name": "Família 🏡",
            "ordinal": i,
            "ts": start + timedelta(minutes=i // 3),
            "date": (start + timedelta(minutes=i // 3)).date(),
            "author": authors[i % len(authors)],
            "kind": "text" if i % 5 else "system",
            "subtype": None,
            "text": text,
            "media_name": None,
            "edited": False,
            "names": None,
        }
        for i, text in enumerate(texts * 3)
    ]
    # The same message three times in one minute, interleaved with others: occurrences 0-2.
    repeat = {**rows[0], "text": "ok", "author": "Ana"}
    first = len(rows)
    rows += [{**repeat, "ordinal": first + i} for i in (0, 2, 4)]
    rows += [{**rows[1], "ordinal": first + i} for i in (1, 3)]
    table = ibis.memtable(conform(pa.Table.from_pylist(rows, schema=RAW_MESSAGES), RAW_MESSAGES))
    got = with_message_id(table, SECRET).order_by("ordinal").message_id.to_pyarrow().to_pylist()
    expected = reference_ids(rows)
    assert got == expected
    assert len(set(got)) == len(got)
    # Repeats exist (and were re-hashed) besides first occurrences.
    assert sum(n > 0 for n in _occurrences(rows)) >= 3


def _occurrences(rows: list[dict]) -> list[int]:
    seen: dict[tuple, int] = {}
    out = []
    for row in sorted(rows, key=lambda r: r["ordinal"]):
        key = (row["ts"], (row["author"] or "").strip().lower(), row["kind"], row["text"])
        out.append(seen.get(key, 0))
        seen[key] = seen.get(key, 0) + 1
    return out


def test_identical_rows_with_one_ordinal_are_refused():
    """Repeats are numbered by ordinal; two identical rows at one ordinal cannot be."""
    row = {
        "group_name": "g",
        "ordinal": 7,
        "ts": datetime(2024, 1, 1, tzinfo=UTC),
        "date": datetime(2024, 1, 1).date(),
        "author": "Ana",
        "kind": "text",
        "subtype": None,
        "text": "ok",
        "media_name": None,
        "edited": False,
        "names": None,
    }
    table = ibis.memtable(
        conform(pa.Table.from_pylist([row, row], schema=RAW_MESSAGES), RAW_MESSAGES)
    )
    with pytest.raises(SchemaError, match="same ordinal"):
        with_message_id(table, SECRET)
