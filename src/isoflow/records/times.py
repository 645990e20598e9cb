"""Instants in the plan's records: timezone-aware UTC datetimes, written ``...Z``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator

from isoflow import bounds
from isoflow.errors import InputError, OptionError
from isoflow.units import parse_datetime, to_iso


def _instant(value: Any) -> datetime:
    """An instant of the plan: ISO-8601 text with an offset, or an aware datetime; in UTC.

    In the years of :data:`~isoflow.bounds.PLAN_YEARS` (a plan time of year 9999 would
    overflow the checks' arithmetic).
    """
    if isinstance(value, str):
        try:
            value = parse_datetime(value, "time")
        except InputError as exc:
            raise ValueError(exc.message) from None
    if not isinstance(value, datetime):
        raise ValueError(f"expected an ISO-8601 time such as 2025-08-04T06:00Z, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} has no UTC offset")
    try:
        bounds.check_instant(value, "time", bounds.PLAN_YEARS)
    except OptionError as exc:
        raise ValueError(exc.message) from None
    return value.astimezone(UTC)


UtcTime = Annotated[
    datetime,
    PlainValidator(_instant, json_schema_input_type=str),
    PlainSerializer(to_iso, return_type=str, when_used="json"),
]
"""An instant of the plan: an aware UTC datetime, written ``2025-08-04T06:00:00Z``."""
