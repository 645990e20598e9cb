"""Why a booking is unserved: the first rule that truly excludes it, checked exactly.

Each booking the candidates cannot serve is judged producer by producer with the same rules
the candidates use (:mod:`isoflow.scenario.rules`, the network's routing and the process
calendars). A producer's verdict is the first rule that stops it, in the order of
:class:`Reason`; the booking's reason is the verdict of the producer that came closest.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from isoflow.domain.calendar import latest_start
from isoflow.engines.planner.candidate_types import CandidateOptions
from isoflow.engines.planner.flows import _via
from isoflow.engines.planner.timing import candidate_starts, latest_ready_times
from isoflow.records.reasons import MEANING, Reason
from isoflow.scenario import rules
from isoflow.scenario.demand import DemandItem
from isoflow.scenario.rules import SupplyBar, process_availability, shelf_life_s, supply_bar
from isoflow.scenario.schema import Process, ProcessKind, Product

if TYPE_CHECKING:
    from isoflow.engines.planner.candidate_types import Candidates
    from isoflow.engines.planner.network import PlanningNetwork


CLOSENESS: tuple[Reason, ...] = (
    Reason.OUTSIDE_SERVICE_AREA,
    Reason.NO_LICENCE,
    Reason.GMP_MARKET,
    Reason.EXCEEDS_BATCH_MAX,
    Reason.ORDER_CUTOFF,
    Reason.LEAD_TIME,
    Reason.SITE_IN_OUTAGE,
    Reason.OUTSIDE_OPERATING_HOURS,
    Reason.CONTRACT_EXCLUDES,
    Reason.EXPORT_RESTRICTED,
    Reason.NO_ROUTE_WITHIN_SHELF_LIFE,
)
"""Producer verdicts from closest to serving to farthest: the booking gets the closest."""


def explain_missing(
    net: PlanningNetwork,
    cand: Candidates,
    bookings: list[DemandItem],
    producers: dict[str, list[int]],
    products: dict[str, Product],
    active: Sequence[int] | None = None,
) -> None:
    """Give every booking without a candidate its reason (``cand.reasons``).

    Only the bookings ``active`` indexes are judged (all when None).
    """
    served = {a.booking for a in cand.allocations}
    for bi in range(len(bookings)) if active is None else active:
        b = bookings[bi]
        if bi in served:
            continue
        product = products[b.product]
        country = net.site_country[net.site_index[b.hospital]]
        if cand.booking_activity[bi] <= 0:
            cand.reasons[bi] = (Reason.NO_DOSE, MEANING[Reason.NO_DOSE])
            continue
        if not net.approved(b.product, country):
            cand.reasons[bi] = (Reason.NOT_APPROVED, f"{b.product} is not approved in {country}")
            continue
        makers = producers.get(b.product, [])
        if not makers:
            cand.reasons[bi] = (Reason.NO_PRODUCER, f"no process makes {b.product}")
            continue
        reason = _closest(net, cand, bi, makers, product)
        cand.reasons[bi] = (reason, _detail(reason, b, product, country, len(makers)))


def _closest(
    net: PlanningNetwork, cand: Candidates, bi: int, makers: list[int], product: Product
) -> Reason:
    """The verdict of the producer that comes closest to serving booking ``bi``.

    Producers that no route from reaches in time (one backward search from the hospital,
    shared by all of them) are judged at once; the rest by :func:`_verdict`.
    """
    hosp, deadline = int(cand.booking_site[bi]), float(cand.booking_deadline[bi])
    reach = net.latest_ready_all(hosp, deadline, product)
    relaxed: dict[int, float] | None = None
    best: Reason | None = None
    for pi in makers:
        site = net.site_index[net.scenario.processes[pi].site]
        if site not in reach and site != hosp and _via(net, pi, product, hosp) is None:
            if relaxed is None:
                relaxed = net.latest_ready_all(hosp, deadline, product, relax=True)
            verdict = (
                Reason.EXPORT_RESTRICTED if site in relaxed else Reason.NO_ROUTE_WITHIN_SHELF_LIFE
            )
        else:
            verdict = _verdict(net, cand, bi, pi, product)
        if best is None or CLOSENESS.index(verdict) < CLOSENESS.index(best):
            best = verdict
        if best == CLOSENESS[0]:
            break
    assert best is not None
    return best


def _verdict(net: PlanningNetwork, cand: Candidates, bi: int, pi: int, product: Product) -> Reason:
    """The first rule that stops process ``pi`` from serving booking ``bi``."""
    sc = net.scenario
    proc = sc.processes[pi]
    site = net.site_index[proc.site]
    booking_site = int(cand.booking_site[bi])
    t_admin, deadline = float(cand.booking_time[bi]), float(cand.booking_deadline[bi])
    via = _via(net, pi, product, booking_site)
    readies = latest_ready_times(net, site, booking_site, deadline, product, via=via)
    if not readies:
        if via is not None and net.latest_ready(site, booking_site, deadline, product):
            return Reason.CONTRACT_EXCLUDES
        if net.latest_ready(site, booking_site, deadline, product, relax=True, via=via):
            return Reason.EXPORT_RESTRICTED
        return Reason.NO_ROUTE_WITHIN_SHELF_LIFE
    if pi not in cand.wide_intervals:
        site_rec = sc.sites[site]
        lo = net.earliest - LOOK_BACK_S
        cand.wide_intervals[pi] = process_availability(
            proc.availability, site_rec, lo, net.horizon_end
        )
    windows, allowed = cand.wide_intervals[pi]
    verdict = _calendar_verdict(net, proc, t_admin, product, max(readies), windows, allowed)
    if verdict is None and proc.kind == ProcessKind.ELUTION:
        verdict = _elution_verdict(net, cand, pi, t_admin, product, max(readies))
    if verdict is None and proc.order_cutoff is not None:  # in time, but after the cut-off?
        after = rules.earliest_start_for_order(proc, cand.booking_ordered[bi])
        if proc.kind == ProcessKind.ELUTION:
            late = _elution_verdict(net, cand, pi, t_admin, product, max(readies), after)
        else:
            late = _calendar_verdict(
                net, proc, t_admin, product, max(readies), windows, allowed, after
            )
        verdict = None if late is None else Reason.ORDER_CUTOFF
    bar = supply_bar(sc.sites[site], sc.sites[booking_site], product.id)
    if verdict is None:  # a run fits in time: only who may supply, or the batch size, stop it
        return Reason.EXCEEDS_BATCH_MAX if bar is None else BAR_REASON[bar]
    return verdict


def _elution_verdict(
    net: PlanningNetwork,
    cand: Candidates,
    pi: int,
    t_admin: float,
    product: Product,
    ready: float,
    after: float = -math.inf,
) -> Reason | None:
    """None if an elution slot of process ``pi`` lies where a dose for ``t_admin`` may come from.

    Elutions happen at fixed instants (elution times, or evenly spaced slots in each day's
    window), not anywhere in a window: with none between the shelf life's start (and
    ``after``, the order cut-off's earliest start) and the latest ready time, the dose is
    outside the operating hours.
    """
    proc = net.scenario.processes[pi]
    if pi not in cand.elution_slots:
        cand.elution_slots[pi] = candidate_starts(net, proc, CandidateOptions())
    lo = max(net.earliest, t_admin - shelf_life_s(product) - proc.duration, after)
    hi = min(ready - proc.qc_release, t_admin) - proc.duration
    if any(lo <= t <= hi for t in cand.elution_slots[pi]):
        return None
    return Reason.OUTSIDE_OPERATING_HOURS


BAR_REASON: dict[SupplyBar, Reason] = {
    SupplyBar.SERVICE_AREA: Reason.OUTSIDE_SERVICE_AREA,
    SupplyBar.LICENCE: Reason.NO_LICENCE,
    SupplyBar.GMP_MARKET: Reason.GMP_MARKET,
}
"""The unserved reason for each rule of :func:`rules.supply_bar`."""


LOOK_BACK_S = 30 * 86400.0
"""How far before the earliest start a run is looked for to tell ``lead_time`` [s]."""


def _calendar_verdict(
    net: PlanningNetwork,
    proc: Process,
    t_admin: float,
    product: Product,
    ready: float,
    windows: list[tuple[float, float]],
    allowed: list[tuple[float, float]],
    after: float = -math.inf,
) -> Reason | None:
    """None if a run of ``proc`` fits (window, availability, shelf life, plan start, ``after``).

    Otherwise which calendar rule stops it: the plan's earliest start (``lead_time``), an
    outage, cycle or site dates (``site_in_outage``), or the weekly windows. ``after`` is the
    earliest start the booking's order cut-off allows.
    """
    lo_shelf = t_admin - shelf_life_s(product) - proc.duration
    hi = min(ready - proc.qc_release, t_admin) - proc.duration
    lo = max(net.earliest, lo_shelf, after)
    span_lo = max(lo_shelf, net.earliest - LOOK_BACK_S)
    if latest_start(windows, allowed, proc.duration, lo, hi) is not None:
        return None
    if latest_start(windows, allowed, proc.duration, span_lo, hi) is not None:
        return Reason.LEAD_TIME
    always = [(span_lo - 1.0, net.horizon_end + 60 * 86400.0)]
    if latest_start(windows, always, proc.duration, lo, hi) is not None:
        return Reason.SITE_IN_OUTAGE
    return Reason.OUTSIDE_OPERATING_HOURS


def _detail(reason: Reason, b: DemandItem, product: Product, country: str, makers: int) -> str:
    """A sentence for the unserved table: the meaning, with this booking's particulars."""
    if reason == Reason.NO_ROUTE_WITHIN_SHELF_LIFE:
        shelf = shelf_life_s(product)
        life = f"{shelf / 3600:.1f} h" if math.isfinite(shelf) else "no limit"
        return (
            f"no producer of {b.product} reaches {b.hospital} in time (shelf life {life}; "
            f"{makers} producer(s) checked)"
        )
    if reason == Reason.GMP_MARKET:
        return f"the producers that could serve it hold no GMP approval for {country}"
    if reason == Reason.NO_LICENCE:
        return f"the producers that could serve it hold no licence for {b.product} in {country}"
    if reason == Reason.OUTSIDE_SERVICE_AREA:
        return f"{b.hospital} is outside the service area of the producers that could serve it"
    return f"{MEANING[reason]} ({makers} producer(s) of {b.product} checked)"


