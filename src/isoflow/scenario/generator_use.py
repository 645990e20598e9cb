"""Generator waste accounting: what each delivered generator eluted, dispensed and wasted.

A hospital's Mo-99/Tc-99m or Ge-68/Ga-68 generator gives its daughter only by elution, and
much of what it gives is never dispensed. For every generator of a plan,
:func:`generator_use` lists each elution (daughter eluted at its time, by
:func:`~isoflow.scenario.rules.generator_elutions`; the part dispensed into doses; the rest
wasted, by cause) and one last row for what is left in the generator when it is replaced
(:func:`~isoflow.scenario.rules.generator_service_end`) or when the plan's horizon ends:

* ``first_elution``: the eluate of a discarded first elution (``discard_first_elution``);
* ``no_doses``: the eluate of an elution from which no dose is dispensed (a weekend elution
  of a fixed routine, ``elute_every_slot``; a slot whose doses went elsewhere);
* ``left_over``: eluate of a dispensing elution that no dose takes;
* ``in_generator``: daughter activity still on the column at replacement (the weekend and
  late tail), with the parent activity left (returned as waste).

Several generators eluted at one slot share its doses in proportion to what each gives to
doses. Activities are in Bq of the daughter at the elution's time (the eluate's end of
production, as ``PlanAllocation.activity_eop_bq``). :func:`use_kpis` sums the rows for the
plan's KPIs: ``waste_share_of_eluted`` is the eluate wasted (the first three causes) per Bq
eluted. Plan records are read through small protocols, so this module does not depend on the
planner.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from isoflow.domain.calendar import epoch
from isoflow.scenario.rules import (
    GeneratorElutions,
    elution_process,
    generator_elutions,
    generator_service_end,
)
from isoflow.scenario.schema import ProcessKind, Scenario


class WasteCause(StrEnum):
    """Why generator activity is not dispensed."""

    FIRST_ELUTION = "first_elution"
    NO_DOSES = "no_doses"
    LEFT_OVER = "left_over"
    IN_GENERATOR = "in_generator"


class _Elution(Protocol):
    @property
    def time_utc(self) -> datetime: ...


class _Generator(Protocol):
    @property
    def batch(self) -> str: ...
    @property
    def product(self) -> str: ...
    @property
    def site(self) -> str: ...
    @property
    def activity_calibration_bq(self) -> float: ...
    @property
    def arrive_utc(self) -> datetime: ...
    @property
    def elutions(self) -> tuple[Any, ...]: ...


class _Run(Protocol):
    @property
    def batch(self) -> str: ...
    @property
    def process(self) -> str: ...
    @property
    def start_utc(self) -> datetime: ...
    @property
    def end_of_production_utc(self) -> datetime: ...


class _Allocation(Protocol):
    @property
    def batch(self) -> str: ...
    @property
    def dispensed_eop_bq(self) -> float: ...


@dataclass(frozen=True, slots=True)
class UseRow:
    """One elution of a generator, or what is left in it at the end of its service."""

    batch: str
    """Assembly batch of the generator delivery."""
    site: str
    """Where it is eluted."""
    daughter: str
    """Nuclide eluted."""
    event: str
    """``elution``; ``replacement`` (its ``replace_every`` or shelf life ended) or
    ``horizon_end`` (still in service when the plan ends) for the last row."""
    time_s: float
    """Instant [s since epoch]."""
    eluted_bq: float
    """Daughter eluted [Bq] (0 on the last row)."""
    dispensed_bq: float
    """Of which dispensed into doses [Bq]."""
    waste_bq: float
    """Eluate not dispensed, or (last row) daughter left on the column [Bq]."""
    cause: str
    """:class:`WasteCause` of ``waste_bq``."""
    parent_left_bq: float = 0.0
    """Last row: parent activity left in the generator [Bq]."""


def _s(value: datetime) -> float:
    """A plan instant (an aware datetime) as seconds since the epoch."""
    return epoch(value)


def _slot(process: str, t: float) -> tuple[str, int]:
    return process, round(t * 1000.0)


def dispensed_by_slot(
    scenario: Scenario, runs: Iterable[_Run], allocations: Iterable[_Allocation]
) -> dict[tuple[str, int], float]:
    """Activity dispensed from each elution (process id, start in ms) [Bq at the elution]."""
    kinds = {p.id: p.kind for p in scenario.processes}
    slot_of = {
        r.batch: _slot(r.process, _s(r.start_utc))
        for r in runs
        if kinds.get(r.process) == ProcessKind.ELUTION
    }
    out: dict[tuple[str, int], float] = defaultdict(float)
    for a in allocations:
        if a.batch in slot_of:
            out[slot_of[a.batch]] += a.dispensed_eop_bq
    return out


@dataclass(frozen=True, slots=True)
class _Delivery:
    """One generator delivery with its elutions worked out (per 1 Bq of parent)."""

    g: _Generator
    daughter: str
    slot_key: str
    """Id of its elution process (slots are keyed by process and instant)."""
    times: list[float]
    got: GeneratorElutions
    end: float
    event: str
    discard: bool


def _delivery(
    scenario: Scenario, g: _Generator, eop: dict[str, float], end_s: float
) -> _Delivery | None:
    """Elutions and end of service of generator delivery ``g`` (None: it does not fit)."""
    product = next((p for p in scenario.products if p.id == g.product), None)
    if g.batch not in eop or product is None or product.daughter is None:
        return None
    proc = elution_process(scenario, g.site, product.id)
    times = sorted(_s(e.time_utc) for e in g.elutions)
    cal = eop[g.batch]
    if times and times[0] < cal:
        return None
    service = generator_service_end(product, proc, cal, _s(g.arrive_utc))
    end = max(min(service, end_s), times[-1] if times else cal)
    eff = proc.elution_efficiency if proc is not None else 1.0
    discard = proc.discard_first_elution if proc is not None else False
    got = generator_elutions(product, tuple(t - cal for t in times), eff, discard, end - cal)
    event = "replacement" if service <= end_s else "horizon_end"
    key = proc.id if proc is not None else ""
    return _Delivery(g, product.daughter, key, times, got, end, event, discard)


def generator_use(
    scenario: Scenario,
    generators: Iterable[_Generator],
    runs: Iterable[_Run],
    allocations: Iterable[_Allocation],
    end_s: float,
) -> list[UseRow]:
    """Every elution of every generator and what each leaves at its end (module docstring).

    ``end_s`` is the end of the plan's horizon [s since epoch]. A generator whose batch,
    product or elution times do not fit the scenario (a plan ``verify`` rejects) is skipped.
    """
    runs = list(runs)
    eop = {r.batch: _s(r.end_of_production_utc) for r in runs}
    dispensed = dispensed_by_slot(scenario, runs, allocations)
    deliveries = [d for g in generators if (d := _delivery(scenario, g, eop, end_s)) is not None]
    supplied: dict[tuple[str, int], float] = defaultdict(float)
    for d in deliveries:
        for t, given in zip(d.times, d.got.supplied, strict=True):
            supplied[_slot(d.slot_key, t)] += given * d.g.activity_calibration_bq
    rows: list[UseRow] = []
    for d in deliveries:
        rows.extend(_rows(d, supplied, dispensed))
    return rows


def _rows(
    d: _Delivery, supplied: dict[tuple[str, int], float], dispensed: dict[tuple[str, int], float]
) -> list[UseRow]:
    """A delivery's elutions, its share of each slot's doses, and what it holds at the end.

    Its share of the doses of a slot is what it gives to doses there per Bq all the slot's
    generators give.
    """
    g, a = d.g, d.g.activity_calibration_bq
    rows: list[UseRow] = []
    for k, (t, out, given) in enumerate(zip(d.times, d.got.eluted, d.got.supplied, strict=True)):
        slot = _slot(d.slot_key, t)
        total, doses = supplied[slot], dispensed.get(slot, 0.0)
        share = doses * given * a / total if total > 0 else 0.0
        if k == 0 and d.discard:
            cause = WasteCause.FIRST_ELUTION
        elif doses <= 0.0:
            cause = WasteCause.NO_DOSES
        else:
            cause = WasteCause.LEFT_OVER
        waste = max(0.0, out * a - share)
        rows.append(UseRow(g.batch, g.site, d.daughter, "elution", t, out * a, share, waste, cause))
    left = d.got.daughter_left * a
    rows.append(
        UseRow(
            g.batch,
            g.site,
            d.daughter,
            d.event,
            d.end,
            0.0,
            0.0,
            left,
            WasteCause.IN_GENERATOR,
            d.got.parent_left * a,
        )
    )
    return rows


def use_kpis(rows: Iterable[UseRow]) -> dict[str, Any]:
    """The plan's generator KPIs: eluted, dispensed, wasted by cause, left in generators.

    ``waste_share_of_eluted`` is the eluate not dispensed (first elution, elutions with no
    doses, left over) per Bq eluted (0 when nothing is eluted); ``in_generator_bq`` the
    daughter and ``parent_left_bq`` the parent left in generators when they are replaced or
    the horizon ends. ``by_daughter`` gives eluted, dispensed and wasted per daughter nuclide.
    """
    rows = list(rows)
    waste = {str(c): 0.0 for c in WasteCause if c != WasteCause.IN_GENERATOR}
    by_daughter: dict[str, dict[str, float]] = {}
    for r in rows:
        if r.event != "elution":
            continue
        waste[r.cause] += r.waste_bq
        d = by_daughter.setdefault(
            r.daughter, {"eluted_bq": 0.0, "dispensed_bq": 0.0, "waste_bq": 0.0}
        )
        d["eluted_bq"] += r.eluted_bq
        d["dispensed_bq"] += r.dispensed_bq
        d["waste_bq"] += r.waste_bq
    eluted = sum(r.eluted_bq for r in rows)
    wasted = sum(waste.values())
    return {
        "deliveries": len({(r.batch, r.site) for r in rows}),
        "eluted_bq": eluted,
        "dispensed_bq": sum(r.dispensed_bq for r in rows),
        "waste_bq": waste,
        "waste_share_of_eluted": wasted / eluted if eluted > 0 else 0.0,
        "in_generator_bq": sum(r.waste_bq for r in rows if r.event != "elution"),
        "parent_left_bq": sum(r.parent_left_bq for r in rows),
        "by_daughter": dict(sorted(by_daughter.items())),
    }
