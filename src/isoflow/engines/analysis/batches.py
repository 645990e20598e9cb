"""Batches a supply process can make in a year: its available dates and its input stocks."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from isoflow.domain.calendar import WEEKDAYS, clock_minutes
from isoflow.scenario.rules import input_uses, process_availability, stock_limits
from isoflow.scenario.schema import Process, Scenario


def available_days(scenario: Scenario, process: Process, year: int) -> int:
    """Local days of ``year`` on which ``process`` can start and finish a batch."""
    return len(available_dates(scenario, process, year))


def available_dates(scenario: Scenario, process: Process, year: int) -> list[date]:
    """The local dates of ``year`` on which ``process`` can start and finish a batch."""
    site = scenario.site(process.site)
    tz = ZoneInfo(site.timezone)
    y0 = datetime(year, 1, 1, tzinfo=tz).timestamp()
    y1 = datetime(year + 1, 1, 1, tzinfo=tz).timestamp()
    av = process.availability
    _, allowed = process_availability(av, site, y0, y1)
    windows = [({str(d) for d in w.days}, w.start, w.end) for w in av.windows]
    found: list[date] = []
    day = date(year, 1, 1)
    while day.year == year:
        name = WEEKDAYS[day.weekday()]
        for days, opening, closing in windows:
            if name not in days:
                continue
            t0 = _local(day, opening, tz)
            t1 = (
                _local(day + timedelta(days=1), "00:00", tz)
                if closing == "23:59"
                else (_local(day, closing, tz))
            )
            if any(max(t0, a) < t1 and max(t0, a) + process.duration <= b for a, b in allowed):
                found.append(day)
                break
        day += timedelta(days=1)
    return found


def _local(day: date, clock: str, tz: ZoneInfo) -> float:
    minutes = clock_minutes(clock)
    return datetime(
        day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=tz
    ).timestamp()


def stock_capped_batches(scenario: Scenario, process: Process, dates: list[date], year: int) -> int:
    """Batches of ``process`` in ``year``, capped each week by the site's stocks.

    The sum of :func:`weekly_batches`.
    """
    return sum(weekly_batches(scenario, process, dates, year).values())


def weekly_batches(
    scenario: Scenario, process: Process, dates: list[date], year: int
) -> dict[int, int]:
    """Batches of ``process`` in each week of ``year`` (0-based), capped by the site's stocks.

    ``max_batches_per_day`` on each available date. Weeks are seven-day blocks from
    1 January; in a week of ``n`` available dates the batches are
    ``min(n · max_batches_per_day, ⌊stock_week / per_batch⌋)`` for every limited material
    (:func:`~isoflow.scenario.rules.input_uses`, ``stock_limits``); a last block shorter
    than seven days gets its share of a week's stock. Weeks with no available date are
    absent.
    """
    limits = stock_limits(scenario.site(process.site))
    uses = {p: a for p, a in input_uses(process).items() if p in limits}
    per_week: dict[int, int] = defaultdict(int)
    for day in dates:
        per_week[week_of(day, year)] += process.max_batches_per_day
    if not uses:
        return dict(per_week)
    year_days = days_in_year(year)
    out = {}
    for week, batches in per_week.items():
        share = min(7, year_days - 7 * week) / 7
        cap = min(math.floor(limits[p] * share / a + 1e-9) for p, a in uses.items())
        out[week] = min(batches, cap)
    return out


def week_of(day: date, year: int) -> int:
    """The 0-based seven-day block from 1 January of ``year`` that ``day`` falls in."""
    return (day - date(year, 1, 1)).days // 7


def days_in_year(year: int) -> int:
    """365 or 366."""
    return (date(year + 1, 1, 1) - date(year, 1, 1)).days
