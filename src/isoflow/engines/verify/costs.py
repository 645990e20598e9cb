"""Checks of supply agreements and costs.

Activity delivered under each supply agreement (at arrival, from the legs) within its weekly
maximum; each run's fixed and variable cost against its process's prices; the plan's cost
KPIs (production, transport, purchases, total) against totals recomputed from the scenario's
prices; the revenue and margin KPIs against the doses served at the scenario's dose prices.
Codes: ``agreement_max``, ``cost_mismatch``, ``revenue_mismatch``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from isoflow.engines.verify.core import GBQ, REL, _close, _departure, _lam, _t
from isoflow.engines.verify.runs import _RunChecks
from isoflow.engines.verify.shipments import _ShipmentChecks
from isoflow.scenario.rules import DosePrices, horizon_week, is_market
from isoflow.scenario.schema import ProcessKind


@dataclass(frozen=True, slots=True)
class _Delivery:
    """Activity delivered under a supply agreement."""

    agreement: int
    arrive: float
    activity_bq: float


class _CostChecks(_ShipmentChecks, _RunChecks):
    """Supply agreements and costs (loads through :class:`_ShipmentChecks`)."""

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
            add(src.site, booking.hospital, booking.product, eop, arrive, a.dispensed_eop_bq)
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
        cost = self.plan.kpis.cost
        if cost is None:
            return
        self.check_revenue(cost.total)
        for name, value in want.items():
            got = float(getattr(cost, name))
            if not _close(got, value):
                self.bad(
                    "cost_mismatch",
                    f"kpis cost.{name}",
                    f"{got:.10g}, recomputed from the scenario's prices {value:.10g}",
                )

    def check_revenue(self, cost_total: float) -> None:
        """The revenue and margin KPIs against recomputed ones.

        Revenue = Σ doses served × the dose price in the hospital's country; margin =
        revenue − the plan's stated cost (a wrong cost is ``cost_mismatch``'s to report). A
        plan without these KPIs is not checked.
        """
        prices = DosePrices(self.sc.demand.prices)
        total = 0.0
        for a in self.plan.allocations:
            hospital = self.sites.get(a.hospital)
            if hospital is None or is_market(hospital):  # exports are not dose sales
                continue
            price = prices.of(a.product, hospital.country)
            total += (price or 0.0) * a.doses
        revenue = self.plan.kpis.revenue
        if revenue is not None and not _close(revenue.total, total):
            self.bad(
                "revenue_mismatch",
                "kpis revenue.total",
                f"{revenue.total:.10g}, recomputed from the scenario's dose prices {total:.10g}",
            )
        margin = self.plan.kpis.margin
        if margin is not None and not _close(margin, total - cost_total):
            self.bad(
                "revenue_mismatch",
                "kpis margin",
                f"{margin:.10g}, recomputed revenue minus cost {total - cost_total:.10g}",
            )
