"""The vectorised engine: one chunk of replications as NumPy arrays over replications.

Everything random is drawn up front, in a fixed order, from one generator seeded by the
chunk's :class:`~numpy.random.SeedSequence`; then the engine walks the model's demands in
order (run inputs by the fed run's start, then bookings by administration), each step a
handful of array operations over all replications of the chunk. No Python object is made
per event.

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
  failure became known and its spare activity covers the need (reserved when tried).
* a demand with no option left is missed with the cause of its first failure.
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
    CAUSES,
    K_PLANNED,
    K_REBOOK,
    O_CANCELLED,
    O_MISSED,
    OUTCOMES,
    SimModel,
)

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
B = npt.NDArray[np.bool_]

N_CAUSES = len(CAUSES)
N_OUTCOMES = len(OUTCOMES)


@dataclass
class ChunkResult:
    """What one chunk of replications produced (concatenated in chunk order by the caller).

    Per replication (rows): ``summary`` columns are :data:`SUMMARY_COLUMNS`;
    ``missed_country`` and ``missed_product`` count missed treatments (extra bookings
    included); ``missed_cause`` by cause. Per booking instance (summed over the chunk's
    replications): ``book_outcome`` counts outcomes, ``book_cause`` missed by cause,
    ``book_late`` late administrations. ``exceptions`` lists every booking instance not
    served as planned and on time (plan-unserved bookings excluded): columns replication,
    booking, extra (0 = the booking itself, k = its k-th extra booking), outcome, cause,
    postponement [s].
    """

    summary: F64
    missed_country: I64
    missed_product: I64
    missed_cause: I64
    book_outcome: I64
    book_cause: I64
    book_late: I64
    exceptions: F64


SUMMARY_COLUMNS: tuple[str, ...] = (
    "bookings",
    "cancelled",
    "extra",
    "served",
    "served_late",
    "rerouted",
    "alternative",
    "substitute",
    "missed",
    "lost_activity_bq",
    "cost",
)


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
    m: SimModel, s: _State, d: int, pending: B, t_detect: F64, first_opt: int
) -> tuple[B, I8, B, F64, I8, F64]:
    """Serve demand ``d`` in the replications ``pending``.

    Returns (still pending = missed, outcome kind of the serving option, late, root-cause
    failure time, root cause, postponement).
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
            need = m.opt_need[o]
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
    cancelled = (
        rng.random((reps, nb)) < m.book_cancel_p
        if (m.book_cancel_p > 0).any()
        else np.zeros((reps, nb), dtype=np.bool_)
    )
    extras = (
        rng.poisson(m.book_extra_rate, size=(reps, nb))
        if (m.book_extra_rate > 0).any()
        else np.zeros((reps, nb), dtype=np.int64)
    )
    inf = np.full(reps, -np.inf)
    # run inputs, in order of the fed run's start
    for d in range(m.n_inputs):
        dst = int(m.dem_run[d])
        start = m.run_start[dst]
        missed, _, _, _, cause, _ = _resolve(m, s, d, np.ones(reps, dtype=np.bool_), inf, 0)
        lost = missed & (start < s.fail_t[:, dst])
        s.fail_t[:, dst] = np.where(lost, start, s.fail_t[:, dst])
        s.fail_c[:, dst] = np.where(lost, cause, s.fail_c[:, dst])
    outcome = np.zeros((reps, nb), dtype=np.int8)
    bcause = np.zeros((reps, nb), dtype=np.int8)
    blate = np.zeros((reps, nb), dtype=np.bool_)
    bpost = np.zeros((reps, nb))
    extra_rows: list[F64] = []
    extra_missed = np.zeros((reps, nb), dtype=np.int64)
    extra_served = np.zeros((reps, nb), dtype=np.int64)
    for i in range(nb):
        d = int(m.book_demand[i])
        active = ~cancelled[:, i]
        if m.dem_planned[d]:
            missed, kind, late, _, cause, post = _resolve(m, s, d, active, inf, 0)
            outcome[:, i] = np.where(missed, O_MISSED, kind)
            bcause[:, i] = np.where(missed, cause, C_NONE)
            blate[:, i] = late
            bpost[:, i] = post
        else:
            outcome[:, i] = O_MISSED
            bcause[:, i] = C_PLAN
        outcome[cancelled[:, i], i] = O_CANCELLED
        bcause[cancelled[:, i], i] = C_NONE
        n_extra = int(extras[:, i].max()) if extras.size else 0
        for k in range(1, n_extra + 1):
            want = extras[:, i] >= k
            t0 = np.full(reps, m.dem_detect[d])
            first = 1 if m.dem_planned[d] else 0
            missed, kind, late, _, _, post = _resolve(m, s, d, want, t0, first)
            extra_missed[:, i] += missed
            extra_served[:, i] += want & ~missed
            rows = np.flatnonzero(want)
            out = np.where(missed, O_MISSED, kind)[rows]
            extra_rows.append(
                np.column_stack(
                    [
                        rows + first_rep,
                        np.full(rows.size, i),
                        np.full(rows.size, k),
                        out,
                        np.where(missed[rows], C_SURGE, C_NONE),
                        post[rows],
                    ]
                ).astype(np.float64)
            )
    return _collect(
        m,
        s,
        first_rep,
        outcome,
        bcause,
        blate,
        bpost,
        extras,
        extra_missed,
        extra_served,
        extra_rows,
    )


