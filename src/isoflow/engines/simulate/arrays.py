"""The compiled model's flat arrays: :class:`SimModel`, and assembling it.

:func:`_finish` turns the lists a compilation built (:class:`~.builder._Compiler`) into the
arrays both engines read, each departure with the disruption parameters of its lane, of the
customs at its destination and of policy shocks in its origin country (durations lognormal
by :func:`lognormal`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from isoflow.engines.simulate.bookings import _BookRow
from isoflow.engines.simulate.builder import _Builder, _Compiler
from isoflow.engines.simulate.codes import YEAR
from isoflow.engines.simulate.stocks import StockTable, compile_stocks
from isoflow.scenario.schema import DurationDistribution, Scenario

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]


@dataclass
class SimModel:
    """Flat arrays of one plan repeated over ``weeks``; see the module docstring."""

    weeks: int
    t_begin: float
    t_end: float
    # disrupted sites (outage renewal processes) and countries (policy shocks)
    outage_rate: F64  # [1/s] per disrupted site
    outage_mu: F64
    outage_sigma: F64
    outage_names: list[str]
    shock_rate: F64  # [1/s] per shocked country
    shock_mu: F64
    shock_sigma: F64
    shock_names: list[str]
    # runs
    run_name: list[str]
    run_outage: I64  # index into outage_* or -1
    run_start: F64
    run_release: F64
    run_qc_p: F64
    run_planned: B
    run_spare: F64
    run_eop_bq: F64
    run_fixed_cost: F64
    run_var_cost: F64  # per Bq at EOP
    # departures
    dep_lane: list[str]
    dep_time: F64
    dep_cancel_p: F64
    dep_delay_p: F64
    dep_delay_mu: F64
    dep_delay_sigma: F64
    dep_hold_p: F64
    dep_hold_mu: F64
    dep_hold_sigma: F64
    dep_shock: I64  # index into shock_* or -1
    # options (grouped by demand, in trial order)
    opt_run: I64
    opt_leg_lo: I64
    opt_leg_hi: I64
    opt_kind: I64
    opt_need: F64
    opt_start: F64  # latest instant an alternative may be taken: its run's start, or the
    # run's order cut-off if earlier (scenario.rules.order_deadline)
    opt_arrive: F64
    opt_deadline: F64
    opt_slack: F64
    opt_rebook_leg: I64  # rebook: index (within the planned option's legs) of the cancelled leg
    legs: I64  # departure indices, option legs are legs[opt_leg_lo:opt_leg_hi]
    # demands: run inputs first (in order of the run's start), then bookings (by time)
    dem_run: I64  # run fed by an input demand, -1 for a booking
    dem_booking: I64  # booking index, -1 for an input
    dem_opt_lo: I64
    dem_opt_hi: I64
    dem_planned: B  # first option is the planned one
    dem_detect: F64  # when the demand is known (extra bookings: admin - notice)
    # bookings: one row per consignment instance (a booking, or an order's allocation or
    # short part, in one week; see :mod:`.bookings`); an option's need is per dose, a
    # demand's need is that times its doses (run inputs: one)
    book_id: list[str]  # booking or order id
    book_week: I64
    book_time: F64  # administration (calibration for orders)
    book_country: I64
    book_product: I64
    book_doses: I64  # doses of the consignment
    book_patient: B  # a per-patient booking (its doses are patients)
    book_export: B  # an export (an order at a market): units, not patient doses
    book_unit_bq: F64  # activity of each dose or unit at administration (calibration) [Bq]
    book_cancel_p: F64  # per dose
    book_extra_rate: F64  # mean extra doses of the consignment (rate per dose x doses)
    book_demand: I64
    book_plan_reason: list[str]
    countries: list[str]
    products: list[str]
    plan_cost_per_week: float
    stocks: StockTable = field(default_factory=StockTable)  # stocks that may run short
    n_inputs: int = field(init=False)

    def __post_init__(self) -> None:
        self.n_inputs = int((self.dem_run >= 0).sum())

    @property
    def n_bookings(self) -> int:
        """Consignment instances (bookings, and orders' consignments) over all weeks."""
        return len(self.book_id)

    @property
    def n_doses(self) -> int:
        """Patient doses booked and ordered over all weeks (exports excluded)."""
        return int(self.book_doses[~self.book_export].sum())

    @property
    def n_export_units(self) -> int:
        """Export units ordered over all weeks."""
        return int(self.book_doses[self.book_export].sum())

    @property
    def export_bq(self) -> float:
        """Export activity ordered over all weeks, at calibration [Bq]."""
        exp = self.book_export
        return float((self.book_doses[exp] * self.book_unit_bq[exp]).sum())

    @property
    def n_patients(self) -> int:
        """Per-patient bookings over all weeks."""
        return int(self.book_doses[self.book_patient].sum())


def lognormal(dist: DurationDistribution) -> tuple[float, float]:
    """(mu, sigma) of the lognormal with the distribution's mean and coefficient of variation."""
    sigma2 = math.log1p(dist.cv**2)
    mean = max(dist.mean, 1e-9)
    return math.log(mean) - sigma2 / 2, math.sqrt(sigma2)


def _finish(c: _Compiler, book_rows: list[_BookRow]) -> SimModel:
    """Turn the compilation's lists into arrays, departures with their disruption parameters."""
    b, sc, plan, o = c.b, c.sc, c.plan, c.o
    countries, products = c.country_names, c.product_names
    lanes = sc.lanes
    dis = sc.disruptions
    shocks = list(dis.policy_shocks)
    dep_lane, dep_time, cols, dep_shock = _departures(b, sc)
    opts = b.options
    leg_lo, leg_hi, legs = _option_legs(opts)
    runs = np.array(b.run_rows, dtype=np.float64).reshape(-1, 8)
    n_weeks = o.weeks
    t_first, t_last = _span(runs, dep_time, book_rows)
    out_sites = list(dis.sites)
    dem = b.demands
    return SimModel(
        weeks=n_weeks,
        t_begin=t_first - o.warmup_s,
        t_end=t_last + 1.0,
        outage_rate=np.array([d.outages_per_year / YEAR for d in out_sites]),
        outage_mu=np.array([lognormal(d.duration)[0] for d in out_sites]),
        outage_sigma=np.array([lognormal(d.duration)[1] for d in out_sites]),
        outage_names=[d.site for d in out_sites],
        shock_rate=np.array([s.per_year / YEAR for s in shocks]),
        shock_mu=np.array([lognormal(s.duration)[0] for s in shocks]),
        shock_sigma=np.array([lognormal(s.duration)[1] for s in shocks]),
        shock_names=[s.country for s in shocks],
        run_name=b.run_names,
        run_outage=np.array(b.run_outage, dtype=np.int64),
        run_start=runs[:, 0].copy(),
        run_release=runs[:, 1].copy(),
        run_qc_p=runs[:, 2].copy(),
        run_planned=runs[:, 3] > 0,
        run_spare=runs[:, 4].copy(),
        run_eop_bq=runs[:, 5].copy(),
        run_fixed_cost=runs[:, 6].copy(),
        run_var_cost=runs[:, 7] / 1e9,
        dep_lane=[lanes[int(i)].id for i in dep_lane],
        dep_time=dep_time,
        dep_cancel_p=cols[0].copy(),
        dep_delay_p=cols[1].copy(),
        dep_delay_mu=cols[2].copy(),
        dep_delay_sigma=cols[3].copy(),
        dep_hold_p=cols[4].copy(),
        dep_hold_mu=cols[5].copy(),
        dep_hold_sigma=cols[6].copy(),
        dep_shock=dep_shock,
        opt_run=np.array([op[0] for op in opts], dtype=np.int64),
        opt_leg_lo=leg_lo,
        opt_leg_hi=leg_hi,
        opt_kind=np.array([op[2] for op in opts], dtype=np.int64),
        opt_need=np.array([op[3] for op in opts], dtype=np.float64),
        opt_start=np.array([op[4] for op in opts], dtype=np.float64),
        opt_arrive=np.array([op[5] for op in opts], dtype=np.float64),
        opt_deadline=np.array([op[6] for op in opts], dtype=np.float64),
        opt_slack=np.array([op[7] for op in opts], dtype=np.float64),
        opt_rebook_leg=np.array([op[8] for op in opts], dtype=np.int64),
        legs=np.array(legs, dtype=np.int64),
        dem_run=np.array([d[0] for d in dem], dtype=np.int64),
        dem_booking=np.array([d[1] for d in dem], dtype=np.int64),
        dem_opt_lo=np.array([d[2] for d in dem], dtype=np.int64),
        dem_opt_hi=np.array([d[3] for d in dem], dtype=np.int64),
        dem_planned=np.array([d[4] for d in dem], dtype=np.bool_),
        dem_detect=np.array([d[5] for d in dem], dtype=np.float64),
        **_book_arrays(book_rows, c.cancel_p, c.extra_rate),
        countries=countries,
        products=products,
        plan_cost_per_week=plan.kpis.cost.total if plan.kpis.cost else 0.0,
        stocks=compile_stocks(c),
    )


def _book_arrays(book_rows: list[_BookRow], cancel_p: float, extra_rate: float) -> dict[str, Any]:
    """The ``book_*`` arrays of the consignment instances (see :class:`SimModel`)."""
    doses = np.array([r[7] for r in book_rows], dtype=np.int64)
    export = np.array([r[9] for r in book_rows], dtype=np.bool_)
    patient_doses = np.where(export, 0, doses)  # exports: never cancelled, no extra bookings
    return {
        "book_id": [r[0] for r in book_rows],
        "book_week": np.array([r[1] for r in book_rows], dtype=np.int64),
        "book_time": np.array([r[2] for r in book_rows], dtype=np.float64),
        "book_country": np.array([r[3] for r in book_rows], dtype=np.int64),
        "book_product": np.array([r[4] for r in book_rows], dtype=np.int64),
        "book_doses": doses,
        "book_patient": np.array([r[8] for r in book_rows], dtype=np.bool_),
        "book_export": export,
        "book_unit_bq": np.array([r[10] for r in book_rows], dtype=np.float64),
        "book_cancel_p": np.where(export, 0.0, cancel_p),
        "book_extra_rate": extra_rate * patient_doses.astype(np.float64),
        "book_demand": np.array([r[5] for r in book_rows], dtype=np.int64),
        "book_plan_reason": [r[6] for r in book_rows],
    }


def _departures(b: _Builder, sc: Scenario) -> tuple[I64, F64, F64, I64]:
    """Lane and instant of every departure, its disruption parameters, its shock country.

    The parameter rows are cancel, delay (probability, lognormal mu, sigma) and customs hold
    (probability, mu, sigma); the shock column indexes the origin country's policy shocks
    (-1: none, or not a border crossing).
    """
    lanes = sc.lanes
    site_country = {s.id: s.country for s in sc.sites}
    dis = sc.disruptions
    lane_dis = {d.lane: d for d in dis.lanes}
    customs = {c.country: c for c in dis.customs}
    shocks = list(dis.policy_shocks)
    shock_index = {s.country: i for i, s in enumerate(shocks)}
    n_dep = len(b.deps)
    dep_lane = np.zeros(n_dep, dtype=np.int64)
    dep_time = np.zeros(n_dep)
    for (lane_i, t), i in b.deps.items():
        dep_lane[i] = lane_i
        dep_time[i] = t
    cols = np.zeros((9, n_dep))
    dep_shock = np.full(n_dep, -1, dtype=np.int64)
    for i in range(n_dep):
        lane = lanes[int(dep_lane[i])]
        ld = lane_dis.get(lane.id)
        cancel = ld.cancel_prob if ld is not None else lane.cancel_prob
        cols[0, i] = cancel
        if ld is not None and ld.delay_prob > 0:
            cols[1, i] = ld.delay_prob
            cols[2, i], cols[3, i] = lognormal(ld.delay)
        o_c, d_c = site_country[lane.origin], site_country[lane.destination]
        cd = customs.get(d_c)
        if cd is not None and cd.hold_prob > 0 and (o_c != d_c or lane.border is not None):
            cols[4, i] = cd.hold_prob
            cols[5, i], cols[6, i] = lognormal(cd.hold)
        if o_c != d_c:
            dep_shock[i] = shock_index.get(o_c, -1)
    return dep_lane, dep_time, cols, dep_shock


def _option_legs(
    opts: list[tuple[int, list[int], int, float, float, float, float, float, int]],
) -> tuple[I64, I64, list[int]]:
    """Every option's legs in one list: option ``i`` has ``legs[lo[i]:hi[i]]``."""
    leg_lo = np.zeros(len(opts), dtype=np.int64)
    leg_hi = np.zeros(len(opts), dtype=np.int64)
    legs: list[int] = []
    for i, op in enumerate(opts):
        leg_lo[i] = len(legs)
        legs.extend(op[1])
        leg_hi[i] = len(legs)
    return leg_lo, leg_hi, legs


def _span(runs: F64, dep_time: F64, book_rows: list[_BookRow]) -> tuple[float, float]:
    """First and last instant of the runs, departures and administrations compiled."""
    n_dep = len(dep_time)
    times = [runs[:, 0].min() if len(runs) else 0.0]
    times += [float(dep_time.min())] if n_dep else []
    t_first = min([*times, min(r[2] for r in book_rows)] if book_rows else times)
    t_last = max(
        [float(runs[:, 1].max()) if len(runs) else 0.0]
        + ([float(dep_time.max())] if n_dep else [])
        + [max(r[2] for r in book_rows) if book_rows else 0.0]
    )
    return t_first, t_last
