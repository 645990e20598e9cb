"""A delivered generator's life at its elution site: when it is eluted, what gives doses.

The rules that say which slots a generator is eluted at and until when, shared by the
planner's candidate elutions, ``verify`` and the capacity analysis:

* :func:`in_service`: a generator may be eluted from its arrival to the end of its service
  (:func:`~isoflow.scenario.rules.generator_service_end`: shelf life, or ``replace_every``
  after arrival), both ends included;
* :func:`service_slots`: the slots of the elution process's schedule
  (:func:`~isoflow.scenario.rules.elution_slots`) in service: a fixed routine
  (``elute_every_slot``) elutes the generator at every one of them;
* :func:`generator_life`: one generator's whole service in a typical week of its elution
  process, per 1 Bq of parent at calibration: the daughter eluted at each elution
  (:func:`~isoflow.scenario.rules.generator_elutions`), the part dispensed into doses when
  the generator serves the same doses every week, and the waste by cause, as the plan's
  waste accounting (:mod:`isoflow.scenario.generator_use`) names it: a discarded first
  elution (``first_elution``), elutions of a fixed routine on days without doses
  (``no_doses``: the weekend's), eluate beyond the doses of its elution (``left_over``: a
  generator is sized for its weakest elution, at the end of its service), and the daughter
  still on the column when it is replaced (``in_generator``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import overload
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from isoflow.scenario.rules import elution_slots, generator_elutions, generator_service_end
from isoflow.scenario.schema import Process, Product, Site


@overload
def in_service(t_s: float, arrive_s: float, end_s: float) -> bool: ...
@overload
def in_service(
    t_s: npt.NDArray[np.float64], arrive_s: float, end_s: float
) -> npt.NDArray[np.bool_]: ...
def in_service(
    t_s: float | npt.NDArray[np.float64], arrive_s: float, end_s: float
) -> bool | npt.NDArray[np.bool_]:
    """Whether a generator that arrived at ``arrive_s`` may be eluted at ``t_s`` [s].

    From its arrival to the end of its service ``end_s`` (both included); elementwise for
    an array of instants.
    """
    if isinstance(t_s, np.ndarray):
        return (t_s >= arrive_s) & (t_s <= end_s)
    return arrive_s <= t_s <= end_s


def service_slots(process: Process, site: Site, arrive_s: float, end_s: float) -> list[float]:
    """The elution slots [s since epoch] of ``process`` at which a generator is in service.

    Those of :func:`~isoflow.scenario.rules.elution_slots` that are :func:`in_service`
    between its arrival ``arrive_s`` and the end of its service ``end_s``: the elutions of
    a fixed routine (``elute_every_slot``).
    """
    slots = elution_slots(process, site, arrive_s, end_s + 1.0)
    return [t for t in slots if in_service(t, arrive_s, end_s)]


@dataclass(frozen=True, slots=True)
class GeneratorLife:
    """One generator's service, per 1 Bq of parent at calibration [Bq of daughter]."""

    offsets_s: tuple[float, ...]
    """Its elutions [s after calibration]."""
    eluted: tuple[float, ...]
    """Daughter removed by each elution, at its time."""
    dispensed: tuple[float, ...]
    """Of which dispensed into doses: the elution's share of the generator's doses."""
    first_elution: float
    """Waste: the discarded first elution."""
    no_doses: float
    """Waste: elutions on days without doses (a fixed routine's weekend)."""
    left_over: float
    """Waste: eluate of dispensing elutions beyond their doses (the generator is sized for
    its weakest elution)."""
    in_generator: float
    """Waste: daughter still on the column at the end of its service."""
    parent_left: float
    """Parent left in the generator then."""

    @property
    def dose_bq(self) -> float:
        """Daughter dispensed into doses over the generator's service."""
        return sum(self.dispensed)


NO_LIFE = GeneratorLife((), (), (), 0.0, 0.0, 0.0, 0.0, 0.0)
"""A generator that is never eluted."""


