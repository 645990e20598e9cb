"""Dispatch calendars: which administrations the runs of a therapy's calendar can reach.

A therapy made on a fixed weekly calendar (its process's ``availability`` windows, e.g.
Mondays and Wednesdays 06:00-08:00 local time) with an order cut-off
(``Process.order_cutoff``) reaches a hospital only on some days, and a dose for one of them
must be ordered before the cut-off of the runs that can make it. :func:`dispatch_reach`
gives, for every (product, hospital), the administration windows of each calendar run
window (decay-free, like :func:`~isoflow.scenario.reach.supply_reach`) and the latest order
time every run of that window accepts (:func:`~isoflow.scenario.rules.order_deadline` of
its first start). The demand generator (:mod:`isoflow.scenario.bookings`) places the
bookings of calendar products on those days, ordered before those cut-offs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from isoflow.domain.calendar import Interval, epoch
from isoflow.scenario.reach import Reach, Travel, availability
from isoflow.scenario.rules import order_deadline, shelf_life_s
from isoflow.scenario.schema import Scenario, SiteKind

MARGIN_S = 2 * 3600.0
"""Margin [s] kept from both ends of an administration window (arrival, end of shelf life),
as the demand generator keeps from the supply reach (``bookings.LEAD_MARGIN_S``)."""


@dataclass(frozen=True, slots=True)
class CalendarWindow:
    """Administrations one window of calendar runs can reach at one hospital [s since epoch]."""

    lo: float
    """Earliest administration: the first run's earliest arrival, plus :data:`MARGIN_S`."""
    hi: float
    """Latest administration: the last run's end of shelf life, less :data:`MARGIN_S`."""
    order_by: float
    """Latest order time every run of the window accepts (the first start's cut-off)."""


@dataclass(frozen=True, slots=True)
class DispatchReach:
    """Administration windows of calendar products at hospitals (see the module docstring)."""

    windows: Mapping[tuple[str, str], tuple[CalendarWindow, ...]]
    """(product id, hospital id) -> windows, in order of run start."""
    calendar: frozenset[str]
    """Products made by at least one process with an order cut-off."""
    open: frozenset[str]
    """Of those, the products also made by a process without one (any day it reaches)."""

    def order_by(self, product: str, hospital: str, t: float) -> float | None:
        """Latest order time [s] for a dose administered at ``t`` (None: no calendar run).

        Every calendar run that can reach ``t`` accepts an order placed by then.
        """
        times = [w.order_by for w in self.windows.get((product, hospital), ()) if w.lo <= t <= w.hi]
        return min(times) if times else None

    def spans(self, product: str, hospital: str) -> list[Interval]:
        """The administration windows ``[lo, hi]`` of ``product`` at ``hospital`` [s]."""
        return [(w.lo, w.hi) for w in self.windows.get((product, hospital), ())]


def dispatch_reach(scenario: Scenario, reach: Reach, lead_s: float) -> DispatchReach:
    """The administration windows of every run window of every process with a cut-off.

    A run window is one interval in which the process may start (its weekly windows within
    its availability, from ``lead_s`` before the horizon to its end), from the earliest
    start its inputs allow (``reach.begin``). Its runs reach a hospital from the earliest
    arrival of the first run (QC release, then the lanes, within the shelf life) to the end
    of the last run's shelf life; doses for them are ordered by the first start less the
    cut-off.
    """
    t0, t1 = epoch(scenario.meta.start), epoch(scenario.end)
    t_first = t0 - lead_s
    sites = {s.id: s for s in scenario.sites}
    products = {p.id: p for p in scenario.products}
    hospitals = {s.id for s in scenario.sites if SiteKind.HOSPITAL in s.kind}
    begin = reach.begin or {}
    travel = Travel(scenario, t_first, t1)
    windows: dict[tuple[str, str], list[CalendarWindow]] = {}
    calendar = {p.output for p in scenario.processes if p.order_cutoff is not None}
    for proc in scenario.processes:
        if proc.order_cutoff is None or proc.id not in begin or proc.output not in products:
            continue
        product = products[proc.output]
        shelf = shelf_life_s(product)
        first = t0 + begin[proc.id]
        for lo, hi in availability(proc, sites[proc.site], t_first, t1):
            start = max(lo, first)
            if start >= hi:
                continue
            release = start + proc.duration + proc.qc_release
            last = hi + proc.duration + shelf - MARGIN_S
            arrivals = travel(proc.site, release, shelf - proc.qc_release, product.id)
            for site, arrive in sorted(arrivals.items()):
                if site in hospitals and arrive + MARGIN_S <= last:
                    windows.setdefault((product.id, site), []).append(
                        CalendarWindow(arrive + MARGIN_S, last, order_deadline(proc, start))
                    )
    return DispatchReach(
        {k: tuple(sorted(v, key=lambda w: w.lo)) for k, v in windows.items()},
        frozenset(calendar),
        frozenset(p.output for p in scenario.processes if p.order_cutoff is None) & calendar,
    )
