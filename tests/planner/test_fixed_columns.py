"""Fixed columns taken out before the solve (re-plans): hand-solved models.

``min 3a + 0.5b + c`` with ``a`` fixed at 1, ``b`` integer in [0, 1], ``c >= 0``;
rows ``b + c >= 2`` and ``a + b <= 1.5`` (so ``b <= 0.5``, hence ``b = 0``): the optimum is
``a = 1, b = 0, c = 2``, objective 5. Its relaxation (``b = 0.5, c = 1.5``) would give 4.75.
"""

import numpy as np
import pytest

from isoflow.engines.planner import fixed
from isoflow.engines.planner.lp import INF, LinearModel
from isoflow.engines.planner.solve import SolveOptions, solve
from isoflow.records.status import SolveStatus

DROP = SolveOptions(drop_fixed=True, penalty_floor=False, mip_gap=0.0)


def model(a_row_lower: float = -INF) -> LinearModel:
    m = LinearModel()
    a = m.add_vars("a", 1, lower=1.0, upper=1.0, cost=3.0)
    b = m.add_vars("b", 1, upper=1.0, cost=0.5, integer=True)
    c = m.add_vars("c", 1, cost=1.0)
    m.add_rows("need", rows=[0, 0], cols=[b.start, c.start], vals=[1, 1], lower=2, upper=INF)
    m.add_rows("room", rows=[0, 0], cols=[a.start, b.start], vals=[1, 1], lower=-INF, upper=1.5)
    m.add_rows("a_only", rows=[0], cols=[a.start], vals=[1], lower=a_row_lower, upper=INF)
    return m


def test_reduce_moves_the_fixed_activity_into_the_rows() -> None:
    red = fixed.reduce(model().arrays())
    assert red.free.tolist() == [1, 2]
    assert red.constant == pytest.approx(3.0)
    assert red.holds
    # rows left: need (2 <= b + c) and room (b <= 1.5 - 1); a_only has no free column
    assert red.arrays["row_lower"].tolist() == [2.0, -np.inf]
    assert red.arrays["row_upper"].tolist() == [np.inf, pytest.approx(0.5)]
    np.testing.assert_allclose(fixed.expand(red, np.array([0.0, 2.0])), [1.0, 0.0, 2.0])


def test_solve_without_fixed_columns_reaches_the_hand_optimum() -> None:
    result = solve(model(), DROP)
    assert result.status == SolveStatus.OPTIMAL
    assert result.values is not None
    np.testing.assert_allclose(result.values, [1.0, 0.0, 2.0], atol=1e-9)
    assert result.objective == pytest.approx(5.0)
    assert result.bound == pytest.approx(5.0)


def test_a_row_of_fixed_columns_that_fails_is_infeasible() -> None:
    red = fixed.reduce(model(a_row_lower=2.0).arrays())  # a = 1 but a >= 2
    assert not red.holds
    assert solve(model(a_row_lower=2.0), DROP).status == SolveStatus.INFEASIBLE


def test_every_column_fixed_is_its_own_plan() -> None:
    m = model()
    m.set_col_bounds([1, 2], [0.0, 2.0], [0.0, 2.0])
    result = solve(m, DROP)
    assert result.status == SolveStatus.OPTIMAL
    assert result.objective == pytest.approx(5.0)
