"""The domain rules of a scenario, each in one place.

Planner, verifier, simulator, analyses and the booking generator all call these functions;
none of them restates a rule. Each function is small and pure (scenario records in, SI values
out), so that a rule changes in one line and every engine follows.

* :func:`is_class7`, :func:`lane_carries`: which lanes may carry which product;
* :func:`lane_closures`, :func:`still_departs`, :func:`leg_arrival`: when a lane takes no
  new consignment, whether one already booked on a departure still leaves, and when a
  consignment that left on it arrives;
* :func:`export_windows`: when a country restricts the export of a product;
* :func:`prescribed_activity`, :func:`dose_tolerance`: the dose a booking must receive;
* :func:`shelf_life_s`: how long a product keeps (no stated shelf life: unlimited);
* :func:`latest_arrival`: when a dose must be at its hospital (dispensing buffer);
* :func:`is_market`: which sites are export markets (demand outside the region, never
  patients);
* :func:`supply_bar`, :func:`may_supply`: which hospitals (or markets) a site may supply with a
  product (service area, licences, GMP markets);
* :func:`process_availability`, :func:`cycle_on_periods`, :func:`elution_slots`: when a
  process may run (windows, operating cycles in whole local days, outages, dates), and the
  instants at which an elution process elutes;
* :func:`input_uses`, :func:`stock_limits`, :func:`horizon_week`: materials a batch consumes
  and how much of each a site may use per week;
* :func:`order_deadline`, :func:`accepts_order`, :func:`earliest_start_for_order`: the order
  cut-off of a process's runs (one rule, three views of it);
* :class:`DosePrices`: what a dose of a product fetches in a country;
* :func:`generator_elutions`, :func:`supply_elutions`: what each elution of a generator
  removes from the column and gives to doses (efficiency and its decline with age, the
  elution limit, a discarded first elution), and what the generator still holds after;
* :func:`elution_process`, :func:`generator_service_end`: which process elutes a delivered
  generator, and when it is eluted no more (shelf life, replacement).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Protocol

from isoflow.domain.calendar import (
    DAY_S,
    Interval,
    covers,
    cycle_intervals,
    epoch,
    local_day_cycle_intervals,
    merge,
    nearest_local_date,
    subtract,
    weekly_instants,
    weekly_intervals,
)
from isoflow.domain.decay import Inventory
from isoflow.domain.generators import Generator
from isoflow.domain.nuclides import default_data
from isoflow.scenario.policy_models import ExportRestriction
from isoflow.scenario.schema import (
    Availability,
    DosePrice,
    Lane,
    OperatingCycle,
    Process,
    ProcessKind,
    Product,
    Scenario,
    Site,
    SiteKind,
)
from isoflow.units import YEAR_S


def transport_index(product: Product, activity_bq: float) -> float:
    """Transport index of a package of ``product`` holding ``activity_bq`` [Bq at EOP].

    The product's TI per GBq times the activity at EOP (a conservative convention: activity
    only decays after EOP). Planner, greedy and ``verify`` all count a departure's index so.
    """
    return product.transport.ti_per_gbq * activity_bq / 1e9


class DoseRecord(Protocol):
    """What a dose rule reads of a booking or an order (or a demand item)."""

    @property
    def activity(self) -> float | None:
        """Activity of the dose [Bq], if the record states one."""

    @property
    def tolerance(self) -> float | None:
        """Relative tolerance, if the record states one."""

    @property
    def patient_kg(self) -> float | None:
        """Patient mass [kg], if the record states one."""


DEFAULT_PATIENT_KG = 70.0
"""Patient mass [kg] of a weight-based dose when the booking states none (reference adult)."""


@lru_cache(maxsize=1024)
def _radioactive_nuclide(nuclide: str) -> bool:
    data = default_data()
    return math.isfinite(data.half_life_s(data.canonical(nuclide)))


def is_class7(product: Product) -> bool:
    """True if ``product`` travels as dangerous goods of IATA class 7 (radioactive material).

    Every product of a radioactive nuclide is class 7, target material included (Ra-226,
    Th-228); a product of a stable nuclide (O-18 water, enriched Yb-176) is not.
    """
    return _radioactive_nuclide(product.nuclide)


def lane_carries(lane: Lane, product: Product) -> bool:
    """True if ``lane`` may carry ``product``: a lane refusing class 7 carries only the rest."""
    return lane.accepts_class7 or not is_class7(product)


def lane_closures(lane: Lane) -> tuple[Interval, ...]:
    """Periods ``[lo, hi)`` [s since epoch] in which nothing departs on ``lane``, sorted.

    A closure with no end lasts for ever; a delayed departure (:attr:`Lane.delays`) is
    closed to any consignment not already on it, one minute either side.
    """
    wins = [(epoch(c.start), epoch(c.end) if c.end else math.inf) for c in lane.closures]
    wins += [(epoch(d.departure) - 60.0, epoch(d.departure) + 60.0) for d in lane.delays]
    return tuple(sorted(wins))


def still_departs(lane: Lane, depart_s: float) -> bool:
    """True if a consignment booked on ``lane``'s departure at ``depart_s`` still leaves.

    It leaves unless the lane is closed then (:attr:`Lane.closures`); a delayed departure
    (:attr:`Lane.delays`, within a minute) keeps the consignments already on it, though it
    takes no new one (:func:`lane_closures`).
    """
    if any(abs(epoch(d.departure) - depart_s) <= 60.0 for d in lane.delays):
        return True
    return not any(lo <= depart_s < hi for lo, hi in lane_closures(lane))


def export_windows(
    restrictions: Iterable[ExportRestriction], country: str, product_id: str
) -> tuple[Interval, ...]:
    """Periods ``[lo, hi)`` [s since epoch] of ``country``'s export restrictions, sorted.

    Those restricting ``product_id``: a restriction naming no products covers every product;
    one with no end lasts for ever. Only a leg that leaves the country is restricted.
    """
    wins = [
        (epoch(r.start), epoch(r.end) if r.end else math.inf)
        for r in restrictions
        if r.country == country and (not r.products or product_id in r.products)
    ]
    return tuple(sorted(wins))


def leg_arrival(lane: Lane, depart_s: float) -> float:
    """Arrival [s since epoch] of a consignment leaving on ``lane`` at ``depart_s``.

    ``depart + transit + customs`` (customs at a border), or the recorded late arrival of a
    delayed departure (:attr:`Lane.delays`, matched within a minute).
    """
    for d in lane.delays:
        if abs(epoch(d.departure) - depart_s) <= 60.0:
            return epoch(d.arrival)
    customs = lane.border.customs_delay if lane.border is not None else 0.0
    return depart_s + lane.transit + customs


def prescribed_activity(booking: DoseRecord, product: Product) -> float:
    """Activity [Bq] the patient of ``booking`` must receive at administration.

    In order: the booking's own activity; the product's fixed dose; the product's dose per kg
    times the patient's mass (:data:`DEFAULT_PATIENT_KG` if the booking gives none); zero if
    nothing states a dose (such a booking cannot be served).
    """
    if booking.activity is not None:
        return float(booking.activity)
    return product_dose_activity(product, booking.patient_kg)


def product_dose_activity(product: Product, patient_kg: float | None = None) -> float:
    """Activity [Bq] of one dose of ``product`` at administration, from its dose rule.

    A fixed dose, or the dose per kg times ``patient_kg`` (:data:`DEFAULT_PATIENT_KG` if
    none); zero if the product states no dose.
    """
    dose = product.dose
    if dose is None:
        return 0.0
    if dose.activity is not None:
        return float(dose.activity)
    if dose.per_kg is not None:
        mass = patient_kg if patient_kg is not None else DEFAULT_PATIENT_KG
        return float(dose.per_kg) * mass
    return 0.0


def dose_tolerance(booking: DoseRecord, product: Product) -> float:
    """Relative tolerance [1] on the administered activity: the booking's, else the product's."""
    if booking.tolerance is not None:
        return float(booking.tolerance)
    return float(product.dose.tolerance) if product.dose is not None else 0.0


def shelf_life_s(product: Product) -> float:
    """Shelf life [s] after end of production (calibration, for generators); ``inf`` if none."""
    return float(product.shelf_life) if product.shelf_life is not None else math.inf


def latest_arrival(administration_s: float, hospital: Site) -> float:
    """Latest instant [s] a dose may arrive at ``hospital`` for administration then.

    The hospital's dispensing buffer (checks, dispensing, transfer to the ward) before it.
    """
    return administration_s - float(hospital.dispensing_buffer)


def is_market(site: Site) -> bool:
    """True if ``site`` is an export market (kind ``market``).

    A market is demand outside the modelled region: its orders are exports, counted in units
    and activity apart from patient doses, and the service areas of hospitals and their
    suppliers (:func:`supply_bar`) do not apply to it.
    """
    return SiteKind.MARKET in site.kind


class SupplyBar(StrEnum):
    """Why a site may not supply patient doses of a product to a hospital."""

    SERVICE_AREA = "service_area"
    """The hospital is outside the site's service area (a hospital radiopharmacy serves
    itself and its stated service area only)."""
    LICENCE = "licence"
    """The site's licence for the product does not cover the hospital's country."""
    GMP_MARKET = "gmp_market"
    """The site holds no GMP approval for the hospital's country."""


