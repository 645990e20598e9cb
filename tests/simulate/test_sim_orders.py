"""Orders in the simulator, derived by hand on the planner's order week.

The week (``order_week`` in tests/planner/test_orders.py): 5 doses of 370 MBq at Tuesday
10:00, split by the plan over two 2.5 GBq batches: 3 doses from the run starting at 07:00
(EOP 08:00, released 08:30) and 2 from the one starting at 06:00 (EOP 07:00, released 07:30);
both reach the hospital at 09:30, its latest arrival. Each batch fails QC with probability
``p``, independently, known at its release. Recourse cannot help: any batch that still
reaches the hospital by 09:30 starts by 07:00, before the first QC result (07:30), and the
only other options, re-bookings, need a cancelled leg. So the doses missed in a week are
``M = 3·X1 + 2·X2`` with independent ``X1, X2 ~ Bernoulli(p)``:

* ``P(M=0) = (1-p)²``, ``P(M=2) = P(M=3) = p(1-p)``, ``P(M=5) = p²``;
* ``E[M] = 5p``, ``Var[M] = 9p(1-p) + 4p(1-p) = 13p(1-p)`` (doses of one consignment fail
  together: independent doses would give ``5p(1-p)``);
* doses missed over doses wanted: ``p``.

Tails (:func:`~isoflow.engines.simulate.montecarlo.tail`): a percentile ``q`` is the smallest
value ``v`` with ``P(M <= v) >= q`` (the inverse of the distribution); for M = 3·X1 + 2·X2 at
``p = 0.2``, ``P(M <= 0) = 0.64``, ``P(M <= 2) = 0.80``, ``P(M <= 3) = 0.96``: p5 = p50 = 0,
p95 = 3, p99 = 5. The loss shares are M/5 in {0, 40, 60, 100} %: P(loss > x) is
``P(M > 0) = 1 - (1-p)² = 0.36`` for x = 1, 5, 10 and 25 %, ``P(M >= 3) = p = 0.2`` for 50 %. The
empirical distribution at ``R = 10^4`` is 0.01 from the nearest threshold (F(3) = 0.96 against
0.95: five standard errors), so the empirical percentiles are these.

Tolerances: with ``R`` replications an empirical frequency of probability ``π`` has standard
error ``√(π(1-π)/R)`` and the mean of ``M`` has ``√(Var/R)``; the tests allow 4 standard
errors (a false alarm has probability 6e-5 per comparison; the seeds are fixed, so the
outcome is reproducible, and a modelling error of the size the tests target, a missing or
extra dose in a consignment, moves the figures by many more).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from sim_cases import order_week_qc
from test_orders import hour, need_at_eop

from isoflow.engines.simulate import (
    ModelOptions,
    SimOptions,
    as_result,
    build_model,
    kpis,
    simulate,
    simulate_reference,
    write_results,
)
from isoflow.engines.simulate.montecarlo import Z95
from isoflow.units import to_iso

P = 0.2
REPS = 10_000
REF_REPS = 2_000  # the SimPy reference, where a test runs it too


def _run(sc, reps: int = REPS, seed: int = 7):
    model, plan = build_model(sc, None, ModelOptions())
    result = simulate(model, SimOptions(replications=reps, seed=seed))
    return result, kpis(result), plan


def _close(value: float, truth: float, se: float) -> bool:
    """``value`` within 4 standard errors of ``truth`` (see the module docstring)."""
    return abs(value - truth) <= 4 * se


def _contains(estimate: dict[str, float], truth: float) -> bool:
    """``truth`` lies in the 95 % interval widened by 1.5 (2.94 standard errors)."""
    return abs(estimate["mean"] - truth) <= 1.5 * (estimate["hi"] - estimate["lo"]) / 2


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def split_run():
    return _run(order_week_qc(P))


def _law(missed: np.ndarray) -> None:
    """``missed`` (doses a replication) follows the law of M = 3·X1 + 2·X2."""
    reps = missed.size
    assert set(np.unique(missed).tolist()) <= {0.0, 2.0, 3.0, 5.0}
    law = {0: (1 - P) ** 2, 2: P * (1 - P), 3: P * (1 - P), 5: P * P}
    for value, prob in law.items():
        freq = float((missed == value).mean())
        assert _close(freq, prob, math.sqrt(prob * (1 - prob) / reps)), (value, freq)
    assert _close(float(missed.mean()), 5 * P, math.sqrt(13 * P * (1 - P) / reps))


def test_a_split_order_misses_the_doses_of_each_failed_batch(split_run):
    result, k, plan = split_run
    by_eop = sorted((hour(to_iso(a.end_of_production_utc)), a.doses) for a in plan.allocations)
    assert by_eop == [(7.0, 2), (8.0, 3)]  # the hand derivation's premise
    _law(result.column("missed"))
    missed = result.column("missed")
    var = 13 * P * (1 - P)
    assert _contains(k["missed_per_week"], 5 * P)
    # the interval's width follows the variance of whole consignments, 13p(1-p); the sample
    # standard deviation of R = 10^4 draws is within 1 % of the true one (relative standard
    # error √((μ4/σ⁴ - 1) / 4R) with μ4 = 13.6 and σ⁴ = 2.08²), so 5 % is a wide margin
    half = (k["missed_per_week"]["hi"] - k["missed_per_week"]["lo"]) / 2
    assert half == pytest.approx(Z95 * math.sqrt(var / REPS), rel=0.05)
    assert _contains(k["p_missed"], P)
    assert _contains(k["p_missed_pooled"], P)
    qc = k["missed_by_cause"]["qc_failure"]
    assert qc["share"]["mean"] == pytest.approx(1.0)
    assert qc["total"] == missed.sum()
    outcomes = k["outcomes"]
    assert outcomes["served"] + outcomes["missed"] == 5 * REPS
    assert outcomes["rerouted"] == outcomes["alternative"] == outcomes["substitute"] == 0
    assert outcomes["cancelled"] == 0
    assert k["doses_per_week"] == 5
    assert k["patients"]["per_week"] == 0
    assert result.column("patients_missed").sum() == 0


def test_the_simpy_reference_follows_the_same_law(split_run):
    model = split_run[0].model
    opts = SimOptions(replications=REF_REPS, seed=3)
    _law(as_result(model, opts, [simulate_reference(model, REF_REPS, seed=3)]).column("missed"))


def test_records_name_the_order_and_count_its_doses(split_run, tmp_path):
    result, _, _ = split_run
    write_results(result, tmp_path, "orders")
    rows = _csv(tmp_path / "bookings.csv")
    assert sorted((r["booking"], r["kind"], int(r["doses"])) for r in rows) == [
        ("order", "order", 2),
        ("order", "order", 3),
    ]
    for r in rows:
        doses = int(r["doses"])
        # each consignment fails with its batch: a Bernoulli(p) per replication
        assert int(r["served"]) + int(r["missed"]) == doses * REPS
        assert int(r["missed"]) % doses == 0
        assert int(r["missed_qc_failure"]) == int(r["missed"])
        assert _close(float(r["p_missed"]), P, math.sqrt(P * (1 - P) / REPS))
    exceptions = _csv(tmp_path / "exceptions.csv")
    assert {(r["outcome"], r["cause"]) for r in exceptions} == {("missed", "qc_failure")}
    missed = result.column("missed")
    for doses, with_it in ((3, (3.0, 5.0)), (2, (2.0, 5.0))):
        rows_of = [r for r in exceptions if int(r["doses"]) == doses]
        assert len(rows_of) == int(np.isin(missed, with_it).sum())
    summary = _csv(tmp_path / "replications.csv")
    assert {float(r["doses"]) for r in summary} == {5.0}


def _p_over(tails: dict, share: dict[str, float], reps: int) -> None:
    """``P(loss > x)`` of ``tails`` is ``share[x]`` (within 4 standard errors)."""
    for x, prob in share.items():
        se = math.sqrt(prob * (1 - prob) / reps)
        assert _close(tails["p_loss_over"][x], prob, se), x


def test_the_tails_of_a_split_order(split_run):
    # M = 3·X1 + 2·X2 doses a week (the module docstring): four points
    k = split_run[1]
    lost = 1 - (1 - P) ** 2
    share = {"1%": lost, "5%": lost, "10%": lost, "25%": lost, "50%": P}
    tails = k["tails"]
    # one country and one product: each is all of it
    (country,) = tails["missed_per_week_by_country"].values()
    (product,) = tails["missed_per_week_by_product"].values()
    for t in (tails["missed_per_week"], country, product):
        assert (t["p5"], t["p50"], t["p95"], t["p99"]) == (0.0, 0.0, 3.0, 5.0)
        _p_over(t, share, REPS)
        assert _contains(t, 5 * P)  # the mean, within its interval


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_the_tails_of_a_two_point_loss(engine):
    # one batch a day (the short-part case below): 3 doses from the 08:00 batch, 2 short,
    # so M = 2 + 3·X1 doses a week, 40 % or 100 % of the order. P(M <= 2) = 1 - p = 0.8:
    # p5 = p50 = 2, p95 = p99 = 5; P(loss > x) = 1 up to 25 %, p over 50 %. The planned
    # activity lost is the batch's when it fails QC: 0 or all the plan makes (one batch),
    # so percentiles 0, 0, A, A and P(lost > x) = p for every x.
    model, plan = build_model(order_week_qc(P, per_day=1), None, ModelOptions())
    if engine == "fast":
        result = simulate(model, SimOptions(replications=REPS, seed=7))
    else:
        ref = simulate_reference(model, REF_REPS, seed=9)
        result = as_result(model, SimOptions(replications=REF_REPS, seed=9), [ref])
    reps = result.replications
    tails = kpis(result)["tails"]
    doses = tails["missed_per_week"]
    assert (doses["p5"], doses["p50"], doses["p95"], doses["p99"]) == (2.0, 2.0, 5.0, 5.0)
    assert _contains(doses, 2 + 3 * P)
    _p_over(doses, {"1%": 1.0, "5%": 1.0, "10%": 1.0, "25%": 1.0, "50%": P}, reps)
    (made,) = [r.activity_eop_bq for r in plan.runs]
    activity = tails["lost_activity_bq_per_week"]
    assert (activity["p5"], activity["p50"]) == (0.0, 0.0)
    assert activity["p95"] == activity["p99"] == pytest.approx(made)
    assert _contains(activity, P * made)
    _p_over(activity, dict.fromkeys(("1%", "5%", "10%", "25%", "50%"), P), reps)


def test_the_short_part_of_an_order_is_missed_for_the_plan_reason(tmp_path):
    # one batch a day: 3 doses from the 08:00 batch, 2 short (capacity); M = 2 + 3·X1
    result, k, plan = _run(order_week_qc(P, per_day=1))
    ((eop, doses),) = [(hour(to_iso(a.end_of_production_utc)), a.doses) for a in plan.allocations]
    assert (eop, doses) == (8.0, 3)
    (u,) = plan.unserved
    assert (u.doses, u.reason) == (2, "capacity_exhausted")
    missed = result.column("missed")
    assert set(np.unique(missed).tolist()) <= {2.0, 5.0}
    assert _close(float((missed == 5).mean()), P, math.sqrt(P * (1 - P) / REPS))
    assert _contains(k["missed_per_week"], 2 + 3 * P)
    assert k["missed_by_cause"]["unserved_in_plan"]["per_week"] == {
        "mean": 2.0,
        "lo": 2.0,
        "hi": 2.0,
    }
    assert _contains(k["missed_by_cause"]["qc_failure"]["per_week"], 3 * P)
    assert _contains(k["p_missed_pooled"], (2 + 3 * P) / 5)
    write_results(result, tmp_path, "orders")
    rows = {r["plan_reason"]: r for r in _csv(tmp_path / "bookings.csv")}
    assert set(rows) == {"", "capacity_exhausted"}
    short_row = rows["capacity_exhausted"]
    assert (short_row["booking"], int(short_row["doses"])) == ("order", 2)
    assert int(short_row["missed"]) == int(short_row["missed_unserved_in_plan"]) == 2 * REPS
    assert int(rows[""]["doses"]) == 3
    # plan-unserved doses are not exceptions: only the 3-dose consignment's failures are
    exceptions = _csv(tmp_path / "exceptions.csv")
    assert len(exceptions) == int((missed == 5).sum())
    assert {int(r["doses"]) for r in exceptions} == {3}


def test_doses_are_cancelled_one_by_one():
    # each dose is cancelled with probability q: C ~ Binomial(5, q) doses a week, and a
    # failed batch misses only its doses still wanted: E[M] = 5p(1-q); doses wanted 5(1-q)
    q = 0.3
    result, k, _ = _run(order_week_qc(P, disruptions={"booking_cancel_prob": q}))
    cancelled = result.column("cancelled")
    for n in (0, 5):  # P(C=0) = (1-q)^5, P(C=5) = q^5 (whole orders would give 1-q and q)
        prob = math.comb(5, n) * q**n * (1 - q) ** (5 - n)
        freq = float((cancelled == n).mean())
        assert _close(freq, prob, math.sqrt(prob * (1 - prob) / REPS)), (n, freq)
    assert _contains(k["cancelled_per_week"], 5 * q)
    assert _contains(k["missed_per_week"], 5 * P * (1 - q))
    assert _contains(k["p_missed_pooled"], P)
    assert k["outcomes"]["cancelled"] == cancelled.sum()
    assert (result.column("missed") + cancelled + result.column("served") == 5).all()


@pytest.mark.parametrize("batch_max", ["1 GBq", "2 GBq"])
def test_recourse_moves_a_consignment_whole(batch_max):
    # a costly cyclotron 10 min from the hospital may start from 07:30, after the 2-dose
    # batch's QC result (07:30), and by 07:50 to arrive by 09:30 (1 h run, 30 min QC, 10 min
    # road); the 3-dose batch's result (08:30) comes too late for it. Both doses need, at
    # its EOP (08:30 to 08:50), 2 x 653 to 2 x 576 MBq: 1 GBq holds one dose, not both, so
    # the consignment cannot move; 2 GBq holds both, and they are lost only if that batch
    # fails QC too: E[M] = 3p + 2p·p, recovered doses 2p(1-p) a week. Both engines.
    two_doses_least = 2 * need_at_eop(8 + 50 / 60)
    assert need_at_eop(8.5) < 1e9 < two_doses_least < 2 * need_at_eop(8.5) < 2e9
    model, plan = build_model(order_week_qc(P, near_batch_max=batch_max), None, ModelOptions())
    assert {a.site for a in plan.allocations} == {"cyc"}  # the near cyclotron is the backup
    fast = simulate(model, SimOptions(replications=REPS, seed=7))
    ref_opts = SimOptions(replications=REF_REPS, seed=8)
    ref = as_result(model, ref_opts, [simulate_reference(model, REF_REPS, seed=8)])
    for result in (fast, ref):
        reps = result.replications
        k = kpis(result)
        missed = result.column("missed")
        recovered = result.column("alternative")
        if batch_max == "1 GBq":
            assert recovered.sum() == 0
            assert _close(float(missed.mean()), 5 * P, math.sqrt(13 * P * (1 - P) / reps))
            continue
        assert set(np.unique(recovered).tolist()) == {0.0, 2.0}
        p_moved = P * (1 - P)
        se = math.sqrt(p_moved * (1 - p_moved) / reps)
        assert _close(float((recovered == 2).mean()), p_moved, se)
        assert _contains(k["recourse_per_week"]["alternative"], 2 * p_moved)
        var = 9 * P * (1 - P) + 4 * P * P * (1 - P * P)
        assert _close(float(missed.mean()), 3 * P + 2 * P * P, math.sqrt(var / reps))
