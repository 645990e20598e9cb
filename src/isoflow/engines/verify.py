"""Independent check of a plan against its scenario.

Nothing here imports the planner's model builder, candidates, routing or solver: every
decay, time, calendar, route, capacity, package count and cost is recomputed from the
scenario and the plan's own records (``plan.json``), with the domain rules of
:mod:`isoflow.scenario.rules`. A plan the optimiser produced must pass; any violation is
listed with the record it concerns.

Figures the plan states about itself (costs, package counts, arrival instants, generator
efficiencies) are compared with the recomputed ones, and the recomputed ones (not the plan's)
are what the capacity, contract and decay checks use. A plan with a negative or non-finite
number is rejected on that alone (code ``negative``): any further check would compare garbage.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from isoflow.domain.calendar import epoch, weekly_instants
from isoflow.domain.decay import Inventory
from isoflow.domain.generators import Generator
from isoflow.domain.nuclides import default_data
from isoflow.engines.planner.plan import (
    Plan,
    PlanAllocation,
    PlanGenerator,
    PlanInput,
    PlanLeg,
    PlanRun,
)
from isoflow.scenario.rules import (
    dose_tolerance,
    horizon_week,
    input_uses,
    lane_carries,
    latest_arrival,
    may_supply,
    prescribed_activity,
    process_availability,
    shelf_life_s,
    stock_limits,
)
from isoflow.scenario.schema import Booking, Lane, Process, ProcessKind, Product, Scenario
from isoflow.units import parse_datetime

REL = 1e-6
"""Relative tolerance for recomputed activities (float rounding, not physics)."""

SLACK_S = 1e-3
"""Tolerance on instants [s] (timestamps are printed to the microsecond)."""

COST_REL = 1e-6
"""Relative tolerance on recomputed costs."""

COST_ABS = 1e-6
"""Absolute tolerance on recomputed costs [currency]."""

GBQ = 1e9
"""Bq per GBq (prices are per GBq)."""

CODES = (
    "agreement_max",
    "batch_max",
    "batch_min",
    "batches_per_day",
    "before_production",
    "booking_missing",
    "broken_route",
    "class7_refused",
    "contract_excludes",
    "cost_mismatch",
    "decay_mismatch",
    "dose_out_of_tolerance",
    "double_allocation",
    "duration",
    "elution_before_arrival",
    "elution_mismatch",
    "expired",
    "export_restricted",
    "gmp",
    "input_short",
    "lane_capacity",
    "late",
    "leg_order",
    "mismatch",
    "negative",
    "not_approved",
    "not_in_timetable",
    "outside_window",
    "overdrawn",
    "overlap",
    "qc_release",
    "scenario_mismatch",
    "served_and_unserved",
    "shipment_contents",
    "shipment_missing",
    "site_unavailable",
    "sizes",
    "stock_exceeded",
    "too_early",
    "transit_mismatch",
    "transport_index",
    "unknown_batch",
    "unknown_booking",
    "unknown_lane",
    "unknown_process",
)
"""Every violation code :func:`verify` may report."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: a code, the record concerned, and what is wrong."""

    code: str
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.code}: {self.subject}: {self.detail}"


@lru_cache(maxsize=65536)
def _t(text: str) -> float:
    """An ISO-8601 instant of the plan as seconds since the epoch."""
    return epoch(parse_datetime(text, "time"))


@lru_cache(maxsize=256)
def _lam(nuclide: str) -> float:
    """Decay constant [1/s] of a nuclide (0 if stable)."""
    data = default_data()
    half_life = data.half_life_s(data.canonical(nuclide))
    return 0.0 if math.isinf(half_life) else math.log(2.0) / half_life


def _close(a: float, b: float) -> bool:
    """Costs equal within :data:`COST_REL` and :data:`COST_ABS`."""
    return math.isclose(a, b, rel_tol=COST_REL, abs_tol=COST_ABS)


def _departure(lane: str, depart: float) -> tuple[str, int]:
    """Key of one departure: lane id and departure instant in whole milliseconds."""
    return lane, round(depart * 1000.0)


def verify(plan: Plan, scenario: Scenario) -> list[Violation]:
    """Every violation of the scenario's rules found in ``plan`` (empty if it is sound)."""
    return _Checker(plan, scenario).run()


@dataclass
class _Load:
    """What the plan's legs put on one departure (recomputed, not read from shipments)."""

    lane: str
    depart: float
    bookings: list[str] = field(default_factory=list)
    batches: list[str] = field(default_factory=list)
    packages: int = 0
    transport_index: float = 0.0


@dataclass(frozen=True, slots=True)
class _Delivery:
    """Activity delivered under a supply agreement."""

    agreement: int
    arrive: float
    activity_bq: float


