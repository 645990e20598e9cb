"""Units at the edges: parse user text into SI (Bq, s, UTC) and format SI for people.

Inside isoflow every activity is in becquerel [Bq], every duration in seconds [s] and every
instant a timezone-aware UTC :class:`datetime.datetime`. This module is the only place that
knows about GBq, mCi, hours or ISO-8601 strings.

A year is 365.2422 d, the convention of the ICRP-107 data set used for half-lives.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

from isoflow.domain.sixday import from_six_day_ci
from isoflow.errors import InputError

CURIE_BQ: Final = 3.7e10
"""One curie in becquerel (exact by definition)."""

YEAR_S: Final = 365.2422 * 86400.0
"""One year in seconds, as used by the ICRP-107 decay data (365.2422 d)."""

ACTIVITY_UNITS: Final[dict[str, float]] = {
    "Bq": 1.0,
    "kBq": 1e3,
    "MBq": 1e6,
    "GBq": 1e9,
    "TBq": 1e12,
    "PBq": 1e15,
    "pCi": CURIE_BQ * 1e-12,
    "nCi": CURIE_BQ * 1e-9,
    "uCi": CURIE_BQ * 1e-6,
    "µCi": CURIE_BQ * 1e-6,  # micro sign
    "μCi": CURIE_BQ * 1e-6,  # Greek mu
    "mCi": CURIE_BQ * 1e-3,
    "Ci": CURIE_BQ,
    "kCi": CURIE_BQ * 1e3,
}
"""Activity units and their size in becquerel. Case-sensitive: ``mBq`` is not ``MBq``."""

SIX_DAY_UNITS: Final[dict[str, float]] = {"Ci6d": 1.0, "kCi6d": 1e3}
"""Mo-99 six-day curies (activity six days after the processor's reference time; see
:mod:`isoflow.domain.sixday`): the number of six-day Ci per unit. An activity given in them
is the Mo-99 activity at the reference time."""

TIME_UNITS: Final[dict[str, float]] = {
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
    "days": 86400.0,
    "wk": 7 * 86400.0,
    "y": YEAR_S,
    "yr": YEAR_S,
    "a": YEAR_S,
}
"""Time units and their length in seconds."""

ATOMS_UNIT: Final = "atoms"

_NUMBER_UNIT = re.compile(
    r"^\s*(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|infinity|nan))"
    r"\s*(?P<unit>[^\s\d.+-][^\s]*)?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Amount:
    """An amount of one nuclide: an activity [Bq] or a number of atoms."""

    value: float
    kind: Literal["Bq", "atoms"]


def _split(text: str, field: str, expected: str) -> tuple[float, str | None]:
    match = _NUMBER_UNIT.match(text)
    if match is None:
        raise InputError(field, f"expected {expected}, got {text!r}")
    number = float(match["num"])
    if not math.isfinite(number):
        raise InputError(field, f"expected a finite number, got {text!r}")
    return number, match["unit"]


def _finite_non_negative(value: float, field: str, text: str) -> float:
    if not math.isfinite(value):
        raise InputError(field, f"value {text!r} is too large (not a finite number)")
    if value < 0:
        raise InputError(field, f"expected a non-negative value, got {text!r}")
    return value


def parse_amount(text: str, field: str = "amount") -> Amount:
    """Parse ``"7.4GBq"``, ``"200 mCi"`` or ``"1e20atoms"`` into an :class:`Amount`.

    Raises :class:`InputError` naming ``field`` on a bad number or unknown unit.
    """
    expected = "an activity such as 7.4GBq or 200mCi, or a number of atoms such as 1e20atoms"
    number, unit = _split(text, field, expected)
    if unit is None:
        raise InputError(field, f"missing unit in {text!r}; expected {expected}")
    if unit.lower() == ATOMS_UNIT or unit.lower() == "atom":
        return Amount(_finite_non_negative(number, field, text), "atoms")
    if unit in SIX_DAY_UNITS:
        value = from_six_day_ci(number * SIX_DAY_UNITS[unit])
        return Amount(_finite_non_negative(value, field, text), "Bq")
    if unit not in ACTIVITY_UNITS:
        raise InputError(
            field,
            f"unknown activity unit {unit!r} in {text!r}; expected one of "
            f"{', '.join(ACTIVITY_UNITS)}, {', '.join(SIX_DAY_UNITS)} (Mo-99 six-day curies) "
            "or atoms",
        )
    return Amount(_finite_non_negative(number * ACTIVITY_UNITS[unit], field, text), "Bq")


def parse_activity(text: str, field: str = "activity") -> float:
    """Parse an activity such as ``"7.4 GBq"`` into becquerel [Bq]."""
    amount = parse_amount(text, field)
    if amount.kind != "Bq":
        raise InputError(field, f"expected an activity (e.g. 7.4GBq), got {text!r}")
    return amount.value


def parse_duration(text: str, field: str = "duration") -> float:
    """Parse a duration such as ``"72h"``, ``"180 d"`` or ``"1.5y"`` into seconds [s]."""
    expected = "a duration such as 90min, 72h, 180d or 2y"
    number, unit = _split(text, field, expected)
    if unit is None:
        raise InputError(field, f"missing unit in {text!r}; expected {expected}")
    if unit not in TIME_UNITS:
        raise InputError(
            field,
            f"unknown time unit {unit!r} in {text!r}; expected one of {', '.join(TIME_UNITS)}",
        )
    return _finite_non_negative(number * TIME_UNITS[unit], field, text)


def parse_durations(text: str, field: str = "durations") -> list[float]:
    """Parse a comma-separated list of durations (``"24h,48h"``) into seconds [s]."""
    parts = text.split(",")
    if not text.strip() or any(not p.strip() for p in parts):
        raise InputError(field, f"expected a comma-separated list such as 24h,48h, got {text!r}")
    return [parse_duration(p, field) for p in parts]


def parse_datetime(text: str, field: str = "time") -> datetime:
    """Parse an ISO-8601 instant with an offset (``2025-08-04T06:00+09:00``) to UTC.

    A trailing ``Z`` means UTC. A time without an offset is rejected: local times are
    ambiguous across the time zones of a supply network.
    """
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw)
    except ValueError:
        raise InputError(
            field, f"expected an ISO-8601 time such as 2025-08-04T06:00Z, got {text!r}"
        ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError(
            field, f"time {text!r} has no UTC offset; add one, e.g. {raw}Z or {raw}+09:00"
        )
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-05:00 lies past the last representable instant
        raise InputError(field, f"time {text!r} is out of range") from None


def to_iso(value: datetime) -> str:
    """Format a UTC instant as ISO-8601 with a ``Z`` suffix, to the second or finer."""
    utc = value.astimezone(UTC)
    text = utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def seconds(delta: timedelta) -> float:
    """Return a :class:`timedelta` in seconds [s]."""
    return delta.total_seconds()


def format_activity(bq: float, digits: int = 4) -> str:
    """Format an activity [Bq] with the largest SI prefix that keeps the value >= 1."""
    if bq == 0 or not math.isfinite(bq):
        return f"{bq:g} Bq"
    for unit, size in (("PBq", 1e15), ("TBq", 1e12), ("GBq", 1e9), ("MBq", 1e6), ("kBq", 1e3)):
        if abs(bq) >= size:
            return f"{bq / size:.{digits}g} {unit}"
    return f"{bq:.{digits}g} Bq"


def format_duration(s: float, digits: int = 4) -> str:
    """Format a duration [s] in the largest of y, d, h, min, s that keeps the value >= 1."""
    if not math.isfinite(s):
        return "stable" if s > 0 else f"{s:g} s"
    for unit, size in (("y", YEAR_S), ("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if abs(s) >= size:
            return f"{s / size:.{digits}g} {unit}"
    return f"{s:.{digits}g} s"
