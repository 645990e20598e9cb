"""Scheduling of independent parts and the bound of an LP-guided part, derived by hand."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from isoflow.engines.planner.guided import _answer
from isoflow.engines.planner.solve import (
    Improve,
    SolveOptions,
    SolveResult,
    _run_parts,
    part_budget,
    part_order,
)
from isoflow.records.status import SolveStatus


def test_a_part_budget_is_its_share_of_the_worker_time_by_work():
    # 60 s left on two free workers: 120 s of worker time. Work goes as size^1.5:
    # 10 -> 31.62, 20 -> 89.44, 30 -> 164.32 (sum 285.38), so a part of 10 columns with
    # 20 and 30 queued gets 120 * 31.62 / 285.38 = 13.30 s
    assert part_budget(60.0, 10, [20, 30], [], 2) == pytest.approx(13.297, abs=1e-3)
    # a part with more work than a worker's fair share has its worker to itself:
    # 120 * 164.32 / 285.38 = 69.1 > 60
    assert part_budget(60.0, 30, [20, 10], [], 2) == pytest.approx(60.0)
    # the last part takes everything left
    assert part_budget(12.0, 5, [], [], 2) == pytest.approx(12.0)
    # one worker: 60 * 164.32 / 285.38
    assert part_budget(60.0, 30, [20, 10], [], 1) == pytest.approx(34.547, abs=1e-3)
    # the other worker busy for 25 of the 30 s left: 30 + 5 = 35 s of worker time for two
    # equal parts, 17.5 s each
    assert part_budget(30.0, 10, [10], [25.0], 2) == pytest.approx(17.5)
    # a part running elsewhere counts by when it is due, not by its size: alone in the queue,
    # this part gets all of the 30 s left
    assert part_budget(30.0, 10, [], [20.0], 2) == pytest.approx(30.0)


def test_the_largest_parts_start_first_and_the_rest_follow_smallest_first():
    assert part_order([10, 1, 5, 3], 2) == [0, 2, 1, 3]
    assert part_order([4, 2, 7], 1) == [2, 1, 0]
    assert part_order([4], 3) == [0]


def test_the_two_largest_parts_start_together_and_small_ones_fill_the_free_worker():
    # sizes 10, 1, 5, 3 on two workers: parts 0 (10) and 2 (5) start at once; part 0 holds
    # its worker until parts 1 (1) and 3 (3), smallest first, have been solved on the other.
    # A worker kept behind small parts before a large one would start part 2 after them.
    started: list[int] = []
    release = threading.Event()
    lock = threading.Lock()

    def run(i: int, budget: float) -> SolveResult:
        with lock:
            started.append(i)
            if len(started) == 4:
                release.set()
        if i == 0:
            assert release.wait(5.0), "the small parts did not go to the other worker"
        return SolveResult(SolveStatus.OPTIMAL, 0.0, 0.0, 0.0, 0.0, np.zeros(1), "ok")

    finished: list[int] = []
    _run_parts([10, 1, 5, 3], 2, time.perf_counter() + 60.0, run, lambda i, _: finished.append(i))
    assert started[:2] in ([0, 2], [2, 0])
    assert started[2:] == [1, 3]
    assert sorted(finished) == [0, 1, 2, 3]
    assert finished[-1] == 0


def test_a_worker_left_idle_solves_on_a_part_cut_short_while_the_large_one_runs():
    # parts 0 (10) and 1 (1) on two workers: part 1 comes back cut short (gap open) at once,
    # so its worker, with nothing queued, solves it on while part 0 still runs; a part tried
    # in vain is not taken again.
    events: list[str] = []
    lock = threading.Lock()
    improved = threading.Event()

    def run(i: int, budget: float) -> SolveResult:
        if i == 0:
            assert improved.wait(5.0), "the idle worker did not solve part 1 on"
            with lock:
                events.append("0 done")
            return SolveResult(SolveStatus.OPTIMAL, 5.0, 5.0, 0.0, 0.0, np.zeros(1), "ok")
        return SolveResult(SolveStatus.FEASIBLE, 9.0, 1.0, 8 / 9, 0.0, np.zeros(1), "cut")

    results: dict[int, SolveResult] = {}

    def done(i: int, result: SolveResult) -> None:
        results[i] = result
        events.append(f"{i} {result.message}")

    def pick(busy: set[int]) -> int | None:
        cut = [i for i, r in results.items() if r.message == "cut" and i not in busy]
        return next((i for i in cut if i not in improve.tried), None)

    calls: list[int] = []

    def again(i: int, left: float) -> SolveResult | None:
        calls.append(i)
        improved.set()
        return SolveResult(SolveStatus.OPTIMAL, 2.0, 2.0, 0.0, 0.0, np.ones(1), "solved on")

    improve = Improve(pick, again)
    _run_parts([10, 1], 2, time.perf_counter() + 60.0, run, done, improve)
    assert events == ["1 cut", "1 solved on", "0 done", "0 ok"]
    assert calls == [1]
    assert results[1].objective == 2.0


def test_an_idle_worker_gives_up_on_a_part_it_cannot_improve():
    calls: list[int] = []
    results: dict[int, SolveResult] = {}
    tried = threading.Event()

    def run(i: int, budget: float) -> SolveResult:
        if i == 0:
            assert tried.wait(5.0), "the idle worker did not try part 1"
            return SolveResult(SolveStatus.OPTIMAL, 5.0, 5.0, 0.0, 0.0, np.zeros(1), "ok")
        return SolveResult(SolveStatus.FEASIBLE, 9.0, 1.0, 8 / 9, 0.0, np.zeros(1), "cut")

    def pick(busy: set[int]) -> int | None:
        cut = [i for i, r in results.items() if r.message == "cut"]
        return next((i for i in cut if i not in busy | improve.tried), None)

    def again(i: int, left: float) -> SolveResult | None:
        calls.append(i)
        tried.set()
        return None  # nothing better found

    improve = Improve(pick, again)
    _run_parts([10, 3], 2, time.perf_counter() + 60.0, run, results.__setitem__, improve)
    assert calls == [1]  # tried once, then left as it was
    assert results[1].message == "cut"


def test_with_no_part_still_running_the_time_left_is_not_the_idle_workers():
    """Once every part has had its run, what is left goes to the caller (which stops when
    the whole model is within its gap), not to a worker solving on."""
    calls: list[int] = []
    results: dict[int, SolveResult] = {}

    def run(i: int, budget: float) -> SolveResult:
        return SolveResult(SolveStatus.FEASIBLE, 9.0, 1.0, 8 / 9, 0.0, np.zeros(1), "cut")

    def again(i: int, left: float) -> SolveResult | None:
        calls.append(i)
        return None

    improve = Improve(lambda busy: next(iter(results), None), again)
    _run_parts([3, 2], 1, time.perf_counter() + 60.0, run, results.__setitem__, improve)
    assert calls == []
    assert sorted(results) == [0, 1]


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