def generator_life(
    generator: Product,
    process: Process,
    site: Site,
    transfer_s: float,
    week: date,
    day_weights: Sequence[float] = (1.0,) * 7,
) -> GeneratorLife:
    """A generator delivered ``transfer_s`` after its calibration, over its whole service.

    It arrives at the local midnight before the first elution slot of ``process`` in the
    site's local week (Monday to Sunday) of ``week`` (a typical week: the process's windows
    and elution times, without its outages or the site's opening dates), and is in service
    to :func:`~isoflow.scenario.rules.generator_service_end`. A fixed routine
    (``elute_every_slot``) elutes it at every slot in service (:func:`service_slots`);
    otherwise only at the slots of days with doses (``day_weights``: relative doses on each
    weekday, Monday first; 0: none). Each elution is
    :func:`~isoflow.scenario.rules.generator_elutions` (efficiency, its decline, the
    elution limit, a discarded first elution).

    The days' doses are the same every week and shared evenly by a day's slots, so the
    generator's doses are sized by its weakest elution: the smallest daughter for doses per
    share of the doses; every other elution dispenses its share at that rate and the rest
    of its eluate is left over.
    """
    proc, place = _typical(process, site)
    tz = ZoneInfo(place.timezone)
    monday = datetime.combine(week - timedelta(days=week.weekday()), time(), tz).timestamp()
    first = elution_slots(proc, place, monday, monday + 7 * 86400.0)
    if generator.daughter is None or not first:
        return NO_LIFE
    day = datetime.fromtimestamp(first[0], tz).date()
    arrive = datetime.combine(day, time(), tz).timestamp()
    calibration = arrive - transfer_s
    end = generator_service_end(generator, proc, calibration, arrive)
    slots = service_slots(proc, place, arrive, end)
    days = [datetime.fromtimestamp(t, tz).date() for t in slots]
    if not proc.elute_every_slot:
        slots = [t for t, d in zip(slots, days, strict=True) if day_weights[d.weekday()] > 0]
        days = [d for d in days if day_weights[d.weekday()] > 0]
    offsets = tuple(t - calibration for t in slots)
    got = generator_elutions(
        generator, offsets, proc.elution_efficiency, proc.discard_first_elution, end - calibration
    )
    per_day = Counter(days)
    shares = [day_weights[d.weekday()] / per_day[d] for d in days]
    dispensed = _dispensed(got.supplied, shares)
    first_waste = got.eluted[0] if got.eluted and proc.discard_first_elution else 0.0
    skip = 1 if proc.discard_first_elution else 0
    no_doses = sum(
        e for e, share in zip(got.eluted[skip:], shares[skip:], strict=True) if share <= 0
    )
    return GeneratorLife(
        offsets_s=offsets,
        eluted=got.eluted,
        dispensed=dispensed,
        first_elution=first_waste,
        no_doses=no_doses,
        left_over=sum(got.eluted) - first_waste - no_doses - sum(dispensed),
        in_generator=got.daughter_left,
        parent_left=got.parent_left,
    )


def _dispensed(supplied: Sequence[float], shares: Sequence[float]) -> tuple[float, ...]:
    """Each elution's doses when all elutions that give doses serve their share at one rate.

    The rate is the smallest ``supplied / share`` of the elutions with doses due and
    daughter for doses (none: nothing is dispensed).
    """
    rates = [g / s for g, s in zip(supplied, shares, strict=True) if g > 0 and s > 0]
    rate = min(rates, default=0.0)
    return tuple(
        s * rate if g > 0 and s > 0 else 0.0 for g, s in zip(supplied, shares, strict=True)
    )


def _typical(process: Process, site: Site) -> tuple[Process, Site]:
    """The process and site of a typical week: no outages, no opening or closing dates."""
    availability = process.availability.model_copy(update={"outages": ()})
    return (
        process.model_copy(update={"availability": availability}),
        site.model_copy(update={"start": None, "end": None}),
    )
