"""Seeded generation of a week of patient bookings from a scenario's demand rates.

:func:`generate_bookings` draws Poisson counts per hospital, product and day from
``demand.rates`` (national doses per week), split evenly across the country's hospitals that
can actually be served: the product is approved in the country, the hospital is operating on
that day, and the product can reach the hospital within its shelf life and before the
administration time (:func:`supply_reach`, a decay-free lower bound on the supply chain).
Administration times fall in local clinic hours and are stored in UTC.

Bookings are a *sample* of national demand (``share`` per product): a planning week of a few
hundred bookings, not the tens of thousands of doses a country uses.  Same scenario, start,
days, seed and share give identical bookings.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from isoflow.domain.calendar import (
    Interval,
    epoch,
    intersect,
    weekly_instants,
)
from isoflow.scenario.rules import lane_carries, process_availability
from isoflow.scenario.schema import (
    Booking,
    Lane,
    Order,
    Process,
    Product,
    Scenario,
    Site,
    SiteKind,
    Stage,
)

WEEK_S = 7 * 86400.0
THERAPY_NUCLIDES = frozenset({"Lu-177", "Ac-225", "Pb-212", "Ra-223", "I-131", "Y-90", "Cu-67"})
"""Nuclides whose drug products are therapies (priority 2, therapy clinic hours)."""

DEFAULT_SHARE_THERAPY = 0.25
"""Share of national therapy doses booked in the scenario week (modelled centres)."""
DEFAULT_SHARE_DIAGNOSTIC = 0.0025
"""Share of national diagnostic doses booked in the scenario week (a sample)."""

MIN_PER_WEEK = 2.0
"""Smallest expected weekly bookings per country and product (unless the rate is lower)."""

DAY_WEIGHTS = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.25, 0.0])
"""Relative booking volume Monday..Sunday (clinics: weekdays, some Saturday lists)."""

THERAPY_DAY_WEIGHTS = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0])
"""Therapies are given on weekdays only."""

CLINIC_HOURS = (8 * 60, 17 * 60)
"""Local clinic hours for diagnostic doses [min after midnight)."""
THERAPY_HOURS = (9 * 60, 14 * 60)
"""Local hours for therapy administrations [min after midnight)."""
SLOT_MIN = 15
"""Administration times are on a 15-minute grid."""

LEAD_MARGIN_S = 2 * 3600.0
"""Extra lead time on top of the supply lower bound before a booking is offered."""


def is_therapy(product: Product) -> bool:
    """True if the drug product is a therapy (by its nuclide)."""
    return product.nuclide in THERAPY_NUCLIDES


def priority(product: Product) -> int:
    """Booking priority by product type: therapy 2, PET 3, SPECT and others 4."""
    if is_therapy(product):
        return 2
    if product.nuclide in {"F-18", "Ga-68", "Cu-64", "Zr-89"}:
        return 3
    return 4


# --------------------------------------------------------------------------- reachability


def _operating(site: Site, start: datetime, end: datetime) -> bool:
    return (site.start is None or site.start < end) and (site.end is None or site.end > start)


def _motion(lane: Lane) -> float:
    """Time a shipment spends on a lane excluding waits [s]: handling, transit, customs."""
    customs = lane.border.customs_delay if lane.border is not None else 0.0
    return lane.handling + lane.transit + customs


def _availability(process: Process, site: Site, t0: float, t1: float) -> list[Interval]:
    windows, allowed = process_availability(process.availability, site, t0, t1)
    return intersect(windows, allowed)


def _first_at_or_after(spans: list[Interval], t: float) -> float | None:
    for lo, hi in spans:
        if hi > t:
            return max(lo, t)
    return None


@dataclass(frozen=True, slots=True)
class Reach:
    """Earliest availability of products at sites within the horizon [s after meta.start]."""

    ready: Mapping[tuple[str, str], float]
    """(product id, site id) -> earliest arrival [s after meta.start]."""

    def at(self, product: str, site: str) -> float | None:
        """Earliest arrival of ``product`` at ``site`` [s], or None if it cannot get there."""
        return self.ready.get((product, site))


PRODUCTION_LEAD_S = 7 * 86400.0
"""How long before the horizon production may start (the planner's default ``lead``) [s]."""


def supply_reach(scenario: Scenario, lead_s: float = PRODUCTION_LEAD_S) -> Reach:
    """Where and how early each product can be delivered within the horizon (no inventory).

    Exact in calendar terms: a process starts in its availability (weekly windows, operating
    cycle, planned outages, site start/end) once every input has arrived; shipments leave on
    timetabled departures (or on demand) after handling, arrive after transit and customs, on
    class-7 lanes only. A product reaches a site if the time in motion from end of production
    (QC release, handling, transit, customs) fits within its shelf life; waits are assumed to
    be avoidable by timing the batch. Decay and capacities are not considered. Production
    may start ``lead_s`` before the horizon (planning next week leaves that long to make
    isotopes), so reach times may be negative.
    """
    t0, t1 = epoch(scenario.meta.start), epoch(scenario.end)
    t_first = t0 - lead_s
    sites = {s.id: s for s in scenario.sites}
    products = {p.id: p for p in scenario.products}
    timetables = {
        lane.id: weekly_instants(
            [(d.days, d.time) for d in lane.timetable], sites[lane.origin].timezone, t_first, t1
        )
        for lane in scenario.lanes
        if lane.origin in sites and lane.destination in sites
    }
    lanes_of: dict[str, dict[str, list[tuple[Lane, npt.NDArray[np.float64]]]]] = {}
    for product in scenario.products:
        lanes_from = lanes_of.setdefault(product.id, {})
        for lane in scenario.lanes:
            if lane.id in timetables and lane_carries(lane, product):
                lanes_from.setdefault(lane.origin, []).append((lane, timetables[lane.id]))
    spans = {
        p.id: _availability(p, sites[p.site], t_first, t1)
        for p in scenario.processes
        if p.site in sites and p.output in products
    }

    def travel(origin: str, ready: float, budget: float, product: str) -> dict[str, float]:
        """Earliest arrival at each site from ``origin`` at ``ready``; motion <= budget."""
        lanes_from = lanes_of[product]
        best = {origin: (ready, 0.0)}
        heap = [(ready, 0.0, origin)]
        while heap:
            t, moved, node = heapq.heappop(heap)
            if t > best[node][0]:
                continue
            for lane, deps in lanes_from.get(node, ()):
                m = moved + _motion(lane)
                if m > budget:
                    continue
                earliest = t + lane.handling
                if lane.timetable:
                    k = int(np.searchsorted(deps, earliest))
                    if k >= deps.size:
                        continue
                    dep = float(deps[k])
                else:
                    dep = earliest + lane.on_demand_lead
                arrive = dep + _motion(lane) - lane.handling
                if arrive <= t1 and arrive < best.get(lane.destination, (np.inf, 0.0))[0]:
                    best[lane.destination] = (arrive, m)
                    heapq.heappush(heap, (arrive, m, lane.destination))
        return {k: v[0] for k, v in best.items()}

    ready: dict[tuple[str, str], float] = {}
    done: dict[str, float] = {}
    for _ in range(len(products) + 1):
        changed = False
        for proc in scenario.processes:
            if proc.id not in spans:
                continue
            need = t_first
            for inp in proc.inputs:
                t = ready.get((inp.product, proc.site))
                if t is None:
                    break
                need = max(need, t)
            else:
                begin = _first_at_or_after(spans[proc.id], need)
                if begin is None or done.get(proc.id, np.inf) <= begin:
                    continue
                done[proc.id] = begin
                out = products[proc.output]
                release = begin + proc.duration + proc.qc_release
                shelf = out.shelf_life if out.shelf_life is not None else np.inf
                for dest, t in travel(proc.site, release, shelf - proc.qc_release, out.id).items():
                    if t <= t1 and t < ready.get((proc.output, dest), np.inf):
                        ready[(proc.output, dest)] = t
                        changed = True
        if not changed:
            break
    return Reach({k: v - t0 for k, v in ready.items()})


# --------------------------------------------------------------------------- bookings


def _approved(scenario: Scenario) -> dict[str, set[str]]:
    approved: dict[str, set[str]] = {}
    for a in scenario.policies.approvals:
        approved.setdefault(a.product, set()).update(a.countries)
    return approved


def _weekday_index(day: datetime) -> int:
    return day.weekday()


def _bookable(
    scenario: Scenario,
    start: datetime,
    share: Mapping[str, float] | None,
    reach: Reach,
    full: bool = False,
) -> tuple[list[tuple[Site, Product]], list[float]]:
    """(hospital, product) pairs that may book, and each pair's expected doses a week.

    The national weekly rate (grown to ``start``'s year) of each approved drug product is
    split evenly across the country's hospitals the product can reach. A sample by default
    (``share`` per product, or :data:`DEFAULT_SHARE_THERAPY` / :data:`DEFAULT_SHARE_DIAGNOSTIC`,
    at least :data:`MIN_PER_WEEK`); the whole rate with ``full``.
    """
    products = {p.id: p for p in scenario.products}
    hospitals = sorted(
        (s for s in scenario.sites if SiteKind.HOSPITAL in s.kind), key=lambda s: s.id
    )
    approved = _approved(scenario)
    pairs: list[tuple[Site, Product]] = []
    rates: list[float] = []
    for rate in sorted(scenario.demand.rates, key=lambda r: (r.country, r.product)):
        product = products.get(rate.product)
        if product is None or product.stage != Stage.DRUG_PRODUCT:
            continue
        if rate.product in approved and rate.country not in approved[rate.product]:
            continue
        local = [
            h
            for h in hospitals
            if h.country == rate.country and reach.at(product.id, h.id) is not None
        ]
        if not local:
            continue
        years = start.year - rate.base_year
        weekly = rate.doses_per_week * (1.0 + rate.growth_per_year) ** years
        if full:
            booked = weekly
        else:
            frac = (share or {}).get(
                product.id,
                DEFAULT_SHARE_THERAPY if is_therapy(product) else DEFAULT_SHARE_DIAGNOSTIC,
            )
            booked = min(weekly, max(weekly * frac, MIN_PER_WEEK))
        for h in local:
            pairs.append((h, product))
            rates.append(booked / len(local))
    return pairs, rates


def _daily_counts(
    rng: np.random.Generator,
    pairs: list[tuple[Site, Product]],
    rates: list[float],
    start: datetime,
    days: int,
) -> tuple[list[datetime], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Local midnight of each pair's first day, Poisson doses per pair and day, therapy flags."""
    day0 = [
        datetime.combine(start.astimezone(ZoneInfo(h.timezone)).date(), datetime.min.time())
        for h, _ in pairs
    ]
    weekday = np.array(
        [[(_weekday_index(d0) + k) % 7 for k in range(days)] for d0 in day0], dtype=np.int64
    )
    therapy = np.array([is_therapy(p) for _, p in pairs])
    weights = np.where(therapy[:, None], THERAPY_DAY_WEIGHTS[weekday], DAY_WEIGHTS[weekday])
    lam = np.asarray(rates)[:, None] * weights / DAY_WEIGHTS.sum()
    return day0, rng.poisson(lam), therapy


def _deliverable(
    scenario: Scenario,
    reach: Reach,
    hospital: Site,
    product: Product,
    when: datetime,
    start: datetime,
    days: int,
) -> bool:
    """True if a dose due ``when`` is in the days drawn, at an open hospital, in reach."""
    if not start <= when < start + timedelta(days=days):
        return False  # local days overhang the UTC horizon at its ends
    if not _operating(hospital, when, when + timedelta(seconds=1)):
        return False
    earliest = reach.at(product.id, hospital.id)
    lead = (when - scenario.meta.start).total_seconds()
    return earliest is not None and lead >= earliest + LEAD_MARGIN_S


def generate_bookings(
    scenario: Scenario,
    start: datetime,
    days: int,
    seed: int,
    share: Mapping[str, float] | None = None,
    lead_s: float = PRODUCTION_LEAD_S,
) -> tuple[Booking, ...]:
    """Draw ``days`` days of bookings from ``scenario.demand.rates``, reproducibly from ``seed``.

    ``start`` is a UTC instant (the first day is the local calendar day containing it at each
    hospital, then consecutive days).  ``share`` maps product id -> fraction of the national
    rate booked; by default therapies get :data:`DEFAULT_SHARE_THERAPY` and diagnostics
    :data:`DEFAULT_SHARE_DIAGNOSTIC`.  Existing bookings in ``scenario`` are ignored.
    """
    start = _checked_start(start, days)
    rng = np.random.default_rng(seed)
    reach = supply_reach(scenario, lead_s)
    pairs, rates = _bookable(scenario, start, share, reach)
    if not pairs or days == 0:
        return ()
    day0, counts, therapy = _daily_counts(rng, pairs, rates, start, days)
    return _draft_bookings(scenario, reach, rng, pairs, day0, counts, therapy, start, days)


def _draft_bookings(
    scenario: Scenario,
    reach: Reach,
    rng: np.random.Generator,
    pairs: list[tuple[Site, Product]],
    day0: list[datetime],
    counts: npt.NDArray[np.int64],
    therapy: npt.NDArray[np.bool_],
    start: datetime,
    days: int,
) -> tuple[Booking, ...]:
    """One booking per dose drawn (``counts[pair, day]``), at a random clinic slot."""
    pair_idx, day_idx = np.nonzero(counts)
    reps = counts[pair_idx, day_idx]
    pair_of = np.repeat(pair_idx, reps)
    day_of = np.repeat(day_idx, reps)
    n = pair_of.size
    lo = np.where(therapy[pair_of], THERAPY_HOURS[0], CLINIC_HOURS[0])
    hi = np.where(therapy[pair_of], THERAPY_HOURS[1], CLINIC_HOURS[1])
    slots = (hi - lo) // SLOT_MIN
    minute = lo + rng.integers(0, slots) * SLOT_MIN
    kg = np.clip(np.round(rng.normal(78.0, 13.0, size=n), 1), 40.0, 160.0)

    drafts: list[tuple[datetime, str, str, Product, float]] = []
    for i in range(n):
        hospital, product = pairs[int(pair_of[i])]
        zone = ZoneInfo(hospital.timezone)
        local_time = day0[int(pair_of[i])] + timedelta(days=int(day_of[i]), minutes=int(minute[i]))
        when = local_time.replace(tzinfo=zone).astimezone(UTC)
        if _deliverable(scenario, reach, hospital, product, when, start, days):
            drafts.append((when, hospital.id, product.id, product, float(kg[i])))
    drafts.sort(key=lambda d: (d[0], d[1], d[2], d[4]))
    return tuple(
        _booking(f"bk-{k:05d}", when, hospital_id, product, mass)
        for k, (when, hospital_id, _, product, mass) in enumerate(drafts, start=1)
    )


def _checked_start(start: datetime, days: int) -> datetime:
    if days < 0:
        raise ValueError("days must be non-negative")
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    return start.astimezone(UTC)


def _booking(ident: str, when: datetime, hospital: str, product: Product, mass: float) -> Booking:
    per_kg = product.dose is not None and product.dose.per_kg is not None
    return Booking(
        id=ident,
        hospital=hospital,
        product=product.id,
        administration=when,
        priority=priority(product),
        patient_kg=mass if per_kg else None,
    )


ORDER_LISTS_MIN = (8 * 60, 12 * 60)
"""Calibration times of a hospital's daily diagnostic orders, local [min after midnight]: a
morning and a midday list; a day's diagnostic doses are shared evenly between them."""


def generate_demand(
    scenario: Scenario,
    start: datetime,
    days: int,
    seed: int,
    lead_s: float = PRODUCTION_LEAD_S,
) -> tuple[tuple[Booking, ...], tuple[Order, ...]]:
    """``days`` days of demand at 100 % of ``scenario.demand.rates`` (no sampling).

    The same draw as :func:`generate_bookings` at the whole national rate: therapies become
    per-patient bookings (weekdays, therapy hours); each hospital's diagnostic doses of a
    product and day are shared at random between the day's lists (:data:`ORDER_LISTS_MIN`),
    one splittable order per list with at least one dose. Reproducible from ``seed``.
    """
    start = _checked_start(start, days)
    rng = np.random.default_rng(seed)
    reach = supply_reach(scenario, lead_s)
    pairs, rates = _bookable(scenario, start, None, reach, full=True)
    if not pairs or days == 0:
        return (), ()
    day0, counts, therapy = _daily_counts(rng, pairs, rates, start, days)
    patient_counts = np.where(therapy[:, None], counts, 0)
    bookings = _draft_bookings(
        scenario, reach, rng, pairs, day0, patient_counts, therapy, start, days
    )
    lists = len(ORDER_LISTS_MIN)
    orders: list[Order] = []
    for i, j in zip(*np.nonzero(np.where(therapy[:, None], 0, counts)), strict=True):
        hospital, product = pairs[int(i)]
        zone = ZoneInfo(hospital.timezone)
        split = rng.multinomial(int(counts[i, j]), [1.0 / lists] * lists)
        for li, n in enumerate(split.tolist()):
            local = day0[int(i)] + timedelta(days=int(j), minutes=ORDER_LISTS_MIN[li])
            when = local.replace(tzinfo=zone).astimezone(UTC)
            if n and _deliverable(scenario, reach, hospital, product, when, start, days):
                orders.append(
                    Order(
                        id=f"or-{len(orders) + 1:05d}",
                        hospital=hospital.id,
                        product=product.id,
                        calibration=when,
                        doses=n,
                        priority=priority(product),
                    )
                )
    orders.sort(key=lambda o: (o.calibration, o.hospital, o.product))
    return bookings, tuple(orders)


__all__ = [
    "Reach",
    "generate_bookings",
    "generate_demand",
    "priority",
    "supply_reach",
]
