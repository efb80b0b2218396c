"""Voyage embedding throughput against the fake Voyage server, side by side with llm.

Starts ``python -m egregora_embed_voyage.testing`` in its own process (so the server does
not share the client's GIL) with a fixed latency per request, then embeds the same N short
chat-like texts with:

* Egregora's ``VoyageEmbedder`` at concurrency C (and at concurrency 1, for reference);
* ``llm embed-multi`` (PyPI ``llm``, run through ``uv run --with llm``) with the tiny plugin
  in ``bench/llm_voyage_fake`` that calls the same server with Voyage's sync client.

The ideal throughput is ``C * B / latency`` texts per second (every request full and
C always in flight). Run from the repository root::

    uv run python bench/bench_voyage.py            # 20k texts, B=128, C=4, 100 ms
    uv run python bench/bench_voyage.py --quick    # 2k texts, a few seconds
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from egregora_embed_voyage import VoyageEmbedder
from egregora_embed_voyage.testing import TEST_KEY

HERE = Path(__file__).resolve().parent
LLM_PLUGIN = HERE / "llm_voyage_fake"

WORDS = [
    "bom",
    "dia",
    "pessoal",
    "alguém",
    "vai",
    "hoje",
    "amanhã",
    "reunião",
    "festa",
    "pizza",
    "jantar",
    "obrigado",
    "valeu",
    "kkkk",
    "foto",
    "vídeo",
    "áudio",
    "link",
    "grupo",
    "meeting",
    "tonight",
    "tomorrow",
    "thanks",
    "see",
    "you",
    "later",
    "where",
    "when",
    "who",
    "quem",
    "onde",
    "quando",
    "chegou",
    "saiu",
    "trânsito",
    "chuva",
    "sol",
    "praia",
    "cinema",
]


def chat_texts(n: int, seed: int = 5) -> list[str]:
    """Deterministic short chat-like messages (3-15 words, some emoji and numbers)."""
    rng = random.Random(seed)
    texts = []
    for i in range(n):
        words = rng.choices(WORDS, k=rng.randint(3, 15))
        if i % 7 == 0:
            words.append("🎉")
        if i % 11 == 0:
            words.append(str(rng.randint(1, 99)))
        texts.append(" ".join(words))
    return texts


@contextmanager
def fake_server(latency: float, module: str = "egregora_embed_voyage.testing"):
    """A fake server (``python -m module``) in a child process; yields its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", module, "--latency", str(latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"fake server did not start: {url!r}")
        yield url
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def run_egregora(url: str, texts: list[str], batch: int, concurrency: int, dimensions: int) -> dict:
    embedder = VoyageEmbedder(
        base_url=url,
        api_key=TEST_KEY,
        batch_size=batch,
        concurrency=concurrency,
        output_dimension=dimensions,
    )
    started = time.perf_counter()
    vectors = asyncio.run(embedder.embed(texts))
    seconds = time.perf_counter() - started
    assert vectors.shape == (len(texts), embedder.dimensions)
    stats = embedder.last_stats
    return {
        "seconds": seconds,
        "requests": stats.requests,
        "retries": stats.retries,
        "peak_in_flight": stats.peak_in_flight,
    }


def llm_command(*args: str) -> list[str]:
    uv = shutil.which("uv") or "uv"
    return [uv, "run", "--no-project", "--with", "llm", "--with", str(LLM_PLUGIN), "llm", *args]


def run_llm(url: str, texts: list[str], batch: int, workdir: Path) -> dict:
    source = workdir / "texts.jsonl"
    with source.open("w", encoding="utf-8") as out:
        for i, text in enumerate(texts):
            out.write(json.dumps({"id": f"t{i}", "content": text}, ensure_ascii=False) + "\n")
    env = dict(
        os.environ,
        FAKE_VOYAGE_URL=url,
        VOYAGE_API_KEY=TEST_KEY,
        LLM_USER_PATH=str(workdir / "llm-home"),
        UV_SYSTEM_CERTS="1",
    )
    # Warm-up: resolve the environment and import llm once, so start-up is measured apart.
    started = time.perf_counter()
    subprocess.run(llm_command("embed-models"), env=env, check=True, capture_output=True)
    startup = time.perf_counter() - started
    database = workdir / "embeddings.db"
    command = llm_command(
        "embed-multi",
        "bench",
        str(source),
        "--format",
        "nl",
        "-m",
        "voyage-fake",
        "--batch-size",
        str(batch),
        "-d",
        str(database),
    )
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "startup": startup, "command": " ".join(command[-12:])}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--dimensions", type=int, default=1024, help="256, 512, 1024, 2048")
    parser.add_argument("--quick", action="store_true", help="2,000 texts")
    parser.add_argument("--no-llm", action="store_true", help="skip llm embed-multi")
    args = parser.parse_args(argv)
    n = 2_000 if args.quick else args.texts
    texts = chat_texts(n)
    ideal = args.concurrency * args.batch / args.latency
    rows = []
    with fake_server(args.latency) as url, tempfile.TemporaryDirectory() as tmp:
        for concurrency in (args.concurrency, 1):
            result = run_egregora(url, texts, args.batch, concurrency, args.dimensions)
            best = concurrency * args.batch / args.latency
            rows.append(
                (
                    f"egregora voyage C={concurrency}",
                    result["seconds"],
                    best,
                    f"{result['requests']} requests, peak {result['peak_in_flight']} in flight",
                )
            )
        if not args.no_llm:
            result = run_llm(url, texts, args.batch, Path(tmp))
            own_ideal = args.batch / args.latency  # llm sends one batch at a time
            rows.append(
                (
                    "llm embed-multi, whole command",
                    result["seconds"],
                    own_ideal,
                    "includes `uv run` + llm start-up",
                )
            )
            rows.append(
                (
                    "llm embed-multi, minus start-up",
                    result["seconds"] - result["startup"],
                    own_ideal,
                    f"start-up ({result['startup']:.1f} s, `llm embed-models`) subtracted",
                )
            )
    print(
        f"{n} texts, batch {args.batch}, latency {args.latency * 1000:.0f} ms/request, "
        f"ideal at C={args.concurrency}: {ideal:,.0f} texts/s"
    )
    print(
        f"| run | seconds | texts/s | % of ideal {args.concurrency}x{args.batch}/"
        f"{args.latency:g}s | % of its own ideal | notes |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for name, seconds, own_ideal, note in rows:
        rate = n / seconds
        print(
            f"| {name} | {seconds:.2f} | {rate:,.0f} | {100 * rate / ideal:.0f}% "
            f"| {100 * rate / own_ideal:.0f}% | {note} |"
        )


if __name__ == "__main__":
    main()