def _collect(
    m: SimModel,
    s: _State,
    first_rep: int,
    outcome: I8,
    bcause: I8,
    blate: B,
    bpost: F64,
    extras: I64,
    extra_missed: I64,
    extra_served: I64,
    extra_rows: list[F64],
) -> ChunkResult:
    reps, nb = outcome.shape
    missed = outcome == O_MISSED
    counts = np.stack([(outcome == k).sum(axis=1) for k in range(N_OUTCOMES)], axis=1)
    lost = np.where(
        np.isfinite(s.fail_t) & (s.fail_t > m.run_start) & m.run_planned,
        m.run_eop_bq,
        0.0,
    ).sum(axis=1)
    summary = np.column_stack(
        [
            np.full(reps, nb) + extras.sum(axis=1),
            counts[:, O_CANCELLED],
            extras.sum(axis=1),
            counts[:, :O_MISSED].sum(axis=1) + extra_served.sum(axis=1),
            blate.sum(axis=1),
            counts[:, 1],
            counts[:, 2],
            counts[:, 3],
            counts[:, O_MISSED] + extra_missed.sum(axis=1),
            lost,
            s.cost,
        ]
    ).astype(np.float64)
    n_c, n_p = len(m.countries), len(m.products)
    all_missed = missed.astype(np.int64) + extra_missed
    mc = np.zeros((reps, n_c), dtype=np.int64)
    mp = np.zeros((reps, n_p), dtype=np.int64)
    for c in range(n_c):
        mc[:, c] = all_missed[:, m.book_country == c].sum(axis=1)
    for p in range(n_p):
        mp[:, p] = all_missed[:, m.book_product == p].sum(axis=1)
    cause_counts = np.stack(
        [(missed & (bcause == c)).sum(axis=1) for c in range(N_CAUSES)], axis=1
    ).astype(np.int64)
    cause_counts[:, C_SURGE] += extra_missed.sum(axis=1)
    book_outcome = np.stack([(outcome == k).sum(axis=0) for k in range(N_OUTCOMES)], axis=1)
    book_cause = np.stack([(missed & (bcause == c)).sum(axis=0) for c in range(N_CAUSES)], axis=1)
    book_cause[:, C_SURGE] += extra_missed.sum(axis=0)
    exc = ((outcome != 0) | blate) & (bcause != C_PLAN) & (outcome != O_CANCELLED)
    r, b = np.nonzero(exc)
    rows = np.column_stack(
        [r + first_rep, b, np.zeros(r.size), outcome[r, b], bcause[r, b], bpost[r, b]]
    ).astype(np.float64)
    exceptions = np.concatenate([rows, *extra_rows]) if extra_rows else rows
    order = np.lexsort((exceptions[:, 2], exceptions[:, 1], exceptions[:, 0]))
    return ChunkResult(
        summary=summary,
        missed_country=mc,
        missed_product=mp,
        missed_cause=cause_counts,
        book_outcome=book_outcome.astype(np.int64),
        book_cause=book_cause.astype(np.int64),
        book_late=blate.sum(axis=0).astype(np.int64),
        exceptions=exceptions[order],
    )
