"""The planning MILP, built block by block from candidate arrays (see docs/planner-design.md).

Variables (one block each): ``y`` run made (binary), ``x`` activity at EOP [GBq], ``z``
units allocated (integer in ``[0, N[b]]``), ``u`` units unserved, ``w`` intermediate flow
[GBq at the source's EOP], ``n`` generator count per size (integer), ``s`` departure used (binary).
Activities are in GBq inside the model to keep coefficients well scaled.

Demand is in *units* (:mod:`isoflow.scenario.demand`): a booking or a single-batch order is
one unit of ``m[b]`` doses (``N[b] = 1``), a splittable order of n doses is ``N[b] = n`` units
of one dose. ``need[k]`` is per unit, every dose is one package, and the penalty of an
unserved unit is per dose times ``m[b]``.

Rows (one block each):

* cover       ``Σ_k z[k] + u[b] = N[b]``                               per booking or order
* batch       ``Σ_k need[k]·z[k] + Σ_f w[f] − x[r] ≤ 0``               per producing run
* size        ``batch_min·y[r] ≤ x[r] ≤ batch_max·y[r]``               per producing run
* link        ``z[k] ≤ N[b(k)]·y[r(k)]`` (strengthens the relaxation)     per dose candidate
* feed        ``x[r]·feed[r] − Σ_f factor[f]·w[f] ≤ 0``                per run needing input
* elution     ``Σ_k need[k]·z[k] − Σ_f yield[f,e]·w[f] ≤ 0``           per elution slot
* generator   ``w[f] − Σ size·n[f,size] = 0``                          per sized generator flow
* ship        ``Σ_k z[k] − N[b]·s[d] ≤ 0`` per booking and departure; ``v[f] − s[d] ≤ 0`` per leg
* flow used   ``w[f] − M·v[f] ≤ 0`` (``v`` binary: the flow ships)         per flow
* ti          ``Σ ti·z + Σ ti·w − TI_max·s[d] ≤ 0``                    per departure
* packages    ``Σ m·z + Σ v (or generator counts) − packages_max·s[d] ≤ 0`` per departure
* overlap     ``Σ y over runs of a process active at one instant ≤ 1``
* per day     ``Σ y over runs of a process starting on one local day ≤ max_batches_per_day``
* stock       ``Σ per_batch·y over a site's runs using a material in one week ≤ per_week``
              (see :mod:`.stocks`)
* linking     ``v[f] ≤ y[src]``, ``y[r] ≤ Σ v`` into ``r``, ``z[k] ≤ Σ v``
              of generators eluted for ``k``, ``v[f] ≤ Σ n[f]`` (tighten the relaxation; see
              :func:`.linking._linking_rows`)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from isoflow import bounds
from isoflow.engines.planner.candidates import Candidates
from isoflow.engines.planner.columns import GBQ, Columns, add_columns
from isoflow.engines.planner.linking import _linking_rows
from isoflow.engines.planner.lp import INF, Block, LinearModel
from isoflow.engines.planner.network import PlanningNetwork
from isoflow.engines.planner.stocks import stock_rows
from isoflow.scenario.rules import WEEK_S, horizon_week, transport_index

__all__ = ["GBQ", "ObjectiveWeights", "PlanningModel", "build", "contract_deliveries"]

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ObjectiveWeights:
    """Weights of the objective: serve bookings first, then cost, then least waste.

    Attributes
    ----------
    unserved
        Penalty for an unserved booking of priority 3, in currency units; priority p is
        weighted by ``(6 − p) / 3`` (priority 1 costs 5/3 of priority 3).
    waste_per_gbq
        Penalty per GBq produced beyond what is used.
    min_contract_shortfall_per_gbq
        Penalty per GBq below a supply agreement's weekly minimum.
    """

    unserved: float = 1e6
    waste_per_gbq: float = 0.01
    min_contract_shortfall_per_gbq: float = 1e3
    per_run: float = 1.0
    """Added to every run's fixed cost so that no idle run is ever scheduled."""

    def __post_init__(self) -> None:
        for name in ("unserved", "waste_per_gbq", "min_contract_shortfall_per_gbq", "per_run"):
            bounds.PENALTY.check(getattr(self, name), name)


