"""Unit-aware field types for the scenario schema.

Every quantity is stored in SI (Bq, s, UTC). In a file a user may write a plain number (taken
in the SI unit named by the field's docstring) or a string with a unit: ``7.4 GBq``,
``200 mCi``, ``6 h``, ``5d``. Times of day are local ``HH:MM`` strings.

Each type also carries its JSON Schema (``isoflow schema``, for editors): a quantity is
``{"anyOf": [{"type": "number", <bounds>}, {"type": "string", "pattern": <number and unit>}]}``
and bounds are written as JSON Schema keywords (``minimum``, ``exclusiveMinimum``, ...). The
JSON side never changes what the loader accepts; the patterns are built from the unit tables of
:mod:`isoflow.units` and describe the text that :func:`~isoflow.units.parse_activity` and
:func:`~isoflow.units.parse_duration` accept (the magnitude limits apply to numbers only).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetJsonSchemaHandler,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from isoflow.scenario.limits import MAX_NUMBER_CHARS, number_message
from isoflow.units import (
    ACTIVITY_UNITS,
    SIX_DAY_UNITS,
    TIME_UNITS,
    parse_activity,
    parse_datetime,
    parse_duration,
)

MAX_ACTIVITY_BQ = 1e21
"""Largest activity accepted anywhere [Bq] (~27 GCi, orders above any real batch)."""

MAX_DURATION_S = 1000 * 365.2422 * 86400.0
"""Longest duration accepted [s] (1000 years)."""

_SMALLEST_NORMAL = 2.2250738585072014e-308


_LEADING_NUMBER = re.compile(r"\s*[+-]?[0-9.]*(?:[eE][+-]?[0-9]*)?")


def _number_or_unit(parse: Any, kind: str) -> Any:
    def convert(value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError(f"expected {kind}, got a boolean")
        if isinstance(value, str):
            number = _LEADING_NUMBER.match(value)
            digits = len(number.group().strip()) if number is not None else 0
            if digits > MAX_NUMBER_CHARS:
                raise ValueError(number_message(digits))
            return parse(value, kind)
        return value

    return convert


# --------------------------------------------------------------------------- JSON Schema

_JSON_BOUNDS = {
    "ge": "minimum",
    "gt": "exclusiveMinimum",
    "le": "maximum",
    "lt": "exclusiveMaximum",
    "multiple_of": "multipleOf",
}
"""pydantic constraint names and the JSON Schema keywords that mean the same."""


def json_bounds(schema: JsonSchemaValue) -> JsonSchemaValue:
    """Write pydantic's ``ge``/``gt``/``le``/``lt`` left in ``schema`` as JSON Schema keywords.

    pydantic cannot push a ``Field(ge=...)`` below a validator function, so it copies the
    constraint into the JSON Schema under its own name, which JSON Schema ignores. This renames
    them (``ge`` -> ``minimum``, ``gt`` -> ``exclusiveMinimum``, ...), keeps the tighter bound
    where two apply, and drops an inclusive bound made redundant by an exclusive one at the
    same or a tighter value. ``schema`` is changed in place and returned.
    """
    for name, keyword in _JSON_BOUNDS.items():
        if name not in schema:
            continue
        value = schema.pop(name)
        if keyword in schema and keyword != "multipleOf":
            tighter = max if keyword in ("minimum", "exclusiveMinimum") else min
            value = tighter(schema[keyword], value)
        schema[keyword] = value
    if "minimum" in schema and "exclusiveMinimum" in schema:
        inclusive_redundant = schema["exclusiveMinimum"] >= schema["minimum"]
        del schema["minimum" if inclusive_redundant else "exclusiveMinimum"]
    if "maximum" in schema and "exclusiveMaximum" in schema:
        inclusive_redundant = schema["exclusiveMaximum"] <= schema["maximum"]
        del schema["maximum" if inclusive_redundant else "exclusiveMaximum"]
    return schema


_MANTISSA = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_EXPONENT = r"(?:[eE][+-]?[0-9]+)?"
_ZERO = r"(?:0+(?:\.0*)?|\.0+)"


def quantity_pattern(units: Iterable[str], *, positive: bool = False) -> str:
    """Regular expression of the text a unit parser accepts: a number, then one of ``units``.

    Mirrors :func:`isoflow.units.parse_activity` / :func:`~isoflow.units.parse_duration`:
    optional blanks around and between, a decimal number with an optional exponent, no
    sign but ``+`` (a minus only on zero, which the parsers take as non-negative), no
    ``inf``/``nan``, and a case-sensitive unit, which is required (a bare number must be
    written as a JSON/YAML number, not a string). With ``positive`` the number must have a
    non-zero digit before its exponent. The expression is valid in ECMA-262 (JSON Schema's
    dialect) and in Python.
    """
    names = "|".join(re.escape(u) for u in sorted(units, key=lambda u: (-len(u), u)))
    if positive:
        number = rf"\+?(?=[0-9.]*[1-9]){_MANTISSA}{_EXPONENT}"
    else:
        number = rf"(?:\+?{_MANTISSA}|-{_ZERO}){_EXPONENT}"
    return rf"^\s*{number}\s*(?:{names})\s*$"


def _is_positive(number: JsonSchemaValue) -> bool:
    exclusive, inclusive = number.get("exclusiveMinimum"), number.get("minimum")
    return (exclusive is not None and exclusive >= 0) or (inclusive is not None and inclusive > 0)


@dataclass(frozen=True, slots=True)
class NumberJson:
    """JSON Schema of a bounded number whose bounds sit below a validator function."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The number schema pydantic makes, bounds as JSON Schema keywords."""
        return json_bounds(handler(core_schema))


