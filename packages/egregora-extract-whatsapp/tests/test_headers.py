"""Table-driven header grammar test: >= 60 variants from docs/whatsapp-formats.md.

Each case is one exported line; the expected local time, author and body are written by
hand. ``order`` is passed as --date-order when a single line cannot decide it.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from egregora_core.components import ExtractOptions

LRM, RLM, NBSP, NNBSP, BOM = "\u200e", "\u200f", "\u00a0", "\u202f", "\ufeff"
LRE, PDF, FSI, PDI = "\u202a", "\u202c", "\u2068", "\u2069"

D = datetime
# (line, order or None, expected local datetime, author, text)
CASES = [
    # Android 12 h, en-US, NNBSP before PM (2023+)
    (
        f"3/7/24, 9:05{NNBSP}PM - Maya R.: on my way",
        "mdy",
        D(2024, 3, 7, 21, 5),
        "Maya R.",
        "on my way",
    ),
    (f"3/17/24, 9:05{NNBSP}AM - Maya R.: hi", None, D(2024, 3, 17, 9, 5), "Maya R.", "hi"),
    ("3/17/24, 12:05 AM - Maya R.: hi", None, D(2024, 3, 17, 0, 5), "Maya R.", "hi"),
    ("3/17/24, 12:05 PM - Maya R.: hi", None, D(2024, 3, 17, 12, 5), "Maya R.", "hi"),
    ("12/31/2024, 11:59 PM - Maya R.: hi", None, D(2024, 12, 31, 23, 59), "Maya R.", "hi"),
    (f"3/17/24, 9:05{NBSP}pm - Leo: hi", None, D(2024, 3, 17, 21, 5), "Leo", "hi"),
    ("3/17/24, 9:05 pm - Leo: hi", None, D(2024, 3, 17, 21, 5), "Leo", "hi"),
    ("3/17/24, 9:05 p.m. - Leo: hi", None, D(2024, 3, 17, 21, 5), "Leo", "hi"),
    ("3/17/24, 9:05 P.M. - Leo: hi", None, D(2024, 3, 17, 21, 5), "Leo", "hi"),
    ("3/17/24, 9:05PM - Leo: hi", None, D(2024, 3, 17, 21, 5), "Leo", "hi"),
    # iOS brackets, seconds
    (
        f"[3/7/24, 9:05:41{NNBSP}PM] Maya R.: on my way",
        "mdy",
        D(2024, 3, 7, 21, 5, 41),
        "Maya R.",
        "on my way",
    ),
    ("[3/17/24, 9:05:41 AM] Maya R.: hi", None, D(2024, 3, 17, 9, 5, 41), "Maya R.", "hi"),
    ("[17/03/2024, 21:05:41] Maya R.: hi", None, D(2024, 3, 17, 21, 5, 41), "Maya R.", "hi"),
    (
        "[17.03.24, 21:05:41] Maya R.: bin gleich da",
        None,
        D(2024, 3, 17, 21, 5, 41),
        "Maya R.",
        "bin gleich da",
    ),
    ("[2024/3/7, 21:05:41] Maya R.: hi", None, D(2024, 3, 7, 21, 5, 41), "Maya R.", "hi"),
    ("[2024-03-07, 21:05:41] Maya R.: hi", None, D(2024, 3, 7, 21, 5, 41), "Maya R.", "hi"),
    (f"{LRM}[17.03.24, 21:05:41] Maya R.: hi", None, D(2024, 3, 17, 21, 5, 41), "Maya R.", "hi"),
    (f"{BOM}[17.03.24, 21:05:41] Maya R.: hi", None, D(2024, 3, 17, 21, 5, 41), "Maya R.", "hi"),
    (f"[{BOM}17.03.24, 21:05:41] Maya R.: hi", None, D(2024, 3, 17, 21, 5, 41), "Maya R.", "hi"),
    (f"[17.03.24, 21:05:41]{LRM} Maya R.: hi", None, D(2024, 3, 17, 21, 5, 41), "Maya R.", "hi"),
    (
        f"[17/3/24, 9:05:41{NNBSP}p.{NNBSP}m.] Ana: ya voy",
        None,
        D(2024, 3, 17, 21, 5, 41),
        "Ana",
        "ya voy",
    ),
    ("[17.03.24, 9:05:41 PM] Ana: hallo", None, D(2024, 3, 17, 21, 5, 41), "Ana", "hallo"),
    # Android en-GB and pt-BR
    ("17/03/2024, 21:05 - Maya R.: on my way", None, D(2024, 3, 17, 21, 5), "Maya R.", "on my way"),
    ("07/03/2024, 21:05 - Maya R.: on my way", "dmy", D(2024, 3, 7, 21, 5), "Maya R.", "on my way"),
    ("17/03/2024 21:05 - Maya R.: chegando", None, D(2024, 3, 17, 21, 5), "Maya R.", "chegando"),
    ("17/03/24 21:05 - Maya R.: chegando", None, D(2024, 3, 17, 21, 5), "Maya R.", "chegando"),
    ("7/3/2024 21:05 - Maya R.: chegando", "dmy", D(2024, 3, 7, 21, 5), "Maya R.", "chegando"),
    # German dotted
    (
        "17.03.24, 21:05 - Maya R.: bin gleich da",
        None,
        D(2024, 3, 17, 21, 5),
        "Maya R.",
        "bin gleich da",
    ),
    ("17.03.2024, 21:05 - Maya R.: hi", None, D(2024, 3, 17, 21, 5), "Maya R.", "hi"),
    ("7.9.2020, 21:05 - Maya R.: hi", "dmy", D(2020, 9, 7, 21, 5), "Maya R.", "hi"),
    # year first
    ("2024-03-07, 21:05 - Maya R.: hi", None, D(2024, 3, 7, 21, 5), "Maya R.", "hi"),
    ("2024/03/07 21:05 - Maya R.: hi", None, D(2024, 3, 7, 21, 5), "Maya R.", "hi"),
    ("2024.03.07, 21:05 - Maya R.: hi", None, D(2024, 3, 7, 21, 5), "Maya R.", "hi"),
    ("2024. 03. 07. 21:05:41 Maya R.: szia", None, D(2024, 3, 7, 21, 5, 41), "Maya R.", "szia"),
    # Spanish a. m. / p. m. with NBSP inside
    (
        f"17/3/2024, 9:05{NBSP}p.{NBSP}m. - Maya R.: ya voy",
        None,
        D(2024, 3, 17, 21, 5),
        "Maya R.",
        "ya voy",
    ),
    (
        f"17/3/2024, 9:05{NBSP}a.{NBSP}m. - Maya R.: ya voy",
        None,
        D(2024, 3, 17, 9, 5),
        "Maya R.",
        "ya voy",
    ),
    (
        f"17/3/24, 12:30{NNBSP}a.{NNBSP}m. - Maya R.: ya voy",
        None,
        D(2024, 3, 17, 0, 30),
        "Maya R.",
        "ya voy",
    ),
    ("17/3/24, 9:05 a. m. - Maya R.: ya voy", None, D(2024, 3, 17, 9, 5), "Maya R.", "ya voy"),
    ("17/3/24, 9:05 p. m. - Maya R.: ya voy", None, D(2024, 3, 17, 21, 5), "Maya R.", "ya voy"),
    ("17/03/2024, 9:05 p.m. - Maya R.: hi", None, D(2024, 3, 17, 21, 5), "Maya R.", "hi"),
    # connectors: Finnish klo with dot time, French à, Danish kl.
    ("7.3.2024 klo 21.05 - Maya R.: tulossa", "dmy", D(2024, 3, 7, 21, 5), "Maya R.", "tulossa"),
    ("17.3.2024 klo 9.05 - Maya R.: tulossa", None, D(2024, 3, 17, 9, 5), "Maya R.", "tulossa"),
    ("17/03/2024 à 21:05 - Maya R.: j'arrive", None, D(2024, 3, 17, 21, 5), "Maya R.", "j'arrive"),
    ("17.03.2024 kl. 21.05 - Maya R.: kommer", None, D(2024, 3, 17, 21, 5), "Maya R.", "kommer"),
    # dot time without comma (Indonesian / Danish)
    ("17/03/24 21.05 - Maya R.: otw", None, D(2024, 3, 17, 21, 5), "Maya R.", "otw"),
    ("17/03/2024, 21.05 - Maya R.: otw", None, D(2024, 3, 17, 21, 5), "Maya R.", "otw"),
    # old colon separator, no dash
    ("17.03.2024, 21:05:41: Maya R.: hi", None, D(2024, 3, 17, 21, 5, 41), "Maya R.", "hi"),
    ("01.04.2015 - 16:00:27; Leo: hi", "dmy", D(2015, 4, 1, 16, 0, 27), "Leo", "hi"),
    # hand-edited odd values (lenient)
    ("1/30/18, 00:04 AM - Leo: hi", None, D(2018, 1, 30, 0, 4), "Leo", "hi"),
    ("29.01.18, 23:59 PM - Leo: hi", None, D(2018, 1, 29, 23, 59), "Leo", "hi"),
    # marks in and around the header and names
    (f"{LRM}17/03/2024, 21:05 - Maya R.: hi", None, D(2024, 3, 17, 21, 5), "Maya R.", "hi"),
    (f"{RLM}17/03/2024, 21:05 - Maya R.: hi", None, D(2024, 3, 17, 21, 5), "Maya R.", "hi"),
    (f"17/03/2024, 21:05 - {LRM}Maya R.: hi", None, D(2024, 3, 17, 21, 5), "Maya R.", "hi"),
    (
        f"17.03.24, 21:05 - {LRE}+49{NBSP}170{NBSP}0000000{PDF}: hallo",
        None,
        D(2024, 3, 17, 21, 5),
        "+49 170 0000000",
        "hallo",
    ),
    (f"[17/03/24, 21:05:41] ~{NNBSP}Maya: hi", None, D(2024, 3, 17, 21, 5, 41), "Maya", "hi"),
    ("17/03/2024, 21:05 - ~ Maya: hi", None, D(2024, 3, 17, 21, 5), "Maya", "hi"),
    # author names with dashes, emoji, quotes, dots
    ("17/03/2024, 21:05 - Ana - Work 🌻: hi", None, D(2024, 3, 17, 21, 5), "Ana - Work 🌻", "hi"),
    ('17/03/2024, 21:05 - Ana "Nana" Lee: hi', None, D(2024, 3, 17, 21, 5), 'Ana "Nana" Lee', "hi"),
    (
        "17/03/2024, 21:05 - Dr. J. R. Smith Jr.: hi",
        None,
        D(2024, 3, 17, 21, 5),
        "Dr. J. R. Smith Jr.",
        "hi",
    ),
    ("17/03/2024, 21:05 - Leo: 👩\u200d💻", None, D(2024, 3, 17, 21, 5), "Leo", "👩\u200d💻"),
    (
        "17/03/2024, 21:05 - +55 11 90000-0000: oi",
        None,
        D(2024, 3, 17, 21, 5),
        "+55 11 90000-0000",
        "oi",
    ),
    # empty bodies, no space after the colon, colons in the body
    ("17/03/2024 21:05 - Maya R.: ", None, D(2024, 3, 17, 21, 5), "Maya R.", ""),
    ("1/29/18, 23:59 - Carol:", None, D(2018, 1, 29, 23, 59), "Carol", ""),
    (
        "17/03/2024, 21:05 - Leo: time: 10:30 - ok",
        None,
        D(2024, 3, 17, 21, 5),
        "Leo",
        "time: 10:30 - ok",
    ),
    (
        f"17/03/2024 21:05 - Maya R.: @{FSI}Leo B.{PDI} olha isso",
        None,
        D(2024, 3, 17, 21, 5),
        "Maya R.",
        f"@{FSI}Leo B.{PDI} olha isso",
    ),
    ("17/03/2024, 21:05 - Maya R.: null", None, D(2024, 3, 17, 21, 5), "Maya R.", "null"),
]


def test_enough_cases():
    assert len(CASES) >= 60


@pytest.mark.parametrize(
    ("line", "order", "local", "author", "text"),
    CASES,
    ids=[f"case{i:02d}" for i in range(len(CASES))],
)
def test_header_variant(extractor, write_chat, line, order, local, author, text):
    path = write_chat(line + "\n")
    result = extractor.extract(path, ExtractOptions(date_order=order))
    rows = result.messages.to_pylist()
    assert len(rows) == 1
    row = rows[0]
    assert row["ts"].replace(tzinfo=None) == local
    assert row["date"] == local.date()
    assert row["author"] == author
    assert row["text"] == text
    assert row["kind"] == "text"