@dataclass
class PlanningModel:
    """The built model plus the maps needed to read a solution back."""

    model: LinearModel
    cand: Candidates
    producing_runs: npt.NDArray[np.int64]
    departures: list[tuple[int, float]] = field(default_factory=list)
    sized_flows: list[tuple[int, tuple[float, ...]]] = field(default_factory=list)
    blocks: dict[str, Block] = field(default_factory=dict)
    flow_bound: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    """Largest useful amount of each flow [GBq at the source's EOP] (the ``flow_used`` big-M)."""


def build(
    net: PlanningNetwork, cand: Candidates, weights: ObjectiveWeights | None = None
) -> PlanningModel:
    """Assemble the MILP from candidates.

    The columns (:mod:`.columns`), then one function per family of rows, each with its
    equation in its docstring.
    """
    wts = weights or ObjectiveWeights()
    m = LinearModel()
    c = add_columns(net, cand, m, wts.unserved, wts.per_run, wts.waste_per_gbq)
    _cover_rows(m, cand, c)
    _batch_rows(m, cand, c)
    _feed_rows(m, cand, c)
    e_row = _elution_rows(m, cand, c)
    _generator_rows(m, c)
    big_m = _flow_bounds(
        cand,
        c.k_need,
        lambda r: net.scenario.processes[cand.runs[r].process].batch_max,
        {fi: max(sizes) for fi, sizes in c.sized},
    )
    _shipment_rows(net, m, cand, c, big_m)
    _linking_rows(m, cand, c.pos_of_run, e_row, c.n_cols_of_flow, c.y, c.z, c.v, c.k_units)
    _calendar_rows(net, m, cand, c.producing, c.y)
    stock_rows(net, m, cand, c.producing, c.y)
    _contract_rows(net, m, cand, c.z, c.w, wts)
    return PlanningModel(
        m,
        cand,
        c.producing,
        list(c.departures),
        c.sized,
        {b.name: b for b in m.col_blocks.values()},
        big_m,
    )


def _cover_rows(m: LinearModel, cand: Candidates, c: Columns) -> None:
    """cover: ``Σ_k z[k] + u[b] = N[b]`` per booking or order."""
    n_b = len(cand.booking_ids)
    m.add_rows(
        "cover",
        rows=np.concatenate([c.k_book, np.arange(n_b)]),
        cols=np.concatenate([c.z.cols(np.arange(c.z.size)), c.u.all]),
        vals=1.0,
        lower=c.units,
        upper=c.units,
    )


def _batch_rows(m: LinearModel, cand: Candidates, c: Columns) -> None:
    """Producing runs.

    * batch ``Σ_k need[k]·z[k] + Σ_f w[f] − x[r] ≤ 0``;
    * link ``z[k] − N[k]·y[r(k)] ≤ 0`` (a dose only from a run that is made);
    * size ``batch_min·y[r] ≤ x[r] ≤ batch_max·y[r]``.
    """
    n_r, n_f = c.producing.size, len(cand.flows)
    k_idx = np.arange(c.z.size)
    f_src = np.array([f.src for f in cand.flows], dtype=np.int64)
    k_prod = c.pos_of_run[c.k_run] if c.z.size else np.zeros(0, np.int64)
    k_on_prod = k_prod >= 0
    f_prod = c.pos_of_run[f_src] if n_f else np.zeros(0, np.int64)
    m.add_rows(
        "batch",
        rows=np.concatenate([k_prod[k_on_prod], f_prod, np.arange(n_r)]),
        cols=np.concatenate([c.z.cols(k_idx[k_on_prod]), c.w.cols(np.arange(n_f)), c.x.all]),
        vals=np.concatenate([c.k_need[k_on_prod], np.ones(n_f), -np.ones(n_r)]),
        lower=-INF,
        upper=0.0,
        count=n_r,
    )
    on_prod = np.flatnonzero(k_on_prod)
    m.add_rows(
        "serve_needs_run",
        rows=np.concatenate([np.arange(on_prod.size), np.arange(on_prod.size)]),
        cols=np.concatenate([c.z.cols(on_prod), c.y.cols(k_prod[on_prod])]),
        vals=np.concatenate([np.ones(on_prod.size), -c.k_units[on_prod]]),
        lower=-INF,
        upper=0.0,
        count=on_prod.size,
    )
    for name, bound, lower, upper in (
        ("size_max", c.bmax, -INF, 0.0),
        ("size_min", c.bmin, 0.0, INF),
    ):
        m.add_rows(
            name,
            rows=np.concatenate([np.arange(n_r), np.arange(n_r)]),
            cols=np.concatenate([c.x.all, c.y.all]),
            vals=np.concatenate([np.ones(n_r), -bound]),
            lower=lower,
            upper=upper,
            count=n_r,
        )


