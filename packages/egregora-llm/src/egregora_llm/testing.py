"""Test helpers: a fake OpenAI-compatible server on 127.0.0.1, sample windows and members.

:class:`FakeLLMServer` answers ``POST /v1/chat/completions`` the way a real model would
answer the ``llm`` narrator, judge and portrait requests: a tool call (or, without tools,
a JSON message) whose arguments are computed from the prompt, citing only the message
labels that appear in it. Requests reach it through the real provider client (pydantic-ai's
``OpenAIChatModel`` and the ``openai`` SDK) over real HTTP.

It can be slow (``latency`` seconds per answer) and misbehave: a ``fault_rate`` share of
requests (seeded) answers 429 with ``Retry-After``, 500, or hangs past the client's
timeout, in turn; :meth:`FakeLLMServer.fail` scripts faults for the next requests; and a
``bad_rate`` share of answers (or :meth:`FakeLLMServer.poison` for given windows) carries
a phone number, an e-mail or an id outside the window, which the narrator must refuse.
Every request is recorded (:class:`Record`), with the window it was for, so tests can
assert that each window was written exactly once.

Run it alone (for benchmarks)::

    python -m egregora_llm.testing --latency 0.5   # prints its base URL
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import random
import re
import sys
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from egregora_core.narrative import (
    MemberProfile,
    Window,
    WindowMessage,
    WindowThread,
    estimate_tokens,
)
from egregora_core.testing.http import LoopbackServer

TEST_MODEL = "fake-model"
TEST_KEY = "sk-fake-test-key"

_WINDOW = re.compile(r"^Window: (\S+)$", re.M)
_LABEL = re.compile(r"^([ms]\d+) ", re.M)
_PERIOD = re.compile(r"^Period: (\w+), (\S+) to (\S+)$", re.M)
_AUTHOR = re.compile(r"^[ms]\d+ (?:\w{3} \d\d )?\d\d:\d\d (.+?)(?: \[T\d+\])?(?: \(.*?\))?: ", re.M)
_POST = re.compile(r"<(left|right)>\n(.*?)\n</\1>", re.S)

#: Answers a careless model could give; the narrator must refuse each of them.
BAD_TEXTS = {
    "phone": "Call Ana on +55 11 98765-4321 to join.",
    "email": "Write to ana.souza@example.org for the photos.",
}


@dataclass(frozen=True)
class Fault:
    """One misbehaviour: an HTTP ``status`` (with ``Retry-After``) or a ``hang`` in seconds."""

    status: int | None = None
    retry_after: float | None = None
    hang: float = 0.0

    @classmethod
    def rate_limit(cls, retry_after: float | None = 0.05) -> Fault:
        return cls(429, retry_after)


@dataclass
class Record:
    """One request as the server saw it (``time.monotonic()`` times).

    ``status`` is 0 for a hang (the client gave up); ``bad`` names the flaw of a poisoned
    answer ("" for a good one); ``authorization`` is the header received.
    """

    window: str | None
    kind: str  # draft | portrait | verdict | unknown
    status: int
    received: float
    answered: float
    bad: str = ""
    retry_after: float | None = None
    authorization: str = ""
    prompt: str = ""
    mode: str = ""  # tool | native | prompted


@dataclass
class _Plan:
    faults: deque[Fault] = field(default_factory=deque)
    poisoned: dict[str, deque[str]] = field(default_factory=dict)  # window -> flaws to play


class FakeLLMServer(LoopbackServer):
    """A threaded OpenAI-compatible HTTP server in a background thread (a context manager)."""

    thread_name = "fake-llm"

    def __init__(
        self,
        *,
        latency: float = 0.0,
        fault_rate: float = 0.0,
        bad_rate: float = 0.0,
        retry_after: float = 0.05,
        hang: float = 2.0,
        seed: int = 0,
        api_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        self.latency = latency
        self.fault_rate = fault_rate
        self.bad_rate = bad_rate
        self.retry_after = retry_after
        self.hang = hang
        self.api_key = api_key  # None: any key (or none) is accepted, like Ollama
        self.records: list[Record] = []
        self.in_flight = 0
        self.peak_in_flight = 0
        self._random = random.Random(seed)
        self._kinds = 0
        self._plan = _Plan()
        self._lock = threading.Lock()
        super().__init__(_handler_for, host=host, port=port)

    # -- scripting and inspection ----------------------------------------------------------
    def fail(self, *faults: Fault | int) -> None:
        """Queue faults (a bare int is a status code) for the next requests, in order."""
        with self._lock:
            self._plan.faults.extend(f if isinstance(f, Fault) else Fault(f) for f in faults)

    def poison(self, window: str, *flaws: str) -> None:
        """The next answers for ``window`` carry these flaws ("phone", "email", "cite")."""
        with self._lock:
            self._plan.poisoned.setdefault(window, deque()).extend(flaws)

    def written(self) -> Counter[str]:
        """Window key -> good drafts answered (200, no flaw)."""
        with self._lock:
            return Counter(
                r.window
                for r in self.records
                if r.kind == "draft" and r.status == 200 and not r.bad
            )

    def requests_for(self, window: str) -> list[Record]:
        with self._lock:
            return [r for r in self.records if r.window == window]

    def statuses(self) -> Counter[int]:
        with self._lock:
            return Counter(r.status for r in self.records)

    # -- request handling (handler threads) ------------------------------------------------------
    def _next_fault(self, window: str | None) -> tuple[Fault, str]:
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            if self._plan.faults:
                fault = self._plan.faults.popleft()
            elif self.fault_rate and self._random.random() < self.fault_rate:
                self._kinds += 1
                fault = [
                    Fault.rate_limit(self.retry_after),
                    Fault(500),
                    Fault(hang=self.hang),
                ][self._kinds % 3]
            else:
                fault = Fault()
            flaws = self._plan.poisoned.get(window or "")
            if flaws:
                flaw = flaws.popleft()
            elif self.bad_rate and self._random.random() < self.bad_rate:
                flaw = self._random.choice(["phone", "email", "cite"])
            else:
                flaw = ""
            return fault, flaw

    def handle(self, headers: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        """Answer one request: (status, extra headers, JSON body)."""
        received = time.monotonic()
        request = json.loads(body or b"{}")
        prompt = _prompt_text(request)
        match = _WINDOW.search(prompt)
        window = match.group(1) if match else None
        kind, tool, mode = _kind(request)
        fault, flaw = self._next_fault(window)
        if fault.status is not None or fault.hang:
            flaw = ""
        record = Record(
            window,
            kind,
            200,
            received,
            received,
            bad="",
            authorization=headers.get("Authorization", ""),
        )
        record.prompt = prompt
        record.mode = mode
        extra: dict[str, str] = {}
        try:
            if self.api_key is not None and record.authorization != f"Bearer {self.api_key}":
                record.status = 401
                return 401, {}, _error("Incorrect API key provided.", "invalid_api_key")
            if fault.hang:
                time.sleep(fault.hang)
                record.status = 0
                return 504, {}, _error("Gateway timeout.", "timeout")
            if fault.status is not None:
                record.status = fault.status
                if fault.retry_after is not None:
                    record.retry_after = fault.retry_after
                    extra["Retry-After"] = _seconds(fault.retry_after)
                self._sleep_until(received)
                return fault.status, extra, _error("Simulated failure.", "server_error")
            record.bad = flaw
            arguments = _answer(kind, prompt, flaw)
            payload = _completion(request, tool, arguments, prompt)
            self._sleep_until(received)
            return 200, extra, json.dumps(payload).encode()
        finally:
            record.answered = time.monotonic()
            with self._lock:
                self.in_flight -= 1
                self.records.append(record)

    def _sleep_until(self, received: float) -> None:
        # The latency is the whole response time, like a real server's.
        time.sleep(max(0.0, received + self.latency - time.monotonic()))


def _prompt_text(request: dict[str, Any]) -> str:
    """The text of the first user message (the prompt the narrator built)."""
    for message in request.get("messages") or []:
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
            return str(content or "")
    return ""


def _kind(request: dict[str, Any]) -> tuple[str, str | None, str]:
    """What is asked (draft, portrait, verdict), the output tool's name, and how: "tool",
    "native" (a JSON schema in ``response_format``) or "prompted" (the schema in the text)."""
    tools = request.get("tools") or []
    fmt = request.get("response_format") or {}
    if tools:
        function = tools[0].get("function", {})
        schema, tool, mode = function.get("parameters") or {}, function.get("name"), "tool"
    elif fmt.get("json_schema"):
        schema, tool, mode = fmt["json_schema"].get("schema") or {}, None, "native"
    else:
        schema, tool, mode = {}, None, "prompted"
    properties = set((schema.get("properties") or {}).keys())
    if mode == "prompted":  # the schema is somewhere in the messages
        text = json.dumps(request.get("messages") or [])
        properties = {k for k in ("paragraphs", "winner", "text") if f'\\"{k}\\"' in text}
    for key, kind in (("paragraphs", "draft"), ("winner", "verdict"), ("text", "portrait")):
        if key in properties:
            return kind, tool, mode
    return "unknown", tool, mode


def _answer(kind: str, prompt: str, flaw: str) -> dict[str, Any]:
    labels = _LABEL.findall(prompt)
    if kind == "verdict":
        posts = dict(_POST.findall(prompt))
        left, right = len(posts.get("left", "")), len(posts.get("right", ""))
        return {"winner": "left" if left > right else "right" if right > left else "tie"}
    if kind == "portrait":
        return {"text": _bad(flaw) or "A regular voice of the group.", "cites": labels[:2]}
    return draft_answer(prompt, flaw)


def draft_answer(prompt: str, flaw: str = "") -> dict[str, Any]:
    """The draft a well-behaved model writes for ``prompt``: one paragraph per third of the
    messages, each citing its messages' labels and naming their authors. ``flaw`` spoils it:
    "phone" or "email" puts contact data in the first paragraph, "cite" cites an unknown id.
    """
    labels = _LABEL.findall(prompt)
    authors = _AUTHOR.findall(prompt)
    period = _PERIOD.search(prompt)
    start = period.group(2) if period else "this period"
    size = max(1, -(-len(labels) // 3))
    paragraphs = []
    for n in range(0, len(labels), size):
        names = sorted(set(authors[n : n + size]))
        paragraphs.append(
            {
                "text": f"{' and '.join(names) or 'The group'} wrote {len(labels[n : n + size])} "
                f"messages in this part of the conversation.",
                "cites": labels[n : n + size],
            }
        )
    if not paragraphs:
        paragraphs = [{"text": "A quiet period.", "cites": []}]
    if flaw in BAD_TEXTS:
        paragraphs[0]["text"] += " " + BAD_TEXTS[flaw]
    elif flaw == "cite":
        paragraphs[0]["cites"] = [*paragraphs[0]["cites"], "m9999"]
    return {
        "title": f"The conversation from {start}",
        "summary": f"{len(labels)} messages from {len(set(authors))} members.",
        "tags": ["chat", "week"],
        "paragraphs": paragraphs,
        "memo": f"Last time {len(set(authors))} members wrote.",
    }


def _bad(flaw: str) -> str:
    return BAD_TEXTS.get(flaw, "")


def _completion(
    request: dict[str, Any], tool: str | None, arguments: dict[str, Any], prompt: str
) -> dict[str, Any]:
    text = json.dumps(arguments, ensure_ascii=False)
    if tool:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": tool, "arguments": text}}
            ],
        }
        finish = "tool_calls"
    else:
        message, finish = {"role": "assistant", "content": text}, "stop"
    prompt_tokens = estimate_tokens(json.dumps(request.get("messages")))
    completion_tokens = estimate_tokens(text)
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", TEST_MODEL),
        "choices": [{"index": 0, "finish_reason": finish, "message": message}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _error(message: str, code: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": code, "code": code}}).encode()


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _handler_for(server: FakeLLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like the real APIs

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.rstrip("/") != "/v1/chat/completions":
                status, extra, payload = 404, {}, _error("Not found.", "not_found")
            else:
                status, extra, payload = server.handle(self.headers, body)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in extra.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client timed out and left

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: tests and benchmarks read the records instead

    return Handler


# -- sample windows ------------------------------------------------------------------------
T0 = dt.datetime(2025, 6, 2, 9, 0, tzinfo=dt.UTC)
NAMES = ("Blue Heron", "Red Fox", "Quiet Otter", "Amber Lynx")


def sample_window(
    key: str = "friends/2025-06-02",
    n: int = 6,
    *,
    text: str = "did anyone see the match yesterday",
    language: str = "en",
    memo: str = "",
) -> Window:
    """A week's window of ``n`` messages by display-named members, in one thread."""
    group = key.split("/", 1)[0]
    messages = tuple(
        WindowMessage(
            id=f"{group}-{key.rsplit('/', 1)[-1]}-{i:04d}-abcdef",
            ts=T0 + dt.timedelta(minutes=7 * i),
            author=NAMES[i % len(NAMES)],
            kind="text",
            text=f"{text} ({i})",
            thread=0,
        )
        for i in range(n)
    )
    thread = WindowThread(
        index=0,
        start=messages[0].ts if messages else T0,
        end=messages[-1].ts if messages else T0,
        messages=n,
        starter=NAMES[0],
        authors=NAMES[: min(n, len(NAMES))],
        keywords=("match", "yesterday"),
    )
    return Window(
        key=key,
        group_slug=group,
        group_name=group.title(),
        period="week",
        start=dt.date(2025, 6, 2),
        end=dt.date(2025, 6, 8),
        language=language,
        messages=messages,
        threads=(thread,),
        links=(("https://example.org/match", 2),),
        memo=memo,
    )


def sample_member(window: Window | None = None, *, key: str = "a1b2c3d4") -> MemberProfile:
    """The profile of the first speaker of ``window`` (default :func:`sample_window`):
    their messages as samples, the other speakers as companions."""
    window = window or sample_window()
    name = window.messages[0].author
    own = tuple(m for m in window.messages if m.author == name)
    return MemberProfile(
        key=key,
        name=name,
        messages=len(own),
        first=window.start,
        last=window.end,
        groups=(window.group_name,),
        hours=tuple(sorted({m.ts.hour for m in own})),
        keywords=window.threads[0].keywords if window.threads else (),
        companions=tuple(sorted({m.author for m in window.messages} - {name})),
        samples=own[:3],
        language=window.language,
    )


def main(argv: list[str] | None = None) -> None:
    """Serve until stdin closes or the process is stopped; print the base URL first."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.5, help="seconds per answer")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    with FakeLLMServer(latency=args.latency, fault_rate=args.fault_rate, port=args.port) as server:
        print(server.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            sys.stdin.read()
        print(
            json.dumps({"requests": len(server.records), "peak_in_flight": server.peak_in_flight}),
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
