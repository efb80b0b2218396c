"""LLM narrator throughput: windows per second against the fake OpenAI-compatible server.

Starts ``python -m egregora_llm.testing`` in its own process (so the server does not share
the client's GIL) with a fixed latency per answer, then narrates the same sample windows
with the ``llm`` narrator through ``narrate_windows`` (the host's runner: bounded
concurrency, a fresh in-memory cache, no fallback) at each concurrency C, in one run. Each
request goes through pydantic-ai's ``OpenAIChatModel`` and the openai client over HTTP,
and each answer is validated (citations, privacy) like a real one.

The ideal is ``C / latency`` windows per second (C requests always in flight). Run from the
repository root::

    uv run python bench/bench_llm.py               # C = 1, 4, 8, 16; 500 ms; 8 waves; 8 rounds
    uv run python bench/bench_llm.py --quick       # 3 rounds each
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from bench_voyage import fake_server  # the same child-process server runner
from egregora_core.narrative import MemoryCache, narrate_windows
from egregora_llm import LLMNarrator, LLMSettings
from egregora_llm.testing import TEST_MODEL, sample_window


def windows(n: int, tag: str, messages: int) -> list:
    return [
        sample_window(f"bench-{tag}/2025-{1 + i // 28:02d}-{1 + i % 28:02d}", n=messages)
        for i in range(n)
    ]


def run(url: str, concurrency: int, count: int, tag: str, messages: int) -> tuple[float, float]:
    """Wall and client CPU seconds to narrate ``count`` windows (a new loop and client)."""
    narrator = LLMNarrator(
        LLMSettings(model=TEST_MODEL, base_url=url, concurrency=concurrency, timeout=30)
    )
    batch = windows(count, tag, messages)
    started, cpu = time.perf_counter(), time.process_time()
    result = asyncio.run(narrate_windows(narrator, batch, MemoryCache()))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert len(result.written) == count, "every window must be written"
    return seconds, cpu


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8, 16])
    parser.add_argument("--waves", type=int, default=8, help="windows per run = C x waves")
    parser.add_argument("--rounds", type=int, default=8, help="runs per C (median reported)")
    parser.add_argument("--messages", type=int, default=40, help="messages per window")
    parser.add_argument("--quick", action="store_true", help="3 rounds per C")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else args.rounds
    with fake_server(args.latency, "egregora_llm.testing") as url:
        run(url, 2, 2, "warm", args.messages)  # imports, first connection
        results: dict[int, list[float]] = {c: [] for c in args.concurrency}
        cpu_ms: list[float] = []  # client CPU per window, all runs
        # Interleaved rounds: load from other jobs on a shared box hits every C alike.
        for r in range(rounds):
            for c in args.concurrency:
                count = c * args.waves
                seconds, cpu = run(url, c, count, f"{c}-{r}", args.messages)
                results[c].append(count / seconds)
                cpu_ms.append(1000 * cpu / count)
    print(
        f"latency {args.latency * 1000:.0f} ms, {args.messages} messages a window, "
        f"{args.waves} waves of C windows a run, median of {rounds} runs; client CPU "
        f"{statistics.median(cpu_ms):.1f} ms a window (median)"
    )
    print("| C | windows/s (median) | ideal C / latency | % of ideal | min-max windows/s |")
    print("| --- | --- | --- | --- | --- |")
    for c, rates in results.items():
        ideal = c / args.latency
        median = statistics.median(rates)
        print(
            f"| {c} | {median:.2f} | {ideal:.2f} | {100 * median / ideal:.0f}% "
            f"| {min(rates):.2f}-{max(rates):.2f} |"
        )


if __name__ == "__main__":
    main()
