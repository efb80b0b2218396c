"""What a search box understands: words, ``"exact phrases"`` and a few operators.

``egregora query 'churrasco "sábado que vem" from:ana after:2024-05-01 group:amigos'``

* ``"..."``: the chunk must contain this phrase (case and accents ignored); the phrase
  also counts as words for ranking;
* ``from:NAME``: a line by this member (pseudonym, or the alias they chose in the chat);
* ``after:DATE``: chunks that end on or after DATE (a whole day, UTC, or an ISO time);
* ``before:DATE``: chunks that start before DATE (the day itself excluded);
* ``group:SLUG``: one group.

Anything else is words. An operator with an empty value, or a date that does not
parse, is an error (one line saying which).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from .errors import ConfigError

OPERATORS = ("from", "after", "before", "group")
_OPERATOR = re.compile(r"^(from|after|before|group):(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedQuery:
    """A query split into what is ranked (``words``) and what filters."""

    words: str
    phrases: tuple[str, ...] = ()
    author: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    group: str | None = None
    operators: dict[str, str] = field(default_factory=dict)

    @property
    def ranked_text(self) -> str:
        """The words and the phrases: what is embedded and matched with BM25."""
        return " ".join([self.words, *self.phrases]).strip()


def parse_when(value: str, where: str, *, end: bool = False) -> datetime:
    """A date (``YYYY-MM-DD``: its start, or its end with ``end``) or ISO time; naive = UTC."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(days=1, microseconds=-1) if end else moment
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"{where} must be a date like 2024-05-31 or an ISO timestamp, got {value!r}",
            where=where,
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_TOKEN = re.compile(r'"([^"]*)"|(\S+)')


def _split(text: str) -> list[tuple[str, bool]]:
    """Tokens of ``text`` and whether each was quoted (a lone quote is dropped)."""
    text = text.replace("\u201c", '"').replace("\u201d", '"')  # typographic quotes
    return [
        (m.group(1), True) if m.group(1) is not None else (m.group(2).replace('"', ""), False)
        for m in _TOKEN.finditer(text)
    ]


def parse_query(text: str) -> ParsedQuery:
    """Split a search box's text (see the module docstring)."""
    words: list[str] = []
    phrases: list[str] = []
    ops: dict[str, str] = {}
    for token, quoted in _split(text):
        match = None if quoted else _OPERATOR.match(token)
        if match:
            name, value = match.group(1).lower(), match.group(2).strip()
            if not value:
                raise ConfigError(
                    f"'{name}:' needs a value, e.g. {name}:{_EXAMPLES[name]}", where="query"
                )
            ops[name] = value
        elif quoted:
            if token.strip():
                phrases.append(token.strip())
        else:
            words.append(token)
    return ParsedQuery(
        words=" ".join(words),
        phrases=tuple(phrases),
        author=ops.get("from"),
        since=parse_when(ops["after"], "after:") if "after" in ops else None,
        until=parse_when(ops["before"], "before:") - timedelta(microseconds=1)
        if "before" in ops
        else None,
        group=ops.get("group"),
        operators=ops,
    )


_EXAMPLES = {"from": "ana", "after": "2024-05-01", "before": "2024-06-01", "group": "amigos"}
