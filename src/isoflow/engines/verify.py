"""Independent check of a plan against its scenario.

Nothing here imports the planner's model builder, candidates or routing: every decay, time,
calendar, route and capacity is recomputed from the scenario and the plan's own records
(``plan.json``). A plan the optimiser produced must pass; any violation is listed with the
record it concerns.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from isoflow.domain.calendar import epoch, weekly_instants
from isoflow.domain.decay import Inventory
from isoflow.domain.generators import Generator
from isoflow.domain.nuclides import default_data
from isoflow.engines.planner.plan import Plan, PlanLeg
from isoflow.scenario.rules import (
    dose_tolerance,
    lane_carries,
    may_supply,
    prescribed_activity,
    process_availability,
)
from isoflow.scenario.schema import Booking, Lane, Process, ProcessKind, Scenario
from isoflow.units import parse_datetime

REL = 1e-6
"""Relative tolerance for recomputed activities (float rounding, not physics)."""

SLACK_S = 1e-3
"""Tolerance on instants [s] (timestamps are printed to the microsecond)."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: a code, the record concerned, and what is wrong."""

    code: str
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.code}: {self.subject}: {self.detail}"


def _t(text: str) -> float:
    return epoch(parse_datetime(text, "time"))


def _lam(nuclide: str) -> float:
    data = default_data()
    half_life = data.half_life_s(data.canonical(nuclide))
    return 0.0 if math.isinf(half_life) else math.log(2.0) / half_life


def verify(plan: Plan, scenario: Scenario) -> list[Violation]:
    """Every violation of the scenario's rules found in ``plan`` (empty if it is sound)."""
    return _Checker(plan, scenario).run()


