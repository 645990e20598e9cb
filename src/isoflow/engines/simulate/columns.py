"""The demand instances of a chunk as columns, and what an option does in a replication.

:func:`columns` lays out a chunk's demand instances in demand order, the order of turns at
one instant: run inputs (by the fed run's start), then each consignment followed by its
extra doses (as many columns as it has extra doses in any replication of the chunk). With
them come the tables the recourse reads: each option's departures padded to one width, each
demand's last alternative start and re-booked legs (to tell a need no option can meet), and
for each run the columns that may count on it. :func:`evaluate` gives the outcome of one
option in one replication, for many pairs at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from isoflow.engines.simulate.model import C_DELAY, C_HOLD, K_ALTERNATIVE, K_REBOOK, SimModel

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
B = npt.NDArray[np.bool_]

__all__ = ["Columns", "Outcome", "World", "columns", "evaluate"]


class World(Protocol):
    """What :func:`~.fast.sample` drew, as the recourse reads and changes it."""

    fail_t: F64
    fail_c: I8
    cancel: B
    dcause: I8
    delay: F64
    hold: F64
    spare: F64
    started: B
    cost: F64


@dataclass
class Columns:
    """The demand instances of a chunk, in demand order, and the tables recourse reads."""

    dem: I64  # model demand of each column
    book: I64  # consignment of each column, -1 for a run input
    extra: I64  # k of a consignment's k-th extra dose, 0 otherwise
    of_book: I64  # column of each consignment
    doses: I64  # (R, J) doses wanted, 0 where nothing is (cancelled, no such extra)
    legs: I64  # (options, most legs) every option's departures, padded with "none"
    n_legs: I64  # per option: its legs
    dep_time: F64  # departure instants, "none" last (inf)
    window: int  # most options of one demand
    alt_last: F64  # per demand: last instant an alternative may be taken (-inf: none)
    alt_last_at: I64  # per demand: that alternative's option (-1: none)
    rebook_legs: I64  # per demand: bit k set if a re-booking follows a cancelled leg k
    has_inputs: B  # per run: fed by run inputs
    on_lo: I64  # run r's columns that may count on it: on_cols[on_lo[r]:on_lo[r + 1]]
    on_cols: I64


def columns(m: SimModel, wanted: I64, extras: I64) -> Columns:
    """The chunk's columns; ``wanted`` and ``extras`` are (R, consignments) doses."""
    reps, nb = wanted.shape
    n_in = m.n_inputs
    most = extras.max(axis=0) if extras.size else np.zeros(nb, dtype=np.int64)
    width = 1 + most
    of_book = n_in + np.concatenate([[0], np.cumsum(width)[:-1]]).astype(np.int64)
    n_col = n_in + int(width.sum())
    book = np.full(n_col, -1, dtype=np.int64)
    extra = np.zeros(n_col, dtype=np.int64)
    owner = np.repeat(np.arange(nb), width)
    book[n_in:] = owner
    extra[n_in:] = np.arange(n_col - n_in) - (of_book[owner] - n_in)
    dem = np.arange(n_col, dtype=np.int64)
    dem[n_in:] = m.book_demand[owner]
    doses = np.ones((reps, n_col), dtype=np.int64)
    doses[:, of_book] = wanted
    xc = np.flatnonzero(extra > 0)
    doses[:, xc] = extras[:, book[xc]] >= extra[xc]
    span = m.dem_opt_hi - m.dem_opt_lo
    alt_last, alt_last_at, rebook_legs = _demand_tables(m)
    has_inputs = np.zeros(m.run_start.size, dtype=np.bool_)
    has_inputs[m.dem_run[:n_in]] = True
    on_lo, on_cols = _runs_counted_on(m, dem, n_col)
    return Columns(
        dem=dem,
        book=book,
        extra=extra,
        of_book=of_book,
        doses=doses,
        legs=_padded_legs(m),
        n_legs=m.opt_leg_hi - m.opt_leg_lo,
        dep_time=np.append(m.dep_time, np.inf),
        window=int(span.max()) if span.size else 0,
        alt_last=alt_last,
        alt_last_at=alt_last_at,
        rebook_legs=rebook_legs,
        has_inputs=has_inputs,
        on_lo=on_lo,
        on_cols=on_cols,
    )


def _padded_legs(m: SimModel) -> I64:
    """Every option's departures in one row, padded with the "no departure" column."""
    n_legs = m.opt_leg_hi - m.opt_leg_lo
    most = max(int(n_legs.max()) if n_legs.size else 0, 1)
    legs = np.full((m.opt_run.size, most), m.dep_time.size, dtype=np.int64)
    for j in range(most):
        has = n_legs > j
        legs[has, j] = m.legs[m.opt_leg_lo[has] + j]
    return legs


