"""The columns of the planning MILP, and the index arrays its rows are built from.

One block per variable family, added in a fixed order (``y``, ``x``, ``z``, ``u``, ``w``,
``s``, ``n``, ``v``; see :mod:`.build` for their meaning and the rows):

* runs: ``y`` made (binary, fixed cost), ``x`` activity at EOP [GBq] (variable cost, waste);
* doses: ``z`` units served per option (integer in ``[0, N]``, package cost per dose),
  ``u`` units unserved (penalty per dose by priority; none where no option exists);
* flows: ``w`` activity shipped [GBq at the source's EOP], ``v`` the flow ships (binary,
  package cost), ``n`` generators per offered size (integer, package cost each);
* departures: ``s`` used (binary, cost per shipment).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from isoflow.engines.planner.candidate_types import Candidates
from isoflow.engines.planner.lp import INF, Block, LinearModel
from isoflow.engines.planner.network import PlanningNetwork
from isoflow.scenario.schema import ProcessKind

GBQ = 1e9

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass
class Columns:
    """The model's column blocks and the per-candidate arrays the rows index with."""

    y: Block
    x: Block
    z: Block
    u: Block
    w: Block
    s: Block
    n: Block
    v: Block
    producing: I64
    """Candidate runs that produce (not elutions), in ``y``/``x`` order."""
    pos_of_run: I64
    """Position of each candidate run in ``y``/``x``; -1 for an elution."""
    is_elution: npt.NDArray[np.bool_]
    bmax: F64
    bmin: F64
    k_book: I64
    k_run: I64
    k_need: F64
    """Activity one unit of each option needs at EOP [GBq]."""
    k_units: F64
    """Units of each option's booking or order (``N``)."""
    k_doses: F64
    """Doses in one unit of each option's booking or order (``m``)."""
    units: F64
    departures: dict[tuple[int, float], int]
    sized: list[tuple[int, tuple[float, ...]]]
    n_cols_of_flow: dict[int, list[int]]


def add_columns(
    net: PlanningNetwork,
    cand: Candidates,
    m: LinearModel,
    unserved: float,
    per_run: float,
    waste_per_gbq: float,
) -> Columns:
    """Add every column block to ``m`` (module docstring); the blocks and index arrays."""
    procs = net.scenario.processes
    runs = cand.runs
    is_elution = np.array([procs[r.process].kind == ProcessKind.ELUTION for r in runs], dtype=bool)
    producing = np.flatnonzero(~is_elution).astype(np.int64)
    pos_of_run = np.full(len(runs), -1, dtype=np.int64)
    pos_of_run[producing] = np.arange(producing.size)
    proc_of = np.array([runs[i].process for i in producing], dtype=np.int64)
    bmax = np.array([procs[p].batch_max for p in proc_of], dtype=np.float64) / GBQ
    bmin = np.array([procs[p].batch_min for p in proc_of], dtype=np.float64) / GBQ
    fixed = np.array([procs[p].fixed_cost for p in proc_of], dtype=np.float64)
    var_cost = np.array([procs[p].variable_cost_per_gbq for p in proc_of], dtype=np.float64)
    y = m.add_vars("y", producing.size, upper=1, cost=fixed + per_run, integer=True, opens=True)
    x = m.add_vars("x", producing.size, upper=bmax, cost=var_cost + waste_per_gbq)
    z, u, doses = _dose_columns(net, cand, m, unserved)
    w = m.add_vars("w", len(cand.flows), upper=INF)
    departures: dict[tuple[int, float], int] = {}
    for route in [a.route for a in cand.allocations] + [f.route for f in cand.flows]:
        for leg in route.legs:
            departures.setdefault((leg.lane, leg.depart), len(departures))
    lanes = net.scenario.lanes
    ship_cost = np.array([lanes[lane].cost_per_shipment for lane, _ in departures])
    s = m.add_vars("s", len(departures), upper=1, cost=ship_cost, integer=True)
    n, v, sized, n_cols_of_flow = _flow_columns(net, cand, m)
    k_units, k_doses, units = doses
    return Columns(
        y=y,
        x=x,
        z=z,
        u=u,
        w=w,
        s=s,
        n=n,
        v=v,
        producing=producing,
        pos_of_run=pos_of_run,
        is_elution=is_elution,
        bmax=bmax,
        bmin=bmin,
        k_book=np.array([a.booking for a in cand.allocations], dtype=np.int64),
        k_run=np.array([a.run for a in cand.allocations], dtype=np.int64),
        k_need=np.array([a.need_eop for a in cand.allocations], dtype=np.float64) / GBQ,
        k_units=k_units,
        k_doses=k_doses,
        units=units,
        departures=departures,
        sized=sized,
        n_cols_of_flow=n_cols_of_flow,
    )


