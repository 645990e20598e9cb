"""Input stocks: the weekly amount of a material (O-18 water, targets, kits) a site may use.

One row per (site, material, week from the horizon's start) that has a run able to use it::

    Σ_{r at the site, consuming the material, starting in the week} per_batch[r] · y[r]
        ≤ per_week[site, material]

The rule (what a batch consumes, what a site may use, which week a start falls in) is
:func:`isoflow.scenario.rules.input_uses`, :func:`~isoflow.scenario.rules.stock_limits` and
:func:`~isoflow.scenario.rules.horizon_week`; ``verify`` checks plans against the same.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from isoflow.engines.planner.candidate_types import Candidates
from isoflow.engines.planner.lp import INF, Block, LinearModel
from isoflow.engines.planner.network import PlanningNetwork
from isoflow.scenario import rules


def stock_rows(
    net: PlanningNetwork,
    m: LinearModel,
    cand: Candidates,
    producing: npt.NDArray[np.int64],
    y: Block,
) -> None:
    """Add the ``stock`` rows (module docstring) for the producing runs ``producing``."""
    sc = net.scenario
    limits = rules.network_stock_limits(sc)
    if not limits or producing.size == 0:
        return
    proc_of = np.array([cand.runs[int(r)].process for r in producing], dtype=np.int64)
    start_of = np.array([cand.runs[int(r)].start for r in producing], dtype=np.float64)
    week_of = np.array([rules.horizon_week(t, net.horizon_start) for t in start_of])
    keys: dict[tuple[str, str, int], int] = {}
    upper: list[float] = []
    rows, cols, vals = [], [], []
    for p, proc in enumerate(sc.processes):
        for product, amount in rules.input_uses(proc).items():
            limit = limits.get((proc.site, product))
            if limit is None:
                continue
            for pos in np.flatnonzero(proc_of == p):
                key = (proc.site, product, int(week_of[pos]))
                if key not in keys:
                    keys[key] = len(keys)
                    upper.append(limit)
                rows.append(keys[key])
                cols.append(y.start + int(pos))
                vals.append(amount)
    if keys:
        m.add_rows(
            "stock",
            rows=rows,
            cols=cols,
            vals=vals,
            lower=-INF,
            upper=np.array(upper),
            count=len(keys),
        )
