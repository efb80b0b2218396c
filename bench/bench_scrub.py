"""Benchmark: the name scrubber and the redactor over the texts ingest sends them.

Builds the workload ingest sees: a synthetic WhatsApp chat
(``egregora_extract_whatsapp.synthetic.generate_chat(size, seed=1)``), parsed by the
WhatsApp extractor; the members are its distinct authors and the texts are those matching
``Anonymizer(...).gate_re2()`` (RE2, evaluated by DuckDB, as ingest does). The
``(authors, texts)`` pair is pickled to a temp file and reused by later runs (synthetic
names only; ``--rebuild`` regenerates it).

Then times, best of ``--repeat``, in this process:

* ``scrub_many``: ``Anonymizer.scrub_many(texts)``;
* ``redact_many``: ``redact.redact_many(scrubbed, numeric pseudonyms)`` on the scrubbed texts;

over all texts and over each distinct text once (``scrub_many`` scans a repeated text
once, which the first row includes and the second does not), for the current code and for
the reference (the code before the speed-up, kept verbatim in
``packages/egregora-core/tests/scrub_reference`` as the tests' oracle, run as
``[scrub(t) for t in texts]``), and checks that both give identical output.

    uv run python bench/bench_scrub.py              # 1M-message chat (177,749 gated texts)
    uv run python bench/bench_scrub.py --quick      # 100k-message chat
    uv run python bench/bench_scrub.py --data /path/to/pickle   # a given (authors, texts)
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import pickle
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "packages" / "egregora-core" / "tests" / "scrub_reference"
SECRET = b"x" * 32


def reference_modules():
    """The pre-speed-up ``anonymize`` and ``redact`` modules (the tests' oracle)."""
    spec = importlib.util.spec_from_file_location(
        "scrub_reference", REFERENCE / "__init__.py", submodule_search_locations=[str(REFERENCE)]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules["scrub_reference"] = package
    spec.loader.exec_module(package)
    anonymize = importlib.import_module("scrub_reference.anonymize")
    redact = importlib.import_module("scrub_reference.redact")
    return anonymize, redact


def build_workload(size: int) -> tuple[list[str], list[str]]:
    """``(distinct authors, gated texts)`` of a synthetic ``size``-message chat."""
    import duckdb
    from egregora_core.anonymize import Anonymizer, Pseudonymizer
    from egregora_core.components import ExtractOptions
    from egregora_extract_whatsapp.extractor import WhatsAppExtractor
    from egregora_extract_whatsapp.synthetic import generate_chat

    chat = generate_chat(size, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        path = chat.write_txt(Path(tmp) / "WhatsApp Chat with Bench.txt")
        messages = WhatsAppExtractor().extract(path, ExtractOptions()).messages
    con = duckdb.connect()
    con.register("raw", messages)
    authors = [
        row[0]
        for row in con.execute(
            "select distinct author from raw where author is not null order by author"
        ).fetchall()
    ]
    gate = Anonymizer(Pseudonymizer("keyed", SECRET), authors).gate_re2()
    texts = [
        row[0]
        for row in con.execute(
            "select text from raw where regexp_matches(text, ?) order by ordinal", [gate]
        ).fetchall()
    ]
    return authors, texts


def load_workload(args) -> tuple[list[str], list[str]]:
    if args.data:
        with open(args.data, "rb") as handle:
            return pickle.load(handle)
    cache = Path(tempfile.gettempdir()) / f"egregora-bench-scrub-{args.size}.pkl"
    if args.rebuild or not cache.exists():
        print(f"generating a {args.size:,}-message chat ...", flush=True)
        workload = build_workload(args.size)
        with open(cache, "wb") as handle:
            pickle.dump(workload, handle)
        return workload
    with open(cache, "rb") as handle:
        return pickle.load(handle)


def best_of(repeat: int, func, *args):
    """(fastest seconds, result of the last run)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = func(*args)
        times.append(time.perf_counter() - started)
    return min(times), result


def measure(anonymize, redact, authors, texts, repeat, *, batched: bool) -> dict:
    pseudonymize = anonymize.Pseudonymizer("keyed", SECRET)
    anonymizer = anonymize.Anonymizer(pseudonymize, authors)
    if batched:
        scrub_many = anonymizer.scrub_many

        def redact_many(items, numeric):
            return redact.redact_many(items, numeric)
    else:

        def scrub_many(items):
            return [anonymizer.scrub(t) for t in items]

        def redact_many(items, numeric):
            return [redact.redact_text(t, numeric) for t in items]

    scrub_s, scrubbed = best_of(repeat, scrub_many, texts)
    numeric = pseudonymize.numeric
    redact_s, redacted = best_of(repeat, redact_many, scrubbed, numeric)
    return {"scrub": scrub_s, "redact": redact_s, "out": (scrubbed, redacted)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="chat size in messages")
    parser.add_argument("--quick", action="store_true", help="a 100k-message chat")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (best)")
    parser.add_argument("--data", help="a pickled (authors, texts) pair to use instead")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the cached workload")
    args = parser.parse_args()
    if args.quick:
        args.size = 100_000

    from egregora_core import anonymize, redact

    authors, texts = load_workload(args)
    chars = sum(map(len, texts))
    print(
        f"{len(authors)} authors, {len(texts):,} gated texts (avg {chars / len(texts):.0f} chars)"
    )
    ref_anonymize, ref_redact = reference_modules()
    identical = True
    distinct = list(dict.fromkeys(texts))
    # All texts (what ingest passes), then each distinct text once: the speed per scan,
    # without what scrub_many saves on repeated texts.
    for label, workload in (("all texts", texts), ("distinct texts", distinct)):
        before = measure(ref_anonymize, ref_redact, authors, workload, args.repeat, batched=False)
        after = measure(anonymize, redact, authors, workload, args.repeat, batched=True)
        identical = identical and before.pop("out") == after.pop("out")
        print(
            f"{label} ({len(workload):,}), best of {args.repeat}: before (s)  after (s)  speed-up"
        )
        for key, name in (("scrub", "scrub_many"), ("redact", "redact_many")):
            b, a = before[key], after[key]
            print(f"  {name:<16} {b:>10.3f} {a:>10.3f} {b / a:>8.2f}x")
        b, a = sum(before.values()), sum(after.values())
        print(f"  {'both':<16} {b:>10.3f} {a:>10.3f} {b / a:>8.2f}x")
    print("identical output:", identical)
    if not identical:
        sys.exit(1)


if __name__ == "__main__":
    main()