def _feed_rows(m: LinearModel, cand: Candidates, c: Columns) -> None:
    """feed: ``x[r]·feed[r] − Σ_f factor[f]·w[f] ≤ 0`` per run needing input activity."""
    feed_runs = sorted(cand.feed_needed)
    feed_row = {r: i for i, r in enumerate(feed_runs)}
    rows, cols, vals = [], [], []
    for r in feed_runs:
        rows.append(feed_row[r])
        cols.append(c.x.start + int(c.pos_of_run[r]))
        vals.append(cand.feed_needed[r])
    for fi, f in enumerate(cand.flows):
        if f.dst >= 0 and f.dst in feed_row:
            rows.append(feed_row[f.dst])
            cols.append(c.w.start + fi)
            vals.append(-f.factor)
    m.add_rows("feed", rows=rows, cols=cols, vals=vals, lower=-INF, upper=0.0, count=len(feed_runs))


def _elution_rows(m: LinearModel, cand: Candidates, c: Columns) -> dict[int, int]:
    """elution: ``Σ_k need[k]·z[k] − Σ_f yield[f,e]·w[f] ≤ 0`` per elution slot.

    Returns the row of each elution run.
    """
    elution_runs = np.flatnonzero(c.is_elution)
    e_row = {int(r): i for i, r in enumerate(elution_runs)}
    rows, cols, vals = [], [], []
    for ki, a in enumerate(cand.allocations):
        if a.run in e_row:
            rows.append(e_row[a.run])
            cols.append(c.z.start + ki)
            vals.append(c.k_need[ki])
    for fi, f in enumerate(cand.flows):
        for er, yld in f.elutions:
            if er in e_row:
                rows.append(e_row[er])
                cols.append(c.w.start + fi)
                vals.append(-yld)
    m.add_rows(
        "elution", rows=rows, cols=cols, vals=vals, lower=-INF, upper=0.0, count=len(elution_runs)
    )
    return e_row


def _generator_rows(m: LinearModel, c: Columns) -> None:
    """generator: ``w[f] − Σ size·n[f,size] = 0`` per sized generator flow."""
    rows, cols, vals = [], [], []
    col = c.n.start
    for row, (fi, sizes) in enumerate(c.sized):
        rows.append(row)
        cols.append(c.w.start + fi)
        vals.append(1.0)
        for size in sizes:
            rows.append(row)
            cols.append(col)
            vals.append(-size)
            col += 1
    m.add_rows(
        "generator", rows=rows, cols=cols, vals=vals, lower=0.0, upper=0.0, count=len(c.sized)
    )


