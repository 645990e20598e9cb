"""Physical and practical bounds of every option: one table, checked once, quoted in help.

Engines check their option types against these bounds in ``__post_init__`` and raise
:class:`~isoflow.errors.OptionError` naming their field; the command line renames the error
to the flag the user typed (``adapters.cli.common.flags``) and quotes :attr:`Bound.text` in
each flag's help, so the limits a user reads are the limits the code applies.

Where a bound comes from: durations are bounded by a year of planning (a horizon or a lead
longer than a year has no flights, calendars or shelf life to plan with); counts by what a
process can hold (threads and workers by a machine, replications by memory: about 400 bytes
each plus the booking tables); money by 10^12 (a trillion, beyond any facility); rates by
what a business case can mean (a growth of 1000 % a year is a typing error). A year is
365.2422 d (:data:`~isoflow.units.YEAR_S`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from numbers import Integral, Real
from typing import Final, Literal, TypeVar

from isoflow.errors import OptionError
from isoflow.units import YEAR_S

Kind = Literal["duration", "count", "number", "year"]
"""How a bound and a value are written: seconds as ``1 h``, whole numbers, reals, years."""

N = TypeVar("N", int, float)

DAY: Final = 86400.0
_DURATION_UNITS: Final = (("y", YEAR_S), ("d", DAY), ("h", 3600.0), ("min", 60.0), ("s", 1.0))


def _show_duration(seconds: float) -> str:
    """``31622400.0`` -> ``366 d``: the largest unit the value is a whole number of."""
    for unit, size in _DURATION_UNITS:
        count = seconds / size
        if seconds >= size and count == round(count):
            return f"{count:.0f} {unit}"
    return f"{seconds:g} s"


def _show_number(value: float) -> str:
    if float(value).is_integer() and abs(value) >= 10_000:
        return f"{value:,.0f}"
    return f"{value:g}"


@dataclass(frozen=True, slots=True)
class Bound:
    """An interval an option must lie in, and how to say it.

    ``lo``/``hi`` are inclusive unless ``lo_open``/``hi_open``; ``noun`` starts the message
    (``a duration``); ``note`` follows it (e.g. what a sensible rate is).
    """

    lo: float
    hi: float
    noun: str
    kind: Kind = "number"
    lo_open: bool = False
    hi_open: bool = False
    note: str = ""

    def show(self, value: float) -> str:
        """A bound or a value, written as in the help text."""
        if self.kind == "duration":
            return _show_duration(value)
        if self.kind == "year":
            return f"{value:.0f}"
        if self.kind == "count":
            return f"{int(value):,}"
        return _show_number(value)

    @property
    def text(self) -> str:
        """The interval in words: ``between 1 h and 366 d``, ``from 0 to below 1``."""
        lo, hi = self.show(self.lo), self.show(self.hi)
        if self.lo_open and self.hi_open:
            return f"between {lo} and {hi}, both excluded"
        if self.lo_open:
            return f"greater than {lo} and at most {hi}"
        if self.hi_open:
            return f"from {lo} to below {hi}"
        return f"between {lo} and {hi}"

    @property
    def expected(self) -> str:
        """What an error says is expected: ``a duration between 1 h and 366 d``."""
        return f"{self.noun} {self.text}" + (f" {self.note}" if self.note else "")

    def contains(self, value: float) -> bool:
        """True if ``value`` is a number within the bound (NaN never is)."""
        above = value > self.lo if self.lo_open else value >= self.lo
        below = value < self.hi if self.hi_open else value <= self.hi
        return bool(above and below)

    def check(self, value: N, field: str) -> N:
        """Return ``value`` if it lies within the bound, else raise :class:`OptionError`."""
        whole = self.kind in ("count", "year")
        if isinstance(value, bool) or not isinstance(value, Integral if whole else Real):
            raise OptionError(field, self.expected, repr(value))
        if not self.contains(value):
            raise OptionError(field, self.expected, self._got(value))
        return value

    def _got(self, value: float) -> str:
        if isinstance(value, Integral):  # before isfinite: 10**400 is too large for a float
            return f"{value} s" if self.kind == "duration" else str(value)
        if not math.isfinite(value):
            return repr(value)
        if self.kind == "duration":
            return f"{value:g} s"
        return str(value) if self.kind in ("count", "year") else f"{value:g}"

    def clamp(self, value: float) -> float:
        """The nearest value within a closed bound (for sensitivity steps that may leave it)."""
        return min(max(value, self.lo), self.hi)


def check_instant(value: datetime, field: str, years: Bound | None = None) -> datetime:
    """Return ``value`` if it has an offset and its UTC year lies in ``years``.

    ``years`` is :data:`START_YEARS` unless given (:data:`PLAN_YEARS` for a plan's times).
    """
    years = years or START_YEARS
    try:
        year = value.astimezone(UTC).year if value.tzinfo is not None else None
    except OverflowError:  # 9999-12-31T23:00-05:00 is past the last datetime in UTC
        year = None
    if year is None or not years.contains(year):
        first, last = years.show(years.lo), years.show(years.hi)
        expected = f"a time with an offset in the years {first} to {last}"
        raise OptionError(field, expected, value.isoformat())
    return value


def duration(lo: float, hi: float, lo_open: bool = False) -> Bound:
    """A bound on a duration [s]."""
    return Bound(lo, hi, "a duration", "duration", lo_open=lo_open)


def count(lo: int, hi: int, noun: str = "a whole number") -> Bound:
    """A bound on a whole number."""
    return Bound(lo, hi, noun, "count")


# --------------------------------------------------------------------------- planner

START_YEARS: Final = Bound(1970, 2199, "a year", "year")
"""Years a horizon may start in (time-zone and flight data are modern; ``datetime`` ends
at 9999 and the planner adds the horizon and the lead to the start)."""
PLAN_YEARS: Final = Bound(1969, 2200, "a year", "year")
"""Years the times of a plan file may lie in: :data:`START_YEARS` widened by the longest
lead and horizon (366 d each); a plan time of year 9999 overflows the checks' arithmetic."""
HORIZON: Final = duration(3600.0, 366 * DAY)
"""Length of a planning horizon: an hour to a leap year."""
LEAD: Final = duration(0.0, 366 * DAY)
"""How long before the horizon production may start."""
TIME_LIMIT: Final = duration(0.0, 30 * DAY, lo_open=True)
"""Solver time limit a user gives (zero would return no plan)."""
SOLVER_TIME: Final = duration(0.0, 120 * DAY)
"""Time limit of one solver run; shares of a user's limit (and retries at up to four times
it) stay within it. Zero is allowed: the watchdog then stops the solver at once."""
GRACE: Final = duration(0.0, DAY)
"""Extra time before the watchdog kills an overrunning solver."""
MIP_GAP: Final = Bound(0.0, 1.0, "a relative gap", hi_open=True)
THREADS: Final = count(1, 256)
"""Solver threads (HiGHS starts one per thread asked for; 100,000 never finishes starting)."""
SOLVER_SEED: Final = count(0, 2**31 - 1)
"""HiGHS's random seed is a 32-bit integer."""
PARTS_IN_PARALLEL: Final = count(1, 256)
CANDIDATES: Final = count(1, 10**6)
"""Candidates kept per booking, feed or pair (the exhaustive mode of small networks keeps
10^6, i.e. all)."""
TIMED_CANDIDATES: Final = count(0, 10**6)
GRID_STARTS: Final = count(1, 100_000)
BOOKINGS_BELOW: Final = count(0, 10**9, "a number of bookings")
NEED_RATIO: Final = Bound(1.0, math.inf, "a factor")
"""Infinite in the exhaustive mode: every timed run is seen."""
TIMED_GAIN: Final = Bound(0.0, 100.0, "a fraction")
START_STEP: Final = Bound(0.0, 1000.0, "a number of half-lives", lo_open=True)
PENALTY: Final = Bound(0.0, 1e15, "a weight in currency units")
"""Objective weights: 10^15 keeps a MILP's coefficients within what HiGHS can scale."""

RECOMMEND_TOP: Final = count(1, 20, "a number of ways")
"""Ways one recommendation ranks: each is one more solve of the pinned model."""

# --------------------------------------------------------------------------- simulator

REPLICATIONS: Final = count(1, 1_000_000)
"""About 400 bytes each in memory, one CSV row each on disk; a million gives intervals far
narrower than the disruption rates they rest on."""
WEEKS: Final = count(1, 520)
SEED: Final = count(0, 2**64 - 1)
CHUNK_SIZE: Final = count(1, 1_000_000)
WORKERS: Final = count(1, 256)
"""Local worker processes (each holds the model; beyond the cores only memory grows)."""
ALTERNATIVES: Final = count(1, 100)
NOTICE: Final = duration(0.0, 366 * DAY)
WARMUP: Final = duration(0.0, 10 * YEAR_S)
REPLAN_EVERY: Final = duration(60.0, 366 * DAY)
"""Interval between re-plans of a simulated replication (a minute to a leap year)."""

# --------------------------------------------------------------------------- analyses

YEAR: Final = Bound(1950, 2150, "a year", "year")
"""Years of capacity and self-sufficiency tables (about 0.1 s per year on the built-in)."""
RESERVE: Final = Bound(0.0, 10.0, "a fraction of demand")
GROWTH_SCALE: Final = Bound(0.0, 10.0, "a factor", note="(0: flat demand, 1: as given)")
SHELF_FRACTION: Final = Bound(0.0, 1.0, "a fraction of the shelf life")
N2_TOP: Final = count(0, 100)
"""N-2 pairs among the top K: K (K - 1) / 2 re-plans, 4,950 at most."""
ROWS: Final = count(1, 100_000)
RETRY_FACTOR: Final = Bound(1.0, 4.0, "a factor")
MONEY: Final = Bound(0.0, 1e12, "an amount")
DOSES: Final = Bound(0.0, 1e10, "a number of doses per year")
CAPACITY_DOSES: Final = Bound(0.0, 1e10, "a number of doses per year", lo_open=True)
RAMP_UP: Final = count(0, 50, "a number of years")
LIFETIME: Final = count(1, 100, "a number of years")
DISCOUNT_RATE: Final = Bound(
    -0.1, 1.0, "a discount rate per year", note="(a fraction: 0.08 is 8 % a year)"
)
GROWTH_RATE: Final = Bound(
    -0.5,
    1.0,
    "a growth rate per year",
    note="(a fraction: 0.15 is +15 % a year; -0.5 halves demand each year, 1 doubles it)",
)
SWING: Final = Bound(0.0, 1.0, "a relative change", lo_open=True, hi_open=True)

# --------------------------------------------------------------------------- scenarios

SITES: Final = count(1, 1000)
HOSPITALS: Final = count(1, 10_000)
DAYS: Final = count(1, 366)
HOSPITAL_DAYS: Final = count(1, 20_000, "a number of hospital-days")
"""Bookings grow as 7 per hospital and day: 20,000 hospital-days are about 140,000 bookings,
made in seconds but about 2 minutes and 1.5 GB to write as YAML (50,000 took 290 s and
3.8 GB)."""
SYNTHETIC_SEED: Final = count(0, 2**64 - 1)