@dataclass(frozen=True, slots=True)
class QuantityJson:
    """JSON Schema of a quantity: a bounded number, or a string of a number with a unit.

    The bounds are read from the number schema, so a narrower alias such as
    ``Annotated[Activity, Field(gt=0)]`` gets ``exclusiveMinimum`` on its number and a string
    pattern that rejects zero.
    """

    units: tuple[str, ...]
    """Units the string may end in (the keys of a table in :mod:`isoflow.units`)."""
    examples: tuple[str, ...]
    """Example strings shown by editors."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """``{"anyOf": [number with bounds, string with unit pattern]}``."""
        number = json_bounds(handler(core_schema))
        text = {
            "type": "string",
            "pattern": quantity_pattern(self.units, positive=_is_positive(number)),
            "examples": list(self.examples),
        }
        return {"anyOf": [number, text]}


_ACTIVITY_JSON = QuantityJson(
    (*ACTIVITY_UNITS, *SIX_DAY_UNITS), ("7.4 GBq", "200 mCi", "2500 Ci6d")
)
_DURATION_JSON = QuantityJson(tuple(TIME_UNITS), ("90 min", "6 h", "5 d"))


# --------------------------------------------------------------------------- types


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
    _ACTIVITY_JSON,
]
"""An activity [Bq]; a number in Bq or a string such as ``7.4 GBq`` or ``200 mCi``."""

PositiveActivity = Annotated[Activity, Field(gt=0)]
"""An activity [Bq] strictly greater than zero."""

Duration = Annotated[
    float,
    BeforeValidator(_number_or_unit(parse_duration, "a duration such as 6 h")),
    AfterValidator(_finite),
    Field(ge=0, le=MAX_DURATION_S),
    _DURATION_JSON,
]
"""A duration [s]; a number in seconds or a string such as ``90 min``, ``6 h``, ``5 d``."""

PositiveDuration = Annotated[Duration, Field(gt=0)]
"""A duration [s] strictly greater than zero."""

Fraction = Annotated[float, AfterValidator(_finite), Field(ge=0, le=1), NumberJson()]
"""A fraction or probability in [0, 1]."""

Money = Annotated[float, AfterValidator(_finite), Field(ge=0, le=1e12), NumberJson()]
"""An amount of money in the scenario's currency."""

NonNegative = Annotated[float, AfterValidator(_finite), Field(ge=0, le=1e15), NumberJson()]
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


_DAY = r"(?:0[1-9]|[12][0-9]|3[01])"
_MONTH = r"(?:0[1-9]|1[0-2])"
_HOUR = r"(?:[01][0-9]|2[0-3])"
_SIXTY = r"[0-5][0-9]"
_ISO_INSTANT = (
    rf"[0-9]{{4}}(?:-{_MONTH}-{_DAY}|{_MONTH}{_DAY})[Tt ]{_HOUR}"
    rf"(?::{_SIXTY}(?::{_SIXTY}(?:[.,][0-9]+)?)?|{_SIXTY}(?:{_SIXTY}(?:[.,][0-9]+)?)?)?"
    rf" ?(?:[Zz]|[+-]{_HOUR}(?::?{_SIXTY}(?::?{_SIXTY})?)?)"
)
_YAML_TIMESTAMP = (
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
    r"[ \t]*(?:Z|[+-][0-9]{1,2}(?::[0-9]{2})?)"
)
UTC_TIME_PATTERN = rf"^\s*(?:{_ISO_INSTANT}|{_YAML_TIMESTAMP})\s*$"
"""Text of an instant with a UTC offset, as :func:`isoflow.units.parse_datetime` reads it.

ISO-8601 calendar dates, extended or basic, a time to the hour, minute, second or a fraction,
and an offset (``Z`` or ``+09:00``, ``+0900``, ``+09``); or a YAML timestamp with an offset
(``2025-08-04 06:00:00 +9``), which a YAML file holds unquoted. Without an offset a time is
rejected by the loader, so it is not matched here either.
"""

UtcTime = Annotated[
    datetime,
    BeforeValidator(_utc),
    PlainSerializer(lambda v: v.astimezone(UTC).isoformat().replace("+00:00", "Z"), str),
    WithJsonSchema(
        {"type": "string", "pattern": UTC_TIME_PATTERN, "examples": ["2025-08-04T06:00+09:00"]}
    ),
]
"""An instant; ISO-8601 with an offset (``2025-08-04T06:00+09:00``), stored in UTC."""

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _clock(value: Any) -> Any:
    if isinstance(value, str) and not _CLOCK.match(value):
        raise ValueError(f"expected a local time of day HH:MM (00:00-23:59), got {value!r}")
    return value


LocalClock = Annotated[
    str,
    AfterValidator(_clock),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*(?:[01][0-9]|2[0-3]):[0-5][0-9]\s*$",
            "examples": ["06:30"],
        }
    ),
]
"""A local time of day ``HH:MM`` in the site's time zone."""

Identifier = Annotated[
    str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
]
"""An id: letters, digits, ``_ . : -``, starting with a letter or digit."""

CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}(-[A-Z]{2,3})?$")]
"""An ISO 3166-1 alpha-2 country code, optionally with a region (``CN-HK``)."""