def supply_bar(site: Site, hospital: Site, product_id: str) -> SupplyBar | None:
    """The first rule that stops ``site`` supplying ``product_id`` doses to ``hospital``.

    In order: the service area (a site that is a hospital serves itself and
    ``service_area``; another site with a ``service_area`` serves only that; an export market,
    :func:`is_market`, is no hospital and lies outside every service area's rule), the
    product's licences (``licences`` entries for the product: the countries they cover), the
    GMP markets (``gmp_markets``; none listed: anywhere). ``None``: it may.
    """
    if (
        not is_market(hospital)
        and hospital.id != site.id
        and (site.service_area or SiteKind.HOSPITAL in site.kind)
        and hospital.id not in site.service_area
    ):
        return SupplyBar.SERVICE_AREA
    covered = [lic for lic in site.licences if lic.product == product_id]
    if covered and not any(hospital.country in lic.countries for lic in covered):
        return SupplyBar.LICENCE
    if site.gmp_markets and hospital.country not in site.gmp_markets:
        return SupplyBar.GMP_MARKET
    return None


def may_supply(site: Site, hospital: Site, product_id: str) -> bool:
    """True if ``site`` may supply ``product_id`` doses to ``hospital`` (:func:`supply_bar`)."""
    return supply_bar(site, hospital, product_id) is None


