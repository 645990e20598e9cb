"""Calendars: weekly timetables and availability windows turned into UTC instants.

Timetables and windows are written in a site's local time (``Mon 09:40`` in ``Asia/Seoul``);
engines work in seconds since the Unix epoch (UTC). This module converts between the two,
daylight-saving changes included, and intersects windows with operating cycles and outages.
Times are floats [s since 1970-01-01T00:00Z] so that engines can use NumPy arrays.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

Interval = tuple[float, float]


def epoch(value: datetime) -> float:
    """A timezone-aware instant as seconds since the Unix epoch [s]."""
    return value.timestamp()


def from_epoch(seconds: float) -> datetime:
    """Seconds since the Unix epoch [s] as a UTC datetime."""
    return datetime.fromtimestamp(seconds, UTC)


def clock_minutes(text: str) -> int:
    """Minutes after midnight of a ``HH:MM`` clock string."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _local_dates(tz: ZoneInfo, start: float, end: float) -> list[date]:
    first = from_epoch(start).astimezone(tz).date() - timedelta(days=1)
    last = from_epoch(end).astimezone(tz).date() + timedelta(days=1)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _local_instant(day: date, clock: str, tz: ZoneInfo) -> float:
    minutes = clock_minutes(clock)
    local = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=tz)
    return local.timestamp()


def weekly_instants(
    entries: Iterable[tuple[Sequence[str], str]], timezone: str, start: float, end: float
) -> npt.NDArray[np.float64]:
    """UTC instants [s] in ``[start, end)`` of weekly local-time entries.

    Parameters
    ----------
    entries
        ``(days, "HH:MM")`` pairs, days as ``Mon`` ... ``Sun``.
    timezone
        IANA zone in which the clock times are read.
    start, end
        Bounds [s since epoch].
    """
    tz = ZoneInfo(timezone)
    days = _local_dates(tz, start, end)
    out = [
        t
        for weekdays, clock in entries
        for day in days
        if WEEKDAYS[day.weekday()] in {str(d) for d in weekdays}
        for t in (_local_instant(day, clock, tz),)
        if start <= t < end
    ]
    return np.unique(np.array(out, dtype=np.float64))


def weekly_intervals(
    windows: Iterable[tuple[Sequence[str], str, str]],
    timezone: str,
    start: float,
    end: float,
    merged: bool = True,
) -> list[Interval]:
    """Merged UTC intervals [s] within ``[start, end)`` of weekly local windows.

    ``windows`` holds ``(days, "HH:MM" open, "HH:MM" close)``; ``23:59`` as a close time
    reaches the end of the day, so an all-day window on every day is one unbroken interval
    (``merged=False`` keeps one interval per local day and window instead).
    """
    tz = ZoneInfo(timezone)
    raw: list[Interval] = []
    for weekdays, open_clock, close_clock in windows:
        names = {str(d) for d in weekdays}
        for day in _local_dates(tz, start, end):
            if WEEKDAYS[day.weekday()] not in names:
                continue
            t0 = _local_instant(day, open_clock, tz)
            if close_clock == "23:59":
                nxt = day + timedelta(days=1)
                t1 = datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz).timestamp()
            else:
                t1 = _local_instant(day, close_clock, tz)
            lo, hi = max(t0, start), min(t1, end)
            if hi > lo:
                raw.append((lo, hi))
    return merge(raw) if merged else sorted(raw)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted union of intervals; touching intervals are joined."""
    out: list[Interval] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """Intersection of two sorted, disjoint interval lists."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if hi > lo:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """Parts of sorted, disjoint intervals ``a`` not covered by intervals ``b``."""
    out: list[Interval] = []
    cuts = merge(b)
    for lo, hi in a:
        cursor = lo
        for c0, c1 in cuts:
            if c1 <= cursor or c0 >= hi:
                continue
            if c0 > cursor:
                out.append((cursor, c0))
            cursor = max(cursor, c1)
            if cursor >= hi:
                break
        if cursor < hi:
            out.append((cursor, hi))
    return out


def cycle_intervals(
    anchor: float, on: float, off: float, start: float, end: float
) -> list[Interval]:
    """'On' periods [s] within ``[start, end)`` of a cycle with an 'on' start at ``anchor``."""
    period = on + off
    if off <= 0:
        return [(start, end)] if end > start else []
    k = int(np.floor((start - anchor) / period)) - 1
    out: list[Interval] = []
    while True:
        t0 = anchor + k * period
        if t0 >= end:
            break
        lo, hi = max(t0, start), min(t0 + on, end)
        if hi > lo:
            out.append((lo, hi))
        k += 1
    return out


DAY_S = 86400.0
"""One day [s]."""


def nearest_local_date(t: float, timezone: str) -> date:
    """The local date in ``timezone`` whose midnight is nearest the instant ``t`` [s].

    The date of the local clock 12 h later: an instant before local noon belongs to its own
    date, one at noon or later to the next (23:30 on Sunday: Monday).
    """
    local = from_epoch(t).astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    return (local + timedelta(hours=12)).date()


def local_midnight(day: date, timezone: str) -> float:
    """The instant [s since epoch] of local midnight starting ``day`` in ``timezone``."""
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(timezone)).timestamp()


def local_day_cycle_intervals(
    first: date, on_days: int, off_days: int, timezone: str, start: float, end: float
) -> list[Interval]:
    """'On' periods [s] within ``[start, end)`` of a cycle counted in whole local days.

    The periods run from local midnight to local midnight: ``on_days`` local dates from
    ``first``, then ``off_days`` off, and so on (and back in time). A period is ``on_days``
    calendar days whatever the daylight-saving changes in it (23 h or 25 h days included).
    """
    if off_days <= 0:
        return [(start, end)] if end > start else []
    period = on_days + off_days
    lo_date = from_epoch(start).astimezone(ZoneInfo(timezone)).date()
    k = (lo_date - first).days // period - 1
    out: list[Interval] = []
    while True:
        day = first + timedelta(days=k * period)
        t0 = local_midnight(day, timezone)
        if t0 >= end:
            break
        t1 = local_midnight(day + timedelta(days=on_days), timezone)
        lo, hi = max(t0, start), min(t1, end)
        if hi > lo:
            out.append((lo, hi))
        k += 1
    return out


def covers(intervals: Sequence[Interval], t0: float, t1: float) -> bool:
    """True if one interval of the sorted list contains ``[t0, t1]``."""
    return any(lo <= t0 and t1 <= hi for lo, hi in intervals)


def latest_start(
    windows: Sequence[Interval],
    allowed: Sequence[Interval],
    duration: float,
    lo: float,
    hi: float,
) -> float | None:
    """Latest start ``t`` in ``[lo, hi]`` [s] of a batch lasting ``duration`` [s], or None.

    ``t`` must lie in a start window (``w0 ≤ t < w1``) and ``[t, t + duration]`` inside one
    ``allowed`` interval. The answer is the largest such ``t`` on a whole minute (clock times
    are given to the minute: a window closing at 06:30 has its last start at 06:29); only
    when no whole minute fits is the exact bound returned.
    """
    best: float | None = None
    for w0, w1 in windows:
        if w0 > hi:
            break
        for a0, a1 in allowed:
            upper = min(w1 - 60.0 if w1 - 60.0 >= w0 else w1 - 1.0, a1 - duration, hi)
            lower = max(w0, a0, lo)
            if upper < lower:
                continue
            t = float(np.floor(upper / 60.0) * 60.0)
            t = t if t >= lower else upper
            if best is None or t > best:
                best = t
    return best