def _numbers(value: Any, path: str) -> Iterator[tuple[str, float]]:
    """Every number (bools excepted) inside nested dicts, lists and tuples, with its path."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield path, float(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _numbers(item, f"{path}[{i}]")


class _Checker:
    """One verification: the scenario indexed once, violations collected in order."""

    def __init__(self, plan: Plan, scenario: Scenario) -> None:
        self.plan = plan
        self.sc = scenario
        self.out: list[Violation] = []
        self.sites = {s.id: s for s in scenario.sites}
        self.products = {p.id: p for p in scenario.products}
        self.processes = {p.id: p for p in scenario.processes}
        self.lanes = {lane.id: lane for lane in scenario.lanes}
        self.bookings = {b.id: b for b in scenario.demand.bookings}
        self.runs = {r.batch: r for r in plan.runs}
        approvals: dict[str, set[str]] = defaultdict(set)
        for a in scenario.policies.approvals:
            approvals[a.product].update(a.countries)
        self.approvals = approvals
        self.loads: dict[tuple[str, int], _Load] = {}

    def bad(self, code: str, subject: str, detail: str) -> None:
        """Record one violation."""
        self.out.append(Violation(code, subject, detail))

    def run(self) -> list[Violation]:
        """Run every check; the violations found, in a stable order."""
        self.check_scenario()
        self.check_numbers()
        if any(v.code == "negative" for v in self.out):
            return self.out
        self.check_allocations()
        self.check_bookings()
        self.check_runs()
        self.check_stocks()
        self.check_generators()
        self.collect_loads()
        self.check_shipments()
        self.check_agreements()
        self.check_costs()
        return self.out

    # ------------------------------------------------------------------ whole plan

    def check_scenario(self) -> None:
        """The plan names the scenario it is checked against."""
        if self.plan.scenario != self.sc.meta.name:
            self.bad(
                "scenario_mismatch",
                "plan",
                f"made for scenario {self.plan.scenario!r}, checked against {self.sc.meta.name!r}",
            )

    def check_numbers(self) -> None:
        """No activity, cost, count or other figure of a record is negative or non-finite."""
        data = self.plan.model_dump(
            mode="python", include={"allocations", "runs", "generators", "shipments"}
        )
        kpis = self.plan.kpis
        data["kpis"] = {k: kpis[k] for k in ("cost", "activity") if k in kpis}
        for path, value in _numbers(data, "plan"):
            if not math.isfinite(value) or value < 0:
                self.bad("negative", path, f"{value!r} is negative or not a finite number")

    # ------------------------------------------------------------------ bookings

    def check_allocations(self) -> None:
        """Every allocation: its booking, dose, decay, approvals, batch and route."""
        seen: set[str] = set()
        for a in self.plan.allocations:
            if a.booking in seen:
                self.bad("double_allocation", f"allocation {a.booking}", "booking served twice")
            seen.add(a.booking)
            booking = self.bookings.get(a.booking)
            if booking is None:
                self.bad("unknown_booking", f"allocation {a.booking}", "not in the scenario")
                continue
            self.check_allocation(a, booking)

    def check_allocation(self, a: PlanAllocation, booking: Booking) -> None:
        """One allocation of a known booking."""
        subject = f"allocation {a.booking}"
        product = self.products[booking.product]
        if a.product != booking.product or a.hospital != booking.hospital:
            self.bad(
                "mismatch",
                subject,
                f"product {a.product} at {a.hospital}, booked {booking.product} at "
                f"{booking.hospital}",
            )
        if a.nuclide != product.nuclide:
            self.bad("mismatch", subject, f"nuclide {a.nuclide}, {product.id} is {product.nuclide}")
        t_admin = epoch(booking.administration)
        if abs(_t(a.administration_utc) - t_admin) > SLACK_S:
            self.bad(
                "mismatch",
                subject,
                f"administration {a.administration_utc} differs from the booking's",
            )
        age = t_admin - _t(a.end_of_production_utc)
        self.check_dose(subject, a, booking, product, age)
        country = self.sites[booking.hospital].country
        allowed = self.approvals.get(booking.product)
        if allowed is not None and country not in allowed:
            self.bad("not_approved", subject, f"{booking.product} not approved in {country}")
        run = self.runs.get(a.batch)
        if run is None:
            self.bad("unknown_batch", subject, f"batch {a.batch} is not in the plan's runs")
            return
        if abs(_t(run.end_of_production_utc) - _t(a.end_of_production_utc)) > SLACK_S:
            self.bad(
                "mismatch",
                subject,
                f"EOP {a.end_of_production_utc}, its batch ends {run.end_of_production_utc}",
            )
        if run.product != booking.product:
            self.bad("mismatch", subject, f"batch makes {run.product}, not {booking.product}")
        if a.site != run.site:
            self.bad("mismatch", subject, f"site {a.site}, its batch is made at {run.site}")
        site = self.sites.get(run.site)
        if site is not None and not may_supply(site, country):
            self.bad("gmp", subject, f"{run.site} holds no GMP approval for {country}")
        hospital = self.sites[booking.hospital]
        # administered before EOP is reported once, as before_production, not also as late
        deadline = latest_arrival(t_admin, hospital) if age >= -SLACK_S else math.inf
        self.check_legs(
            subject, a.legs, run.site, booking.hospital, _t(run.release_utc), deadline, product
        )

    def check_dose(
        self, subject: str, a: PlanAllocation, booking: Booking, product: Product, age: float
    ) -> None:
        """Shelf life, decay from EOP to administration, and the prescribed dose."""
        if age < -SLACK_S:
            self.bad(
                "before_production",
                subject,
                f"administered {-age:.0f} s before its end of production",
            )
        shelf = shelf_life_s(product)
        if age > shelf + SLACK_S:
            self.bad(
                "expired",
                subject,
                f"{age / 3600:.2f} h after EOP, shelf life {shelf / 3600:.2f} h",
            )
        admin = a.activity_eop_bq * math.exp(-_lam(product.nuclide) * age)
        if not math.isclose(admin, a.activity_admin_bq, rel_tol=REL):
            self.bad(
                "decay_mismatch",
                subject,
                f"activity at administration recomputes to {admin:.6g} Bq, "
                f"plan says {a.activity_admin_bq:.6g} Bq",
            )
        prescribed = prescribed_activity(booking, product)
        tolerance = dose_tolerance(booking, product)
        if abs(admin - prescribed) > tolerance * prescribed * (1 + REL) + 1e-9 * prescribed:
            self.bad(
                "dose_out_of_tolerance",
                subject,
                f"{admin:.6g} Bq at administration, prescribed {prescribed:.6g} Bq "
                f"± {tolerance:.0%}",
            )

    def check_bookings(self) -> None:
        """Every booking of the horizon is served or listed unserved, never both."""
        served = {a.booking for a in self.plan.allocations}
        listed = {u.booking for u in self.plan.unserved}
        for booking in sorted(served & listed):
            self.bad("served_and_unserved", f"booking {booking}", "listed as both")
        for u in self.plan.unserved:
            b = self.bookings.get(u.booking)
            if b is None:
                self.bad("unknown_booking", f"unserved {u.booking}", "not in the scenario")
            elif u.hospital != b.hospital or u.product != b.product:
                self.bad(
                    "mismatch",
                    f"unserved {u.booking}",
                    f"product {u.product} at {u.hospital}, booked {b.product} at {b.hospital}",
                )
        lo, hi = _t(self.plan.start_utc), _t(self.plan.end_utc)
        for b in self.sc.demand.bookings:
            if lo <= epoch(b.administration) < hi and b.id not in served | listed:
                self.bad(
                    "booking_missing",
                    f"booking {b.id}",
                    f"administered {b.administration.isoformat()} within the plan's horizon "
                    "but neither allocated nor listed as unserved",
                )

    # ------------------------------------------------------------------ routes

    def check_legs(
        self,
        subject: str,
        legs: tuple[PlanLeg, ...],
        origin: str,
        destination: str,
        ready: float,
        deadline: float,
        product: Product,
    ) -> None:
        """Check a route leg by leg (lanes, timing, cargo rules, exports, contracts).

        ``ready`` is when the goods may leave ``origin``; the route must reach
        ``destination`` by ``deadline``.
        """
        at, t = origin, ready
        for i, leg in enumerate(legs):
            lane = self.lanes.get(leg.lane)
            if lane is None:
                self.bad("unknown_lane", subject, f"lane {leg.lane} is not in the scenario")
                return
            dep, arr = _t(leg.depart_utc), _t(leg.arrive_utc)
            if lane.origin != at:
                self.bad("broken_route", subject, f"{lane.id} leaves {lane.origin}, not {at}")
            self.check_leg_timing(subject, i, lane, leg, t)
            if not lane_carries(lane, product):
                self.bad("class7_refused", subject, f"{lane.id} refuses radioactive cargo")
            self.check_export(subject, lane, dep, product.id)
            at, t = lane.destination, arr
        if at != destination:
            self.bad("broken_route", subject, f"route ends at {at}, not {destination}")
        if t > deadline + SLACK_S:
            self.bad(
                "late",
                subject,
                f"arrives at {destination} {(t - deadline) / 60:.1f} min after it is needed",
            )
        self.check_contract(subject, legs, origin, destination, product.id)

    def check_leg_timing(self, subject: str, i: int, lane: Lane, leg: PlanLeg, t: float) -> None:
        """Leg ``i`` departs after the goods are ready at ``t``, on time, and arrives on time."""
        dep, arr = _t(leg.depart_utc), _t(leg.arrive_utc)
        ordered = True
        if arr < dep - SLACK_S:
            ordered = False
            self.bad(
                "leg_order",
                subject,
                f"{lane.id} arrives {leg.arrive_utc}, before it departs {leg.depart_utc}",
            )
        if i > 0 and dep < t - SLACK_S:
            self.bad(
                "leg_order",
                subject,
                f"{lane.id} departs {leg.depart_utc}, before the previous leg arrives",
            )
        elif dep + SLACK_S < t + lane.handling:
            self.bad(
                "too_early",
                subject,
                f"{lane.id} departs {leg.depart_utc}, before the goods are ready and handled",
            )
        if lane.timetable and not self.scheduled(lane, dep):
            self.bad("not_in_timetable", subject, f"{lane.id} has no departure at {leg.depart_utc}")
        if ordered and abs(arr - self.arrival(lane, dep)) > SLACK_S:
            self.bad(
                "transit_mismatch",
                subject,
                f"{lane.id} arrives {leg.arrive_utc}, not departure + transit + customs",
            )

    @staticmethod
    def arrival(lane: Lane, dep: float) -> float:
        """Arrival instant of a departure: transit plus customs at a border."""
        customs = lane.border.customs_delay if lane.border else 0.0
        return dep + lane.transit + customs

    def scheduled(self, lane: Lane, dep: float) -> bool:
        """True if ``dep`` is a departure of the lane's timetable (origin's local time)."""
        tz = self.sites[lane.origin].timezone
        entries = [(tuple(str(d) for d in x.days), x.time) for x in lane.timetable]
        times = weekly_instants(entries, tz, dep - 60, dep + 60)
        return bool(len(times)) and bool(min(abs(times - dep)) <= SLACK_S)

    def check_export(self, subject: str, lane: Lane, dep: float, product_id: str) -> None:
        """A border-crossing leg does not leave a country while it restricts the export."""
        origin = self.sites[lane.origin].country
        if origin == self.sites[lane.destination].country:
            return
        for r in self.sc.policies.export_restrictions:
            if r.country != origin or (r.products and product_id not in r.products):
                continue
            end = epoch(r.end) if r.end else math.inf
            if epoch(r.start) <= dep < end:
                self.bad(
                    "export_restricted", subject, f"{lane.id} leaves {origin} during a restriction"
                )

    def check_contract(
        self, subject: str, legs: tuple[PlanLeg, ...], origin: str, destination: str, product: str
    ) -> None:
        """Exclusive distribution: the route passes through the distributor."""
        if destination not in self.sites:
            return  # reported where the destination is read
        country = self.sites[destination].country
        visited = {origin} | {self.lanes[g.lane].destination for g in legs if g.lane in self.lanes}
        for c in self.sc.policies.exclusive_distribution:
            if (
                c.supplier == origin
                and c.product == product
                and country in c.countries
                and c.distributor not in visited
            ):
                self.bad(
                    "contract_excludes", subject, f"must pass through {c.distributor} ({c.id})"
                )

    # ------------------------------------------------------------------ runs

    def check_runs(self) -> None:
        """Every run: its process, timing, calendar, size, daily count, overlap and use."""
        per_day: dict[tuple[str, int], int] = defaultdict(int)
        spans: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
        for run in self.plan.runs:
            subject = f"run {run.batch}"
            proc = self.processes.get(run.process)
            if proc is None:
                self.bad(
                    "unknown_process", subject, f"process {run.process} is not in the scenario"
                )
                continue
            start, eop = _t(run.start_utc), _t(run.end_of_production_utc)
            self.check_run_record(subject, run, proc, start, eop)
            tz = ZoneInfo(self.sites[proc.site].timezone)
            day = datetime.fromtimestamp(start, UTC).astimezone(tz).toordinal()
            per_day[(proc.id, day)] += 1
            if per_day[(proc.id, day)] > proc.max_batches_per_day:
                self.bad("batches_per_day", subject, f"more than {proc.max_batches_per_day} a day")
            spans[proc.id].append((start, eop, run.batch))
            if proc.kind == ProcessKind.ELUTION:
                continue  # eluates are checked against their generators
            if run.activity_eop_bq > proc.batch_max * (1 + REL):
                self.bad(
                    "batch_max",
                    subject,
                    f"{run.activity_eop_bq:.6g} Bq > batch_max {proc.batch_max:.6g} Bq",
                )
            if run.activity_eop_bq < proc.batch_min * (1 - REL):
                self.bad(
                    "batch_min",
                    subject,
                    f"{run.activity_eop_bq:.6g} Bq < batch_min {proc.batch_min:.6g} Bq",
                )
            self.check_use(subject, run.batch, run.activity_eop_bq)
            self.check_inputs(subject, run, proc, start)
        for proc_id, items in spans.items():
            items.sort()
            for (_, e0, b0), (s1, _, b1) in itertools.pairwise(items):
                if s1 < e0 - SLACK_S:
                    self.bad("overlap", f"run {b1}", f"starts before {b0} of {proc_id} ends")

    def check_stocks(self) -> None:
        """No site uses more of a limited material in a week than its stock allows."""
        used: dict[tuple[str, str, int], float] = defaultdict(float)
        horizon = _t(self.plan.start_utc)
        for run in self.plan.runs:
            proc = self.processes.get(run.process)
            if proc is None:
                continue
            week = horizon_week(_t(run.start_utc), horizon)
            for product, amount in input_uses(proc).items():
                used[(proc.site, product, week)] += amount
        for (site_id, product, week), amount in sorted(used.items()):
            limit = stock_limits(self.sites[site_id]).get(product)
            if limit is not None and amount > limit * (1 + REL):
                self.bad(
                    "stock_exceeded",
                    f"site {site_id}",
                    f"uses {amount:.6g} of {product} in week {week + 1} of the plan, "
                    f"{limit:.6g} a week available",
                )

    def check_run_record(
        self, subject: str, run: PlanRun, proc: Process, start: float, eop: float
    ) -> None:
        """A run's own fields against its process: site, product, timing and calendar."""
        product = self.products.get(proc.output)
        if run.site != proc.site or run.product != proc.output:
            self.bad(
                "mismatch",
                subject,
                f"{run.product} at {run.site}, process {proc.id} makes {proc.output} at "
                f"{proc.site}",
            )
        if product is not None and run.nuclide != product.nuclide:
            self.bad(
                "mismatch", subject, f"nuclide {run.nuclide}, {product.id} is {product.nuclide}"
            )
        if abs(eop - start - proc.duration) > SLACK_S:
            self.bad("duration", subject, "EOP is not start + process duration")
        if abs(_t(run.release_utc) - eop - proc.qc_release) > SLACK_S:
            self.bad("qc_release", subject, "release is not EOP + QC release time")
        self.check_calendar(subject, proc, start, eop)

    def check_calendar(self, subject: str, proc: Process, start: float, eop: float) -> None:
        """A run starts in a weekly window and runs wholly while the site may run it."""
        windows, allowed = process_availability(
            proc.availability, self.sites[proc.site], start - 8 * 86400.0, start + 8 * 86400.0
        )
        if not any(lo - SLACK_S <= start < hi for lo, hi in windows):
            self.bad("outside_window", subject, "starts outside the process's weekly windows")
        if not any(lo - SLACK_S <= start and eop <= hi + SLACK_S for lo, hi in allowed):
            self.bad("site_unavailable", subject, "runs during an outage or off-cycle")

    def check_use(self, subject: str, batch: str, activity: float) -> None:
        """A batch gives no more than it makes (doses, inputs and generators, at its EOP)."""
        used = sum(a.activity_eop_bq for a in self.plan.allocations if a.batch == batch)
        used += sum(i.activity_eop_bq for r in self.plan.runs for i in r.inputs if i.batch == batch)
        used += sum(g.activity_calibration_bq for g in self.plan.generators if g.batch == batch)
        if used > activity * (1 + REL) + 1.0:
            self.bad("overdrawn", subject, f"{used:.6g} Bq allocated from {activity:.6g} Bq")

    def input_arrival(self, inp: PlanInput | PlanGenerator, src: PlanRun) -> float:
        """When an input or a generator delivery reaches its destination, from its legs."""
        return _t(inp.legs[-1].arrive_utc) if inp.legs else _t(src.release_utc)

    def check_inputs(self, subject: str, run: PlanRun, proc: Process, start: float) -> None:
        """The activity-feed inputs of a run: source, shelf life, route and enough activity."""
        feeds = [i for i in proc.inputs if i.activity_feed]
        if not feeds:
            if run.inputs:
                self.bad("mismatch", subject, f"process {proc.id} takes no activity input")
            return
        feed = self.products[feeds[0].product]
        lam = _lam(feed.nuclide)
        supplied = 0.0
        for inp in run.inputs:
            src = self.runs.get(inp.batch)
            if src is None:
                self.bad("unknown_batch", subject, f"input {inp.batch} is not in the plan")
                continue
            if src.product != feed.id or inp.product != src.product:
                self.bad(
                    "mismatch",
                    subject,
                    f"input {inp.batch} is {inp.product}, its batch makes {src.product}, "
                    f"the process takes {feed.id}",
                )
            age = start - _t(src.end_of_production_utc)
            if age > shelf_life_s(feed) + SLACK_S:
                self.bad("expired", subject, f"input {inp.batch} is past its shelf life")
            self.check_legs(
                f"{subject} input {inp.batch}",
                inp.legs,
                src.site,
                proc.site,
                _t(src.release_utc),
                start,
                feed,
            )
            if abs(_t(inp.arrive_utc) - self.input_arrival(inp, src)) > SLACK_S:
                self.bad("mismatch", subject, f"input {inp.batch} arrival differs from its route's")
            supplied += inp.activity_eop_bq * math.exp(-lam * age)
        needed = run.activity_eop_bq / (proc.yield_fraction * math.exp(-lam * proc.duration))
        if supplied < needed * (1 - REL) - 1.0:
            self.bad(
                "input_short",
                subject,
                f"needs {needed:.6g} Bq of {feed.id} at start, inputs give {supplied:.6g} Bq",
            )

    # ------------------------------------------------------------------ generators

    def check_generators(self) -> None:
        """Generator deliveries, their elutions, and the eluates dispensed from them."""
        eluted: dict[tuple[str, int], float] = defaultdict(float)
        for g in self.plan.generators:
            self.check_generator(g, eluted)
        for run in self.plan.runs:
            proc = self.processes.get(run.process)
            if proc is None or proc.kind != ProcessKind.ELUTION:
                continue
            available = eluted.get((proc.site, round(_t(run.start_utc) * 1000.0)), 0.0)
            subject = f"elution {run.batch}"
            if not math.isclose(run.activity_eop_bq, available, rel_tol=REL, abs_tol=1.0):
                self.bad(
                    "elution_mismatch",
                    subject,
                    f"eluate of {run.activity_eop_bq:.6g} Bq, generators give {available:.6g} Bq",
                )
            used = sum(a.activity_eop_bq for a in self.plan.allocations if a.batch == run.batch)
            if used > available * (1 + REL) + 1.0:
                self.bad(
                    "overdrawn",
                    subject,
                    f"{used:.6g} Bq dispensed, generators give {available:.6g} Bq",
                )

    def elution_process(self, site: str, product: str) -> Process | None:
        """The elution process at ``site`` that takes generators of ``product``."""
        for p in self.sc.processes:
            if (
                p.site == site
                and p.kind == ProcessKind.ELUTION
                and any(i.product == product and i.activity_feed for i in p.inputs)
            ):
                return p
        return None

    def check_generator(self, g: PlanGenerator, eluted: dict[tuple[str, int], float]) -> None:
        """One generator delivery: its record, route, sizes, shelf life and elution yields."""
        subject = f"generator {g.batch} -> {g.site}"
        src = self.runs.get(g.batch)
        if src is None:
            self.bad("unknown_batch", subject, "assembly batch is not in the plan")
            return
        if g.site not in self.sites:
            self.bad("mismatch", subject, f"delivered to {g.site}, not a site of the scenario")
            return
        product = self.products.get(src.product)
        if product is None or product.daughter is None:
            self.bad("mismatch", subject, f"batch {g.batch} makes {src.product}, not a generator")
            return
        proc = self.elution_process(g.site, product.id)
        efficiency = proc.elution_efficiency if proc is not None else g.efficiency
        if (g.product, g.parent, g.daughter) != (product.id, product.nuclide, product.daughter):
            self.bad(
                "mismatch",
                subject,
                f"{g.product} {g.parent} -> {g.daughter}, its batch makes {product.id} "
                f"{product.nuclide} -> {product.daughter}",
            )
        if not math.isclose(g.efficiency, efficiency, rel_tol=1e-9):
            self.bad("mismatch", subject, f"efficiency {g.efficiency}, elution takes {efficiency}")
        calibration = _t(src.end_of_production_utc)
        self.check_legs(subject, g.legs, src.site, g.site, _t(src.release_utc), math.inf, product)
        arrive = self.input_arrival(g, src)
        if abs(_t(g.arrive_utc) - arrive) > SLACK_S:
            self.bad("mismatch", subject, f"arrival {g.arrive_utc} differs from its route's")
        self.check_sizes(subject, g, product)
        times = [_t(e.time_utc) for e in g.elutions]
        if any(t < arrive - SLACK_S for t in times):
            self.bad("elution_before_arrival", subject, "eluted before it arrives")
        if any(t > calibration + shelf_life_s(product) + SLACK_S for t in times):
            self.bad("expired", subject, "eluted after its shelf life")
        self.check_elutions(subject, g, product, efficiency, calibration, eluted)

    def check_elutions(
        self,
        subject: str,
        g: PlanGenerator,
        product: Product,
        efficiency: float,
        calibration: float,
        eluted: dict[tuple[str, int], float],
    ) -> None:
        """Each elution's daughter activity, recomputed with the exact chain solution.

        The generator holds ``g.activity_calibration_bq`` of the product's parent at
        calibration (its batch's EOP) and is eluted at every listed time, in time order, with
        the elution process's efficiency; what each elution gives adds to ``eluted``.
        """
        elutions = sorted(g.elutions, key=lambda e: _t(e.time_utc))
        if g.activity_calibration_bq <= 0 or not elutions or product.daughter is None:
            return
        if _t(elutions[0].time_utc) < calibration:
            return  # reported as elution_before_arrival (nothing arrives before calibration)
        gen = Generator(
            Inventory.from_activities({product.nuclide: g.activity_calibration_bq}),
            product.daughter,
            efficiency,
        )
        times = [_t(e.time_utc) for e in elutions]
        got = gen.elute([t - calibration for t in times])
        for e, t, elution in zip(elutions, times, got, strict=True):
            value = elution.activities_bq.get(gen.daughter, 0.0)
            if not math.isclose(value, e.daughter_bq, rel_tol=REL, abs_tol=1.0):
                self.bad(
                    "elution_mismatch",
                    subject,
                    f"elution at {e.time_utc} recomputes to {value:.6g} Bq, "
                    f"plan says {e.daughter_bq:.6g} Bq",
                )
            eluted[(g.site, round(t * 1000.0))] += value

    def check_sizes(self, subject: str, g: PlanGenerator, product: Product) -> None:
        """Generators come in offered sizes that add up to the delivered activity."""
        if not product.sizes:
            return
        if not math.isclose(sum(g.sizes_bq), g.activity_calibration_bq, rel_tol=1e-6, abs_tol=1.0):
            self.bad(
                "sizes",
                subject,
                f"sizes add up to {sum(g.sizes_bq):.6g} Bq, "
                f"activity is {g.activity_calibration_bq:.6g} Bq",
            )
        for s in g.sizes_bq:
            if not any(math.isclose(s, v, rel_tol=1e-9) for v in product.sizes):
                self.bad("sizes", subject, f"a generator of {s:.6g} Bq is not offered")

    # ------------------------------------------------------------------ shipments

    def collect_loads(self) -> None:
        """What the plan's legs put on every departure: bookings, batches, packages, TI."""
        for a in self.plan.allocations:
            booking = self.bookings.get(a.booking)
            product = self.products.get(booking.product if booking else a.product)
            self.put(a.legs, product, a.activity_eop_bq, booking=a.booking)
        for run in self.plan.runs:
            for inp in run.inputs:
                src = self.runs.get(inp.batch)
                product = self.products.get(src.product if src else inp.product)
                self.put(inp.legs, product, inp.activity_eop_bq, batch=inp.batch)
        for g in self.plan.generators:
            gen = self.products.get(g.product)
            pieces = len(g.sizes_bq) if gen is not None and gen.sizes else 1
            self.put(g.legs, gen, g.activity_calibration_bq, batch=g.batch, packages=pieces)

    def put(
        self,
        legs: tuple[PlanLeg, ...],
        product: Product | None,
        activity: float,
        booking: str | None = None,
        batch: str | None = None,
        packages: int = 1,
    ) -> None:
        """Put one dose (``booking``) or one delivery of ``batch`` on every leg's departure.

        A dose is one package, a bulk input one, a generator delivery one per generator. The
        transport index is the product's TI per GBq times the activity at EOP (the planner's
        conservative convention: activity only decays after EOP).
        """
        ti = product.transport.ti_per_gbq * activity / GBQ if product is not None else 0.0
        for leg in legs:
            if leg.lane not in self.lanes:
                continue  # reported as unknown_lane
            dep = _t(leg.depart_utc)
            load = self.loads.setdefault(_departure(leg.lane, dep), _Load(leg.lane, dep))
            if booking is not None:
                load.bookings.append(booking)
            if batch is not None:
                load.batches.append(batch)
            load.packages += packages
            load.transport_index += ti

    def check_shipments(self) -> None:
        """Shipment records against the lanes and the legs using them; lane capacities."""
        listed: set[tuple[str, int]] = set()
        for sh in self.plan.shipments:
            subject = f"shipment {sh.lane}@{sh.depart_utc}"
            lane = self.lanes.get(sh.lane)
            if lane is None:
                self.bad("unknown_lane", subject, f"lane {sh.lane} is not in the scenario")
                continue
            key = _departure(sh.lane, _t(sh.depart_utc))
            if key in listed:
                self.bad("shipment_contents", subject, "the same departure is listed twice")
                continue
            listed.add(key)
            load = self.loads.get(key, _Load(sh.lane, _t(sh.depart_utc)))
            self.check_shipment_record(subject, sh.origin, sh.destination, sh.arrive_utc, lane, key)
            if sorted(sh.bookings) != sorted(load.bookings) or sorted(sh.batches) != sorted(
                load.batches
            ):
                self.bad(
                    "shipment_contents",
                    subject,
                    f"lists bookings {sorted(sh.bookings)} and batches {sorted(sh.batches)}; "
                    f"the plan's legs put bookings {sorted(load.bookings)} and batches "
                    f"{sorted(load.batches)} on it",
                )
            if sh.packages != load.packages:
                self.bad(
                    "cost_mismatch",
                    subject,
                    f"{sh.packages} packages listed, its contents make {load.packages}",
                )
            cost = self.shipment_cost(lane, load.packages)
            if not _close(sh.cost, cost):
                self.bad(
                    "cost_mismatch",
                    subject,
                    f"cost {sh.cost:.6g}, lane prices give {cost:.6g} for {load.packages} packages",
                )
            self.check_capacity(
                subject,
                lane,
                max(sh.packages, load.packages),
                max(sh.transport_index, load.transport_index),
            )
        for key, load in self.loads.items():
            if key not in listed:
                subject = f"departure {load.lane}@{datetime.fromtimestamp(load.depart, UTC)}"
                self.bad("shipment_missing", subject, "used by the plan's legs but not shipped")
                self.check_capacity(
                    subject, self.lanes[load.lane], load.packages, load.transport_index
                )

    def check_shipment_record(
        self,
        subject: str,
        origin: str,
        destination: str,
        arrive_utc: str,
        lane: Lane,
        key: tuple[str, int],
    ) -> None:
        """A shipment's end points and arrival are its lane's."""
        if (origin, destination) != (lane.origin, lane.destination):
            self.bad(
                "mismatch",
                subject,
                f"{origin} -> {destination}, lane {lane.id} runs {lane.origin} -> "
                f"{lane.destination}",
            )
        if abs(_t(arrive_utc) - self.arrival(lane, key[1] / 1000.0)) > SLACK_S:
            self.bad(
                "transit_mismatch",
                subject,
                f"arrives {arrive_utc}, not departure + transit + customs",
            )

    @staticmethod
    def shipment_cost(lane: Lane, packages: int) -> float:
        """What a departure costs: per shipment plus per package."""
        return lane.cost_per_shipment + lane.cost_per_package * packages

    def check_capacity(self, subject: str, lane: Lane, packages: int, ti: float) -> None:
        """Packages and transport index of one departure within the lane's capacity."""
        if packages > lane.capacity_packages:
            self.bad(
                "lane_capacity",
                subject,
                f"{packages} packages > capacity {lane.capacity_packages}",
            )
        if ti > lane.capacity_ti * (1 + REL) + 1e-9:
            self.bad("transport_index", subject, f"TI {ti:.3g} > capacity {lane.capacity_ti:.3g}")

    # ------------------------------------------------------------------ contracts and costs

    def deliveries(self) -> list[_Delivery]:
        """Activity delivered under supply agreements, at arrival (from the legs)."""
        agreements = self.sc.policies.supply_agreements
        out: list[_Delivery] = []
        if not agreements:
            return out

        def add(
            supplier: str, customer: str, product: str, eop: float, arrive: float, activity: float
        ) -> None:
            for ci, c in enumerate(agreements):
                if (c.supplier, c.customer, c.product) == (supplier, customer, product):
                    lam = _lam(self.products[product].nuclide)
                    out.append(_Delivery(ci, arrive, activity * math.exp(-lam * (arrive - eop))))

        for run in self.plan.runs:
            for inp in run.inputs:
                src = self.runs.get(inp.batch)
                if src is not None and src.product in self.products:
                    eop = _t(src.end_of_production_utc)
                    arrive = self.input_arrival(inp, src)
                    add(src.site, run.site, src.product, eop, arrive, inp.activity_eop_bq)
        for g in self.plan.generators:
            src = self.runs.get(g.batch)
            if src is not None and src.product in self.products:
                eop = _t(src.end_of_production_utc)
                arrive = self.input_arrival(g, src)
                add(src.site, g.site, src.product, eop, arrive, g.activity_calibration_bq)
        for a in self.plan.allocations:
            src = self.runs.get(a.batch)
            booking = self.bookings.get(a.booking)
            if src is None or booking is None:
                continue
            eop = _t(src.end_of_production_utc)
            arrive = _t(a.legs[-1].arrive_utc) if a.legs else _t(src.release_utc)
            add(src.site, booking.hospital, booking.product, eop, arrive, a.activity_eop_bq)
        return out

    def check_agreements(self) -> None:
        """Weekly maxima of supply agreements, on activity at delivery."""
        start = _t(self.plan.start_utc)
        delivered: dict[tuple[int, int], float] = defaultdict(float)
        for d in self.deliveries():
            delivered[(d.agreement, horizon_week(d.arrive, start))] += d.activity_bq
        agreements = self.sc.policies.supply_agreements
        for (ci, k), amount in sorted(delivered.items()):
            cap = agreements[ci].max_per_week
            if cap is not None and amount > cap * (1 + REL) + 1.0:
                self.bad(
                    "agreement_max",
                    f"agreement {agreements[ci].id} week {k}",
                    f"{amount:.6g} Bq delivered, maximum {cap:.6g} Bq",
                )

    def check_costs(self) -> None:
        """Run costs against process prices; cost totals of the KPIs against recomputed ones."""
        fixed = variable = 0.0
        for run in self.plan.runs:
            proc = self.processes.get(run.process)
            if proc is None:  # reported as unknown_process; its own figures are all we have
                fixed, variable = fixed + run.fixed_cost, variable + run.variable_cost
                continue
            is_elution = proc.kind == ProcessKind.ELUTION
            want_fixed = 0.0 if is_elution else proc.fixed_cost
            want_variable = (
                0.0 if is_elution else proc.variable_cost_per_gbq * run.activity_eop_bq / GBQ
            )
            for name, got, want in (
                ("fixed", run.fixed_cost, want_fixed),
                ("variable", run.variable_cost, want_variable),
            ):
                if not _close(got, want):
                    self.bad(
                        "cost_mismatch",
                        f"run {run.batch}",
                        f"{name} cost {got:.6g}, process {proc.id}'s prices give {want:.6g}",
                    )
            fixed, variable = fixed + want_fixed, variable + want_variable
        self.check_totals(fixed, variable)

    def check_totals(self, fixed: float, variable: float) -> None:
        """The plan's cost KPIs equal the recomputed totals."""
        transport = 0.0
        for load in self.loads.values():
            transport += self.shipment_cost(self.lanes[load.lane], load.packages)
        seen = set(self.loads)
        for sh in self.plan.shipments:
            lane = self.lanes.get(sh.lane)
            key = _departure(sh.lane, _t(sh.depart_utc))
            if key in seen:
                continue
            seen.add(key)
            # an empty departure still costs its shipment; an unknown lane only its record
            transport += self.shipment_cost(lane, 0) if lane is not None else sh.cost
        agreements = self.sc.policies.supply_agreements
        purchases = sum(
            agreements[d.agreement].price_per_gbq * d.activity_bq / GBQ for d in self.deliveries()
        )
        want = {
            "production_fixed": fixed,
            "production_variable": variable,
            "transport": transport,
            "purchases": purchases,
            "total": fixed + variable + transport + purchases,
        }
        cost = self.plan.kpis.get("cost")
        if not isinstance(cost, dict):
            return
        for name, value in want.items():
            got = cost.get(name)
            if isinstance(got, int | float) and not _close(float(got), value):
                self.bad(
                    "cost_mismatch",
                    f"kpis cost.{name}",
                    f"{float(got):.10g}, recomputed from the scenario's prices {value:.10g}",
                )
