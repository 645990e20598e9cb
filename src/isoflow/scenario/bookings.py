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

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from isoflow.domain.calendar import from_epoch
from isoflow.scenario.dispatch import DispatchReach, dispatch_reach
from isoflow.scenario.reach import PRODUCTION_LEAD_S, Reach, supply_reach
from isoflow.scenario.schema import (
    Booking,
    Order,
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


def day_weights(product: Product) -> tuple[float, ...]:
    """Relative doses of ``product`` booked on each weekday, Monday to Sunday [1]."""
    return tuple(float(w) for w in (THERAPY_DAY_WEIGHTS if is_therapy(product) else DAY_WEIGHTS))


def priority(product: Product) -> int:
    """Booking priority by product type: therapy 2, PET 3, SPECT and others 4."""
    if is_therapy(product):
        return 2
    if product.nuclide in {"F-18", "Ga-68", "Cu-64", "Zr-89"}:
        return 3
    return 4


# --------------------------------------------------------------------------- bookings


def _operating(site: Site, start: datetime, end: datetime) -> bool:
    return (site.start is None or site.start < end) and (site.end is None or site.end > start)


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
    dispatch: DispatchReach | None = None,
) -> tuple[list[datetime], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Local midnight of each pair's first day, Poisson doses per pair and day, therapy flags.

    A product on a dispatch calendar is booked only on the days its calendar runs can reach
    (:func:`_calendar_weights`).
    """
    day0 = [
        datetime.combine(start.astimezone(ZoneInfo(h.timezone)).date(), datetime.min.time())
        for h, _ in pairs
    ]
    weekday = np.array(
        [[(_weekday_index(d0) + k) % 7 for k in range(days)] for d0 in day0], dtype=np.int64
    )
    therapy = np.array([is_therapy(p) for _, p in pairs])
    weights = np.where(therapy[:, None], THERAPY_DAY_WEIGHTS[weekday], DAY_WEIGHTS[weekday])
    if dispatch is not None:
        weights = _calendar_weights(dispatch, pairs, day0, therapy, weights)
    lam = np.asarray(rates)[:, None] * weights / DAY_WEIGHTS.sum()
    return day0, rng.poisson(lam), therapy


# --------------------------------------------------------------------------- dispatch calendars

ORDER_SPREAD_MIN = 3 * 24 * 60
"""A dose of a product on a dispatch calendar is ordered up to this many minutes before the
cut-off of the runs that can make it (uniformly, to the minute)."""


def _dispatch(scenario: Scenario, reach: Reach, lead_s: float) -> DispatchReach | None:
    """The dispatch calendars' reach, or None when no process has an order cut-off."""
    if all(p.order_cutoff is None for p in scenario.processes):
        return None
    return dispatch_reach(scenario, reach, lead_s)


def _slot_times(hospital: Site, day: datetime, therapy: bool) -> list[datetime]:
    """A local day's administration slots (UTC): therapy or clinic hours, every 15 min."""
    lo, hi = THERAPY_HOURS if therapy else CLINIC_HOURS
    zone = ZoneInfo(hospital.timezone)
    return [
        (day + timedelta(minutes=m)).replace(tzinfo=zone).astimezone(UTC)
        for m in range(lo, lo + (hi - lo) // SLOT_MIN * SLOT_MIN, SLOT_MIN)
    ]


def _reachable_slots(
    dispatch: DispatchReach, hospital: Site, product: Product, day: datetime, therapy: bool
) -> list[datetime]:
    """The day's slots at which a calendar run of ``product`` can reach ``hospital``."""
    spans = dispatch.spans(product.id, hospital.id)
    return [
        t
        for t in _slot_times(hospital, day, therapy)
        if any(lo <= t.timestamp() <= hi for lo, hi in spans)
    ]


def _calendar_weights(
    dispatch: DispatchReach,
    pairs: list[tuple[Site, Product]],
    day0: list[datetime],
    therapy: npt.NDArray[np.bool_],
    weights: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Day weights of calendar products moved onto the days their calendar runs reach.

    The pair's total over the days drawn is kept (a calendar that reaches four of five
    weekdays gives each of them 5/4 of a day's doses); a pair no run reaches gets none. A
    product also made without a cut-off keeps its weights (that process reaches any day).
    """
    out = weights.copy()
    for i, (hospital, product) in enumerate(pairs):
        if product.id not in dispatch.calendar or product.id in dispatch.open:
            continue
        mask = [
            bool(_reachable_slots(dispatch, hospital, product, day, bool(therapy[i])))
            for day in (day0[i] + timedelta(days=k) for k in range(weights.shape[1]))
        ]
        row = weights[i] * np.array(mask)
        total = float(row.sum())
        out[i] = row * (float(weights[i].sum()) / total) if total > 0 else 0.0
    return out


def _calendar_slot(
    dispatch: DispatchReach,
    hospital: Site,
    product: Product,
    when: datetime,
    therapy: bool,
    pick: tuple[float, int],
) -> tuple[datetime | None, datetime | None]:
    """Administration and order time of a dose of a calendar product drawn for ``when``'s day.

    The administration is one of the day's slots the calendar reaches (``pick[0]``, uniform
    in [0, 1), chooses it; ``when`` is kept for a product also made without a cut-off if
    none is); the order is placed ``pick[1]`` minutes before the cut-off of the runs that
    can make it (:meth:`DispatchReach.order_by`), on a whole minute. ``(None, None)``: no
    calendar run reaches the day.
    """
    zone = ZoneInfo(hospital.timezone)
    local = when.astimezone(zone)
    day = datetime.combine(local.date(), datetime.min.time())
    slots = _reachable_slots(dispatch, hospital, product, day, therapy)
    if slots:
        when = slots[min(int(pick[0] * len(slots)), len(slots) - 1)]
    elif product.id not in dispatch.open:
        return None, None
    return when, _order_time(dispatch, hospital, product, when, pick[1])


def _order_time(
    dispatch: DispatchReach, hospital: Site, product: Product, when: datetime, minutes: int
) -> datetime | None:
    """``minutes`` before the latest order time for a dose at ``when`` (None: no cut-off)."""
    order_by = dispatch.order_by(product.id, hospital.id, when.timestamp())
    if order_by is None:
        return None
    return from_epoch(math.floor(order_by / 60.0) * 60.0 - 60.0 * minutes)


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
    dispatch = _dispatch(scenario, reach, lead_s)
    day0, counts, therapy = _daily_counts(rng, pairs, rates, start, days, dispatch)
    return _draft_bookings(
        scenario, reach, rng, (pairs, day0, therapy, dispatch), counts, start, days
    )


_Pairs = tuple[
    list[tuple[Site, Product]], list[datetime], npt.NDArray[np.bool_], DispatchReach | None
]
"""(hospital, product) pairs that book, the local midnight of each one's first day, therapy
flags, and the dispatch calendars' reach (None: no order cut-off anywhere)."""


def _draft_bookings(
    scenario: Scenario,
    reach: Reach,
    rng: np.random.Generator,
    booking_pairs: _Pairs,
    counts: npt.NDArray[np.int64],
    start: datetime,
    days: int,
) -> tuple[Booking, ...]:
    """One booking per dose drawn (``counts[pair, day]``), at a random clinic slot.

    A dose of a product on a dispatch calendar gets a slot its calendar runs reach and an
    order time before their cut-off (:func:`_calendar_slot`; drawn after everything else, so
    scenarios without a cut-off draw exactly as before).
    """
    pairs, day0, therapy, dispatch = booking_pairs
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
    calendar = dispatch is not None and any(p.id in dispatch.calendar for _, p in pairs)
    pick = rng.random(n) if calendar else np.zeros(n)
    early = rng.integers(0, ORDER_SPREAD_MIN + 1, size=n) if calendar else np.zeros(n, int)

    drafts: list[tuple[datetime, str, str, Product, float, datetime | None]] = []
    for i in range(n):
        hospital, product = pairs[int(pair_of[i])]
        zone = ZoneInfo(hospital.timezone)
        local_time = day0[int(pair_of[i])] + timedelta(days=int(day_of[i]), minutes=int(minute[i]))
        when: datetime | None = local_time.replace(tzinfo=zone).astimezone(UTC)
        ordered = None
        if dispatch is not None and product.id in dispatch.calendar and when is not None:
            choice = (float(pick[i]), int(early[i]))
            when, ordered = _calendar_slot(
                dispatch, hospital, product, when, bool(therapy[pair_of[i]]), choice
            )
        if when is not None and _deliverable(scenario, reach, hospital, product, when, start, days):
            drafts.append((when, hospital.id, product.id, product, float(kg[i]), ordered))
    drafts.sort(key=lambda d: (d[0], d[1], d[2], d[4]))
    return tuple(
        _booking(f"bk-{k:05d}", when, hospital_id, product, mass, ordered)
        for k, (when, hospital_id, _, product, mass, ordered) in enumerate(drafts, start=1)
    )


def _checked_start(start: datetime, days: int) -> datetime:
    if days < 0:
        raise ValueError("days must be non-negative")
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    return start.astimezone(UTC)


def _booking(
    ident: str,
    when: datetime,
    hospital: str,
    product: Product,
    mass: float,
    ordered: datetime | None = None,
) -> Booking:
    per_kg = product.dose is not None and product.dose.per_kg is not None
    return Booking(
        id=ident,
        hospital=hospital,
        product=product.id,
        administration=when,
        priority=priority(product),
        patient_kg=mass if per_kg else None,
        ordered=ordered,
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
    per-patient bookings (weekdays, therapy hours; a therapy on a dispatch calendar on the
    days its runs reach, ordered before their cut-off); each hospital's diagnostic doses of a
    product and day are shared at random between the day's lists (:data:`ORDER_LISTS_MIN`),
    one splittable order per list with at least one dose. Reproducible from ``seed``.
    """
    start = _checked_start(start, days)
    rng = np.random.default_rng(seed)
    reach = supply_reach(scenario, lead_s)
    pairs, rates = _bookable(scenario, start, None, reach, full=True)
    if not pairs or days == 0:
        return (), ()
    dispatch = _dispatch(scenario, reach, lead_s)
    day0, counts, therapy = _daily_counts(rng, pairs, rates, start, days, dispatch)
    patient_counts = np.where(therapy[:, None], counts, 0)
    booking_pairs = (pairs, day0, therapy, dispatch)
    bookings = _draft_bookings(scenario, reach, rng, booking_pairs, patient_counts, start, days)
    order_counts = np.where(therapy[:, None], 0, counts)
    orders = _draft_orders(scenario, reach, rng, booking_pairs, order_counts, start, days)
    return bookings, orders


def _draft_orders(
    scenario: Scenario,
    reach: Reach,
    rng: np.random.Generator,
    booking_pairs: _Pairs,
    counts: npt.NDArray[np.int64],
    start: datetime,
    days: int,
) -> tuple[Order, ...]:
    """Each pair's doses of a day shared at random between the day's lists, one order each.

    An order of a product on a dispatch calendar is placed up to :data:`ORDER_SPREAD_MIN`
    minutes before the cut-off of the runs that can make it, and dropped if none can.
    """
    pairs, day0, _, dispatch = booking_pairs
    lists = len(ORDER_LISTS_MIN)
    orders: list[Order] = []
    for i, j in zip(*np.nonzero(counts), strict=True):
        hospital, product = pairs[int(i)]
        zone = ZoneInfo(hospital.timezone)
        split = rng.multinomial(int(counts[i, j]), [1.0 / lists] * lists)
        for li, n in enumerate(split.tolist()):
            local = day0[int(i)] + timedelta(days=int(j), minutes=ORDER_LISTS_MIN[li])
            when = local.replace(tzinfo=zone).astimezone(UTC)
            if not n or not _deliverable(scenario, reach, hospital, product, when, start, days):
                continue
            ordered = None
            if dispatch is not None and product.id in dispatch.calendar:
                early = int(rng.integers(0, ORDER_SPREAD_MIN + 1))
                ordered = _order_time(dispatch, hospital, product, when, early)
                if ordered is None and product.id not in dispatch.open:
                    continue
            orders.append(
                Order(
                    id=f"or-{len(orders) + 1:05d}",
                    hospital=hospital.id,
                    product=product.id,
                    calibration=when,
                    doses=n,
                    priority=priority(product),
                    ordered=ordered,
                )
            )
    orders.sort(key=lambda o: (o.calibration, o.hospital, o.product))
    return tuple(orders)


__all__ = [
    "PRODUCTION_LEAD_S",
    "Reach",
    "generate_bookings",
    "generate_demand",
    "priority",
    "supply_reach",
]
