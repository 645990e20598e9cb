"""Stocks of consumed materials in the simulator: short weeks, and the runs they fail.

A site's ``stocks`` (O-18 water, targets, kits) limit what its runs may consume a week; the
planner keeps to them, so they matter to the simulator only when a week's delivery may fail
or arrive short (``disruptions.stocks``). Each such (site, material, week) is a *stock*:

* its delivery is drawn once per replication: short with probability ``short_prob``, when
  it brings ``delivered_fraction`` of the week's ``per_week``, else all of it;
* the week's planned runs at the site that consume the material take what they use in order
  of start (then of run index): a run whose uses the rest no longer covers (:func:`covers`;
  several materials: any of them) fails at its start with cause ``input_short`` and takes
  nothing. A run already failed at its start (its site down) takes nothing either; one
  failing later for a missed activity feed has taken its materials (they were set aside at
  its start). Batches that recourse starts do not draw on the stock.

What a batch consumes, what a site may use a week and which week a start falls in are the
scenario's rules (:func:`~isoflow.scenario.rules.input_uses`,
:func:`~isoflow.scenario.rules.stock_limits`, :func:`~isoflow.scenario.rules.horizon_week`),
applied here once, when the model is compiled; the engines read :class:`StockTable`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import numpy.typing as npt

from isoflow.engines.simulate.codes import C_SHORT
from isoflow.scenario.rules import horizon_week, input_uses, stock_limits
from isoflow.scenario.schema import StockDisruption

if TYPE_CHECKING:
    from isoflow.engines.simulate.builder import _Compiler

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
B = npt.NDArray[np.bool_]
_Amount = TypeVar("_Amount", float, F64)

STOCK_REL = 1e-9
"""Relative tolerance of a use against what is left (amounts summed in floating point)."""


def covers(left: _Amount, use: float) -> bool | B:
    """Whether ``left`` of a stock covers a run's ``use`` (both engines judge by this)."""
    return use <= left + STOCK_REL * use


def _f64() -> F64:
    return np.zeros(0)


def _i64() -> I64:
    return np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class StockTable:
    """The model's stocks and the planned runs' claims on them (module docstring)."""

    amount: F64 = field(default_factory=_f64)  # per stock: the week's full stock
    short_p: F64 = field(default_factory=_f64)  # probability the week's delivery is short
    fraction: F64 = field(default_factory=_f64)  # share delivered when short
    names: list[str] = field(default_factory=list)  # "site/product/week k" (k from 1)
    claim_run: I64 = field(default_factory=_i64)  # claims, by run start, then run index
    claim_key: I64 = field(default_factory=_i64)  # the stock each claim draws on
    claim_use: F64 = field(default_factory=_f64)  # how much of it

    @property
    def size(self) -> int:
        """Number of stocks."""
        return int(self.amount.size)

    def delivered(self, short: B) -> F64:
        """What arrives of each stock, where ``short`` [..., stocks] says whose week is short."""
        return np.where(short, self.amount * self.fraction, self.amount)

    def runs(self) -> list[tuple[int, I64, I64]]:
        """Each claiming run in claim order, with the positions of its claims."""
        cuts = np.flatnonzero(np.diff(self.claim_run)) + 1
        groups = np.split(np.arange(self.claim_run.size), cuts)
        return [(int(self.claim_run[g[0]]), self.claim_key[g], g) for g in groups if g.size]


def compile_stocks(c: _Compiler) -> StockTable:
    """The stocks of ``c``'s scenario that may run short, and the planned runs' claims."""
    sc, b = c.sc, c.b
    disrupted: dict[tuple[str, str], StockDisruption] = {}
    for d in sc.disruptions.stocks:
        disrupted.setdefault((d.site, d.product), d)
    if not disrupted:
        return StockTable()
    procs = {p.id: p for p in sc.processes}
    keys: dict[tuple[str, str, int], int] = {}
    amount, short_p, fraction, names = [], [], [], []
    claims: list[tuple[float, int, int, float]] = []
    for (proc_id, _), idx in b.runs.items():
        row = b.run_rows[idx]
        if row[3] <= 0:  # unplanned: recourse's batches do not draw on the stock
            continue
        proc = procs[proc_id]
        limits = stock_limits(sc.site(proc.site))
        week = horizon_week(row[0], c.net.horizon_start)
        for product, use in sorted(input_uses(proc).items()):
            dis = disrupted.get((proc.site, product))
            if dis is None or product not in limits:
                continue
            key = (proc.site, product, week)
            if key not in keys:
                keys[key] = len(keys)
                amount.append(limits[product])
                short_p.append(dis.short_prob)
                fraction.append(dis.delivered_fraction)
                names.append(f"{proc.site}/{product}/week {week + 1}")
            claims.append((row[0], idx, keys[key], use))
    claims.sort()
    return StockTable(
        amount=np.array(amount, dtype=np.float64),
        short_p=np.array(short_p, dtype=np.float64),
        fraction=np.array(fraction, dtype=np.float64),
        names=names,
        claim_run=np.array([x[1] for x in claims], dtype=np.int64),
        claim_key=np.array([x[2] for x in claims], dtype=np.int64),
        claim_use=np.array([x[3] for x in claims], dtype=np.float64),
    )


def fail_short_runs(
    table: StockTable, run_start: F64, delivered: F64, fail_t: F64, fail_c: I8
) -> None:
    """The vectorised engine's pass: runs the stock left fails, at start (module docstring).

    ``delivered`` is (replications, stocks); ``fail_t`` and ``fail_c`` (replications, runs)
    hold the failures drawn so far (outages, QC) and are updated in place.
    """
    left = delivered.copy()
    for run, keys, at in table.runs():
        start = run_start[run]
        started = fail_t[:, run] > start  # not failed at its start already
        ok = np.ones(left.shape[0], dtype=np.bool_)
        for k, pos in zip(keys, at, strict=True):
            ok &= np.asarray(covers(left[:, k], float(table.claim_use[pos])))
        take = started & ok
        for k, pos in zip(keys, at, strict=True):
            left[:, k] -= np.where(take, table.claim_use[pos], 0.0)
        short = started & ~ok
        fail_t[short, run] = start
        fail_c[short, run] = C_SHORT