def _shipment_rows(
    net: PlanningNetwork, m: LinearModel, cand: Candidates, c: Columns, big_m: F64
) -> None:
    """Departures.

    * ship ``Σ_{k of b on d} z[k] − N[b]·s[d] ≤ 0`` per booking or order ``b`` and departure
      ``d`` its options use (a booking is served once, so its options through one departure
      share ``N[b]``; tighter in the relaxation than a row per option, where options of one
      booking split over several runs on one flight each paid a share of it), and
      ``v[f] − s[d] ≤ 0`` per leg of a flow;
    * flow used ``w[f] − M·v[f] ≤ 0``;
    * ti ``Σ ti·z + Σ ti·w − TI_max·s[d] ≤ 0``;
    * packages ``Σ m·z + Σ v (or generator counts) − packages_max·s[d] ≤ 0`` (a dose is
      one package, a bulk flow one, a generator delivery one per generator).
    """
    sc = net.scenario
    products = {p.id: p for p in sc.products}
    deps = c.departures
    sh_rows, sh_cols, sh_vals = [], [], []
    ti_rows, ti_cols, ti_vals = [], [], []
    pk_rows, pk_cols, pk_vals = [], [], []
    row = 0
    ship_row: dict[tuple[int, int], int] = {}  # (booking, departure) -> its ship row
    for ki, a in enumerate(cand.allocations):
        for leg in a.route.legs:
            d = deps[(leg.lane, leg.depart)]
            key = (int(c.k_book[ki]), d)
            if key not in ship_row:
                ship_row[key] = row
                sh_rows.append(row)
                sh_cols.append(c.s.start + d)
                sh_vals.append(-float(c.k_units[ki]))
                row += 1
            sh_rows.append(ship_row[key])
            sh_cols.append(c.z.start + ki)
            sh_vals.append(1.0)
            pk_rows.append(d)
            pk_cols.append(c.z.start + ki)
            pk_vals.append(float(c.k_doses[ki]))
    for ki, a in enumerate(cand.allocations):
        product = products[sc.processes[cand.runs[a.run].process].output]
        ti = transport_index(product, float(c.k_need[ki]) * GBQ)
        if ti > 0:
            for leg in a.route.legs:
                ti_rows.append(deps[(leg.lane, leg.depart)])
                ti_cols.append(c.z.start + ki)
                ti_vals.append(ti)
    for fi, f in enumerate(cand.flows):
        product = products[sc.processes[cand.runs[f.src].process].output]
        for leg in f.route.legs:
            d = deps[(leg.lane, leg.depart)]
            sh_rows += [row, row]
            sh_cols += [c.v.start + fi, c.s.start + d]
            sh_vals += [1.0, -1.0]
            row += 1
            for col in c.n_cols_of_flow.get(fi, [c.v.start + fi]):
                pk_rows.append(d)
                pk_cols.append(col)
                pk_vals.append(1.0)
            ti_per_gbq = transport_index(product, GBQ)  # w is in GBq
            if ti_per_gbq > 0:
                ti_rows.append(d)
                ti_cols.append(c.w.start + fi)
                ti_vals.append(ti_per_gbq)
    m.add_rows("ship", rows=sh_rows, cols=sh_cols, vals=sh_vals, lower=-INF, upper=0.0, count=row)
    _capacity_rows(net, m, c, big_m, (ti_rows, ti_cols, ti_vals), (pk_rows, pk_cols, pk_vals))


def _capacity_rows(
    net: PlanningNetwork,
    m: LinearModel,
    c: Columns,
    big_m: F64,
    ti: tuple[list[int], list[int], list[float]],
    packages: tuple[list[int], list[int], list[float]],
) -> None:
    """Flow used (big-M), and each departure's transport index and package capacity."""
    n_f = c.w.size
    m.add_rows(
        "flow_used",
        rows=np.concatenate([np.arange(n_f), np.arange(n_f)]),
        cols=np.concatenate([c.w.all, c.v.all]),
        vals=np.concatenate([np.ones(n_f), -big_m]),
        lower=-INF,
        upper=0.0,
        count=n_f,
    )
    lanes = net.scenario.lanes
    dep_list = list(c.departures)
    n_d = len(dep_list)
    caps = {
        "ti": np.array([lanes[lane].capacity_ti for lane, _ in dep_list]),
        "packages": np.array([lanes[lane].capacity_packages for lane, _ in dep_list], dtype=float),
    }
    for name, (rows, cols, vals) in (("ti", ti), ("packages", packages)):
        m.add_rows(
            name,
            rows=np.concatenate([np.array(rows, dtype=np.int64), np.arange(n_d)]),
            cols=np.concatenate([np.array(cols, dtype=np.int64), c.s.all]),
            vals=np.concatenate([np.array(vals, dtype=float), -caps[name]]),
            lower=-INF,
            upper=0.0,
            count=n_d,
        )


