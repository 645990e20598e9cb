"""The vectorised engine: one chunk of replications as NumPy arrays over replications.

Everything random is drawn up front, in a fixed order, from one generator seeded by the
chunk's :class:`~numpy.random.SeedSequence`; then :mod:`.recourse` settles every demand in
time order, each step a handful of array operations over all replications of the chunk. No
Python object is made per event. What it records is counted in doses by :mod:`.tally`.

Semantics (shared with :mod:`.reference`):

* a run fails at the first of: an outage of its site overlapping ``[start, release]``
  (detected at ``max(start, outage start)``); a short stock of a material it consumes (at
  its start, :mod:`.stocks`: the week's delivery, short or not, less what the week's earlier
  runs took); a QC failure (at release); a missing input (at its start; the cause of the
  first input found missed). The earliest failure's cause is kept; at one start, an outage
  first, then the stock, then the inputs.
* a departure is cancelled (lane cancellation, or its origin country's exports closed by a
  policy shock at departure), or delayed, or held at customs; delays add up along a route.
* an option succeeds if its run succeeds, no leg is cancelled, and it arrives by the
  deadline (on time) or within the slack (late: postponed administration). A failure is
  known at the run's failure time, the cancelled departure, or the planned arrival.
* a demand counts on its planned delivery (an extra dose, known ``extra_notice_s`` ahead,
  has none). When a need becomes known, the failure of the option counted on or an extra
  dose's notice, the demand takes the next option it may use, in its order, each option
  looked at once: a re-booking only after the planned consignment lost that leg; an
  alternative batch only if it starts at or after that moment, its process's order
  cut-off has not passed by then (a re-sourced or extra dose is a new order, placed when
  its need is known) and its spare activity covers the need (per dose times the doses
  still wanted of the consignment), which it then reserves.
* **first come, first served**: needs take spare in the order they become known, whatever
  the administration they are for; needs known at the same instant in demand order: run
  inputs (by the fed run's start), then consignments by administration, each followed by
  its extra doses.
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
    C_NONE,
    C_OUTAGE,
    C_QC,
    C_SHOCK,
    SimModel,
)
from isoflow.engines.simulate.recourse import recourse
from isoflow.engines.simulate.stocks import fail_short_runs
from isoflow.engines.simulate.tally import SUMMARY_COLUMNS, ChunkResult, Tally, collect

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
B = npt.NDArray[np.bool_]

__all__ = ["SUMMARY_COLUMNS", "ChunkResult", "draw", "run_chunk", "sample"]


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
    outages: tuple[F64, F64]  # (R, sites, K) starts and ends of site outages (inf: none)
    shocks: tuple[F64, F64]  # (R, countries, K) the same of policy shocks
    stock: F64  # (R, stocks) what each week's delivery of a stock brought


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
    stock = np.zeros((reps, m.stocks.size))
    if m.stocks.size:  # drawn last: a scenario without short stocks keeps its streams
        stock = m.stocks.delivered(rng.random((reps, m.stocks.size)) < m.stocks.short_p)
        fail_short_runs(m.stocks, m.run_start, stock, fail_t, fail_c)
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
        (o_st, o_en),
        (s_st, s_en),
        stock,
    )


def run_chunk(
    model: SimModel, seed: np.random.SeedSequence, reps: int, first_rep: int
) -> ChunkResult:
    """Simulate ``reps`` replications seeded by ``seed``, numbered from ``first_rep``."""
    m = model
    s, t = draw(m, seed, reps)
    recourse(m, s, t, first_rep)
    return collect(m, _lost(m, s), s.cost, first_rep, t)


def draw(model: SimModel, seed: np.random.SeedSequence, reps: int) -> tuple[_State, Tally]:
    """Everything random of a chunk, in this order: the world, then the doses.

    The world is :func:`sample`'s; the doses are each consignment's cancelled and extra
    doses, in a tally where nothing else is recorded yet.
    """
    m = model
    rng = np.random.default_rng(seed)
    s = sample(m, rng, reps)
    t = Tally.empty(reps, m.n_bookings)
    if (m.book_cancel_p > 0).any():
        t.cancelled = rng.binomial(m.book_doses, m.book_cancel_p, size=(reps, m.n_bookings))
    if (m.book_extra_rate > 0).any():
        t.extras = rng.poisson(m.book_extra_rate, size=(reps, m.n_bookings))
    return s, t


def _lost(m: SimModel, s: _State) -> F64:
    """Planned activity [Bq at EOP] lost per replication: planned runs failed after start."""
    failed = np.isfinite(s.fail_t) & (s.fail_t > m.run_start) & m.run_planned
    return np.asarray(np.where(failed, m.run_eop_bq, 0.0).sum(axis=1), dtype=np.float64)
