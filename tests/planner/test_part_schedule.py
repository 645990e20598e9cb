"""Scheduling of independent parts and the bound of an LP-guided part, derived by hand."""

from __future__ import annotations

import numpy as np
import pytest

from isoflow.engines.planner.guided import _answer
from isoflow.engines.planner.solve import SolveOptions, SolveResult, worker_queues
from isoflow.records.status import SolveStatus


def test_parts_go_largest_first_to_the_least_loaded_worker_and_run_smallest_first():
    # sizes 10, 1, 5, 3 on two workers: 10 -> A; 5 -> B; 3 -> B (5 < 10); 1 -> B (8 < 10)
    assert worker_queues([10, 1, 5, 3], 2) == [[0], [1, 3, 2]]


def test_one_worker_takes_every_part_and_no_more_workers_than_parts():
    assert worker_queues([4, 2, 7], 1) == [[1, 0, 2]]
    assert worker_queues([4], 3) == [[0]]


def arrays(cost: list[float]) -> dict[str, np.ndarray]:
    return {"col_cost": np.array(cost), "offset": np.array([0.5, 0.0])}


def test_guided_plan_without_full_mip_is_bounded_by_the_relaxation():
    # plan x = (1, 1) costs 1 + 2 + offset 0.5 = 3.5; the relaxation proved 2.8
    best = np.array([1.0, 1.0])
    result = _answer(arrays([1.0, 2.0]), None, best, 2.8, SolveOptions(mip_gap=0.01))
    assert result.objective == pytest.approx(3.5)
    assert result.bound == pytest.approx(2.8)
    assert result.gap == pytest.approx(0.7 / 3.5)
    assert result.status == SolveStatus.FEASIBLE
    assert result.time_cut


def test_the_better_of_the_two_bounds_counts_and_the_cheaper_plan_is_kept():
    # the full MIP returned a dearer plan (x = (2, 1): 4.5) with bound 3.0 > relaxation 2.8
    final = SolveResult(
        SolveStatus.FEASIBLE, 4.5, 3.0, 0.33, 1.0, np.array([2.0, 1.0]), "Time limit reached"
    )
    best = np.array([1.0, 1.0])  # 3.5
    result = _answer(arrays([1.0, 2.0]), final, best, 2.8, SolveOptions(mip_gap=0.2))
    assert result.objective == pytest.approx(3.5)
    assert result.bound == pytest.approx(3.0)
    assert result.gap == pytest.approx(0.5 / 3.5)
    assert result.status == SolveStatus.OPTIMAL  # 14.3 % within the 20 % asked for
    assert result.values is not None
    assert result.values.tolist() == [1.0, 1.0]
