"""Fixed columns taken out of a model before it is solved (re-plans and recommend).

A re-plan fixes most of the past and of what is pinned (:mod:`.pins`): columns with
``l_j = u_j``. Their activity is a constant, so with ``F`` the fixed columns and ``x_F`` their
values, each row ``L_i <= Σ_j a_ij x_j <= U_i`` becomes

    ``L_i − Σ_{j∈F} a_ij x_j  <=  Σ_{j∉F} a_ij x_j  <=  U_i − Σ_{j∈F} a_ij x_j``

over the free columns only, and a row with no free column must hold at ``x_F`` as it is (or
no plan exists). The objective loses the constant ``Σ_{j∈F} c_j x_j``. Solved this way the
model falls apart into smaller independent parts (the fixed columns no longer link them),
which :func:`.solve.solve` solves separately; the values, objective and bound of the whole
model are put back exactly (:func:`expand`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

ROW_TOL = 1e-6
"""A row left with no free column holds when it is violated by at most this (scaled)."""


@dataclass(frozen=True)
class Reduced:
    """The model over its free columns, and what the fixed ones contribute."""

    arrays: dict[str, Any]
    free: npt.NDArray[np.int64]
    fixed_values: npt.NDArray[np.float64]
    """Every column's value where fixed, 0 elsewhere."""
    constant: float
    """``Σ_{j∈F} (c_j x_j + o_j)``: the fixed columns' cost (and per-column offset)."""
    holds: bool
    """Every row with no free column holds at the fixed values."""


def reduce(arrays: dict[str, Any]) -> Reduced:
    """Take the fixed columns out of ``arrays`` (module docstring)."""
    lower, upper = arrays["col_lower"], arrays["col_upper"]
    fixed = np.isfinite(lower) & (lower == upper)
    free = np.flatnonzero(~fixed).astype(np.int64)
    xf = np.where(fixed, lower, 0.0)
    n_rows, n_cols = arrays["row_lower"].size, lower.size
    matrix = sp.csc_matrix(
        (arrays["value"], arrays["index"], arrays["start"]), shape=(n_rows, n_cols)
    )
    activity = matrix @ xf
    sub = matrix[:, free].tocsr()
    touched = np.diff(sub.indptr) > 0
    rows = np.flatnonzero(touched)
    scale = 1.0 + np.abs(np.where(np.isfinite(arrays["row_upper"]), arrays["row_upper"], 0.0))
    low_gap = (arrays["row_lower"] - activity) / scale
    high_gap = (activity - arrays["row_upper"]) / scale
    holds = bool(np.all(np.maximum(low_gap, high_gap)[~touched] <= ROW_TOL))
    part = sub[rows, :].tocsc()
    offset = arrays.get("offset", np.zeros(n_cols))
    out: dict[str, Any] = {
        "col_lower": lower[free],
        "col_upper": upper[free],
        "col_cost": arrays["col_cost"][free],
        "integer": arrays["integer"][free],
        "shortfall": arrays.get("shortfall", np.zeros(n_cols, dtype=bool))[free],
        "opens": arrays.get("opens", np.zeros(n_cols, dtype=bool))[free],
        "offset": offset[free],
        "row_lower": arrays["row_lower"][rows] - activity[rows],
        "row_upper": arrays["row_upper"][rows] - activity[rows],
        "start": part.indptr.astype(np.int32),
        "index": part.indices.astype(np.int32),
        "value": part.data.astype(np.float64),
    }
    if "start_solution" in arrays:
        out["start_solution"] = arrays["start_solution"][free]
    constant = float(arrays["col_cost"][fixed] @ xf[fixed] + offset[fixed].sum())
    return Reduced(out, free, xf, constant, holds)


def expand(reduced: Reduced, values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Every column's value: the fixed ones as fixed, the free ones from ``values``."""
    whole = reduced.fixed_values.copy()
    whole[reduced.free] = values
    return whole
