"""The vectorised engine: one chunk of replications as NumPy arrays over replications.

Everything random is drawn up front, in a fixed order, from one generator seeded by the
chunk's :class:`~numpy.random.SeedSequence`; then the engine walks the model's demands in
order (run inputs by the fed run's start, then consignments of bookings and orders by
administration, each followed by its extra doses), each step a handful of array operations
over all replications of the chunk. No Python object is made per event. What it records is
counted in doses by :mod:`.tally`.

Semantics (shared with :mod:`.reference`):

* a run fails at the first of: an outage of its site overlapping ``[start, release]``
  (detected at ``max(start, outage start)``); a QC failure (at release); a missing input
  (at its start). The earliest failure's cause is kept.
* a departure is cancelled (lane cancellation, or its origin country's exports closed by a
  policy shock at departure), or delayed, or held at customs; delays add up along a route.
* an option succeeds if its run succeeds, no leg is cancelled, and it arrives by the
  deadline (on time) or within the slack (late: postponed administration). A failure is
  known at the run's failure time, the cancelled departure, or the planned arrival.
* options are tried once each, in order; a re-booking only after the planned consignment
  lost that leg; an alternative batch only if it starts at or after the moment the last
  failure became known and its spare activity covers the need (per dose times the doses
  still wanted of the consignment; reserved when tried).
* a demand with no option left is missed with the cause of its first failure, all its doses
  with it.
* doses are cancelled independently (``booking_cancel_prob`` each); extra doses arrive
  Poisson (``extra_booking_rate`` per dose of a consignment), each a one-dose demand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from isoflow.engines.simulate.model import (
    C_CANCEL,
    C_DELAY,
    C_HOLD,
    C_NONE,
    C_OUTAGE,
    C_PLAN,
    C_QC,
    C_SHOCK,
    C_SURGE,
    K_PLANNED,
    K_REBOOK,
    O_CANCELLED,
    O_MISSED,
    SimModel,
)
from isoflow.engines.simulate.tally import SUMMARY_COLUMNS, ChunkResult, Tally, collect

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
B = npt.NDArray[np.bool_]

__all__ = ["SUMMARY_COLUMNS", "ChunkResult", "run_chunk", "sample"]


def _intervals(
    rng: np.random.Generator, rate: F64, mu: F64, sigma: F64, t0: float, t1: float, reps: int
) -> tuple[F64, F64]:
    """Poisson-many lognormal intervals per (replication, item): starts, ends (R, S, K)."""
    span = t1 - t0
    counts = rng.poisson(rate * span, size=(reps, rate.size))
    k = int(counts.max()) if counts.size else 0
    starts = t0 + rng.random((reps, rate.size, k)) * span
    dur = np.exp(mu[None, :, None] + sigma[None, :, None] * rng.standard_normal(starts.shape))
    starts[np.arange(k)[None, None, :] >= counts[:, :, None]] = np.inf
    return starts, starts + dur


def _sample_hits(
    rng: np.random.Generator, p: F64, mu: F64, sigma: F64, reps: int, out: F64
) -> None:
    idx = np.flatnonzero(p > 0)
    if idx.size == 0:
        return
    hit = rng.random((reps, idx.size)) < p[idx]
    size = np.exp(mu[idx] + sigma[idx] * rng.standard_normal((reps, idx.size)))
    out[:, idx] = np.where(hit, size, 0.0)


@dataclass
class _State:
    """Sampled world of a chunk and the running state of recourse."""

    fail_t: F64  # (R, runs) failure time, inf if the run succeeds
    fail_c: I8  # (R, runs) cause
    cancel: B  # (R, deps + 1) last column: no departure
    dcause: I8
    delay: F64
    hold: F64
    spare: F64  # (R, runs)
    started: B  # (R, runs) unplanned run started by recourse
    cost: F64  # (R,)


def sample(model: SimModel, rng: np.random.Generator, reps: int) -> _State:
    """Draw every disruption of ``reps`` replications (fixed order of draws)."""
    m = model
    o_st, o_en = _intervals(
        rng, m.outage_rate, m.outage_mu, m.outage_sigma, m.t_begin, m.t_end, reps
    )
    s_st, s_en = _intervals(rng, m.shock_rate, m.shock_mu, m.shock_sigma, m.t_begin, m.t_end, reps)
    n_run = m.run_start.size
    fail_t = np.full((reps, n_run), np.inf)
    fail_c = np.zeros((reps, n_run), dtype=np.int8)
    for s in range(m.outage_rate.size):
        runs = np.flatnonzero(m.run_outage == s)
        if runs.size == 0 or o_st.shape[2] == 0:
            continue
        st = o_st[:, s, :, None]
        en = o_en[:, s, :, None]
        lo, hi = m.run_start[runs], m.run_release[runs]
        overlap = (st <= hi) & (en > lo)
        t = np.where(overlap, np.maximum(st, lo), np.inf).min(axis=1)
        fail_t[:, runs] = t
        fail_c[:, runs] = np.where(np.isfinite(t), C_OUTAGE, C_NONE)
    qc = np.flatnonzero(m.run_qc_p > 0)
    if qc.size:
        bad = rng.random((reps, qc.size)) < m.run_qc_p[qc]
        rel = m.run_release[qc]
        first = bad & (rel < fail_t[:, qc])
        fail_t[:, qc] = np.where(first, rel, fail_t[:, qc])
        fail_c[:, qc] = np.where(first, C_QC, fail_c[:, qc])
    n_dep = m.dep_time.size
    cancel = np.zeros((reps, n_dep + 1), dtype=np.bool_)
    dcause = np.zeros((reps, n_dep + 1), dtype=np.int8)
    cx = np.flatnonzero(m.dep_cancel_p > 0)
    if cx.size:
        cancel[:, cx] = rng.random((reps, cx.size)) < m.dep_cancel_p[cx]
        dcause[:, cx] = np.where(cancel[:, cx], C_CANCEL, C_NONE)
    for c in range(m.shock_rate.size):
        deps = np.flatnonzero(m.dep_shock == c)
        if deps.size == 0 or s_st.shape[2] == 0:
            continue
        t = m.dep_time[deps]
        blocked = ((s_st[:, c, :, None] <= t) & (s_en[:, c, :, None] > t)).any(axis=1)
        cancel[:, deps] |= blocked
        dcause[:, deps] = np.where(blocked, C_SHOCK, dcause[:, deps])
    delay = np.zeros((reps, n_dep + 1))
    hold = np.zeros((reps, n_dep + 1))
    _sample_hits(rng, m.dep_delay_p, m.dep_delay_mu, m.dep_delay_sigma, reps, delay)
    _sample_hits(rng, m.dep_hold_p, m.dep_hold_mu, m.dep_hold_sigma, reps, hold)
    spare = np.broadcast_to(m.run_spare, (reps, n_run)).copy()
    return _State(
        fail_t,
        fail_c,
        cancel,
        dcause,
        delay,
        hold,
        spare,
        np.zeros((reps, n_run), dtype=np.bool_),
        np.full(reps, m.plan_cost_per_week * m.weeks),
    )


def _evaluate(m: SimModel, s: _State, o: int) -> tuple[B, B, F64, I8, I64, F64]:
    """Outcome of option ``o`` in every replication.

    Returns (success, late, failure time, cause, index of the first cancelled leg or -1,
    postponement [s]).
    """
    run = int(m.opt_run[o])
    legs = m.legs[m.opt_leg_lo[o] : m.opt_leg_hi[o]]
    rfail = s.fail_t[:, run]
    run_ok = np.isinf(rfail)
    reps = rfail.size
    if legs.size:
        canc = s.cancel[:, legs]
        any_c = canc.any(axis=1)
        first = canc.argmax(axis=1)
        c_time = m.dep_time[legs][first]
        c_cause = s.dcause[:, legs][np.arange(reps), first]
        dl = s.delay[:, legs].sum(axis=1)
        hd = s.hold[:, legs].sum(axis=1)
    else:
        any_c = np.zeros(reps, dtype=np.bool_)
        first = np.zeros(reps, dtype=np.int64)
        c_time = np.zeros(reps)
        c_cause = np.zeros(reps, dtype=np.int8)
        dl = hd = np.zeros(reps)
    arrival = m.opt_arrive[o] + dl + hd
    deadline = m.opt_deadline[o]
    in_time = arrival <= deadline + m.opt_slack[o]
    success = run_ok & ~any_c & in_time
    late = success & (arrival > deadline)
    fail_time = np.where(~run_ok, rfail, np.where(any_c, c_time, m.opt_arrive[o]))
    cause = np.where(
        ~run_ok,
        s.fail_c[:, run],
        np.where(any_c, c_cause, np.where(hd > dl, C_HOLD, C_DELAY)),
    ).astype(np.int8)
    leg = np.where(run_ok & any_c, first, -1)
    return success, late, fail_time, cause, leg, np.maximum(arrival - deadline, 0.0)


def _resolve(
    m: SimModel, s: _State, d: int, pending: B, t_detect: F64, first_opt: int, doses: I64
) -> tuple[B, I8, B, F64, I8, F64]:
    """Serve demand ``d`` of ``doses`` doses (per replication) in the replications ``pending``.

    An alternative needs its per-dose need times ``doses`` from its run's spare. Returns
    (still pending = missed, outcome kind of the serving option, late, root-cause failure
    time, root cause, postponement).
    """
    reps = pending.size
    pending = pending.copy()
    kind = np.zeros(reps, dtype=np.int8)
    late = np.zeros(reps, dtype=np.bool_)
    cause = np.zeros(reps, dtype=np.int8)
    post = np.zeros(reps)
    fail_leg = np.full(reps, -2, dtype=np.int64)
    t_det = t_detect.copy()
    lo, hi = int(m.dem_opt_lo[d]), int(m.dem_opt_hi[d])
    for o in range(lo + first_opt, hi):
        if not pending.any():
            break
        k = int(m.opt_kind[o])
        if k == K_PLANNED:
            elig = pending
        elif k == K_REBOOK:
            elig = pending & (fail_leg == m.opt_rebook_leg[o])
        else:
            run = int(m.opt_run[o])
            need = m.opt_need[o] * doses
            elig = pending & (m.opt_start[o] >= t_det) & (s.spare[:, run] >= need)
            if not elig.any():
                continue
            s.spare[:, run] -= np.where(elig, need, 0.0)
            if not m.run_planned[run]:
                s.cost += np.where(elig & ~s.started[:, run], m.run_fixed_cost[run], 0.0)
                s.started[:, run] |= elig
            s.cost += np.where(elig, need * m.run_var_cost[run], 0.0)
        if not elig.any():
            continue
        ok, lt, ft, cs, leg, pp = _evaluate(m, s, o)
        served = elig & ok
        kind[served] = k
        late |= served & lt
        post = np.where(served & lt, pp, post)
        failed = elig & ~ok
        cause = np.where(failed & (cause == C_NONE), cs, cause).astype(np.int8)
        t_det = np.where(failed, np.maximum(ft, t_det), t_det)
        fail_leg = np.where(failed, leg if k == K_PLANNED else -2, fail_leg)
        pending &= ~served
    return pending, kind, late, t_det, cause, post


def run_chunk(
    model: SimModel, seed: np.random.SeedSequence, reps: int, first_rep: int
) -> ChunkResult:
    """Simulate ``reps`` replications seeded by ``seed``, numbered from ``first_rep``."""
    m = model
    rng = np.random.default_rng(seed)
    s = sample(m, rng, reps)
    nb = m.n_bookings
    t = Tally.empty(reps, nb)
    if (m.book_cancel_p > 0).any():
        t.cancelled = rng.binomial(m.book_doses, m.book_cancel_p, size=(reps, nb))
    if (m.book_extra_rate > 0).any():
        t.extras = rng.poisson(m.book_extra_rate, size=(reps, nb))
    _inputs(m, s, reps)
    wanted = (m.book_doses - t.cancelled).astype(np.int64)
    one = np.ones(reps, dtype=np.int64)
    inf = np.full(reps, -np.inf)
    for i in range(nb):
        d = int(m.book_demand[i])
        active = wanted[:, i] > 0
        if m.dem_planned[d]:
            missed, kind, late, _, cause, post = _resolve(m, s, d, active, inf, 0, wanted[:, i])
            t.outcome[:, i] = np.where(missed, O_MISSED, kind)
            t.cause[:, i] = np.where(missed, cause, C_NONE)
            t.late[:, i] = late
            t.post[:, i] = post
        else:
            t.outcome[:, i] = O_MISSED
            t.cause[:, i] = C_PLAN
        t.outcome[~active, i] = O_CANCELLED
        t.cause[~active, i] = C_NONE
        _extras(m, s, t, i, one, first_rep)
    return collect(m, _lost(m, s), s.cost, first_rep, t)


def _inputs(m: SimModel, s: _State, reps: int) -> None:
    """Serve the run inputs, in order of the fed run's start; a missed one fails its run."""
    inf = np.full(reps, -np.inf)
    one = np.ones(reps, dtype=np.int64)
    for d in range(m.n_inputs):
        dst = int(m.dem_run[d])
        start = m.run_start[dst]
        everywhere = np.ones(reps, dtype=np.bool_)
        missed, _, _, _, cause, _ = _resolve(m, s, d, everywhere, inf, 0, one)
        lost = missed & (start < s.fail_t[:, dst])
        s.fail_t[:, dst] = np.where(lost, start, s.fail_t[:, dst])
        s.fail_c[:, dst] = np.where(lost, cause, s.fail_c[:, dst])


