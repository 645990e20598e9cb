"""Greedy rules of thumb that fill the planning model with a feasible solution.

Used by the baseline planner (:mod:`isoflow.engines.planner.baseline`) as its whole method,
and by the optimiser as a warm start (the solver's first incumbent).
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np

from isoflow.engines.planner.build import GBQ, PlanningModel
from isoflow.engines.planner.candidates import Candidates
from isoflow.engines.planner.network import PlanningNetwork, Route
from isoflow.scenario.rules import (
    horizon_week,
    input_uses,
    network_stock_limits,
    transport_index,
)

OVERAGE = 1.2
"""Fixed safety factor on batch sizes used by the baseline planner."""


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(a)))


class _Greedy:
    def __init__(
        self,
        net: PlanningNetwork,
        cand: Candidates,
        pm: PlanningModel,
        overage: float,
        guide: np.ndarray | None = None,
    ) -> None:
        self.net, self.cand, self.pm, self.overage = net, cand, pm, overage
        # preference of each option and flow: its value in a relaxation (0 without one)
        z, w = pm.model.col_blocks["z"], pm.model.col_blocks["w"]
        self.z_pref = -guide[z.all] if guide is not None else np.zeros(z.size)
        self.w_pref = -guide[w.all] if guide is not None else np.zeros(w.size)
        self.sc = net.scenario
        self.values = np.zeros(pm.model.num_cols)
        self.blocks = pm.model.col_blocks
        self.pos = {int(r): i for i, r in enumerate(pm.producing_runs)}
        self.demand: dict[int, float] = defaultdict(float)  # run -> Bq needed at EOP
        self.elution_need: dict[int, float] = defaultdict(float)  # elution run -> Bq
        self.chosen: list[int] = []
        self.open: set[int] = set()
        self.sizes: dict[int, float] = {}
        self.feedable = self._feedable()
        self.packages: dict[tuple[int, float], int] = defaultdict(int)
        self.ti_used: dict[tuple[int, float], float] = defaultdict(float)
        self.per_day: dict[tuple[int, int], int] = defaultdict(int)
        sites = self.sc.sites
        self.site_of_run = [
            self.net.site_index[self.sc.processes[r.process].site] for r in cand.runs
        ]
        self.coords = [(s.lat, s.lon) for s in sites]
        self.stock_used: dict[tuple[str, str, int], float] = defaultdict(float)
        self.limits = network_stock_limits(self.sc)

    def _feedable(self) -> set[int]:
        """Runs that need no input, or can get it from a run that is itself feedable."""
        ok = {r for r in range(len(self.cand.runs)) if r not in self.cand.feed_needed}
        inflows: dict[int, list[int]] = defaultdict(list)
        for f in self.cand.flows:
            if f.dst >= 0:
                inflows[f.dst].append(f.src)
        changed = True
        while changed:
            changed = False
            for r in self.cand.feed_needed:
                if r not in ok and any(src in ok for src in inflows[r]):
                    ok.add(r)
                    changed = True
        return ok

    def capacity(self, run: int) -> float:
        proc = self.sc.processes[self.cand.runs[run].process]
        return proc.batch_max / self.overage

    def dist(self, a: int, b: int) -> float:
        return _distance_km(*self.coords[a], *self.coords[b])

    def assign_bookings(self) -> None:
        """Serve bookings and orders in priority order, each from its best options with room.

        ``chosen`` holds one entry per unit served (an order's units may come from several
        options, or several from one).
        """
        by_booking: dict[int, list[int]] = defaultdict(list)
        for k, a in enumerate(self.cand.allocations):
            by_booking[a.booking].append(k)
        order = sorted(
            by_booking,
            key=lambda b: (int(self.cand.booking_priority[b]), float(self.cand.booking_time[b])),
        )
        for b in order:
            hosp = int(self.cand.booking_site[b])
            options = sorted(
                by_booking[b],
                key=lambda k: (
                    round(float(self.z_pref[k]), 3),
                    round(self.dist(self.site_of_run[self.cand.allocations[k].run], hosp)),
                    self.cand.allocations[k].run not in self.open,
                    # grid runs first: a run timed for one booking takes the process's day
                    self.cand.runs[self.cand.allocations[k].run].timed,
                    self.cand.allocations[k].need_eop,
                ),
            )
            left = int(self.cand.booking_units[b])
            per_unit = int(self.cand.booking_unit_doses[b])
            for k in options:
                left -= self._serve(k, left, per_unit)
                if left <= 0:
                    break

    def _serve(self, k: int, units: int, per_unit: int) -> int:
        """Serve up to ``units`` units through option ``k``; return how many it took."""
        a = self.cand.allocations[k]
        if a.run not in self.feedable:
            return 0
        n = min(units, self.room_for(a.route) // per_unit)
        ti_unit = self.ti_per_bq(a.run) * a.need_eop
        if ti_unit > 0 and a.route.legs:
            n = min(n, int(self.ti_room(a.route) / ti_unit * (1 + 1e-12)))
        if a.run in self.pos:
            spare = self.capacity(a.run) - self.demand[a.run]
            n = min(n, int(spare // a.need_eop) if a.need_eop > 0 else n)
            if n <= 0 or (a.run not in self.open and not self.can_open(a.run)):
                return 0
            self.open_run(a.run)
            self.demand[a.run] += a.need_eop * n
        elif n > 0:
            self.elution_need[a.run] += a.need_eop * n
        if n <= 0:
            return 0
        self.take(a.route, n * per_unit, n * ti_unit)
        self.chosen.extend([k] * n)
        return n

    def room(self, route: Route, packages: int) -> bool:
        """True if every departure of ``route`` can take ``packages`` more packages."""
        return self.room_for(route) >= packages

    def room_for(self, route: Route) -> int:
        """Packages every departure of ``route`` can still take."""
        lanes = self.sc.lanes
        return min(
            (
                lanes[g.lane].capacity_packages - self.packages[(g.lane, g.depart)]
                for g in route.legs
            ),
            default=10**9,
        )

    def take(self, route: Route, packages: int, ti: float = 0.0) -> None:
        """Book ``packages`` and a transport index ``ti`` on every departure of ``route``."""
        for g in route.legs:
            self.packages[(g.lane, g.depart)] += packages
            self.ti_used[(g.lane, g.depart)] += ti

    def ti_room(self, route: Route) -> float:
        """Transport index every departure of ``route`` can still take (the ti rows)."""
        lanes = self.sc.lanes
        return min(
            (lanes[g.lane].capacity_ti - self.ti_used[(g.lane, g.depart)] for g in route.legs),
            default=math.inf,
        )

    def ti_per_bq(self, run: int) -> float:
        """Transport index per Bq (at EOP) of what ``run`` makes."""
        output = self.sc.processes[self.cand.runs[run].process].output
        product = self.sc.products[self.net.product_index[output]]
        return transport_index(product, 1.0)

    def ti_cap(self, src: int, route: Route) -> float:
        """Most activity [Bq at the source's EOP] a flow on ``route`` may still carry."""
        per_bq = self.ti_per_bq(src)
        return self.ti_room(route) / per_bq if per_bq > 0 else math.inf

    def can_open(self, run: int) -> bool:
        """True if a new run keeps its process within one batch at a time and its daily cap."""
        r = self.cand.runs[run]
        proc = self.sc.processes[r.process]
        if self.per_day[(r.process, self.local_day(run))] >= proc.max_batches_per_day:
            return False
        if any(
            self.stock_used[key] + amount > self.limits[key[:2]] * (1 + 1e-9)
            for key, amount in self.stock_uses(run)
        ):
            return False
        return all(
            not (o.start < r.eop and r.start < o.eop) or proc.duration == 0
            for o in (
                self.cand.runs[q] for q in self.open if self.cand.runs[q].process == r.process
            )
        )

    def open_run(self, run: int) -> None:
        if run not in self.open:
            self.open.add(run)
            self.per_day[(self.cand.runs[run].process, self.local_day(run))] += 1
            for key, amount in self.stock_uses(run):
                self.stock_used[key] += amount

    def stock_uses(self, run: int) -> list[tuple[tuple[str, str, int], float]]:
        """Limited materials the run consumes: ((site, material, week), amount)."""
        r = self.cand.runs[run]
        proc = self.sc.processes[r.process]
        week = horizon_week(r.start, self.net.horizon_start)
        return [
            ((proc.site, product, week), amount)
            for product, amount in input_uses(proc).items()
            if (proc.site, product) in self.limits
        ]

    def local_day(self, run: int) -> int:
        r = self.cand.runs[run]
        tz = ZoneInfo(self.sc.sites[self.site_of_run[run]].timezone)
        return datetime.fromtimestamp(r.start, UTC).astimezone(tz).toordinal()

    def generators(self) -> dict[int, float]:
        """Order generators per elution process to cover every elution slot's need."""
        flow_amount: dict[int, float] = {}
        by_dest: dict[int, list[int]] = defaultdict(list)
        for fi, f in enumerate(self.cand.flows):
            if f.dst == -1:
                by_dest[f.site].append(fi)
        supply: dict[int, float] = defaultdict(float)
        for site, fis in by_dest.items():
            fis.sort(
                key=lambda fi: (
                    float(self.w_pref[fi]) < -1e-6,
                    self.cand.flows[fi].route.arrive,
                    self.dist(self.site_of_run[self.cand.flows[fi].src], site),
                )
            )
            for fi in fis:
                f = self.cand.flows[fi]
                if f.src not in self.feedable:
                    continue
                shortfall = [
                    (self.elution_need[er] - supply[er], yld)
                    for er, yld in f.elutions
                    if self.elution_need[er] > supply[er] + 1.0 and yld > 0
                ]
                if not shortfall:
                    continue
                amount = self.overage * max(short / yld for short, yld in shortfall)
                amount = min(
                    amount,
                    self.capacity(f.src) * self.overage - self.demand[f.src],
                    self.flow_limit(fi) - largest_size(self, f.src),
                )
                if amount <= 0 or (f.src not in self.open and not self.can_open(f.src)):
                    continue
                amount = self._fit_ti(f.src, f.route, self._size(f.src, amount))
                pieces = self._pieces(f.src, amount)
                if amount <= 0 or not self.room(f.route, pieces):
                    continue
                self.open_run(f.src)
                self.take(f.route, pieces, amount * self.ti_per_bq(f.src))
                flow_amount[fi] = amount
                self.demand[f.src] += amount
                for er, yld in f.elutions:
                    supply[er] += yld * amount
        self._drop_unsupplied(supply)
        return flow_amount

    def _fit_ti(self, src: int, route: Route, amount: float) -> float:
        """``amount`` less whole generators (or cut, for bulk) until it fits the ti room."""
        cap = self.ti_cap(src, route)
        if amount <= cap * (1 + 1e-9):
            return amount
        largest = largest_size(self, src)
        if largest <= 0:
            return max(0.0, cap)
        return math.floor(cap * (1 + 1e-9) / largest) * largest

    def flow_limit(self, fi: int) -> float:
        """Most a flow may carry [Bq at the source's EOP]: the model's big-M bound."""
        return float(self.pm.flow_bound[fi]) * GBQ

    def _size(self, src: int, amount: float) -> float:
        product = next(
            p
            for p in self.sc.products
            if p.id == self.sc.processes[self.cand.runs[src].process].output
        )
        if not product.sizes:
            return amount
        largest = max(product.sizes)
        count = math.ceil(amount / largest)
        return count * float(largest)

    def _pieces(self, src: int, amount: float) -> int:
        """Packages for an amount of a product: generators count one each."""
        product = next(
            p
            for p in self.sc.products
            if p.id == self.sc.processes[self.cand.runs[src].process].output
        )
        return max(1, math.ceil(amount / float(max(product.sizes)))) if product.sizes else 1

    def _drop_unsupplied(self, supply: dict[int, float]) -> None:
        """Keep the doses of each elution slot, in the order served, that its supply covers.

        A slot the ordered generators cover in part keeps as many doses as they give (the
        first served: priority, then time), not none.
        """
        keep = []
        used: dict[int, float] = defaultdict(float)
        for k in self.chosen:
            a = self.cand.allocations[k]
            if a.run in self.pos:
                keep.append(k)
                continue
            if used[a.run] + a.need_eop <= supply[a.run] + 1.0:
                used[a.run] += a.need_eop
                keep.append(k)
        self.chosen = keep

    def feeds(self, flow_amount: dict[int, float]) -> None:
        """Downstream first: order each run's input from the nearest source with room."""
        pending = sorted(
            (r for r in self.demand if r in self.cand.feed_needed and self.demand[r] > 0),
            key=lambda r: -self.cand.runs[r].start,
        )
        inflows: dict[int, list[int]] = defaultdict(list)
        for fi, f in enumerate(self.cand.flows):
            if f.dst >= 0:
                inflows[f.dst].append(fi)
        while pending:
            r = pending.pop(0)
            size = self._batch(r)
            need = size * self.cand.feed_needed[r]
            got = 0.0
            for fi in sorted(
                inflows[r],
                key=lambda fi: (
                    round(
                        self.dist(self.site_of_run[self.cand.flows[fi].src], self.site_of_run[r])
                    ),
                    -self.cand.flows[fi].factor,
                ),
            ):
                f = self.cand.flows[fi]
                room = self.capacity(f.src) * self.overage - self.demand[f.src]
                if room <= 0 or (f.src not in self.open and not self.can_open(f.src)):
                    continue
                amount = min(
                    self.overage * (need - got) / f.factor,
                    room,
                    self.flow_limit(fi) - flow_amount.get(fi, 0.0),
                    self.ti_cap(f.src, f.route),
                )
                new = fi not in flow_amount
                if amount <= 0 or (new and not self.room(f.route, 1)):
                    continue
                self.take(f.route, 1 if new else 0, amount * self.ti_per_bq(f.src))
                self.open_run(f.src)
                flow_amount[fi] = flow_amount.get(fi, 0.0) + amount
                self.demand[f.src] += amount
                got += amount * f.factor
                if f.src in self.cand.feed_needed and f.src not in pending:
                    pending.append(f.src)
                    pending.sort(key=lambda q: -self.cand.runs[q].start)
                if got >= need * (1 - 1e-9):
                    break
            if got < need * (1 - 1e-9):
                self._starve(r, got / need if need > 0 else 0.0)

    def _starve(self, run: int, share: float) -> None:
        """A run that gets too little input serves only the doses its input covers."""
        served = 0.0
        keep = []
        budget = share * self._batch(run) / self.overage
        for k in self.chosen:
            a = self.cand.allocations[k]
            if a.run != run:
                keep.append(k)
            elif served + a.need_eop <= budget:
                served += a.need_eop
                keep.append(k)
        self.chosen = keep
        self.demand[run] = served

    def _batch(self, run: int) -> float:
        proc = self.sc.processes[self.cand.runs[run].process]
        return min(proc.batch_max, max(proc.batch_min, self.overage * self.demand[run]))

    def settle(self, flow_amount: dict[int, float]) -> dict[int, float]:
        """Make the decisions consistent: no run gives out more than it gets in or makes.

        A run short of input makes less; its outgoing orders shrink in proportion and the
        doses it can no longer cover are dropped (they become unserved), downstream first.
        Each round is linear in the doses and flows chosen (indices grouped once a round).
        """
        flows = self.cand.flows
        inflows: dict[int, list[int]] = defaultdict(list)
        for fi, f in enumerate(flows):
            if f.dst >= 0:
                inflows[f.dst].append(fi)
        for _ in range(len(self.cand.runs) + 1):
            size = self._sizes(flow_amount, inflows)
            changed = self._trim_runs(size, flow_amount)
            changed = self._trim_elutions(flow_amount) or changed
            self.sizes = size
            if not changed:
                break
        return {fi: amount for fi, amount in flow_amount.items() if amount > 1.0}

    def _sizes(
        self, flow_amount: dict[int, float], inflows: dict[int, list[int]]
    ) -> dict[int, float]:
        """Batch of each producing run in use: its demand, capped by the input it gets."""
        size: dict[int, float] = {}
        for r in {*self.demand, *(f.src for f in self.cand.flows)}:
            if r not in self.pos:
                continue
            batch = self._batch(r)
            if r in self.cand.feed_needed:
                supplied = sum(
                    flow_amount.get(fi, 0.0) * self.cand.flows[fi].factor for fi in inflows[r]
                )
                batch = min(batch, supplied / self.cand.feed_needed[r])
            size[r] = batch
        return size

    def _trim_runs(self, size: dict[int, float], flow_amount: dict[int, float]) -> bool:
        """Drop doses and shrink outgoing flows of runs that give out more than their batch."""
        allocs, flows = self.cand.allocations, self.cand.flows
        at_run: dict[int, list[int]] = defaultdict(list)
        for i, k in enumerate(self.chosen):
            at_run[allocs[k].run].append(i)
        outs_of: dict[int, list[int]] = defaultdict(list)
        for fi in flow_amount:
            outs_of[flows[fi].src].append(fi)
        drop: set[int] = set()
        for r, batch in size.items():
            doses = at_run.get(r, [])
            dose_need = sum(allocs[self.chosen[i]].need_eop for i in doses)
            outs = outs_of.get(r, [])
            out_total = sum(flow_amount[fi] for fi in outs)
            if dose_need + out_total <= batch * (1 + 1e-9) + 1.0:
                continue
            budget = batch
            for i in doses:
                need = allocs[self.chosen[i]].need_eop
                if need <= budget:
                    budget -= need
                else:
                    drop.add(i)
            scale = max(0.0, budget) / out_total if out_total > 0 else 0.0
            for fi in outs:
                flow_amount[fi] *= min(1.0, scale)
            drop.add(-1)  # something changed even if no dose was dropped
        if drop:
            self.chosen = [k for i, k in enumerate(self.chosen) if i not in drop]
        return bool(drop)

    def _trim_elutions(self, flow_amount: dict[int, float]) -> bool:
        """Drop doses of elution slots beyond what the delivered generators give."""
        supply: dict[int, float] = defaultdict(float)
        for fi, amount in flow_amount.items():
            for er, yld in self.cand.flows[fi].elutions:
                supply[er] += yld * amount
        used: dict[int, float] = defaultdict(float)
        keep_list = []
        changed = False
        for k in self.chosen:
            a = self.cand.allocations[k]
            if a.run in self.pos:
                keep_list.append(k)
            elif used[a.run] + a.need_eop <= supply[a.run] * (1 + 1e-9):
                used[a.run] += a.need_eop
                keep_list.append(k)
            else:
                changed = True
        self.chosen = keep_list
        return changed

    def fill(self, flow_amount: dict[int, float]) -> np.ndarray:
        flow_amount = self.settle(flow_amount)
        v = self.values
        b = self.blocks
        units = self.cand.booking_units.astype(np.float64).copy()
        for k in self.chosen:
            v[b["z"].start + k] += 1.0
            units[self.cand.allocations[k].booking] -= 1.0
        v[b["u"].start : b["u"].start + units.size] = units
        given: dict[int, float] = defaultdict(float)  # run -> Bq it gives to doses and flows
        for k in self.chosen:
            given[self.cand.allocations[k].run] += self.cand.allocations[k].need_eop
        for fi, amount in flow_amount.items():
            given[self.cand.flows[fi].src] += amount
        for r, batch in self.sizes.items():
            used = given.get(r, 0.0)
            if used > 0:
                v[b["y"].start + self.pos[r]] = 1.0
                v[b["x"].start + self.pos[r]] = max(batch, used) / GBQ
        for fi, amount in flow_amount.items():
            v[b["w"].start + fi] = amount / GBQ
            v[b["v"].start + fi] = 1.0
        col = b["n"].start
        for fi, sizes in self.pm.sized_flows:
            largest = max(sizes)
            count = round(v[b["w"].start + fi] / largest) if largest else 0
            v[col + sizes.index(largest)] = count
            col += len(sizes)
        used_deps: set[tuple[int, float]] = set()
        for k in self.chosen:
            used_deps.update((g.lane, g.depart) for g in self.cand.allocations[k].route.legs)
        for fi in flow_amount:
            used_deps.update((g.lane, g.depart) for g in self.cand.flows[fi].route.legs)
        for d, key in enumerate(self.pm.departures):
            if key in used_deps:
                v[b["s"].start + d] = 1.0
        return v


def greedy_values(
    net: PlanningNetwork,
    cand: Candidates,
    pm: PlanningModel,
    overage: float = OVERAGE,
    guide: np.ndarray | None = None,
) -> np.ndarray:
    """The baseline's decisions as a feasible solution vector of the planning model.

    ``guide``, values of the model's columns (a relaxation's), makes the greedy try each
    booking's options in falling order of their value there before its own rules of thumb.
    """
    greedy = _Greedy(net, cand, pm, overage, guide)
    greedy.assign_bookings()
    flows = greedy.generators()
    greedy.feeds(flows)
    return greedy.fill(flows)


def largest_size(greedy: _Greedy, src: int) -> float:
    """Largest generator size [Bq] of the product a run makes (0 if it has none)."""
    output = greedy.sc.processes[greedy.cand.runs[src].process].output
    product = greedy.sc.products[greedy.net.product_index[output]]
    return float(max(product.sizes)) if product.sizes else 0.0
