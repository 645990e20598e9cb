"""Bounds on what a scenario file may hold, so that a hostile or broken file is refused early.

Each limit is checked as the file is read (a file above the size limit is not read at all),
and a file beyond one gets an error naming file, line and field, in the same form as every
other problem (``big.yaml:12: sites.0.lat: ...``). The limits sit far above any real
scenario: the deepest field of the schema is seven levels down, a national network with a
year of bookings is a few tens of megabytes, and a number never needs more than a few dozen
characters.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

MAX_FILE_BYTES = 200 * 1024 * 1024
"""Largest scenario file (YAML, JSON or one CSV table) [bytes]: 200 MiB."""

MAX_DEPTH = 32
"""Deepest nesting of mappings and lists in a file (the schema needs seven levels)."""

MAX_ALIAS_VALUES = 100_000
"""Most values that YAML aliases (``*name``) may add to a file in all, counting every value
inside each aliased mapping or list (an "alias bomb" adds billions from a few lines)."""

MAX_NUMBER_CHARS = 100
"""Longest number, in characters (a 5,000-digit integer is refused, not converted)."""


def describe() -> list[tuple[str, str]]:
    """``(limit, value)`` rows for the reference documentation."""
    return [
        ("file size (YAML, JSON, each CSV table)", f"{MAX_FILE_BYTES // (1024 * 1024)} MiB"),
        ("nesting depth of mappings and lists", f"{MAX_DEPTH} levels"),
        ("values added by YAML aliases, in all", f"{MAX_ALIAS_VALUES:,}"),
        ("length of a number", f"{MAX_NUMBER_CHARS} characters"),
    ]


def size_message(size: int | None) -> str:
    """The error for a file above :data:`MAX_FILE_BYTES` of ``size`` bytes.

    ``size`` is None for a stream (a pipe, a device), whose size is unknown.
    """
    mib = 1024 * 1024
    what = (
        f"{size / mib:,.1f} MiB" if size is not None else f"more than {MAX_FILE_BYTES // mib} MiB"
    )
    return (
        f"the file is {what}; scenario files may be at most {MAX_FILE_BYTES // mib} MiB (put "
        "bulk lists in CSV tables of a scenario folder)"
    )


def depth_message() -> str:
    """The error for a mapping or list nested deeper than :data:`MAX_DEPTH`."""
    return f"nested deeper than {MAX_DEPTH} levels, the limit (a scenario needs seven)"


def alias_message() -> str:
    """The error for aliases that add more than :data:`MAX_ALIAS_VALUES` values."""
    return (
        f"YAML aliases add more than {MAX_ALIAS_VALUES:,} values to the file, the limit "
        "(an alias bomb?); write the values out or alias less"
    )


def number_message(length: int) -> str:
    """The error for a number of ``length`` characters above :data:`MAX_NUMBER_CHARS`."""
    return (
        f"a number of {length:,} characters; numbers may have at most {MAX_NUMBER_CHARS} "
        "(write large values with an exponent, e.g. 2.5e12)"
    )


def _json_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(number_message(len(text)))
    return int(text)


def _json_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(number_message(len(text)))
    return float(text)


def too_deep(tree: Any) -> bool:
    """True if the mappings and lists of plain data nest deeper than :data:`MAX_DEPTH`."""
    level = [tree] if isinstance(tree, dict | list) else []
    for _ in range(MAX_DEPTH):
        level = [
            v
            for node in level
            for v in (node.values() if isinstance(node, dict) else node)
            if isinstance(v, dict | list)
        ]
        if not level:
            return False
    return True


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` refusing a key given twice in one JSON object (``ValueError``)."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f'duplicate key "{key}" in one object; each key may appear once')
        result[key] = value
    return result


def loads_json(
    text: str, object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None
) -> Any:
    """``json.loads`` within the limits: raises ``ValueError`` (our message) beyond them.

    ``json.JSONDecodeError`` (a ``ValueError``) is raised unchanged for a syntax error.
    """
    try:
        data = json.loads(
            text, object_pairs_hook=object_pairs_hook, parse_int=_json_int, parse_float=_json_float
        )
    except RecursionError:
        raise ValueError(depth_message()) from None
    if too_deep(data):
        raise ValueError(depth_message())
    return data