def process_availability(
    availability: Availability, site: Site, lo: float, hi: float
) -> tuple[list[Interval], list[Interval]]:
    """When a process may run, within ``[lo, hi)`` [s since epoch].

    Returns ``(windows, allowed)``: a batch may *start* inside one of the weekly ``windows``
    (local time of the site); the whole batch ``[start, end of production]`` must lie inside
    one ``allowed`` interval: an operating-cycle 'on' period (or any time without a cycle),
    outside planned outages, after the site opens and before it closes. ``allowed`` reaches
    60 d beyond ``[lo, hi)`` so that batches straddling the bounds are judged correctly.
    """
    windows = weekly_intervals(
        [(tuple(str(d) for d in w.days), w.start, w.end) for w in availability.windows],
        site.timezone,
        lo,
        hi,
    )
    margin = 60 * 86400.0
    allowed: list[Interval] = [(lo - margin, hi + margin)]
    if availability.cycle is not None:
        allowed = cycle_on_periods(availability.cycle, site, lo - margin, hi + margin)
    closed = [(epoch(o.start), epoch(o.end)) for o in availability.outages]
    if site.start is not None:
        closed.append((min(lo, epoch(site.start)) - 2 * margin, epoch(site.start)))
    if site.end is not None:
        closed.append((epoch(site.end), max(hi, epoch(site.end)) + 2 * margin))
    return windows, subtract(merge(allowed), closed)


