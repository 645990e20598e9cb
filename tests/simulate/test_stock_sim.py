"""Short deliveries of input stocks: hand-counted weeks of an FDG cyclotron short of O-18 water.

The week (:func:`water_week`): cyclotron A makes FDG twice a weekday, a morning run
(05:00-06:00) for the 10:00 dose and an afternoon run (14:00-15:00) for the 19:00 dose
(F-18 keeps 10 h, so neither run can serve the other dose): 10 runs of 2.5 mL of O-18 water,
the 25 mL of A's weekly stock. A week whose delivery brings 40 % (10 mL) covers the first
four runs (Monday and Tuesday; the fourth takes the last 2.5 mL), so the six of Wednesday to
Friday fail at their start and their six doses are missed (cause ``input_short``), or, with
a backup cyclotron B (no stock limit, 30 min away, starting 06:30-07:30 and 15:30-16:30),
re-sourced from B's batches, which start after A's failure is known.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from one_world import both_engines, differences
from sim_cases import FDG, MONDAY, road, site

from isoflow.engines.simulate import (
    CAUSES,
    OUTCOMES,
    ModelOptions,
    SimOptions,
    build_model,
    kpis,
    simulate,
    simulate_reference,
)
from isoflow.engines.simulate.fast import draw
from isoflow.engines.simulate.tally import SUMMARY_COLUMNS
from isoflow.scenario.schema import Scenario

WATER = {"id": "o18-water", "stage": "target_material", "nuclide": "O-18", "unit": "mL"}
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
SHORT = CAUSES.index("input_short")


def _cyclotron(id_: str, site_id: str, windows: list[tuple[str, str]], **extra: Any) -> dict:
    return {
        "id": id_,
        "site": site_id,
        "kind": "synthesis",
        "output": "fdg",
        "batch_max": "100 GBq",
        "duration": "1 h",
        "qc_release": "30 min",
        "max_batches_per_day": 2,
        "availability": {
            "windows": [{"days": list(DAYS), "start": a, "end": b} for a, b in windows]
        },
        **extra,
    }


def water_week(
    short_prob: float,
    delivered: float,
    backup: bool = False,
    qc: float = 0.0,
    more: dict[str, Any] | None = None,
) -> Scenario:
    """The module's week; A's water deliveries short with ``short_prob``, bringing
    ``delivered`` of the stock then."""
    cyc = {**site("cyc-a", "cyclotron"), "stocks": [{"product": "o18-water", "per_week": 25}]}
    sites = [cyc, site("hosp", "hospital")]
    water = [{"product": "o18-water", "per_batch": 2.5}]
    a_windows = [("05:00", "06:00"), ("14:00", "15:00")]
    processes = [_cyclotron("fdg-a", "cyc-a", a_windows, inputs=water, qc_failure_prob=qc)]
    lanes = [road("a-hosp", "cyc-a", transit="1 h")]
    if backup:
        sites.append(site("cyc-b", "cyclotron"))
        b_windows = [("06:30", "07:30"), ("15:30", "16:30")]
        processes.append(
            _cyclotron("fdg-b", "cyc-b", b_windows, fixed_cost=1e5, qc_failure_prob=qc)
        )
        lanes.append(road("b-hosp", "cyc-b", transit="30 min"))
    bookings = [
        {
            "id": f"{day}-{clock[:2]}",
            "hospital": "hosp",
            "product": "fdg",
            "administration": f"2025-08-{4 + d:02d}T{clock}:00Z",
        }
        for d, day in enumerate(DAYS)
        for clock in ("10:00", "19:00")
    ]
    stocks = [
        {
            "site": "cyc-a",
            "product": "o18-water",
            "short_prob": short_prob,
            "delivered_fraction": delivered,
        }
    ]
    data: dict[str, Any] = {
        "meta": {"name": "water", "start": MONDAY, "horizon": "7 d"},
        "products": [FDG, WATER],
        "sites": sites,
        "processes": processes,
        "lanes": lanes,
        "demand": {"bookings": bookings},
        "disruptions": {"stocks": stocks, **(more or {})},
    }
    return Scenario.model_validate(data)


def _model(sc: Scenario, weeks: int = 1):
    model, plan = build_model(sc, None, ModelOptions(weeks=weeks))
    return model, plan


def test_the_plan_makes_ten_runs_of_a_on_the_weekly_stock():
    model, plan = _model(water_week(1.0, 0.4, backup=True))
    assert len(plan.runs) == 10
    assert {r.site for r in plan.runs} == {"cyc-a"}
    assert len(plan.allocations) == 10
    # one stock (A's water, week 1), claimed by the ten planned runs in order of start
    tab = model.stocks
    assert tab.names == ["cyc-a/o18-water/week 1"]
    assert tab.amount.tolist() == [25.0]
    assert tab.claim_use.tolist() == [2.5] * 10
    starts = model.run_start[tab.claim_run]
    assert np.all(np.diff(starts) > 0)


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_a_short_week_of_40_percent_runs_the_first_four_and_misses_six_doses(engine):
    model, _ = _model(water_week(1.0, 0.4))
    reps = 20
    if engine == "fast":
        result = simulate(model, SimOptions(replications=reps, seed=1))
        missed_cause, book_outcome = result.missed_cause, result.book_outcome
        summary = result.summary
    else:
        ref = simulate_reference(model, reps, seed=1)
        missed_cause, book_outcome, summary = ref.missed_cause, ref.book_outcome, ref.summary
    assert missed_cause[:, SHORT].tolist() == [6] * reps
    assert missed_cause.sum(axis=1).tolist() == [6] * reps  # nothing else fails
    served, missed = OUTCOMES.index("served"), OUTCOMES.index("missed")
    ids = model.book_id
    for i, bid in enumerate(ids):
        early = bid.startswith(("Mon", "Tue"))
        assert book_outcome[i, served] == (reps if early else 0), bid
        assert book_outcome[i, missed] == (0 if early else reps), bid
    lost = summary[:, SUMMARY_COLUMNS.index("lost_activity_bq")]
    assert lost.tolist() == [0.0] * reps  # failed at their start: nothing made is lost


def test_the_short_weeks_doses_are_resourced_from_the_backup():
    model, plan = _model(water_week(1.0, 0.4, backup=True))
    result = simulate(model, SimOptions(replications=10, seed=2))
    k = kpis(result)
    assert k["missed_per_week"]["mean"] == 0.0
    assert k["recourse_per_week"]["alternative"] == {"mean": 6.0, "lo": 6.0, "hi": 6.0}
    # B starts six unplanned batches: six fixed costs on top of the plan's
    extra = result.column("cost") - plan.kpis["cost"]["total"]
    assert extra.tolist() == pytest.approx([6 * 1e5] * 10)


def test_a_full_delivery_and_a_stock_that_never_runs_short_fail_nothing():
    for sc in (water_week(1.0, 1.0), water_week(0.0, 0.0)):
        model, _ = _model(sc)
        result = simulate(model, SimOptions(replications=50, seed=3))
        assert result.missed_cause.sum() == 0


@pytest.mark.parametrize(
    ("engine", "p", "delivered", "beyond", "reps"),
    [
        ("fast", 0.3, 0.4, 6, 2000),
        ("fast", 0.2, 0.0, 10, 2000),
        ("reference", 0.3, 0.4, 6, 300),  # its own streams: the same law of short weeks
    ],
)
def test_failed_runs_per_week_average_p_times_the_runs_beyond_the_short_stock(
    engine, p, delivered, beyond, reps
):
    # each week is short independently: its failed runs are ``beyond`` x Bernoulli(p), so a
    # replication of W weeks fails beyond x Binomial(W, p) runs (one dose each); the mean
    # over R replications of its count per week has variance beyond² p (1 - p) / (W R)
    weeks = 4
    model, _ = _model(water_week(p, delivered), weeks=weeks)
    assert len(model.stocks.names) == weeks  # one stock a week
    if engine == "fast":
        opts = SimOptions(replications=reps, seed=11, model=ModelOptions(weeks=weeks))
        missed_cause = simulate(model, opts).missed_cause
    else:
        missed_cause = simulate_reference(model, reps, seed=11).missed_cause
    failed = missed_cause[:, SHORT] / weeks
    assert set(np.unique(failed * weeks).tolist()) <= {beyond * n for n in range(weeks + 1)}
    sd = beyond * math.sqrt(p * (1 - p) / (weeks * reps))
    assert abs(failed.mean() - p * beyond) < 4 * sd
    # weeks drawn apart: every week short in p^W of the replications (one draw: p)
    all_short = (failed == beyond).mean()
    assert abs(all_short - p**weeks) < 4 * math.sqrt(p**weeks * (1 - p**weeks) / reps) + 1e-9


def test_in_one_world_both_engines_keep_the_same_records_with_short_stocks():
    # half the weeks short at 40 %, outages of A (a run not started for one takes no water),
    # QC failures at A and B, lane cancellations: the backup's spare, the short runs, the
    # outages and the failed QC all in play
    more = {
        "lanes": [{"lane": lane, "cancel_prob": 0.1} for lane in ("a-hosp", "b-hosp")],
        "sites": [{"site": "cyc-a", "outages_per_year": 15, "duration": {"mean": "1 d"}}],
    }
    model, _ = _model(water_week(0.5, 0.4, backup=True, qc=0.1, more=more), weeks=2)
    fast, ref = both_engines(model, seed=5, reps=300)
    assert differences(fast, ref) == []
    assert fast.missed_cause[:, SHORT].sum() > 0
    assert fast.missed_cause[:, CAUSES.index("qc_failure")].sum() > 0
    world, _ = draw(model, np.random.SeedSequence(5), 300)
    down_at_start = (world.fail_c == CAUSES.index("site_outage")) & (
        world.fail_t == model.run_start
    )
    assert down_at_start[:, model.stocks.claim_run].any()  # a claiming run A did not start
    assert fast.summary[:, SUMMARY_COLUMNS.index("alternative")].sum() > 0
