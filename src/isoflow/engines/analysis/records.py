"""Typed result tables: frozen record dataclasses that turn into CSV rows and JSON.

Every analysis returns lists of frozen dataclasses (one per table row). :func:`rows` turns a
list of records into plain dictionaries (CSV/JSON ready, floats kept as floats, ``None``
as empty) so that an adapter writes any table without knowing its type.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from typing import Any

HOUR = 3600.0
DAY = 86400.0


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def as_dict(record: Any) -> dict[str, Any]:
    """One record (a dataclass instance) as a JSON-ready dictionary."""
    if not (dataclasses.is_dataclass(record) and not isinstance(record, type)):
        raise TypeError(f"expected a dataclass record, got {type(record).__name__}")
    out: dict[str, Any] = _plain(record)
    return out


def rows(records: Iterable[Any]) -> list[dict[str, Any]]:
    """Records as JSON-ready dictionaries, one per row."""
    return [as_dict(r) for r in records]


def field_names(record_type: type[Any]) -> list[str]:
    """Column names of a record type (for the header of an empty table)."""
    return [f.name for f in dataclasses.fields(record_type)]
