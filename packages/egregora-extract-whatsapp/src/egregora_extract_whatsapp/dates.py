"""Day/month order inference (once per file) and vectorized timestamp building.

The order is decided from *all* dates of the file, never line by line:

1. a 4-digit first number means year-first (``ymd``);
2. a first number above 12 somewhere means ``dmy``; a second number above 12 means
   ``mdy``; both at once is an error (two orders in one file);
3. otherwise the number that changes more often between consecutive messages is the
   day (days roll over ~30 times more often than months);
4. a tie falls back to ``dmy`` (the most common order worldwide) with a warning.

The evidence is recorded as a short sentence in ``sources.date_order_evidence``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ORDERS = ("dmy", "mdy", "ymd")


@dataclass
class OrderDecision:
    order: str
    evidence: str
    conflict: tuple[int, int] | None = None  # indices of a dmy-only and an mdy-only date
    warning: str | None = None


def infer_order(d1: np.ndarray, d2: np.ndarray, year_first: bool) -> OrderDecision:
    """Decide the date order from the first two numbers of every date in the file."""
    if year_first:
        return OrderDecision("ymd", "year written first (4 digits)")
    first_big = np.flatnonzero(d1 > 12)
    second_big = np.flatnonzero(d2 > 12)
    if len(first_big) and len(second_big):
        return OrderDecision(
            "dmy",
            f"first number > 12 in {len(first_big)} dates and second number > 12 in "
            f"{len(second_big)} dates",
            conflict=(int(first_big[0]), int(second_big[0])),
        )
    if len(first_big):
        return OrderDecision("dmy", f"first number > 12 in {len(first_big)} of {len(d1)} dates")
    if len(second_big):
        return OrderDecision("mdy", f"second number > 12 in {len(second_big)} of {len(d2)} dates")
    changes1 = int(np.count_nonzero(d1[1:] != d1[:-1])) if len(d1) > 1 else 0
    changes2 = int(np.count_nonzero(d2[1:] != d2[:-1])) if len(d2) > 1 else 0
    if changes1 > changes2:
        return OrderDecision(
            "dmy", f"no number > 12; first number changes more often ({changes1} vs {changes2})"
        )
    if changes2 > changes1:
        return OrderDecision(
            "mdy", f"no number > 12; second number changes more often ({changes2} vs {changes1})"
        )
    return OrderDecision(
        "dmy",
        "ambiguous (no number > 12, no changes to compare): defaulted to dmy",
        warning="day/month order is ambiguous; assumed day first (pass --date-order mdy if wrong)",
    )


def split_order(order: str, d1, d2, d3):
    """(year, month, day) arrays for the given order."""
    if order == "dmy":
        return d3, d2, d1
    if order == "mdy":
        return d3, d1, d2
    return d1, d2, d3


def days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 (proleptic Gregorian), vectorized (H. Hinnant's algorithm)."""
    y = year.astype(np.int64) - (month <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    m = month.astype(np.int64)
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + day.astype(np.int64) - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


_DAYS_IN_MONTH = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def invalid_dates(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Boolean mask of impossible dates (month 13, 31 April, 29 Feb in a common year)."""
    bad_month = (month < 1) | (month > 12)
    safe_month = np.where(bad_month, 1, month)
    limit = _DAYS_IN_MONTH[safe_month]
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    limit = np.where((safe_month == 2) & ~leap, 28, limit)
    return bad_month | (day < 1) | (day > limit)


def to_24h(hour: np.ndarray, ampm: np.ndarray) -> tuple[np.ndarray, int]:
    """Apply AM/PM (0 none, 1 am, 2 pm). Returns the hours and how many were odd.

    Lenient like a human reader: ``12 AM`` -> 0, ``12 PM`` -> 12, ``h PM`` -> h + 12,
    and hand-edited values (``00:04 AM``, ``23:59 PM``) are kept as written.
    """
    out = hour.astype(np.int16).copy()
    pm = ampm == 2
    am = ampm == 1
    out[am & (hour == 12)] = 0
    out[pm & (hour >= 1) & (hour <= 11)] += 12
    odd = int(np.count_nonzero((ampm > 0) & ((hour == 0) | (hour > 12))))
    return out, odd
