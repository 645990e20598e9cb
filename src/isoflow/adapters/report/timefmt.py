"""Plan times (aware UTC datetimes) as what the charts use."""

from __future__ import annotations

from datetime import UTC, datetime


def chart_time(value: datetime) -> str:
    """A UTC instant as a plotly date string (``YYYY-MM-DD HH:MM:SS``)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