def _extras(m: SimModel, s: _State, t: Tally, i: int, one: I64, first_rep: int) -> None:
    """The extra doses of consignment ``i``, served by its alternatives.

    One dose each, known ``extra_notice_s`` ahead, never served by the planned delivery.
    """
    d = int(m.book_demand[i])
    reps = one.size
    n_extra = int(t.extras[:, i].max()) if t.extras.size else 0
    for k in range(1, n_extra + 1):
        want = t.extras[:, i] >= k
        t0 = np.full(reps, m.dem_detect[d])
        first = 1 if m.dem_planned[d] else 0
        missed, kind, _, _, _, post = _resolve(m, s, d, want, t0, first, one)
        t.extra_missed[:, i] += missed
        t.extra_served[:, i] += want & ~missed
        rows = np.flatnonzero(want)
        out = np.where(missed, O_MISSED, kind)[rows]
        t.extra_rows.append(
            np.column_stack(
                [
                    rows + first_rep,
                    np.full(rows.size, i),
                    np.full(rows.size, k),
                    np.ones(rows.size),
                    out,
                    np.where(missed[rows], C_SURGE, C_NONE),
                    post[rows],
                ]
            ).astype(np.float64)
        )


def _lost(m: SimModel, s: _State) -> F64:
    """Planned activity [Bq at EOP] lost per replication: planned runs failed after start."""
    failed = np.isfinite(s.fail_t) & (s.fail_t > m.run_start) & m.run_planned
    return np.asarray(np.where(failed, m.run_eop_bq, 0.0).sum(axis=1), dtype=np.float64)
