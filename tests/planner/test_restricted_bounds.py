"""The LP-guided restriction of a large part: which columns it fixes, derived by hand."""

import numpy as np

from isoflow.engines.planner.guided import restricted_bounds
from isoflow.engines.planner.lp import LinearModel


def _arrays() -> dict[str, np.ndarray]:
    # runs y0..y2 (binary, opens), options z0..z1 (integer up to 4), a continuous flow w
    m = LinearModel()
    m.add_vars("y", 3, upper=1, integer=True, opens=True)
    m.add_vars("z", 2, upper=4, integer=True)
    m.add_vars("w", 1, upper=10)
    m.add_rows("r", rows=[0] * 6, cols=list(range(6)), vals=1.0, lower=0, upper=20)
    return m.arrays()


# relaxation: y0 = 0.7 (made more than half), y1 = 0.3, y2 = 0; z0 = 2.5, z1 = 0; w = 0
RELAXED = np.array([0.7, 0.3, 0.0, 2.5, 0.0, 0.0])


def test_opens_marks_only_the_run_columns():
    assert _arrays()["opens"].tolist() == [True, True, True, False, False, False]


def test_unrounded_fixes_integer_columns_both_leave_at_zero():
    start = np.array([0.0, 0.0, 0.0, 0.0, 1.0, 0.0])  # the start uses z1
    lower, upper = restricted_bounds(_arrays(), RELAXED, start, rounded=False)
    # y2 is zero in both and fixed; z1 stays free for the start; w is continuous and stays
    assert upper.tolist() == [1, 1, 0, 4, 4, 10]
    assert lower.tolist() == [0] * 6


def test_rounded_also_makes_the_runs_made_more_than_half():
    lower, upper = restricted_bounds(_arrays(), RELAXED, None, rounded=True)
    assert lower.tolist() == [1, 0, 0, 0, 0, 0]  # y0 only: 0.7 > 0.5, 0.3 is not
    assert upper.tolist() == [1, 1, 0, 4, 0, 10]  # without a start z1 is fixed at 0 too