def cycle_on_periods(cycle: OperatingCycle, site: Site, lo: float, hi: float) -> list[Interval]:
    """The 'on' periods of an operating cycle within ``[lo, hi)`` [s since epoch].

    A cycle of whole days (``on`` and ``off`` multiples of 24 h, as reactor cycles are stated:
    OPAL's 30 days on, 5 off) runs in whole local days of the site, so that an 'on' period of
    n days gives exactly n local operating days (n days of weekly windows, n batch days a
    year's hand count finds) whatever the time of day of the anchor and the daylight-saving
    changes: the first 'on' day is the local date whose midnight is nearest the anchor
    (:func:`~isoflow.domain.calendar.nearest_local_date`: 23:30 on Sunday starts on Monday,
    10:00 on Monday on Monday), each period runs from a local midnight to the local midnight
    ``on`` days later, and the next starts ``on + off`` local days after. (Counted from the
    anchor instant itself, a period starting late on a local day touched n + 1 local days and
    gave a batch day too many per cycle: 1.5 weeks a year for OPAL's cycle.) Any other cycle
    runs at its exact instants: 'on' from ``anchor + k·(on + off)`` for ``on`` seconds.
    """
    on, off = float(cycle.on), float(cycle.off)
    if on % DAY_S == 0 and off % DAY_S == 0:
        first = nearest_local_date(epoch(cycle.anchor), site.timezone)
        return local_day_cycle_intervals(
            first, round(on / DAY_S), round(off / DAY_S), site.timezone, lo, hi
        )
    return cycle_intervals(epoch(cycle.anchor), on, off, lo, hi)


def elution_slots(process: Process, site: Site, lo: float, hi: float) -> list[float]:
    """The instants [s since epoch, whole minutes, sorted] at which ``process`` elutes.

    Its ``elution_times`` on the days of its availability windows (local time of the
    site), or else ``max_batches_per_day`` slots a day evenly spaced from the opening of each
    day's window; only those in ``[lo, hi)`` inside a window whose elution
    ``[t, t + duration]`` lies in the process's availability (operating cycle, outages, site
    dates).
    """
    entries = [
        (tuple(str(d) for d in w.days), w.start, w.end) for w in process.availability.windows
    ]
    if process.elution_times:
        clocks = [(days, clock) for days, _, _ in entries for clock in process.elution_times]
        starts = weekly_instants(clocks, site.timezone, lo, hi).tolist()
    else:
        n = process.max_batches_per_day
        daily = weekly_intervals(entries, site.timezone, lo, hi, merged=False)
        starts = [a + k * (b - a) / n for a, b in daily for k in range(n)]
    windows, allowed = process_availability(process.availability, site, lo, hi)
    return sorted(
        t
        for t in {round(t / 60.0) * 60.0 for t in starts}
        if lo <= t < hi
        and any(a <= t < b for a, b in windows)
        and covers(allowed, t, t + process.duration)
    )


WEEK_S = 7 * 86400.0
"""One week [s]: the period of input stocks and supply agreements."""


def input_uses(process: Process) -> dict[str, float]:
    """Materials one batch of ``process`` consumes: product id -> amount (product's unit).

    Only fixed ``per_batch`` amounts count; an activity feed is limited by its supplier's
    runs, not by a stock.
    """
    uses: dict[str, float] = {}
    for inp in process.inputs:
        if inp.per_batch > 0 and not inp.activity_feed:
            uses[inp.product] = uses.get(inp.product, 0.0) + inp.per_batch
    return uses


def stock_limits(site: Site) -> dict[str, float]:
    """How much of each material the site may use per week (none listed: no limit)."""
    return {stock.product: stock.per_week for stock in site.stocks}


