"""Prompts: built from a :class:`~egregora_core.narrative.Window` (or a member profile) only.

Nothing else reaches a model: no project file, no secret, no raw export. Message ids are
replaced by short labels (``m1``, ``m2``, ...) to keep the prompt small; :class:`Labels`
maps the model's citations back to the lake's ids. Every prompt is passed through the
privacy redactor once more before it is sent, so a phone number or e-mail address that
somehow reached a window still never reaches a provider.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from egregora_core.narrative import MemberProfile, Window, WindowMessage
from egregora_core.redact import redact_text

#: Part of every cached draft's key: change it when a prompt or an instruction changes.
PROMPT_VERSION = "2"

NARRATOR_INSTRUCTIONS = """\
You write one blog post that tells what happened in a group chat during one period, \
for the group's members. You are given the period's messages (already anonymized), \
its conversation threads, shared links, and a memo about the previous post.
Rules:
- Use only what the messages say. Do not invent events, people or quotes.
- Refer to people only by the names used in the messages.
- Never write a phone number or an e-mail address.
- Write in the chat's language (given as an ISO code).
- Every paragraph cites, in `cites`, the labels (like m3) of the messages it is built on; \
cite only labels that appear in the messages.
- title: short and specific. summary: one or two sentences. tags: 2 to 6 short topics.
- paragraphs: 2 to 6, in the order things happened, each a few sentences of prose.
- memo: 2 or 3 sentences for whoever writes the next post (who is involved, what is \
still open). Use the previous memo only for continuity."""

PORTRAIT_INSTRUCTIONS = """\
You write a short, warm prose portrait (one paragraph, 3 to 5 sentences) of one member \
of a group chat, from statistics about their messages and a few samples (anonymized). \
Use only what is given; do not guess age, job, place or private matters. Refer to the \
member and others only by the names given. Never write a phone number or an e-mail \
address. Write in the language given (an ISO code). Cite in `cites` the labels (like s2) of \
the samples you draw on."""

JUDGE_INSTRUCTIONS = """\
You compare two blog posts written about a group chat and say which one is better \
to read: more interesting, clearer, more specific. Answer `left`, `right`, or `tie` \
when neither is better."""

#: Characters of each post a judge sees (title and summary come first).
JUDGE_POST_CHARS = 6000


@dataclass
class Labels:
    """Short prompt labels <-> lake message ids, for one prompt."""

    prefix: str
    to_id: dict[str, str]

    @classmethod
    def of(cls, messages: Iterable[WindowMessage], prefix: str = "m") -> Labels:
        return cls(prefix, {f"{prefix}{n}": m.id for n, m in enumerate(messages, 1)})

    def ids(self, labels: Iterable[str]) -> list[str]:
        """Cited labels as lake ids; an unknown label is kept as written (and then refused)."""
        return [self.to_id.get(label.strip(), label.strip()) for label in labels]


def _line(text: str) -> str:
    return " / ".join(part.strip() for part in text.splitlines() if part.strip())


def _time(ts: dt.datetime, period: str) -> str:
    return ts.strftime("%H:%M") if period == "day" else ts.strftime("%a %d %H:%M")


def message_line(label: str, m: WindowMessage, period: str) -> str:
    """``m3 Tue 04 10:02 Blue Heron [T1] (image): text``."""
    parts = [label, _time(m.ts, period), f"{m.author or 'system'}"]
    if m.thread is not None:
        parts.append(f"[T{m.thread + 1}]")
    if m.kind != "text":
        parts.append(f"({m.kind}{': ' + _line(m.media) if m.media else ''})")
    elif m.media:
        parts.append(f"({_line(m.media)})")
    return " ".join(parts) + ": " + _line(m.text)


def window_prompt(window: Window) -> tuple[str, Labels]:
    """The user prompt for ``window`` and the labels its messages got."""
    labels = Labels.of(window.messages)
    lines = [
        f"Window: {window.key}",
        f"Group: {window.group_name}",
        f"Period: {window.period}, {window.start.isoformat()} to {window.end.isoformat()}",
        f"Language: {window.language}",
    ]
    if window.memo:
        lines.append(f"Previous memo: {_line(window.memo)}")
    if window.threads:
        lines.append("Threads:")
        for t in window.threads:
            line = (
                f"T{t.index + 1} {_time(t.start, window.period)}-{t.end.strftime('%H:%M')}, "
                f"{t.messages} messages, started by {t.starter}; with {', '.join(t.authors)}"
            )
            if t.keywords:
                line += f"; about {', '.join(t.keywords)}"
            lines.append(line)
    if window.links:
        lines.append("Links:")
        lines += [f"{url} (x{times})" for url, times in window.links]
    lines.append("Messages:")
    lines += [
        message_line(label, m, window.period)
        for label, m in zip(labels.to_id, window.messages, strict=True)
    ]
    return redact_text("\n".join(lines)), labels


def portrait_prompt(member: MemberProfile) -> tuple[str, Labels]:
    labels = Labels.of(member.samples, prefix="s")
    lines = [
        f"Member: {member.name}",
        f"Language: {member.language}",
        f"Messages: {member.messages}, from {member.first.isoformat()} to {member.last.isoformat()}",
        f"Groups: {', '.join(member.groups)}",
        f"Busiest hours: {', '.join(f'{h:02d}h' for h in member.hours)}",
        f"Keywords: {', '.join(member.keywords)}",
        f"Talks most with: {', '.join(member.companions)}",
        "Samples:",
    ]
    lines += [
        message_line(label, m, "month")
        for label, m in zip(labels.to_id, member.samples, strict=True)
    ]
    return redact_text("\n".join(lines)), labels


def judge_prompt(left: dict, right: dict) -> str:
    def post(side: str, p: dict) -> str:
        body = (
            f"Title: {p.get('title', '')}\nSummary: {p.get('summary', '')}\n\n{p.get('text', '')}"
        )
        return f"<{side}>\n{body[:JUDGE_POST_CHARS]}\n</{side}>"

    return redact_text(post("left", left) + "\n\n" + post("right", right))
