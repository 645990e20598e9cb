"""Basic field types of a scenario's models: nuclide names, time zones, weekdays."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator

from isoflow.domain.nuclides import canonical


def _nuclide(value: str) -> str:
    return canonical(value, "nuclide")


Nuclide = Annotated[str, AfterValidator(_nuclide)]
"""A nuclide name, normalised (``177Lu`` -> ``Lu-177``)."""


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown IANA time zone {value!r}; expected e.g. Asia/Seoul or Australia/Sydney"
        ) from None
    return value


TimeZone = Annotated[str, AfterValidator(_zone)]
"""An IANA time zone name such as ``Asia/Seoul``."""


class Weekday(StrEnum):
    """Day of the week."""

    MON = "Mon"
    TUE = "Tue"
    WED = "Wed"
    THU = "Thu"
    FRI = "Fri"
    SAT = "Sat"
    SUN = "Sun"


ALL_DAYS: tuple[Weekday, ...] = tuple(Weekday)