def contract_deliveries(
    net: PlanningNetwork, cand: Candidates
) -> list[tuple[int, str, int, float]]:
    """Deliveries covered by supply agreements: (agreement, kind, index, factor).

    ``kind`` is ``"w"`` (an intermediate flow, ``factor`` = Bq delivered per Bq at the
    source's EOP) or ``"z"`` (a dose, ``factor`` = Bq delivered). Week of delivery = the
    arrival's week from the horizon start (arrivals before it count in week 0).
    """
    sc = net.scenario
    out: list[tuple[int, str, int, float]] = []
    if not sc.policies.supply_agreements:
        return out
    procs = sc.processes
    runs = cand.runs
    for ci, c in enumerate(sc.policies.supply_agreements):
        lam = float(net.product_lambda[net.product_index[c.product]])
        for fi, f in enumerate(cand.flows):
            src = runs[f.src]
            if procs[src.process].site != c.supplier or procs[src.process].output != c.product:
                continue
            dst_site = procs[runs[f.dst].process].site if f.dst >= 0 else sc.sites[f.site].id
            if dst_site == c.customer:
                out.append((ci, "w", fi, float(np.exp(-lam * (f.route.arrive - src.eop)))))
        for ki, a in enumerate(cand.allocations):
            run = runs[a.run]
            proc = procs[run.process]
            if proc.site != c.supplier or proc.output != c.product:
                continue
            if sc.sites[int(cand.booking_site[a.booking])].id == c.customer:
                delivered = a.need_eop * float(np.exp(-lam * (a.route.arrive - run.eop)))
                out.append((ci, "z", ki, delivered))
    return out


def _contract_rows(
    net: PlanningNetwork,
    m: LinearModel,
    cand: Candidates,
    z: Block,
    w: Block,
    wts: ObjectiveWeights,
) -> None:
    """Supply agreements: weekly maximum (hard), weekly minimum (soft, penalised), price."""
    sc = net.scenario
    deliveries = contract_deliveries(net, cand)
    agreements = sc.policies.supply_agreements
    n_weeks = max(1, int(np.ceil((net.horizon_end - net.horizon_start) / WEEK_S)))
    rows: dict[tuple[int, int], list[tuple[int, float]]] = defaultdict(list)
    for ci, kind, idx, factor in deliveries:
        if kind == "w":
            arrive = cand.flows[idx].route.arrive
            col, coef = w.start + idx, factor  # w is in GBq at source EOP
        else:
            arrive = cand.allocations[idx].route.arrive
            col, coef = z.start + idx, factor / GBQ
        week = min(n_weeks - 1, horizon_week(arrive, net.horizon_start))
        rows[(ci, week)].append((col, coef))
        price = agreements[ci].price_per_gbq
        if price > 0:
            m.add_cost(col, price * coef)
    keys = sorted(rows)
    mx = [(k, float(cap)) for k in keys if (cap := agreements[k[0]].max_per_week) is not None]
    r_rows, r_cols, r_vals = [], [], []
    for row, ((ci, week), _cap) in enumerate(mx):
        for col, coef in rows[(ci, week)]:
            r_rows.append(row)
            r_cols.append(col)
            r_vals.append(coef)
    m.add_rows(
        "contract_max",
        rows=r_rows,
        cols=r_cols,
        vals=r_vals,
        lower=-INF,
        upper=np.array([cap / GBQ for _, cap in mx], dtype=float),
        count=len(mx),
    )
    weeks_with_min = [
        (ci, week)
        for ci, c in enumerate(agreements)
        if c.min_per_week > 0
        for week in range(n_weeks)
    ]
    short = m.add_vars(
        "contract_short", len(weeks_with_min), cost=wts.min_contract_shortfall_per_gbq
    )
    r_rows, r_cols, r_vals, lows = [], [], [], []
    for row, (ci, week) in enumerate(weeks_with_min):
        span = min(WEEK_S, net.horizon_end - net.horizon_start - week * WEEK_S)
        lows.append(agreements[ci].min_per_week * span / WEEK_S / GBQ)
        for col, coef in rows.get((ci, week), []):
            r_rows.append(row)
            r_cols.append(col)
            r_vals.append(coef)
        r_rows.append(row)
        r_cols.append(short.start + row)
        r_vals.append(1.0)
    m.add_rows(
        "contract_min",
        rows=r_rows,
        cols=r_cols,
        vals=r_vals,
        lower=np.array(lows, dtype=float),
        upper=INF,
        count=len(weeks_with_min),
    )


