"""In one world the vectorised engine and the SimPy reference keep the same records.

Fed the vectorised engine's draws (:mod:`one_world`), the reference must give the same record
for every replication, consignment and extra dose: outcomes, causes, postponements, cost and
lost activity. Nothing is left to chance, so any difference of semantics fails it however
rare it is: who takes a batch's spare first, when a failure is known, what a missed input
does to its run. (That both engines draw the same world is for :mod:`test_two_samples`.)
"""

from __future__ import annotations

import pytest
from agree_cases import builtin, generated, scarce_spare, short_stocks, tight_backup
from one_world import both_engines, differences

from isoflow.engines.simulate import SimOptions, as_result, kpis

CASES = {
    "tight backup, orders": (tight_backup, 400),
    "built-in, one week": (lambda: builtin(1), 60),
    "generated, bookings": (lambda: generated(False), 150),
    "generated, orders": (lambda: generated(True), 150),
    "generated, scarce spare, two weeks": (scarce_spare, 100),
    "generated, short stocks, two weeks": (short_stocks, 100),
}


@pytest.mark.parametrize("case", list(CASES))
def test_in_one_world_both_engines_keep_the_same_records(case):
    make, reps = CASES[case]
    model = make()
    fast, ref = both_engines(model, seed=5, reps=reps)
    assert differences(fast, ref) == []
    # disrupted enough to mean something: misses, recovered doses, extra doses missed
    k = kpis(as_result(model, SimOptions(replications=reps), [fast]))
    assert k["p_missed"]["mean"] > 0.02
    assert k["recourse_per_week"]["alternative"]["mean"] > 0
    assert k["recourse_per_week"]["rerouted"]["mean"] > 0
    if model.book_extra_rate.any():
        assert k["missed_by_cause"]["demand_surge"]["total"] > 0
    if model.stocks.size:
        assert k["missed_by_cause"]["input_short"]["total"] > 0
    assert fast.exceptions.shape[0] > reps
