"""The vectorized paths agree with the reference (per-row Python) rules they replace."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from egregora_extract_whatsapp import classify as cls
from egregora_extract_whatsapp import scan
from egregora_extract_whatsapp.blocks import line_starts
from egregora_extract_whatsapp.grammar import HEADER_RX, signature_codes
from egregora_extract_whatsapp.synthetic import LOCALES, generate_chat

LRM, NBSP, NNBSP = "\u200e", "\u00a0", "\u202f"

ODD_LINES = [
    "17/03/2024, 21:05 - Maya R.: hi",
    f"3/7/24, 9:05{NNBSP}PM - Maya R.: on my way",
    "3/17/24, 9:05 p.m. - Leo: hi",
    "3/17/24, 9:05PM - Leo: hi",
    f"{LRM}[17.03.24, 21:05:41] Maya R.: hi",
    f"[17.03.24, 21:05:41]{LRM} Maya R.: hi",
    "[2024-03-07, 21:05:41] Maya R.: hi",
    "17.03.24 klo 21.05 - Maya: moi",  # connector word: slow path
    "17/03/2024 à 21:05 - Maya: salut",
    "1.1.2024:30 x",  # only matches after backtracking into the year
    "17/03/2024, 21:05:7 - odd seconds",
    "17/03/2024, 21:05 - Maya R.:",
    "17/03/2024, 21:05 - Maya R.:\u00a0nbsp after colon",
    "17/03/2024, 21:05 - : starts with a colon: yes",
    "17/03/2024, 21:05 - no author here",
    "17/03/2024, 21:05: Maya: colon trail",
    "12/31/2024 deadline",
    "2016-04-29 10:30:00 kickoff",
    "just text",
    "",
    "17/03/2024, 21:05 - Maya: http://example.org: link",
]


def _reference(data: bytes) -> list[dict]:
    """Header fields per line from Python's HEADER_RX, with byte offsets."""
    out = []
    start = 0
    for index, raw in enumerate(data.split(b"\n")):
        line = raw.decode()
        match = HEADER_RX.match("\n" + line)
        if match:
            g = match.groupdict()

            def offset(i: int, line=line, start=start) -> int:
                return start + len(line[: i - 1].encode())

            trail = g["trail"] or ""
            ap = (g["ap"] or "")[:1].lower()
            code = signature_codes(
                np.array([g["br"] is not None]),
                np.array([{".": 0, "/": 1, "-": 2}[g["sep"]]]),
                np.array([len(g["d1"])]),
                np.array([len(g["d3"])]),
                np.array([g["S"] is not None]),
                np.array([bool(ap)]),
                np.array([0 if g["close"] else 1 if "-" in trail else 2 if ":" in trail else 3]),
            )[0]
            has_author = g["author"] is not None
            out.append(
                {
                    "line": index,
                    "author_end": offset(match.end("author")) if has_author else -1,
                    "body_start": offset(match.end()),
                    "d1": int(g["d1"]),
                    "d2": int(g["d2"]),
                    "d3": int(g["d3"]),
                    "hour": int(g["H"]),
                    "minute": int(g["Mi"]),
                    "second": int(g["S"] or 0),
                    "ampm": 2 if ap == "p" else 1 if ap else 0,
                    "code": int(code),
                }
                | ({"author_start": offset(match.start("author"))} if has_author else {})
            )
        start += len(raw) + 1
    return out


def _scanned(data: bytes) -> list[dict]:
    u8 = np.frombuffer(data, np.uint8)
    headers = scan.scan_block(data, pa.py_buffer(data), u8, line_starts(u8), 0)
    rows = []
    for i in range(len(headers.line)):
        row = {name: int(getattr(headers, name)[i]) for name in scan.HEADER_FIELDS}
        row.pop("start")
        if row["author_end"] < 0:
            row.pop("author_start")
        rows.append(row)
    return rows


def _synthetic_lines() -> list[str]:
    lines = []
    for platform in ("android", "ios"):
        for locale in LOCALES:
            lines += generate_chat(60, seed=3, platform=platform, locale=locale).text.split("\n")
    return lines


@pytest.mark.parametrize("ending", ["\n", ""])
@pytest.mark.parametrize("lines", [ODD_LINES, _synthetic_lines()], ids=["odd", "synthetic"])
def test_scan_equals_the_python_regex(lines, ending):
    data = ("\n".join(lines) + ending).encode()
    assert _scanned(data) == _reference(data)