StockUse = dict[tuple[str, str, int], float]
"""Amount of each limited material a site uses in a week: (site, material, week) -> amount."""


def stock_use(net: PlanningNetwork, cand: Candidates, made: set[int]) -> StockUse:
    """What the plan's ``made`` runs consume, per site, material and week.

    Uses :func:`rules.input_uses` and :func:`rules.horizon_week`.
    """
    sc = net.scenario
    used: StockUse = defaultdict(float)
    for r in made:
        run = cand.runs[r]
        proc = sc.processes[run.process]
        for product, amount in rules.input_uses(proc).items():
            used[(proc.site, product, rules.horizon_week(run.start, net.horizon_start))] += amount
    return used


def stock_bars(
    net: PlanningNetwork, cand: Candidates, made: set[int], used: StockUse, runs: set[int]
) -> bool:
    """True if none of ``runs`` could be added to the plan's ``made`` runs within the stocks.

    A run is barred when some limited material it consumes plus what the made runs of its
    site use in the same week (``used``, from :func:`stock_use`) exceeds the site's weekly
    stock (:func:`rules.stock_limits`). Runs already made are not barred.
    """
    sc = net.scenario

    def barred(r: int) -> bool:
        run = cand.runs[r]
        proc = sc.processes[run.process]
        limits = rules.stock_limits(sc.sites[net.site_index[proc.site]])
        week = rules.horizon_week(run.start, net.horizon_start)
        return r not in made and any(
            used.get((proc.site, product, week), 0.0) + amount > limits[product] * (1 + 1e-9)
            for product, amount in rules.input_uses(proc).items()
            if product in limits
        )

    return bool(runs) and all(barred(r) for r in runs)