def _dose_columns(
    net: PlanningNetwork, cand: Candidates, m: LinearModel, unserved: float
) -> tuple[Block, Block, tuple[F64, F64, F64]]:
    """``z`` (package cost per dose) and ``u`` (penalty per dose; none without any option)."""
    allocs = cand.allocations
    lanes = net.scenario.lanes
    package_cost = np.array(
        [sum(lanes[leg.lane].cost_per_package for leg in a.route.legs) for a in allocs]
    )
    k_book = np.array([a.booking for a in allocs], dtype=np.int64)
    units = cand.booking_units.astype(np.float64)
    unit_doses = cand.booking_unit_doses.astype(np.float64)
    k_units, k_doses = units[k_book], unit_doses[k_book]
    z = m.add_vars("z", len(allocs), upper=k_units, cost=package_cost * k_doses, integer=True)
    priority = cand.booking_priority.astype(np.float64)
    # bookings with no candidate are unserved whatever the plan: no penalty, so the objective
    # and the MIP gap measure only what the plan can change
    has_option = np.zeros(len(cand.booking_ids), dtype=bool)
    has_option[[a.booking for a in allocs]] = True
    u_cost = np.where(has_option, unserved * (6.0 - priority) / 3.0 * unit_doses, 0.0)
    u = m.add_vars("u", len(cand.booking_ids), upper=units, cost=u_cost, shortfall=True)
    return z, u, (k_units, k_doses, units)


def _flow_columns(
    net: PlanningNetwork, cand: Candidates, m: LinearModel
) -> tuple[Block, Block, list[tuple[int, tuple[float, ...]]], dict[int, list[int]]]:
    """``n`` (generators per offered size) and ``v`` (the flow ships), with package costs.

    Every package pays each lane's ``cost_per_package``: a bulk flow is one package, a
    generator delivery one package per generator.
    """
    sc = net.scenario
    flows = cand.flows
    products = {p.id: p for p in sc.products}
    sized: list[tuple[int, tuple[float, ...]]] = []
    for fi, f in enumerate(flows):
        if f.dst == -1:
            product = products[sc.processes[cand.runs[f.src].process].output]
            if product.sizes:
                sized.append((fi, tuple(float(v) / GBQ for v in product.sizes)))
    n_sizes = sum(len(sz) for _, sz in sized)
    flow_package_cost = np.array(
        [sum(sc.lanes[leg.lane].cost_per_package for leg in f.route.legs) for f in flows]
    )
    is_sized = np.zeros(len(flows), dtype=bool)
    is_sized[[fi for fi, _ in sized]] = True
    n_cost = np.concatenate(
        [np.full(len(sizes), flow_package_cost[fi]) for fi, sizes in sized] or [np.zeros(0)]
    )
    n = m.add_vars("n", n_sizes, upper=1000, cost=n_cost, integer=True)
    v_cost = np.where(is_sized, 0.0, flow_package_cost)
    v = m.add_vars("v", len(flows), upper=1, cost=v_cost, integer=True)
    n_cols_of_flow: dict[int, list[int]] = {}
    col = n.start
    for fi, sizes in sized:
        n_cols_of_flow[fi] = list(range(col, col + len(sizes)))
        col += len(sizes)
    return n, v, sized, n_cols_of_flow