def test_lockstep_parser_reads_common_headers_itself():
    lines = [f"{line}\n" for line in ODD_LINES[:7]]
    data = "".join(lines).encode()
    u8 = np.frombuffer(data, np.uint8)
    starts = line_starts(u8)[:-1]
    ok, fields = scan._fast(scan._Bytes(u8), starts, starts + [len(x.encode()) - 1 for x in lines])
    assert ok.all()
    assert fields["hour"].tolist() == [21, 9, 9, 9, 21, 21, 21]  # as written, before AM/PM
    assert fields["ampm"].tolist() == [0, 2, 2, 2, 0, 0, 0]


def test_gather_matches_slicing():
    rng = np.random.default_rng(7)
    chars = rng.choice(list("abcé🌻 \n"), 500)
    data = "".join(chars).encode()
    boundaries = np.cumsum([0] + [len(c.encode()) for c in chars])  # cut between characters
    cuts = np.sort(rng.choice(boundaries, 120, replace=False))
    lo, hi = cuts[0::2], cuts[1::2]
    lo = np.append(lo, [boundaries[-3], len(data)])  # the file's last bytes, an empty tail
    hi = np.append(hi, [len(data), len(data)])
    valid = rng.random(len(lo)) > 0.2
    got = scan.gather(data, lo, hi, valid).to_pylist()
    got_bytes = [None if v is None else v.encode() for v in got]
    want = [data[a:b] if ok else None for a, b, ok in zip(lo, hi, valid, strict=True)]
    assert got_bytes == want
    rows = np.array([1, 5, len(lo) - 1])
    values = pa.array(["replaced one", None, "x"])
    mixed = scan.gather(data, lo, hi, None, rows, values).to_pylist()
    assert [mixed[i] for i in rows] == ["replaced one", None, "x"]
    assert mixed[0].encode() == data[lo[0] : hi[0]]


def test_bulk_system_matching_equals_per_row():
    bodies = [
        line.split(" - ", 1)[-1]
        for line in _synthetic_lines()
        if " - " in line and ": " not in line.split(" - ", 1)[-1][:40]
    ]
    bodies += [
        "Maya changed the subjecté to x",  # Python \b: no boundary, RE2 \b: boundary
        "Maya changed the subject to “trip”",
        "Missed voice callé",
        f"{LRM}Leo added Ana",
        "nothing to see",
    ]
    found = cls.system_matches(bodies)
    assert found == {body: cls.system_match(body) for body in bodies}
    assert sum(v is not None for v in found.values()) > 10


ATTACHED = [
    "IMG-20240101-WA0001.jpg (file attached)",
    f"{LRM}IMG-20240101-WA0001.jpg (file attached)",
    f"{LRM}PTT-20240101-WA0002.opus (arquivo anexado)\nlisten to this",
    "VID-20240101-WA0003.mp4 (Datei angehängt)\n\ncaption after a blank line",
    "contact.vcf (file attached)",
    "~odd.pdf (file attached)",
    "café.jpg (file attached)",
    f"IMG-1.jpg (file attached){NBSP}",
    "IMG-1.jpg (file attached) ",
    " IMG-1.jpg (file attached)",
    f"IMG-1.jpg{LRM} (file attached)",
    "Leo added Ana (file attached)",
    "two  spaces.jpg  (file attached)",
    "report.docx (fichier joint)",
    "notes.xyz (file attached)",
]


def test_attached_media_equals_classify():
    rows, names, subtypes, captions = cls.attached_media(pa.array(ATTACHED))
    assert len(rows) >= 6
    for row, name, subtype, caption in zip(
        rows, names.to_pylist(), subtypes.to_pylist(), captions.to_pylist(), strict=True
    ):
        ref = cls.classify("Leo", ATTACHED[row], "G")
        assert (ref.kind, ref.subtype, ref.text, ref.media_name) == (
            "contact" if subtype == "contact" else "media",
            subtype,
            caption,
            name,
        ), ATTACHED[row]


@pytest.mark.parametrize("ending", ["\n", "\n\n\n", ""])
def test_special_and_edited_rows_at_the_end_of_the_file(ending):
    from egregora_extract_whatsapp.parse import ParseOptions, parse_chat

    head = "17/03/2024, 21:05 - Leo: (see below)\n17/03/2024, 21:06 - Ana: ok <This message was edited>\n"
    for last, kind, text, edited in [
        ("<Media omitted>", "media", None, False),
        ("fine <This message was edited>", "text", "fine", True),
        ("This message was deleted", "deleted", None, False),
    ]:
        data = (head + f"17/03/2024, 21:07 - Leo: {last}" + ending).encode()
        rows = parse_chat(data, ParseOptions(group_name="G", where="x")).messages.to_pylist()
        assert [r["text"] for r in rows[:2]] == ["(see below)", "ok"]
        assert [r["edited"] for r in rows[:2]] == [False, True]
        assert (rows[2]["kind"], rows[2]["text"], rows[2]["edited"]) == (kind, text, edited)
