"""Periods of one post: ``day`` (YYYY-MM-DD), ``week`` (ISO YYYY-Wnn) and ``month`` (YYYY-MM).

The lake query only computes each message's period *start* (a date); keys, labels and
ends are derived here, in Python, once per period.
"""

from __future__ import annotations

import datetime as dt

import ibis
from egregora_core.errors import ConfigError

from . import i18n

PERIODS = ("day", "week", "month")
_TRUNC = {"day": None, "week": "W", "month": "M"}


def check(period: str) -> str:
    if period not in PERIODS:
        raise ConfigError(
            f"unknown period {period!r}", where="--period", hint="use day, week or month"
        )
    return period


def start_expr(date: ibis.Value, period: str) -> ibis.Value:
    """An ibis expression for the first day of ``date``'s period."""
    unit = _TRUNC[check(period)]
    return date if unit is None else date.truncate(unit)


def key(start: dt.date, period: str) -> str:
    if period == "day":
        return start.isoformat()
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{start.year}-{start.month:02d}"


def end(start: dt.date, period: str) -> dt.date:
    """The last day of the period starting at ``start``."""
    if period == "day":
        return start
    if period == "week":
        return start + dt.timedelta(days=6)
    following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def label(start: dt.date, period: str, language: str = i18n.DEFAULT) -> str:
    """A human title fragment: "27 October 2025", "Week of 27 October 2025", "October 2025"
    (in English; other languages from :mod:`.i18n`)."""
    text = i18n.Text(language)
    month = text.month(start.month)
    return text(f"{period}_label", day=start.day, month=month, year=start.year)


def parse_date(value: str | None, option: str) -> dt.date | None:
    """Parse a ``--from``/``--to`` value (YYYY-MM-DD)."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"not a date: {value!r}", where=option, hint="use YYYY-MM-DD") from None


def check_range(first: dt.date | None, last: dt.date | None) -> None:
    """``--from`` after ``--to`` selects nothing: an error, not an empty site."""
    if first is not None and last is not None and first > last:
        raise ConfigError(
            f"--from {first} is after --to {last}",
            where="--from/--to",
            hint="swap the two dates",
        )
