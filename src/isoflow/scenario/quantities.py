"""Unit-aware field types for the scenario schema.

Every quantity is stored in SI (Bq, s, UTC). In a file a user may write a plain number (taken
in the SI unit named by the field's docstring) or a string with a unit: ``7.4 GBq``,
``200 mCi``, ``6 h``, ``5d``. Times of day are local ``HH:MM`` strings.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer

from isoflow.units import parse_activity, parse_datetime, parse_duration

MAX_ACTIVITY_BQ = 1e21
"""Largest activity accepted anywhere [Bq] (~27 GCi, orders above any real batch)."""

MAX_DURATION_S = 1000 * 365.2422 * 86400.0
"""Longest duration accepted [s] (1000 years)."""

_SMALLEST_NORMAL = 2.2250738585072014e-308


def _number_or_unit(parse: Any, kind: str) -> Any:
    def convert(value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError(f"expected {kind}, got a boolean")
        if isinstance(value, str):
            return parse(value, kind)
        return value

    return convert


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("expected a finite number")
    if value != 0 and abs(value) < _SMALLEST_NORMAL:
        raise ValueError("number is too small to be meaningful (subnormal)")
    return value


Activity = Annotated[
    float,
    BeforeValidator(_number_or_unit(parse_activity, "an activity such as 7.4 GBq")),
    AfterValidator(_finite),
    Field(ge=0, le=MAX_ACTIVITY_BQ),
]
"""An activity [Bq]; a number in Bq or a string such as ``7.4 GBq`` or ``200 mCi``."""

PositiveActivity = Annotated[Activity, Field(gt=0)]
"""An activity [Bq] strictly greater than zero."""

Duration = Annotated[
    float,
    BeforeValidator(_number_or_unit(parse_duration, "a duration such as 6 h")),
    AfterValidator(_finite),
    Field(ge=0, le=MAX_DURATION_S),
]
"""A duration [s]; a number in seconds or a string such as ``90 min``, ``6 h``, ``5 d``."""

PositiveDuration = Annotated[Duration, Field(gt=0)]
"""A duration [s] strictly greater than zero."""

Fraction = Annotated[float, AfterValidator(_finite), Field(ge=0, le=1)]
"""A fraction or probability in [0, 1]."""

Money = Annotated[float, AfterValidator(_finite), Field(ge=0, le=1e12)]
"""An amount of money in the scenario's currency."""

NonNegative = Annotated[float, AfterValidator(_finite), Field(ge=0, le=1e15)]
"""A finite non-negative number."""


def _utc(value: Any) -> Any:
    if isinstance(value, str):
        return parse_datetime(value, "time")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("time has no UTC offset; add one, e.g. 2025-08-04T06:00Z")
        return value.astimezone(UTC)
    if isinstance(value, date):
        raise ValueError(
            f"got the date {value.isoformat()} without a time; "
            f"expected an instant such as {value.isoformat()}T06:00Z"
        )
    return value


UtcTime = Annotated[
    datetime,
    BeforeValidator(_utc),
    PlainSerializer(lambda v: v.astimezone(UTC).isoformat().replace("+00:00", "Z"), str),
]
"""An instant; ISO-8601 with an offset (``2025-08-04T06:00+09:00``), stored in UTC."""

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _clock(value: Any) -> Any:
    if isinstance(value, str) and not _CLOCK.match(value):
        raise ValueError(f"expected a local time of day HH:MM (00:00-23:59), got {value!r}")
    return value


LocalClock = Annotated[str, AfterValidator(_clock)]
"""A local time of day ``HH:MM`` in the site's time zone."""

Identifier = Annotated[
    str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
]
"""An id: letters, digits, ``_ . : -``, starting with a letter or digit."""

CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}(-[A-Z]{2,3})?$")]
"""An ISO 3166-1 alpha-2 country code, optionally with a region (``CN-HK``)."""