class _Checker:
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

    def bad(self, code: str, subject: str, detail: str) -> None:
        self.out.append(Violation(code, subject, detail))

    def run(self) -> list[Violation]:
        self.check_allocations()
        self.check_runs()
        self.check_generators()
        self.check_shipments()
        self.check_unserved()
        self.check_agreements()
        return self.out

    # ------------------------------------------------------------------ bookings

    def check_allocations(self) -> None:
        seen: set[str] = set()
        for a in self.plan.allocations:
            subject = f"allocation {a.booking}"
            if a.booking in seen:
                self.bad("double_allocation", subject, "booking served twice")
            seen.add(a.booking)
            booking = self.bookings.get(a.booking)
            if booking is None:
                self.bad("unknown_booking", subject, "not in the scenario")
                continue
            product = self.products[booking.product]
            if a.product != booking.product or a.hospital != booking.hospital:
                self.bad("mismatch", subject, "product or hospital differs from the booking")
            t_admin = epoch(booking.administration)
            if abs(_t(a.administration_utc) - t_admin) > SLACK_S:
                self.bad("mismatch", subject, "administration time differs from the booking")
            t_eop = _t(a.end_of_production_utc)
            age = t_admin - t_eop
            if age < -SLACK_S:
                self.bad("before_production", subject, "administered before end of production")
            if product.shelf_life is not None and age > product.shelf_life + SLACK_S:
                self.bad(
                    "expired",
                    subject,
                    f"{age / 3600:.2f} h after EOP, shelf life {product.shelf_life / 3600:.2f} h",
                )
            admin = a.activity_eop_bq * math.exp(-_lam(product.nuclide) * age)
            if not math.isclose(admin, a.activity_admin_bq, rel_tol=REL):
                self.bad(
                    "decay_mismatch",
                    subject,
                    f"activity at administration recomputes to {admin:.6g} Bq, "
                    f"plan says {a.activity_admin_bq:.6g} Bq",
                )
            prescribed, tolerance = self.prescription(booking)
            if abs(admin - prescribed) > tolerance * prescribed * (1 + REL) + 1e-9 * prescribed:
                self.bad(
                    "dose_out_of_tolerance",
                    subject,
                    f"{admin:.6g} Bq at administration, prescribed {prescribed:.6g} Bq "
                    f"± {tolerance:.0%}",
                )
            country = self.sites[booking.hospital].country
            allowed = self.approvals.get(booking.product)
            if allowed is not None and country not in allowed:
                self.bad("not_approved", subject, f"{booking.product} not approved in {country}")
            run = self.runs.get(a.batch)
            if run is None:
                self.bad("unknown_batch", subject, f"batch {a.batch} is not in the plan's runs")
                continue
            if abs(_t(run.end_of_production_utc) - t_eop) > SLACK_S:
                self.bad("mismatch", subject, "EOP differs from its batch")
            if run.product != booking.product:
                self.bad("mismatch", subject, f"batch makes {run.product}, not {booking.product}")
            if not may_supply(self.sites[run.site], country):
                self.bad("gmp", subject, f"{run.site} holds no GMP approval for {country}")
            self.check_legs(
                subject,
                a.legs,
                run.site,
                booking.hospital,
                _t(run.release_utc),
                t_admin,
                booking.product,
            )

    def prescription(self, booking: Booking) -> tuple[float, float]:
        product = self.products[booking.product]
        return prescribed_activity(booking, product), dose_tolerance(booking, product)

    # ------------------------------------------------------------------ routes

    def check_legs(
        self,
        subject: str,
        legs: tuple[PlanLeg, ...],
        origin: str,
        destination: str,
        ready: float,
        deadline: float,
        product_id: str,
    ) -> None:
        at, t = origin, ready
        product = self.products[product_id]
        for leg in legs:
            lane = self.lanes.get(leg.lane)
            if lane is None:
                self.bad("unknown_lane", subject, leg.lane)
                return
            dep, arr = _t(leg.depart_utc), _t(leg.arrive_utc)
            if lane.origin != at:
                self.bad("broken_route", subject, f"{lane.id} leaves {lane.origin}, not {at}")
            if dep + SLACK_S < t + lane.handling:
                self.bad("too_early", subject, f"{lane.id} departs before the goods are ready")
            if lane.timetable and not self.scheduled(lane, dep):
                self.bad(
                    "not_in_timetable", subject, f"{lane.id} has no departure at {leg.depart_utc}"
                )
            customs = lane.border.customs_delay if lane.border else 0.0
            if abs(arr - (dep + lane.transit + customs)) > SLACK_S:
                self.bad(
                    "transit_mismatch", subject, f"{lane.id} arrival is not departure + transit"
                )
            if not lane_carries(lane, product):
                self.bad("class7_refused", subject, f"{lane.id} refuses radioactive cargo")
            self.check_export(subject, lane, dep, product_id)
            at, t = lane.destination, arr
        if at != destination:
            self.bad("broken_route", subject, f"route ends at {at}, not {destination}")
        if t > deadline + SLACK_S:
            self.bad("late", subject, "arrives after it is needed")
        self.check_contract(subject, legs, origin, destination, product_id)

    def scheduled(self, lane: Lane, dep: float) -> bool:
        tz = self.sites[lane.origin].timezone
        entries = [(tuple(str(d) for d in x.days), x.time) for x in lane.timetable]
        times = weekly_instants(entries, tz, dep - 60, dep + 60)
        return bool(len(times)) and bool(min(abs(times - dep)) <= SLACK_S)

    def check_export(self, subject: str, lane: Lane, dep: float, product_id: str) -> None:
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
        per_day: dict[tuple[str, int], int] = defaultdict(int)
        spans: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
        for run in self.plan.runs:
            subject = f"run {run.batch}"
            proc = self.processes.get(run.process)
            if proc is None:
                self.bad("unknown_process", subject, run.process)
                continue
            start, eop = _t(run.start_utc), _t(run.end_of_production_utc)
            if proc.kind == ProcessKind.ELUTION:
                continue
            if abs(eop - start - proc.duration) > SLACK_S:
                self.bad("duration", subject, "EOP is not start + process duration")
            if abs(_t(run.release_utc) - eop - proc.qc_release) > SLACK_S:
                self.bad("qc_release", subject, "release is not EOP + QC release time")
            if run.activity_eop_bq > proc.batch_max * (1 + REL):
                self.bad("batch_max", subject, f"{run.activity_eop_bq:.6g} Bq > batch_max")
            if run.activity_eop_bq < proc.batch_min * (1 - REL):
                self.bad("batch_min", subject, f"{run.activity_eop_bq:.6g} Bq < batch_min")
            self.check_calendar(subject, proc, start, eop)
            tz = ZoneInfo(self.sites[proc.site].timezone)
            day = datetime.fromtimestamp(start, UTC).astimezone(tz).toordinal()
            per_day[(proc.id, day)] += 1
            if per_day[(proc.id, day)] > proc.max_batches_per_day:
                self.bad("batches_per_day", subject, f"more than {proc.max_batches_per_day} a day")
            spans[proc.id].append((start, eop, run.batch))
            self.check_use(subject, run.batch, run.activity_eop_bq)
            self.check_inputs(subject, run, proc, start)
        for proc_id, items in spans.items():
            items.sort()
            for (_, e0, b0), (s1, _, b1) in itertools.pairwise(items):
                if s1 < e0 - SLACK_S:
                    self.bad("overlap", f"run {b1}", f"starts before {b0} of {proc_id} ends")

    def check_calendar(self, subject: str, proc: Process, start: float, eop: float) -> None:
        windows, allowed = process_availability(
            proc.availability, self.sites[proc.site], start - 8 * 86400.0, start + 8 * 86400.0
        )
        if not any(lo - SLACK_S <= start < hi for lo, hi in windows):
            self.bad("outside_window", subject, "starts outside the process's weekly windows")
        if not any(lo - SLACK_S <= start and eop <= hi + SLACK_S for lo, hi in allowed):
            self.bad("site_unavailable", subject, "runs during an outage or off-cycle")

    def check_use(self, subject: str, batch: str, activity: float) -> None:
        used = sum(a.activity_eop_bq for a in self.plan.allocations if a.batch == batch)
        used += sum(i.activity_eop_bq for r in self.plan.runs for i in r.inputs if i.batch == batch)
        used += sum(g.activity_calibration_bq for g in self.plan.generators if g.batch == batch)
        if used > activity * (1 + REL) + 1.0:
            self.bad("overdrawn", subject, f"{used:.6g} Bq allocated from {activity:.6g} Bq")

    def check_inputs(self, subject: str, run: object, proc: Process, start: float) -> None:
        from isoflow.engines.planner.plan import PlanRun

        assert isinstance(run, PlanRun)
        feeds = [i for i in proc.inputs if i.activity_feed]
        if not feeds:
            return
        feed = self.products[feeds[0].product]
        lam = _lam(feed.nuclide)
        supplied = 0.0
        for inp in run.inputs:
            src = self.runs.get(inp.batch)
            if src is None:
                self.bad("unknown_batch", subject, f"input {inp.batch} is not in the plan")
                continue
            if src.product != feed.id:
                self.bad("mismatch", subject, f"input {inp.batch} is {src.product}, not {feed.id}")
            age = start - _t(src.end_of_production_utc)
            if feed.shelf_life is not None and age > feed.shelf_life + SLACK_S:
                self.bad("expired", subject, f"input {inp.batch} is past its shelf life")
            self.check_legs(
                f"{subject} input {inp.batch}",
                inp.legs,
                src.site,
                proc.site,
                _t(src.release_utc),
                start,
                feed.id,
            )
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
        eluted: dict[str, float] = defaultdict(float)
        for g in self.plan.generators:
            subject = f"generator {g.batch} -> {g.site}"
            src = self.runs.get(g.batch)
            if src is None:
                self.bad("unknown_batch", subject, "assembly batch is not in the plan")
                continue
            product = self.products[g.product]
            calibration = _t(src.end_of_production_utc)
            self.check_legs(
                subject, g.legs, src.site, g.site, _t(src.release_utc), _t(g.arrive_utc), g.product
            )
            if product.sizes:
                total = sum(g.sizes_bq)
                if not math.isclose(total, g.activity_calibration_bq, rel_tol=1e-6, abs_tol=1.0):
                    self.bad("sizes", subject, "generator sizes do not add up to the activity")
                if any(
                    not any(math.isclose(s, v, rel_tol=1e-9) for v in product.sizes)
                    for s in g.sizes_bq
                ):
                    self.bad("sizes", subject, "a generator size is not offered")
            if g.activity_calibration_bq <= 0:
                continue
            times = [_t(e.time_utc) - calibration for e in g.elutions]
            if any(t < _t(g.arrive_utc) - calibration - SLACK_S for t in times):
                self.bad("elution_before_arrival", subject, "eluted before it arrives")
            gen = Generator(
                Inventory.from_activities({g.parent: g.activity_calibration_bq}),
                g.daughter,
                g.efficiency,
            )
            for e, got in zip(g.elutions, gen.elute(times), strict=True):
                value = got.activities_bq.get(gen.daughter, 0.0)
                if not math.isclose(value, e.daughter_bq, rel_tol=REL, abs_tol=1.0):
                    self.bad(
                        "elution_mismatch",
                        subject,
                        f"elution at {e.time_utc} recomputes to {value:.6g} Bq, "
                        f"plan says {e.daughter_bq:.6g} Bq",
                    )
                eluted[f"{g.site}@{e.time_utc}"] += value
        for run in self.plan.runs:
            proc = self.processes.get(run.process)
            if proc is None or proc.kind != ProcessKind.ELUTION:
                continue
            available = eluted.get(f"{proc.site}@{run.start_utc}", 0.0)
            used = sum(a.activity_eop_bq for a in self.plan.allocations if a.batch == run.batch)
            if used > available * (1 + REL) + 1.0:
                self.bad(
                    "overdrawn",
                    f"elution {run.batch}",
                    f"{used:.6g} Bq dispensed, generators give {available:.6g} Bq",
                )

    # ------------------------------------------------------------------ shipments

    def check_shipments(self) -> None:
        for sh in self.plan.shipments:
            lane = self.lanes.get(sh.lane)
            subject = f"shipment {sh.lane}@{sh.depart_utc}"
            if lane is None:
                self.bad("unknown_lane", subject, sh.lane)
                continue
            if sh.packages > lane.capacity_packages:
                self.bad("lane_capacity", subject, f"{sh.packages} packages > capacity")
            if sh.transport_index > lane.capacity_ti * (1 + REL) + 1e-9:
                self.bad("transport_index", subject, f"TI {sh.transport_index:.3g} > capacity")

    def check_agreements(self) -> None:
        """Weekly maxima of supply agreements, on activity at delivery."""
        start = _t(self.plan.start_utc)
        week = 7 * 86400.0
        delivered: dict[tuple[str, int], float] = defaultdict(float)

        def add(
            supplier: str, customer: str, product: str, eop: float, arrive: float, activity: float
        ) -> None:
            for c in self.sc.policies.supply_agreements:
                if (c.supplier, c.customer, c.product) == (supplier, customer, product):
                    k = max(0, int((arrive - start) // week))
                    lam = _lam(self.products[product].nuclide)
                    delivered[(c.id, k)] += activity * math.exp(-lam * (arrive - eop))

        for run in self.plan.runs:
            for inp in run.inputs:
                src = self.runs.get(inp.batch)
                if src is not None:
                    add(
                        src.site,
                        run.site,
                        src.product,
                        _t(src.end_of_production_utc),
                        _t(inp.arrive_utc),
                        inp.activity_eop_bq,
                    )
        for g in self.plan.generators:
            src = self.runs.get(g.batch)
            if src is not None:
                add(
                    src.site,
                    g.site,
                    src.product,
                    _t(src.end_of_production_utc),
                    _t(g.arrive_utc),
                    g.activity_calibration_bq,
                )
        for a in self.plan.allocations:
            arrive = _t(a.legs[-1].arrive_utc) if a.legs else _t(a.end_of_production_utc)
            add(
                a.site,
                a.hospital,
                a.product,
                _t(a.end_of_production_utc),
                arrive,
                a.activity_eop_bq,
            )
        limits = {c.id: c.max_per_week for c in self.sc.policies.supply_agreements}
        for (cid, k), amount in sorted(delivered.items()):
            cap = limits[cid]
            if cap is not None and amount > cap * (1 + REL) + 1.0:
                self.bad(
                    "agreement_max",
                    f"agreement {cid} week {k}",
                    f"{amount:.6g} Bq delivered, maximum {cap:.6g} Bq",
                )

    def check_unserved(self) -> None:
        served = {a.booking for a in self.plan.allocations}
        listed = {u.booking for u in self.plan.unserved}
        both = served & listed
        for booking in sorted(both):
            self.bad("served_and_unserved", f"booking {booking}", "listed as both")
