"""Linking rows of the planning MILP: logical links between binaries (see :mod:`.build`).

Each only forbids paying for something unused, so none removes a plan worth making; they
tighten the LP relaxation.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import numpy.typing as npt

from isoflow.engines.planner.candidate_types import Candidates
from isoflow.engines.planner.lp import INF, Block, LinearModel


def _linking_rows(
    m: LinearModel,
    cand: Candidates,
    pos_of_run: npt.NDArray[np.int64],
    e_row: dict[int, int],
    n_cols_of_flow: dict[int, list[int]],
    y: Block,
    z: Block,
    v: Block,
    k_units: npt.NDArray[np.float64],
) -> None:
    """Logical links between the binaries that tighten the LP relaxation.

    None removes a plan worth making (each only forbids paying for something unused):

    * ``v[f] ≤ y[src(f)]``: a flow ships only from a run that is made;
    * ``y[r] ≤ Σ v[f]`` over flows into ``r``: a run that needs input receives some;
    * ``z[k] ≤ N[k]·Σ v[f]`` over generator deliveries eluted at dose ``k``'s slot (``N[k]``:
      the units of ``k``'s booking or order);
    * ``v[f] ≤ Σ n[f, size]``: a delivery of sized generators holds at least one.
    """
    flows = cand.flows
    n_f = len(flows)
    f_src = np.array([f.src for f in flows], dtype=np.int64)
    src_pos = pos_of_run[f_src] if n_f else np.zeros(0, np.int64)
    has_src = np.flatnonzero(src_pos >= 0)
    m.add_rows(
        "flow_needs_run",
        rows=np.concatenate([np.arange(has_src.size)] * 2),
        cols=np.concatenate([v.cols(has_src), y.cols(src_pos[has_src])]),
        vals=np.concatenate([np.ones(has_src.size), -np.ones(has_src.size)]),
        lower=-INF,
        upper=0.0,
        count=has_src.size,
    )
    into: dict[int, list[int]] = defaultdict(list)
    at_slot: dict[int, list[int]] = defaultdict(list)
    for fi, f in enumerate(flows):
        if f.dst >= 0:
            into[f.dst].append(fi)
        for er, yld in f.elutions:
            if yld > 0:
                at_slot[er].append(fi)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    count = 0
    for r in sorted(cand.feed_needed):
        if pos_of_run[r] < 0:
            continue
        rows.append(count)
        cols.append(y.start + int(pos_of_run[r]))
        vals.append(1.0)
        for fi in into.get(r, []):
            rows.append(count)
            cols.append(v.start + fi)
            vals.append(-1.0)
        count += 1
    for ki, a in enumerate(cand.allocations):
        if a.run not in e_row:
            continue
        rows.append(count)
        cols.append(z.start + ki)
        vals.append(1.0)
        for fi in at_slot.get(a.run, []):
            rows.append(count)
            cols.append(v.start + fi)
            vals.append(-float(k_units[ki]))
        count += 1
    for fi, n_cols in n_cols_of_flow.items():
        rows += [count] * (len(n_cols) + 1)
        cols += [v.start + fi, *n_cols]
        vals += [1.0] + [-1.0] * len(n_cols)
        count += 1
    m.add_rows("linking", rows=rows, cols=cols, vals=vals, lower=-INF, upper=0.0, count=count)