def _demand_of_option(m: SimModel) -> I64:
    return np.repeat(np.arange(m.dem_opt_lo.size), m.dem_opt_hi - m.dem_opt_lo)


def _demand_tables(m: SimModel) -> tuple[F64, I64, I64]:
    """Per demand: when its alternatives close, its last one, and its re-booked legs as bits.

    The first is the last instant one of its alternatives may be taken (``opt_start``; -inf:
    none). Alternatives are in order of start, but an order cut-off may close an earlier batch's
    alternative later than a later batch's, so the instant is the largest of them all.
    """
    n_dem = m.dem_opt_lo.size
    of = _demand_of_option(m)
    alt = np.flatnonzero(m.opt_kind >= K_ALTERNATIVE)
    alt_last_at = np.full(n_dem, -1, dtype=np.int64)
    np.maximum.at(alt_last_at, of[alt], alt)
    alt_last = np.full(n_dem, -np.inf)
    np.maximum.at(alt_last, of[alt], m.opt_start[alt])
    reb = np.flatnonzero(m.opt_kind == K_REBOOK)
    rebook_legs = np.zeros(n_dem, dtype=np.int64)
    np.bitwise_or.at(rebook_legs, of[reb], np.left_shift(1, m.opt_rebook_leg[reb]))
    return alt_last, alt_last_at, rebook_legs


def _runs_counted_on(m: SimModel, dem: I64, n_col: int) -> tuple[I64, I64]:
    """For each run, the columns with an option on it (a CSR table: offsets, columns)."""
    n_run = m.run_start.size
    if dem.size == 0:
        return np.zeros(n_run + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    by_dem = np.argsort(dem, kind="stable")
    first = np.searchsorted(dem[by_dem], np.arange(m.dem_opt_lo.size))
    count = np.bincount(dem, minlength=m.dem_opt_lo.size)
    of = _demand_of_option(m)
    n = count[of]  # columns of each option's demand
    opt = np.repeat(np.arange(of.size), n)
    k = np.arange(opt.size) - np.repeat(np.cumsum(n) - n, n)
    cols = by_dem[first[of[opt]] + k]
    key = np.unique(m.opt_run[opt] * n_col + cols)
    run, col = key // n_col, key % n_col
    lo = np.searchsorted(run, np.arange(n_run + 1))
    return lo.astype(np.int64), col.astype(np.int64)


@dataclass
class Outcome:
    """What options do in replications (one entry per pair)."""

    ok: B  # serves (on time or late)
    late: B  # serves late
    fail_t: F64  # when its failure is known
    cause: I8  # the failure's cause
    leg: I8  # index of its first cancelled leg (-1: none)
    post: F64  # postponement [s]

    def __getitem__(self, k: I64 | B) -> Outcome:
        return Outcome(
            self.ok[k], self.late[k], self.fail_t[k], self.cause[k], self.leg[k], self.post[k]
        )


def evaluate(m: SimModel, s: World, c: Columns, rows: I64, opts: I64) -> Outcome:
    """Outcome of option ``opts[i]`` in replication ``rows[i]``.

    A failure is known at the run's failure time, the cancelled departure, or the planned
    arrival.
    """
    run = m.opt_run[opts]
    rfail = s.fail_t[rows, run]
    run_ok = np.isinf(rfail)
    width = max(int(c.n_legs[opts].max()) if opts.size else 0, 1)
    legs = c.legs[opts, :width]
    at = rows[:, None] * s.cancel.shape[1] + legs  # flat (replication, departure)
    canc = np.take(s.cancel.reshape(-1), at)
    any_c = canc.any(axis=1)
    first = canc.argmax(axis=1)
    dep = legs[np.arange(rows.size), first]
    dl = np.take(s.delay.reshape(-1), at).sum(axis=1)
    hd = np.take(s.hold.reshape(-1), at).sum(axis=1)
    arrival = m.opt_arrive[opts] + dl + hd
    deadline = m.opt_deadline[opts]
    success = run_ok & ~any_c & (arrival <= deadline + m.opt_slack[opts])
    late = success & (arrival > deadline)
    fail_time = np.where(~run_ok, rfail, np.where(any_c, c.dep_time[dep], m.opt_arrive[opts]))
    cause = np.where(
        ~run_ok,
        s.fail_c[rows, run],
        np.where(any_c, s.dcause[rows, dep], np.where(hd > dl, C_HOLD, C_DELAY)),
    ).astype(np.int8)
    leg = np.where(run_ok & any_c, first, -1).astype(np.int8)
    return Outcome(success, late, fail_time, cause, leg, np.maximum(arrival - deadline, 0.0))