def _flow_bounds(
    cand: Candidates,
    k_need: npt.NDArray[np.float64],
    bmax_of_run: Any,
    sizes_of_flow: dict[int, float],
) -> npt.NDArray[np.float64]:
    """Largest useful amount of each flow [GBq at the source's EOP] (tight big-M values).

    A bulk flow never needs more than fills its destination run; a generator delivery never
    more than covers the most demanding elution slot it serves (plus one generator of the
    largest size, when generators come in sizes).
    """
    slot_need: dict[int, float] = defaultdict(float)
    for k, a in enumerate(cand.allocations):
        slot_need[a.run] += float(k_need[k]) * int(cand.booking_units[a.booking])
    out = np.empty(len(cand.flows))
    for fi, f in enumerate(cand.flows):
        cap = bmax_of_run(f.src) / GBQ
        if f.dst >= 0:
            need = bmax_of_run(f.dst) / GBQ * cand.feed_needed.get(f.dst, 1.0) / f.factor
        else:
            need = max((slot_need[er] / yld for er, yld in f.elutions if yld > 0), default=cap)
        out[fi] = min(cap, need + sizes_of_flow.get(fi, 0.0))
    return out


def _calendar_rows(
    net: PlanningNetwork,
    m: LinearModel,
    cand: Candidates,
    producing: npt.NDArray[np.int64],
    y: Block,
) -> None:
    """No two runs of one process overlap; at most ``max_batches_per_day`` per local day."""
    sc = net.scenario
    by_process: dict[int, list[int]] = defaultdict(list)
    for pos, ri in enumerate(producing):
        by_process[cand.runs[int(ri)].process].append(pos)
    ov_rows, ov_cols = [], []
    day_rows: list[int] = []
    day_cols: list[int] = []
    day_cap: list[int] = []
    n_ov = 0
    for pi, positions in by_process.items():
        proc = sc.processes[pi]
        starts = np.array([cand.runs[int(producing[p])].start for p in positions])
        ends = np.array([cand.runs[int(producing[p])].eop for p in positions])
        order = np.argsort(starts)
        starts, ends = starts[order], ends[order]
        pos_sorted = np.array(positions)[order]
        if proc.duration > 0:
            for i in range(starts.size):
                active = np.flatnonzero((starts <= starts[i]) & (ends > starts[i]))
                if active.size > 1:
                    ov_rows += [n_ov] * active.size
                    ov_cols += (y.start + pos_sorted[active]).tolist()
                    n_ov += 1
        tz = ZoneInfo(sc.sites[net.site_index[proc.site]].timezone)
        days = np.array([datetime.fromtimestamp(t, UTC).astimezone(tz).toordinal() for t in starts])
        for day in np.unique(days):
            members = pos_sorted[days == day]
            if members.size > proc.max_batches_per_day:
                row = len(day_cap)
                day_rows += [row] * members.size
                day_cols += (y.start + members).tolist()
                day_cap.append(proc.max_batches_per_day)
    m.add_rows("overlap", rows=ov_rows, cols=ov_cols, vals=1.0, lower=-INF, upper=1.0, count=n_ov)
    m.add_rows(
        "per_day",
        rows=day_rows,
        cols=day_cols,
        vals=1.0,
        lower=-INF,
        upper=np.array(day_cap, dtype=float),
        count=len(day_cap),
    )