def network_stock_limits(scenario: Scenario) -> dict[tuple[str, str], float]:
    """Every site's weekly stock limits: (site id, material id) -> amount per week."""
    return {
        (site.id, product): amount
        for site in scenario.sites
        for product, amount in stock_limits(site).items()
    }


def horizon_week(t_s: float, horizon_start_s: float) -> int:
    """Week of an instant counted from the horizon's start.

    0 for its first seven days (and anything before it), 1 for the next seven, and so on.
    """
    return max(0, math.floor((t_s - horizon_start_s) / WEEK_S))


ORDER_SLACK_S = 1e-3
"""Tolerance of an order time against a cut-off [s] (instants are kept to the microsecond)."""


def order_deadline(process: Process, run_start_s: float) -> float:
    """Latest instant [s] a dose may be ordered and still come from a run of ``process``.

    The run's start ``run_start_s`` less the process's ``order_cutoff`` (a manufacturer
    makes a therapy run only for the doses ordered by then); ``inf`` without a cut-off.
    """
    if process.order_cutoff is None:
        return math.inf
    return run_start_s - float(process.order_cutoff)


def accepts_order(process: Process, run_start_s: float, ordered_s: float | None) -> bool:
    """True if a run of ``process`` starting at ``run_start_s`` may serve a dose ordered then.

    ``ordered_s`` [s since epoch] is the booking's or order's ``ordered`` time (``None``:
    ordered before any cut-off); it must not be later than :func:`order_deadline`.
    """
    return ordered_s is None or ordered_s <= order_deadline(process, run_start_s) + ORDER_SLACK_S


def earliest_start_for_order(process: Process, ordered_s: float | None) -> float:
    """Earliest start [s] of a run of ``process`` that accepts a dose ordered at ``ordered_s``.

    :func:`accepts_order` solved for the start: ``ordered_s + order_cutoff``; ``-inf`` without
    a cut-off or an order time.
    """
    if ordered_s is None or process.order_cutoff is None:
        return -math.inf
    return ordered_s + float(process.order_cutoff) - ORDER_SLACK_S


def elution_process(scenario: Scenario, site: str, generator: str) -> Process | None:
    """The elution process at ``site`` that takes generators of product ``generator``."""
    for p in scenario.processes:
        if (
            p.site == site
            and p.kind == ProcessKind.ELUTION
            and any(i.product == generator and i.activity_feed for i in p.inputs)
        ):
            return p
    return None


def generator_service_end(
    generator: Product, process: Process | None, calibration_s: float, arrive_s: float
) -> float:
    """Last instant [s] a delivered generator may be eluted.

    The end of its shelf life (from calibration), or its replacement ``replace_every`` after
    it arrives (the elution ``process``'s routine, e.g. weekly), whichever comes first.
    """
    end = calibration_s + shelf_life_s(generator)
    if process is not None and process.replace_every is not None:
        end = min(end, arrive_s + float(process.replace_every))
    return end


@dataclass(frozen=True, slots=True)
class GeneratorElutions:
    """What a generator gives and keeps, per 1 Bq of parent at calibration [Bq]."""

    eluted: tuple[float, ...]
    """Daughter activity removed from the column by each elution, at its time."""
    supplied: tuple[float, ...]
    """Of which given to doses (nothing from a discarded first elution, nor after the
    elution limit)."""
    daughter_left: float
    """Daughter activity on the column at the end (after the last elution, or at ``end_s``)."""
    parent_left: float
    """Parent activity in the generator then."""


