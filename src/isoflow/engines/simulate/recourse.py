"""Recourse of the vectorised engine in time order: every need met first come, first served.

The rule (the model's contract, :mod:`.fast`): a demand looks for its next option when a
need becomes known, the failure of the option it counts on or an extra dose's notice, and
reserves spare activity then; needs known at one instant take their turn in demand order.

How it is computed for a chunk of replications at once:

* every demand instance is a *column*, in demand order (:func:`~.columns.columns`);
* planned deliveries need no spare: they are evaluated for every column and replication in
  a few array operations (:func:`_planned`). A failed one is a first event at its failure
  time, an extra dose's notice another;
* an agenda (:class:`~.agenda.Agenda`) holds each replication's events in order of (time,
  column). Each step takes every replication's events of its earliest instant, all
  replications at once (:func:`_instant`): each column takes the first option it may use
  (:func:`_seek`, one 2-D look at its options), reserves the spare, and either serves or
  has its next event at that option's failure. Columns of one instant go together up to
  the first whose option an earlier one took the spare of, or that makes a new event of
  that very instant: the rest wait for the next step, so the order is kept exactly;
* a failure that leaves nothing to take (no option would be found then even with the spare
  of now, which only shrinks) is missed at once, without an event, unless it is a run input
  whose option's run may still fail for its own inputs;
* a run input missed fails its run at the run's start (the cause of the first input found
  missed): the columns counting on that run fail at its start instead (their pending event
  replaced, or their outcome reopened: :func:`_fail_fed_runs`).

There are as many steps as instants with events in the busiest replication of the chunk;
nothing is done per replication in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from isoflow.engines.simulate.agenda import Agenda, Instant
from isoflow.engines.simulate.columns import Columns, Outcome, World, columns, evaluate
from isoflow.engines.simulate.model import (
    C_NONE,
    C_PLAN,
    C_SURGE,
    K_ALTERNATIVE,
    K_PLANNED,
    K_REBOOK,
    O_CANCELLED,
    O_MISSED,
    SimModel,
)
from isoflow.engines.simulate.tally import Tally

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
B = npt.NDArray[np.bool_]

PENDING = -1
"""Outcome of a column whose need is not settled yet."""
_BLOCK = 65_536
"""(replication, column) pairs evaluated at once in the planned stage (bounds memory)."""

__all__ = ["recourse"]


@dataclass
class _State:
    """Per (replication, column): where a demand stands; per (replication, run): inputs."""

    ptr: I64  # next option to look at
    cur: I64  # option counted on (-1: none)
    ver: I64  # version of its pending event (older ones are stale)
    cause: I8  # cause of its first failure
    pcause: I8  # cause of the pending failure
    pleg: I8  # cancelled leg of the pending failure (-1: none)
    out: I8  # outcome (PENDING until settled)
    late: B
    post: F64
    miss_t: F64  # (R, runs) when the input that failed the run was missed (inf: none)
    miss_col: I64  # (R, runs) its column

    @classmethod
    def empty(cls, shape: tuple[int, int], n_run: int) -> _State:
        """Nothing settled: no option counted on, no failure yet."""
        return cls(
            ptr=np.zeros(shape, dtype=np.int64),
            cur=np.full(shape, -1, dtype=np.int64),
            ver=np.zeros(shape, dtype=np.int64),
            cause=np.full(shape, C_NONE, dtype=np.int8),
            pcause=np.full(shape, C_NONE, dtype=np.int8),
            pleg=np.full(shape, -1, dtype=np.int8),
            out=np.full(shape, PENDING, dtype=np.int8),
            late=np.zeros(shape, dtype=np.bool_),
            post=np.zeros(shape),
            miss_t=np.full((shape[0], n_run), np.inf),
            miss_col=np.zeros((shape[0], n_run), dtype=np.int64),
        )


def recourse(m: SimModel, s: World, t: Tally, first_rep: int) -> None:
    """Serve every demand of the chunk in time order; record the outcomes in ``t``."""
    wanted = (m.book_doses - t.cancelled).astype(np.int64)
    c = columns(m, wanted, t.extras)
    st = _State.empty(c.doses.shape, m.run_start.size)
    ag = Agenda(_planned(m, s, c, st))
    while (ins := ag.peek(st.ver)) is not None:
        ag.consume(ins, _instant(m, s, c, st, ag, ins))
    _record(m, c, st, t, first_rep)


# ---------------------------------------------------------------- the planned stage
def _planned(m: SimModel, s: World, c: Columns, st: _State) -> F64:
    """Settle what needs no spare; return each column's first event time (inf: none).

    Run inputs first (those from a run without inputs, whose misses are then known, before
    the others), then consignments; an extra dose's first event is its notice.
    """
    reps, n_col = c.doses.shape
    first = np.full((reps, n_col), np.inf)
    planned = m.dem_planned[c.dem]
    st.ptr[:] = m.dem_opt_lo[c.dem] + np.where(planned, 1, 0)
    wanted = c.doses > 0
    st.out[~wanted] = O_CANCELLED
    unplanned = c.of_book[~planned[c.of_book]]
    st.out[:, unplanned] = np.where(wanted[:, unplanned], O_MISSED, O_CANCELLED)
    st.cause[:, unplanned] = np.where(wanted[:, unplanned], C_PLAN, C_NONE)
    inputs = np.arange(m.n_inputs)
    from_raw = ~c.has_inputs[m.opt_run[m.dem_opt_lo[inputs]]]
    _inputs_missed(m, s, st, *_settle_planned(m, s, c, st, first, inputs[from_raw]))
    _settle_planned(m, s, c, st, first, inputs[~from_raw])
    _settle_planned(m, s, c, st, first, c.of_book[planned[c.of_book]])
    xc = np.flatnonzero(c.extra > 0)
    notice = m.dem_detect[c.dem[xc]]
    some = c.alt_last[c.dem[xc]] >= notice  # an alternative may still start after notice
    first[:, xc] = np.where(wanted[:, xc] & some, notice, np.inf)
    st.out[:, xc] = np.where(wanted[:, xc] & ~some, O_MISSED, st.out[:, xc])
    return first


def _settle_planned(
    m: SimModel, s: World, c: Columns, st: _State, first: F64, cols: I64
) -> tuple[I64, I64, F64]:
    """Evaluate the planned deliveries of ``cols`` (where doses are wanted).

    A failed one is the column's first event, or, if its demand has no option left then
    (:func:`_none_left`) and nothing can change its run's fate any more (:func:`_final`),
    missed there and then. Returns the run inputs so missed: replications, columns, times.
    """
    out_r: list[I64] = []
    out_c: list[I64] = []
    out_t: list[F64] = []
    step = max(1, _BLOCK // max(first.shape[0], 1))
    cols = cols[np.argsort(c.n_legs[m.dem_opt_lo[c.dem[cols]]], kind="stable")]  # by width
    for b in range(0, cols.size, step):
        rr, jj = np.nonzero(c.doses[:, cols[b : b + step]] > 0)
        cc = cols[b : b + step][jj]
        opts = m.dem_opt_lo[c.dem[cc]]
        o = evaluate(m, s, c, rr, opts)
        ok, ft, leg = o.ok, o.fail_t, o.leg
        st.cur[rr, cc] = opts
        st.out[rr, cc] = np.where(ok, K_PLANNED, PENDING)
        st.late[rr, cc] = o.late
        st.post[rr, cc] = np.where(ok, o.post, 0.0)
        st.pcause[rr, cc] = o.cause
        st.pleg[rr, cc] = leg
        gone = ~ok & _final(m, c, cc, opts)
        f = np.flatnonzero(gone)
        gone[f] = _none_left(m, s, c, st, rr[f], cc[f], ft[f], leg[f])
        st.out[rr[gone], cc[gone]] = O_MISSED
        wait = ~ok & ~gone
        first[rr[wait], cc[wait]] = ft[wait]
        inputs = gone & (cc < m.n_inputs)
        out_r.append(rr[inputs])
        out_c.append(cc[inputs])
        out_t.append(ft[inputs])
    if not out_r:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(out_r), np.concatenate(out_c), np.concatenate(out_t)


def _final(m: SimModel, c: Columns, cols: I64, opts: I64) -> B:
    """Whether a column may be missed as soon as its option ``opts`` fails.

    A consignment or extra dose always (a later failure of that run at its start reopens
    it); a run input only if the option's run has no inputs (its fate is known: a missed
    input fails the fed run for good).
    """
    return (cols >= m.n_inputs) | ~c.has_inputs[m.opt_run[opts]]


def _none_left(
    m: SimModel, s: World, c: Columns, st: _State, rows: I64, cols: I64, t: F64, leg: I8
) -> B:
    """Whether columns whose option failed at ``t`` will find no option then.

    What :func:`_seek` would find at ``t`` with the spare of now: spare only shrinks, so
    what it cannot take now it cannot take then. ``leg`` is the cancelled leg of a failed
    planned delivery (-1: none; -2: not the planned delivery).
    """
    hi = m.dem_opt_hi[c.dem[cols]]
    ptr, doses = st.ptr[rows, cols], c.doses[rows, cols]
    return ~_seek(m, s, c, rows, ptr, hi, t, leg.astype(np.int64), doses)[1]


def _inputs_missed(m: SimModel, s: World, st: _State, rows: I64, cols: I64, t: F64) -> B:
    """Run inputs missed at ``t`` fail their runs at start with their cause.

    A run failing at its start anyway (an outage) keeps that cause; of several inputs of
    one run, the first missed (in time, then demand order) gives it. Returns where a run's
    failure changed (time or cause).
    """
    run = m.dem_run[cols]
    order = np.lexsort((cols, t, run, rows))
    rows, cols, t, run = rows[order], cols[order], t[order], run[order]
    firsts = np.ones(rows.size, dtype=np.bool_)
    firsts[1:] = (rows[1:] != rows[:-1]) | (run[1:] != run[:-1])
    start = m.run_start[run]
    mt, mc = st.miss_t[rows, run], st.miss_col[rows, run]
    earlier = np.isfinite(mt) & ((t < mt) | ((t == mt) & (cols < mc)))
    change = firsts & ((start < s.fail_t[rows, run]) | earlier)
    r, j, x = rows[change], cols[change], run[change]
    s.fail_t[r, x] = start[change]
    s.fail_c[r, x] = np.where(st.cause[r, j] == C_NONE, st.pcause[r, j], st.cause[r, j])
    st.miss_t[r, x] = t[change]
    st.miss_col[r, x] = j
    out = np.zeros(order.size, dtype=np.bool_)
    out[order[change]] = True
    return out


# ---------------------------------------------------------------- the agenda's steps
def _instant(m: SimModel, s: World, c: Columns, st: _State, ag: Agenda, ins: Instant) -> B:
    """Needs known at each replication's earliest instant, met by their next options.

    They are settled at once for a prefix of each replication's, in column order: up to
    the first whose option another before it took the spare of (it must look again), and
    up to and including the first that makes a new event of that very instant. Returns the
    events settled (stale ones before the cut among them).
    """
    v = np.flatnonzero(ins.valid)
    rows, cols, tau = ins.reps[v], ins.cols[v], ins.times[v]
    cur = st.cur[rows, cols]
    after_planned = (cur >= 0) & (m.opt_kind[np.maximum(cur, 0)] == K_PLANNED)
    fleg = np.where(after_planned, st.pleg[rows, cols], -2).astype(np.int64)
    doses = c.doses[rows, cols]
    hi = m.dem_opt_hi[c.dem[cols]]
    opts, found = _seek(m, s, c, rows, st.ptr[rows, cols], hi, tau, fleg, doses)
    opts = np.minimum(opts, m.opt_run.size - 1)  # where none is found: any option
    run = m.opt_run[opts]
    need = np.where(found & (m.opt_kind[opts] >= K_ALTERNATIVE), m.opt_need[opts] * doses, 0.0)
    conflict = need > 0
    conflict[conflict] = _cumulative(rows, run, need)[conflict] > s.spare[rows, run][conflict]
    f = np.flatnonzero(found)
    outcome = evaluate(m, s, c, rows[f], opts[f])
    again = np.zeros(v.size, dtype=np.bool_)  # a new event at this very instant
    again[f] = ~outcome.ok & (outcome.fail_t == tau[f])
    lost_in = ~found & (cols < m.n_inputs)
    again[lost_in] = m.run_start[m.dem_run[cols[lost_in]]] == tau[lost_in]
    take = _prefix(ins, v, conflict, again)
    k = take[v]
    _settle(m, s, st, rows[k], cols[k], opts[k], found[k], doses[k])
    kf = k[f]
    _take(m, s, c, st, ag, rows[f][kf], cols[f][kf], opts[f][kf], outcome[kf])
    lost = k & lost_in
    if lost.any():
        _fail_fed_runs(m, s, c, st, ag, rows[lost], cols[lost], tau[lost])
    return take


def _cumulative(rows: I64, run: I64, need: F64) -> F64:
    """Need of each event plus that of the events before it on the same run and replication."""
    key = rows * (int(run.max()) + 1 if run.size else 1) + run
    order = np.argsort(key, kind="stable")
    k, x = key[order], need[order]
    total = np.cumsum(x)
    start = np.ones(k.size, dtype=np.bool_)
    start[1:] = k[1:] != k[:-1]
    base = (total - x)[start]
    out = np.empty_like(need)
    out[order] = total - np.repeat(base, np.diff(np.append(np.flatnonzero(start), k.size)))
    return out


def _prefix(ins: Instant, v: I64, conflict: B, again: B) -> B:
    """Events of each replication before its first conflict and up to its first ``again``."""
    stop = np.zeros(ins.reps.size, dtype=np.int64)
    stop[v] = conflict | again
    before = np.cumsum(stop) - stop
    at_start = np.maximum.accumulate(np.where(ins.first, np.arange(stop.size), 0))
    before -= before[at_start]
    take = np.asarray(before == 0, dtype=np.bool_)
    take[v[conflict]] = False
    return take


def _settle(
    m: SimModel, s: World, st: _State, rows: I64, cols: I64, opts: I64, found: B, doses: I64
) -> None:
    """The failures become known; the options found are reserved; the rest are missed."""
    c0 = st.cause[rows, cols]
    st.cause[rows, cols] = np.where(c0 == C_NONE, st.pcause[rows, cols], c0)
    fr, fc, fo = rows[found], cols[found], opts[found]
    st.ptr[fr, fc] = fo + 1
    _reserve(m, s, fr, fo, doses[found])
    mr, mc = rows[~found], cols[~found]
    st.out[mr, mc] = O_MISSED
    st.cur[mr, mc] = -1


def _seek(
    m: SimModel,
    s: World,
    c: Columns,
    rows: I64,
    ptr: I64,
    hi: I64,
    tau: F64,
    fleg: I64,
    doses: I64,
) -> tuple[I64, B]:
    """First option from ``ptr`` each demand may take at ``tau``; whether there is one.

    A re-booking only after the planned delivery lost that leg (``fleg``); an alternative
    batch only if it starts at or after ``tau`` and its spare covers ``doses`` times its
    per-dose need.
    """
    if c.window == 0:
        return ptr, np.zeros(rows.size, dtype=np.bool_)
    cand = ptr[:, None] + np.arange(c.window)
    oc = np.minimum(cand, m.opt_run.size - 1)
    kind = m.opt_kind[oc]
    rebook = (kind == K_REBOOK) & (m.opt_rebook_leg[oc] == fleg[:, None])
    need = m.opt_need[oc] * doses[:, None]
    alt = (
        (kind >= K_ALTERNATIVE)
        & (m.opt_start[oc] >= tau[:, None])
        & (s.spare[rows[:, None], m.opt_run[oc]] >= need)
    )
    elig = (cand < hi[:, None]) & (rebook | alt)
    pick = elig.argmax(axis=1)
    idx = np.arange(rows.size)
    return cand[idx, pick], elig[idx, pick]


def _reserve(m: SimModel, s: World, rows: I64, opts: I64, doses: I64) -> None:
    """Alternatives take their need from the spare (and start an unplanned run: its cost).

    Several may be of one replication, in order: each is charged as the reference charges
    it (a run's fixed cost on its first reservation, then the need's variable cost).
    """
    alt = m.opt_kind[opts] >= K_ALTERNATIVE
    r, o = rows[alt], opts[alt]
    run = m.opt_run[o]
    need = m.opt_need[o] * doses[alt]
    np.subtract.at(s.spare, (r, run), need)
    key = r * m.run_start.size + run
    first = np.zeros(r.size, dtype=np.bool_)
    first[np.unique(key, return_index=True)[1]] = True
    new = first & ~m.run_planned[run] & ~s.started[r, run]
    s.started[r, run] = True
    charges = np.column_stack(
        [np.where(new, m.run_fixed_cost[run], 0.0), need * m.run_var_cost[run]]
    )
    np.add.at(s.cost, np.repeat(r, 2), charges.ravel())


def _take(
    m: SimModel,
    s: World,
    c: Columns,
    st: _State,
    ag: Agenda,
    rows: I64,
    cols: I64,
    opts: I64,
    outcome: Outcome,
) -> None:
    """Columns count on the options they took: serve, or fail (:func:`_fail`).

    ``outcome`` is what :func:`~.columns.evaluate` gives of the options.
    """
    ok, late, ft, cause, leg, post = (
        outcome.ok,
        outcome.late,
        outcome.fail_t,
        outcome.cause,
        outcome.leg,
        outcome.post,
    )
    st.cur[rows, cols] = opts
    st.out[rows[ok], cols[ok]] = m.opt_kind[opts[ok]]
    st.late[rows, cols] = late
    st.post[rows, cols] = np.where(ok, post, 0.0)
    f = ~ok
    _fail(m, s, c, st, ag, rows[f], cols[f], ft[f], cause[f], leg[f])


def _fail(
    m: SimModel,
    s: World,
    c: Columns,
    st: _State,
    ag: Agenda,
    rows: I64,
    cols: I64,
    t: F64,
    cause: I8,
    leg: I8,
) -> None:
    """The options columns count on fail, known at ``t`` with ``cause``.

    Each has its next event then (replacing any it had), or, with no option left then and
    its fate settled (:func:`_final`), is missed at once; a run input so missed fails its
    run (:func:`_fail_fed_runs`).
    """
    st.out[rows, cols] = PENDING
    st.late[rows, cols] = False
    st.post[rows, cols] = 0.0
    st.pcause[rows, cols] = cause
    st.pleg[rows, cols] = leg
    ver = st.ver[rows, cols] + 1
    st.ver[rows, cols] = ver
    cur = st.cur[rows, cols]
    fleg = np.where(m.opt_kind[cur] == K_PLANNED, leg, -2).astype(np.int8)
    gone = _final(m, c, cols, cur) & _none_left(m, s, c, st, rows, cols, t, fleg)
    st.out[rows[gone], cols[gone]] = O_MISSED
    wait = ~gone
    ag.push(rows[wait], cols[wait], t[wait], ver[wait])
    inputs = gone & (cols < m.n_inputs)
    if inputs.any():
        _fail_fed_runs(m, s, c, st, ag, rows[inputs], cols[inputs], t[inputs])


def _fail_fed_runs(
    m: SimModel,
    s: World,
    c: Columns,
    st: _State,
    ag: Agenda,
    rows: I64,
    cols: I64,
    t: F64,
) -> None:
    """Run inputs missed at ``t`` fail their runs at start; who counts on them fails then.

    The columns counting on a run whose failure changed (settled or not) fail at its
    start with its new cause instead of what they had.
    """
    changed = _inputs_missed(m, s, st, rows, cols, t)
    rows, run = rows[changed], m.dem_run[cols[changed]]
    n = c.on_lo[run + 1] - c.on_lo[run]
    at = np.repeat(c.on_lo[run] - np.cumsum(n) + n, n) + np.arange(int(n.sum()))
    r, x, j = np.repeat(rows, n), np.repeat(run, n), c.on_cols[at]
    cur = st.cur[r, j]
    on = (cur >= 0) & (m.opt_run[np.maximum(cur, 0)] == x)
    r, x, j = r[on], x[on], j[on]
    if r.size:
        leg = np.full(r.size, -1, dtype=np.int8)
        _fail(m, s, c, st, ag, r, j, m.run_start[x], s.fail_c[r, x], leg)


# ---------------------------------------------------------------- outcomes
def _record(m: SimModel, c: Columns, st: _State, t: Tally, first_rep: int) -> None:
    """Outcomes of the consignments and their extra doses into the tally.

    A demand missed as soon as its option failed has that failure's cause pending, and it
    is its first failure's if it had none before.
    """
    cb = c.of_book
    out = st.out[:, cb]
    first = np.where(st.cause[:, cb] == C_NONE, st.pcause[:, cb], st.cause[:, cb])
    t.outcome[:] = out
    t.cause[:] = np.where(out == O_MISSED, first, C_NONE)
    t.late[:] = st.late[:, cb]
    t.post[:] = st.post[:, cb]
    xc = np.flatnonzero(c.extra > 0)
    r, j = np.nonzero(c.doses[:, xc] > 0)
    col = xc[j]
    book = c.book[col]
    x_out = st.out[r, col]
    missed = x_out == O_MISSED
    flat = r * m.n_bookings + book
    shape = t.outcome.shape
    t.extra_missed += np.bincount(flat[missed], minlength=t.outcome.size).reshape(shape)
    t.extra_served += np.bincount(flat[~missed], minlength=t.outcome.size).reshape(shape)
    if r.size:
        rows = np.column_stack(
            [
                r + first_rep,
                book,
                c.extra[col],
                np.ones(r.size),
                x_out,
                np.where(missed, C_SURGE, C_NONE),
                st.post[r, col],
            ]
        ).astype(np.float64)
        t.extra_rows.append(rows)
