"""The agenda of the vectorised recourse: every replication's events in order, all at once.

An event is a (time, column) pair of one replication, taken in order of time, then column
(the demand order). :meth:`Agenda.peek` shows, for every replication that has events left,
all its events of its earliest instant, in column order; the caller settles a prefix of
each replication's (those that cannot disturb one another) and :meth:`Agenda.consume`
takes them off. The first events are known before recourse starts and are sorted once;
later ones go to a small pool per replication (its width grows when needed). An event
carries its column's version when it was made: one whose column has moved on since (a
newer event replaced it) is stale. Replications with no event left are cut out of the
arrays as they finish, so the last steps only touch the busiest ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

__all__ = ["Agenda", "Instant"]


@dataclass
class Instant:
    """The events of each replication's earliest instant, by replication, then column."""

    reps: I64  # replication
    cols: I64  # column
    times: F64  # the instant
    valid: B  # not stale
    first: B  # the replication's first event of the instant
    row: I64  # (agenda internals) row of the replication
    slot: I64  # (agenda internals) pool slot, -1 for a first event


class Agenda:
    """Events of ``reps`` replications; ``first[r, j]`` is column ``j``'s first (inf: none)."""

    def __init__(self, first: F64) -> None:
        reps, n_col = first.shape
        order = np.argsort(first, axis=1, kind="stable")  # ties in column order
        times = np.take_along_axis(first, order, axis=1)
        size = int(np.isfinite(times).sum(axis=1).max()) if n_col and reps else 0
        self.st_time = np.full((reps, size + 1), np.inf)
        self.st_time[:, :size] = times[:, :size]
        self.st_col = np.zeros((reps, size + 1), dtype=np.int64)
        self.st_col[:, :size] = order[:, :size]
        self.sp = np.zeros(reps, dtype=np.int64)
        self.dy_time = np.full((reps, 4), np.inf)
        self.dy_col = np.zeros((reps, 4), dtype=np.int64)
        self.dy_ver = np.zeros((reps, 4), dtype=np.int64)
        self.reps = np.arange(reps)  # replication of each row
        self.row_of = np.arange(reps)  # row of each replication still in

    def push(self, reps: I64, cols: I64, times: F64, vers: I64) -> None:
        """Add events of replications still in (several may be for one replication)."""
        rows = self.row_of[reps]
        order = np.argsort(rows, kind="stable")
        rows, cols, times, vers = rows[order], cols[order], times[order], vers[order]
        occ = np.arange(rows.size) - np.searchsorted(rows, rows)
        for k in range(int(occ.max()) + 1 if rows.size else 0):
            sel = occ == k
            r = rows[sel]
            free = np.isinf(self.dy_time[r])
            if not free.any(axis=1).all():
                self._grow()
                free = np.isinf(self.dy_time[r])
            slot = free.argmax(axis=1)
            self.dy_time[r, slot] = times[sel]
            self.dy_col[r, slot] = cols[sel]
            self.dy_ver[r, slot] = vers[sel]

    def _grow(self) -> None:
        n, width = self.dy_time.shape
        self.dy_time = np.hstack([self.dy_time, np.full((n, width), np.inf)])
        self.dy_col = np.hstack([self.dy_col, np.zeros((n, width), dtype=np.int64)])
        self.dy_ver = np.hstack([self.dy_ver, np.zeros((n, width), dtype=np.int64)])

    def peek(self, ver: I64) -> Instant | None:
        """Every replication's events of its earliest instant (None: no event left).

        ``ver[r, j]`` is column ``j``'s version in replication ``r``.
        """
        rows = np.arange(self.sp.size)
        t = np.minimum(self.st_time[rows, self.sp], self.dy_time.min(axis=1))
        live = np.isfinite(t)
        if not live.any():
            return None
        if live.sum() < 0.75 * rows.size:
            self._keep(np.flatnonzero(live))
            t, live = t[live], live[live]
        parts_r, parts_k = [], []
        r, k = np.flatnonzero(live), 0
        while r.size:  # first events of the instant: a run from each row's next one
            at = np.minimum(self.sp[r] + k, self.st_time.shape[1] - 1)
            r = r[self.st_time[r, at] == t[r]]
            parts_r.append(r)
            parts_k.append(np.full(r.size, k))
            k += 1
        st_r = np.concatenate(parts_r)
        st_k = np.concatenate(parts_k)
        dy_r, dy_s = np.nonzero((self.dy_time == t[:, None]) & live[:, None])
        row = np.concatenate([st_r, dy_r])
        col = np.concatenate([self.st_col[st_r, self.sp[st_r] + st_k], self.dy_col[dy_r, dy_s]])
        slot = np.concatenate([np.full(st_r.size, -1), dy_s])
        ev_ver = np.concatenate([np.zeros(st_r.size, dtype=np.int64), self.dy_ver[dy_r, dy_s]])
        order = np.lexsort((col, row))
        row, col, slot, ev_ver = row[order], col[order], slot[order], ev_ver[order]
        reps = self.reps[row]
        first = np.ones(row.size, dtype=np.bool_)
        first[1:] = row[1:] != row[:-1]
        valid = ver[reps, col] == ev_ver
        return Instant(reps, col, t[row], valid, first, row, slot)

    def consume(self, ins: Instant, take: B) -> None:
        """Take off the events ``take`` of ``ins`` (a prefix of each replication's)."""
        st = take & (ins.slot < 0)
        self.sp += np.bincount(ins.row[st], minlength=self.sp.size)
        dy = take & (ins.slot >= 0)
        self.dy_time[ins.row[dy], ins.slot[dy]] = np.inf

    def _keep(self, rows: I64) -> None:
        """Keep only ``rows`` (the others have no event left)."""
        self.st_time, self.st_col = self.st_time[rows], self.st_col[rows]
        self.sp = self.sp[rows]
        self.dy_time, self.dy_col, self.dy_ver = (
            self.dy_time[rows],
            self.dy_col[rows],
            self.dy_ver[rows],
        )
        self.reps = self.reps[rows]
        self.row_of[self.reps] = np.arange(rows.size)