def generator_elutions(
    generator: Product,
    offsets_s: tuple[float, ...],
    efficiency: float,
    discard_first: bool = False,
    end_s: float | None = None,
) -> GeneratorElutions:
    """Each elution of a generator, per 1 Bq of parent at calibration, and what is left after.

    The generator holds 1 Bq of its parent and no daughter at calibration and is eluted at
    each of ``offsets_s`` [s after calibration, non-decreasing] (exact chain solution, every
    earlier elution included). Elution ``k`` removes ``efficiency · (1 − d · age)`` of the
    daughter (``efficiency``: the elution process's ``elution_efficiency``; ``d``: the
    generator's ``efficiency_decline_per_year``; age in years; floor 0); the first gives
    nothing to doses when ``discard_first`` (the process's ``discard_first_elution``; it still
    empties the column); after ``max_elutions`` elutions the generator is retired and is
    eluted no more. What is left is read at ``end_s`` [s after calibration, not before the
    last elution], or just after the last elution when ``None``.
    """
    if generator.daughter is None:
        zeros = tuple(0.0 for _ in offsets_s)
        return GeneratorElutions(zeros, zeros, 0.0, 0.0)
    limit = generator.max_elutions if generator.max_elutions is not None else len(offsets_s)
    eluted, supplied, d_left, p_left = _generator_elutions(
        generator.nuclide,
        generator.daughter,
        efficiency,
        generator.efficiency_decline_per_year,
        limit,
        discard_first,
        tuple(offsets_s),
        end_s,
        True,
    )
    return GeneratorElutions(eluted, supplied, d_left, p_left)


def supply_elutions(
    generator: Product,
    offsets_s: tuple[float, ...],
    efficiency: float,
    discard_first: bool = False,
) -> tuple[float, ...]:
    """Daughter activity [Bq] for doses from each elution, per 1 Bq of parent at calibration.

    The ``supplied`` part of :func:`generator_elutions` (see there).
    """
    if generator.daughter is None:
        return tuple(0.0 for _ in offsets_s)
    return _generator_elutions(
        generator.nuclide,
        generator.daughter,
        efficiency,
        generator.efficiency_decline_per_year,
        generator.max_elutions if generator.max_elutions is not None else len(offsets_s),
        discard_first,
        tuple(offsets_s),
        None,
        False,
    )[1]


@lru_cache(maxsize=4096)
def _generator_elutions(
    parent: str,
    daughter: str,
    efficiency: float,
    decline: float,
    limit: int,
    discard_first: bool,
    offsets_s: tuple[float, ...],
    end_s: float | None,
    keep: bool,
) -> tuple[tuple[float, ...], tuple[float, ...], float, float]:
    """Eluted and supplied per elution; daughter and parent left (when ``keep``)."""
    gen = Generator(Inventory.from_activities({parent: 1.0}), daughter, efficiency)
    eluted: list[float] = []
    supplied: list[float] = []
    for k, t in enumerate(offsets_s):
        if k >= limit:
            eluted.append(0.0)
            supplied.append(0.0)
            continue
        eff = efficiency * max(0.0, 1.0 - decline * max(0.0, t) / YEAR_S)
        (got,) = gen.elute([t], eff)
        removed = got.activities_bq.get(gen.daughter, 0.0)
        eluted.append(removed)
        supplied.append(0.0 if k == 0 and discard_first else removed)
    if not keep:
        return tuple(eluted), tuple(supplied), 0.0, 0.0
    last = offsets_s[-1] if offsets_s else 0.0
    at = max(last, end_s) if end_s is not None else last
    left = gen.contents(max(0.0, at)).activities()
    return tuple(eluted), tuple(supplied), left.get(gen.daughter, 0.0), left.get(parent, 0.0)


class DosePrices:
    """Dose prices of a scenario (``demand.prices``): the price of a product in a country.

    A price listing the country wins over one with no countries (the product's price
    elsewhere); no entry: no price (``None``).
    """

    def __init__(self, prices: tuple[DosePrice, ...]) -> None:
        self.by_country: dict[tuple[str, str], float] = {}
        self.default: dict[str, float] = {}
        for price in prices:
            if not price.countries:
                self.default.setdefault(price.product, price.per_dose)
            for country in price.countries:
                self.by_country.setdefault((price.product, country), price.per_dose)

    def of(self, product_id: str, country: str) -> float | None:
        """Price of one dose of ``product_id`` delivered in ``country`` (None: no price)."""
        found = self.by_country.get((product_id, country))
        return found if found is not None else self.default.get(product_id)
