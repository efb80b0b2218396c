"""The built-in ``offline`` narrator: prose from the window's own data, no model.

It is deterministic (the same window gives the same draft, byte for byte), which is why
the memo every window receives is the one this narrator writes for the group's previous
window (see ``egregora_register_narrators``), and why it is the fallback of any narrator
that gives a window up.

A draft is a lede (how much was said, by how many, the liveliest conversation) and one
short paragraph per busy thread: who opened it and who joined, when and for how long,
what it was about (its keywords), a short excerpt of its most substantial message, and
what was shared (link domains, photos, videos). Sentence shapes vary with a hash of the
thread's first message id, so consecutive paragraphs do not read like one template.
Every paragraph cites the messages it names. Templates exist in English and Portuguese;
other languages get English.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from typing import Any

from .narrative import (
    Draft,
    Estimate,
    MemberProfile,
    Paragraph,
    Portrait,
    Window,
    WindowMessage,
    private_data_in,
)

#: Bump when the templates change: it is part of the draft cache key.
VERSION = "2"
MAX_THREAD_PARAGRAPHS = 5
MIN_THREAD_MESSAGES = 3
EXCERPT_MIN, EXCERPT_MAX, EXCERPT_CUT = 25, 600, 160
URL = re.compile(r"https?://(?:www\.)?([^/\s:?#]+)\S*")
WORD = re.compile(r"[^\W\d_]{4,24}")
MENTION = re.compile(r"@[0-9a-f]{8}\b")

# -- language tables ----------------------------------------------------------------------
T: dict[str, dict[str, Any]] = {
    "en": {
        "weekdays": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split(),  # noqa: SIM905
        "months": [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        "parts": {
            "morning": "morning",
            "afternoon": "afternoon",
            "evening": "evening",
            "night": "night",
        },
        "numbers": "zero one two three four five six seven eight nine ten eleven twelve".split(),  # noqa: SIM905
        "fives": {
            15: "fifteen",
            20: "twenty",
            25: "twenty-five",
            30: "thirty",
            35: "thirty-five",
            40: "forty",
            45: "forty-five",
            50: "fifty",
        },
        "and": "and",
        "period": {"day": "On {date}", "week": "In the week of {date}", "month": "In {date}"},
        "lede": [
            "{when}, {people} wrote {messages} in {group}.",
            "{when}, {group} heard from {people}: {messages} in all.",
        ],
        "liveliest": [
            " The liveliest conversation, opened by {starter}, was about {topic}.",
            " Most of the talk was about {topic}, in a thread {starter} started.",
        ],
        "quiet": " There was no long conversation, just a few short exchanges.",
        "words": " The words that came up most were {topic}.",
        "memo_lede": " Last time the talk was about {topic}.",
        "thread": [
            "On {day} {part}, {starter} started a conversation about {topic}{joined}. "
            "It ran {duration}, {messages}.",
            "{starter} opened the {day} {part} thread about {topic}{joined}; "
            "{messages} followed {duration}.",
            "A conversation about {topic} began on {day} {part} with {starter}{joined}, "
            "and went on {duration} ({messages}).",
        ],
        "thread_plain": [
            "On {day} {part}, {starter} started a conversation{joined}. "
            "It ran {duration}, {messages}.",
            "{starter} opened a thread on {day} {part}{joined}; {messages} followed {duration}.",
        ],
        "joined": [", and {names} joined in", " with {names}"],
        "alone": " that nobody else joined",
        "quote": [" {author} put it this way: “{excerpt}”", " As {author} wrote: “{excerpt}”"],
        "shared": " Along the way {what} went around.",
        "links": "links from {domains}",
        "link": "a link from {domains}",
        "media": {
            "image": ("a photo", "{n} photos"),
            "video": ("a video", "{n} videos"),
            "audio": ("a voice note", "{n} voice notes"),
            "other": ("a file", "{n} files"),
        },
        "others": "There were also {n} shorter exchanges, the longest with {names}.",
        "other": "There was also one shorter exchange, with {names}.",
        "minutes": "in {n} minutes",
        "hours": "over {n} hours",
        "hour": "over about an hour",
        "days": "over {n} days",
        "evenings": "over {n} evenings",
        "message_count": ("one message", "{n} messages"),
        "people": ("one member", "{n} members"),
        "title": "{topic}",
        "title_plain": "{group}, {date}",
        "summary": "{people} wrote {messages}; the liveliest thread was about {topic}.",
        "summary_plain": "{people} wrote {messages}.",
        "memo": "{group} talked about {topic}; {names} spoke most.",
        "portrait": "{name} has written {messages} between {first} and {last}, mostly in "
        "{groups}, usually in the {part}.",
        "portrait_topics": " They talk mostly about {topic}",
        "portrait_with": ", most often with {names}",
        "portrait_only_with": " They talk most often with {names}.",
        "portrait_quote": " Once they wrote: “{excerpt}”",
    },
    "pt": {
        "weekdays": "segunda terça quarta quinta sexta sábado domingo".split(),  # noqa: SIM905
        "months": [
            "janeiro",
            "fevereiro",
            "março",
            "abril",
            "maio",
            "junho",
            "julho",
            "agosto",
            "setembro",
            "outubro",
            "novembro",
            "dezembro",
        ],
        "parts": {
            "morning": "de manhã",
            "afternoon": "à tarde",
            "evening": "à noite",
            "night": "de madrugada",
        },
        "numbers": "zero um dois três quatro cinco seis sete oito nove dez onze doze".split(),  # noqa: SIM905
        "fives": {
            15: "quinze",
            20: "vinte",
            25: "vinte e cinco",
            30: "trinta",
            35: "trinta e cinco",
            40: "quarenta",
            45: "quarenta e cinco",
            50: "cinquenta",
        },
        "and": "e",
        "period": {"day": "Em {date}", "week": "Na semana de {date}", "month": "Em {date}"},
        "lede": [
            "{when}, {people} escreveram {messages} em {group}.",
            "{when}, {group} teve {messages} de {people}.",
        ],
        "liveliest": [
            " A conversa mais animada, aberta por {starter}, foi sobre {topic}.",
            " O assunto principal foi {topic}, numa conversa que {starter} começou.",
        ],
        "quiet": " Não houve conversa longa, só algumas trocas rápidas.",
        "words": " As palavras que mais apareceram foram {topic}.",
        "memo_lede": " Da última vez, o assunto foi {topic}.",
        "thread": [
            "Na {day} {part}, {starter} puxou uma conversa sobre {topic}{joined}. "
            "Ela durou {duration}, com {messages}.",
            "{starter} abriu a conversa de {day} {part} sobre {topic}{joined}; "
            "vieram {messages} {duration}.",
            "Uma conversa sobre {topic} começou na {day} {part} com {starter}{joined}, "
            "e seguiu {duration} ({messages}).",
        ],
        "thread_plain": [
            "Na {day} {part}, {starter} puxou uma conversa{joined}. "
            "Ela durou {duration}, com {messages}.",
            "{starter} abriu uma conversa na {day} {part}{joined}; vieram {messages} {duration}.",
        ],
        "joined": [", e {names} entraram na conversa", " com {names}"],
        "joined_one": [", e {names} entrou na conversa", " com {names}"],
        "feminine": {1: "uma", 2: "duas"},  # "duas pessoas"
        "alone": " que ninguém mais acompanhou",
        "quote": [" {author} resumiu assim: “{excerpt}”", " Nas palavras de {author}: “{excerpt}”"],
        "shared": " No caminho, circularam {what}.",
        "links": "links de {domains}",
        "link": "um link de {domains}",
        "media": {
            "image": ("uma foto", "{n} fotos"),
            "video": ("um vídeo", "{n} vídeos"),
            "audio": ("um áudio", "{n} áudios"),
            "other": ("um arquivo", "{n} arquivos"),
        },
        "others": "Houve ainda {n} trocas mais curtas, a maior com {names}.",
        "other": "Houve ainda uma troca mais curta, com {names}.",
        "minutes": "em {n} minutos",
        "hours": "por {n} horas",
        "hour": "por cerca de uma hora",
        "days": "por {n} dias",
        "evenings": "por {n} noites",
        "message_count": ("uma mensagem", "{n} mensagens"),
        "people": ("uma pessoa", "{n} pessoas"),
        "title": "{topic}",
        "title_plain": "{group}, {date}",
        "summary": "{people} escreveram {messages}; a conversa mais animada foi sobre {topic}.",
        "summary_plain": "{people} escreveram {messages}.",
        "memo": "{group} falou de {topic}; {names} falaram mais.",
        "portrait": "{name} escreveu {messages} entre {first} e {last}, sobretudo em "
        "{groups}, em geral {part}.",
        "portrait_topics": " Fala sobretudo de {topic}",
        "portrait_with": ", mais vezes com {names}",
        "portrait_only_with": " Conversa mais vezes com {names}.",
        "portrait_quote": " Certa vez escreveu: “{excerpt}”",
    },
}
#: Words too common to say what a conversation was about (the languages above).
STOPWORDS = frozenset(
    """
    that this with from have were what when where which will would could should about there
    here just like into than then after before please over under again because also been
    some more most much very okay yeah anyone everyone someone something great maybe later
    people nobody they them their
    your mine good going know think really thanks today tomorrow right well only even still
    para como mais mas isso isto esse essa este esta aqui você vocês voce voces também tambem
    muito muita quando onde quem qual porque então entao ainda depois antes hoje amanhã agora
    tudo nada todo toda todos todas coisa gente kkkk haha hahaha acho fazer pode tipo obrigado
    obrigada noite tarde mensagem apagada mídia midia oculta omitted media message deleted
    estou está estão vamos sobre pelo pela pelos pelas seus suas nosso nossa dele dela eles elas
    aqui ali bom boa tenho temos fica ficou vai vou sim não nao https http www com
    """.split()  # noqa: SIM905
)


def table(language: str) -> dict[str, Any]:
    return T.get((language or "en").split("-")[0].lower(), T["en"])


def _pick(options: list[str], seed: str) -> str:
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    return options[digest[0] % len(options)]


def _count(t: dict[str, Any], key: str, n: int) -> str:
    one, many = t[key]
    if n == 1:
        return one
    word = _number(t, n) if n <= 12 else f"{n:,}"
    if key == "people":
        word = t.get("feminine", {}).get(n, word)
    return many.format(n=word)


def _number(t: dict[str, Any], n: int) -> str:
    if 0 <= n < len(t["numbers"]):
        return t["numbers"][n]
    return t["fives"].get(n, str(n))


def _join(t: dict[str, Any], items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {t['and']} {items[-1]}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _part(hour: int) -> str:
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 18:
        return "afternoon"
    if 18 <= hour < 24:
        return "evening"
    return "night"


def _duration(t: dict[str, Any], start: dt.datetime, end: dt.datetime) -> str:
    days = (end.date() - start.date()).days
    if days >= 1:
        evenings = start.hour >= 17 and end.hour >= 17
        return t["evenings" if evenings else "days"].format(n=_number(t, days + 1))
    minutes = (end - start).total_seconds() / 60
    if minutes < 55:
        n = max(1, round(minutes))
        return t["minutes"].format(n=_number(t, n if n <= 12 else 5 * round(n / 5)))
    if minutes < 90:
        return t["hour"]
    return t["hours"].format(n=_number(t, round(minutes / 60)))


def _date(t: dict[str, Any], day: dt.date) -> str:
    month = t["months"][day.month - 1]
    if t is T["pt"]:
        return f"{day.day} de {month} de {day.year}"
    return f"{day.day} {month} {day.year}"


def keywords(texts: list[str], n: int = 3) -> list[str]:
    """The most frequent meaningful words of some texts (ties broken alphabetically)."""
    counts: Counter[str] = Counter()
    for text in texts:
        text = MENTION.sub(" ", URL.sub(" ", text.lower()))
        counts.update(w for w in WORD.findall(text) if w not in STOPWORDS)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [w for w, c in ranked if c >= 2][:n]


def excerpt(text: str) -> str:
    """A short, single-line excerpt: the first ~160 characters, cut at a word boundary."""
    flat = " ".join(text.split()).replace("“", '"').replace("”", '"')
    if len(flat) <= EXCERPT_CUT:
        return flat
    cut = flat[:EXCERPT_CUT].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.") + "…"


def _substantial(messages: list[WindowMessage]) -> WindowMessage | None:
    """The longest message of quotable length, without links (they read badly as quotes)
    and without anything the privacy redactor would change (a draft must not contain it)."""
    best = [
        m
        for m in messages
        if EXCERPT_MIN <= len(m.text) <= EXCERPT_MAX
        and " " in m.text
        and "http" not in m.text
        and not private_data_in(m.text)
    ]
    return max(best, key=lambda m: (len(m.text), m.id), default=None)


def _media_kind(media: str | None) -> str | None:
    """ "image", "video", "audio" or "other" from a media type ("images", "video/mp4", ...)."""
    if not media:
        return None
    for kind in ("image", "video", "audio"):
        if media.lower().startswith(kind):
            return kind
    return "other"


class OfflineNarrator:
    """Deterministic prose from a window's data (no model, no network, no cost)."""

    name = "offline"
    concurrency = 4
    max_input_tokens: int | None = None

    def settings(self) -> dict[str, Any]:
        return {"version": VERSION}

    def estimate(self, window: Window) -> Estimate:
        return Estimate(calls=0)

    def estimate_portrait(self, member: MemberProfile) -> Estimate:
        return Estimate(calls=0)

    async def narrate(self, window: Window) -> Draft:
        return self.write(window)

    async def portrait(self, member: MemberProfile) -> Portrait:
        return self.describe(member)

    # -- windows ------------------------------------------------------------------------
    def write(self, window: Window) -> Draft:
        t = table(window.language)
        by_thread: dict[int | None, list[WindowMessage]] = {}
        for m in window.messages:
            by_thread.setdefault(m.thread, []).append(m)
        threads = [th for th in window.threads if by_thread.get(th.index)]
        topics = {
            th.index: list(th.keywords) or keywords([m.text for m in by_thread[th.index]])
            for th in threads
        }
        busy = sorted(
            (th for th in threads if th.messages >= MIN_THREAD_MESSAGES),
            key=lambda th: (-th.messages, th.start),
        )[:MAX_THREAD_PARAGRAPHS]
        liveliest = busy[0] if busy else None
        people = Counter(m.author for m in window.messages if m.author)
        all_topic = keywords([m.text for m in window.messages])
        topic = _join(t, (topics[liveliest.index] if liveliest else [])[:2] or all_topic[:2])
        values = {
            "when": t["period"][window.period].format(date=_date(t, window.start)),
            "people": _count(t, "people", len(people)),
            "messages": _count(t, "message_count", len(window.messages)),
            "group": window.group_name,
            "topic": topic,
            "date": _date(t, window.start),
        }

        seed = window.messages[0].id if window.messages else window.key
        lede = _pick(t["lede"], seed).format(**values)
        lede_cites = [window.messages[0].id] if window.messages else []
        if liveliest and topics[liveliest.index]:
            first = by_thread[liveliest.index][0]
            lede += _pick(t["liveliest"], seed).format(starter=liveliest.starter, topic=topic)
            lede_cites.append(first.id)
        elif topic:
            lede += t["words"].format(topic=topic)
        elif not busy:
            lede += t["quiet"]
        if window.memo and (memo_topic := window.memo.split("|", 1)[0].strip()):
            lede += t["memo_lede"].format(topic=memo_topic)
        paragraphs = [Paragraph(lede, list(dict.fromkeys(lede_cites)))] if lede_cites else []

        for th in sorted(busy, key=lambda th: th.start):
            paragraphs.append(self._thread(t, th, by_thread[th.index], topics[th.index]))
        rest = [th for th in threads if th not in busy]
        if rest:
            rest.sort(key=lambda th: (-th.messages, th.start))
            names = _join(t, list(rest[0].authors[:3]))
            text = (t["others"] if len(rest) > 1 else t["other"]).format(
                n=_number(t, len(rest)), names=names
            )
            paragraphs.append(Paragraph(text, [by_thread[th.index][0].id for th in rest[:8]]))

        top_names = _join(t, [n for n, _ in people.most_common(3)])
        title_topic = topic[:1].upper() + topic[1:] if topic else ""
        return Draft(
            title=t["title"].format(topic=title_topic)
            if topic
            else t["title_plain"].format(**values),
            summary=_capital((t["summary"] if topic else t["summary_plain"]).format(**values)),
            tags=all_topic[:3],
            paragraphs=paragraphs,
            # "topic | names": the next window's lede reads the part before the bar.
            memo=f"{topic} | {top_names}" if topic else "",
        )

    def _thread(
        self, t: dict[str, Any], th: Any, messages: list[WindowMessage], topic: list[str]
    ) -> Paragraph:
        first = messages[0]
        seed = first.id
        others = [a for a in th.authors if a != th.starter][:3]
        shapes = t.get("joined_one", t["joined"]) if len(others) == 1 else t["joined"]
        joined = _pick(shapes, seed + "j").format(names=_join(t, others)) if others else t["alone"]
        start = th.start
        values = {
            "day": t["weekdays"][start.weekday()],
            "part": t["parts"][_part(start.hour)],
            "starter": th.starter,
            "topic": _join(t, topic[:3]),
            "joined": joined,
            "duration": _duration(t, th.start, th.end),
            "messages": _count(t, "message_count", th.messages),
        }
        shape = t["thread"] if topic else t["thread_plain"]
        text = _pick(shape, seed).format(**values)
        text = text[:1].upper() + text[1:]
        cites = [first.id]
        quoted = _substantial(messages)
        if quoted is not None:
            text += _pick(t["quote"], seed + "q").format(
                author=quoted.author, excerpt=excerpt(quoted.text)
            )
            cites.append(quoted.id)
        shared, shared_ids = self._shared(t, messages)
        if shared:
            text += t["shared"].format(what=shared)
            cites += shared_ids[:4]
        return Paragraph(text, list(dict.fromkeys(cites)))

    def _shared(self, t: dict[str, Any], messages: list[WindowMessage]) -> tuple[str, list[str]]:
        domains: Counter[str] = Counter()
        media: Counter[str] = Counter()
        ids: list[str] = []
        for m in messages:
            found = URL.findall(m.text)
            domains.update(d.lower() for d in found)
            kind = _media_kind(m.media)
            if kind:
                media[kind] += 1
            if found or kind:
                ids.append(m.id)
        parts = []
        if domains:
            names = [d for d, _ in sorted(domains.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
            key = "link" if sum(domains.values()) == 1 else "links"
            parts.append(t[key].format(domains=_join(t, names)))
        for kind in ("image", "video", "audio", "other"):
            if media[kind]:
                one, many = t["media"][kind]
                parts.append(one if media[kind] == 1 else many.format(n=_number(t, media[kind])))
        return _join(t, parts), ids

    # -- members ------------------------------------------------------------------------
    def describe(self, member: MemberProfile) -> Portrait:
        t = table(member.language)
        part = Counter(_part(h) for h in member.hours[:3]).most_common(1)
        text = t["portrait"].format(
            name=member.name,
            messages=_count(t, "message_count", member.messages),
            first=f"{t['months'][member.first.month - 1]} {member.first.year}",
            last=f"{t['months'][member.last.month - 1]} {member.last.year}",
            groups=_join(t, list(member.groups[:2])),
            part=t["parts"][part[0][0] if part else "evening"],
        )
        # "talks mostly about X and Y, most often with A and B"
        companions = _join(t, list(member.companions[:3]))
        if member.keywords:
            text += t["portrait_topics"].format(topic=_join(t, list(member.keywords[:2])))
            if companions:
                text += t["portrait_with"].format(names=companions)
            text += "."
        elif companions:
            text += t["portrait_only_with"].format(names=companions)
        cites: list[str] = []
        quoted = _substantial(list(member.samples))
        if quoted is not None:
            text += t["portrait_quote"].format(excerpt=excerpt(quoted.text))
            cites.append(quoted.id)
        return Portrait(text, cites)
