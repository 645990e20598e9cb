"""Plan times (ISO-8601 UTC) to and from what the charts use."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_utc(text: str) -> datetime:
    """A plan time (ISO-8601, ``Z`` or offset) as an aware UTC datetime."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def chart_time(value: datetime | str) -> str:
    """A UTC instant as a plotly date string (``YYYY-MM-DD HH:MM:SS``)."""
    dt = parse_utc(value) if isinstance(value, str) else value.astimezone(UTC)
    return dt.strftime("%Y-%m-%d %H:%M:%S")
