"""The SimPy reference: the same model, event by event, one ``Environment`` per replication.

Straightforward on purpose: outages and policy shocks are renewal processes that switch a
site or a country's exports off; each batch is a process (start, inputs checked, possibly
interrupted by an outage, QC at release); each consignment waits for its batch, then for
each departure, whose fate is drawn when it leaves; each demand (booking, run input, extra
booking) follows its options one after the other as failures become known. It shares
:class:`SimModel` with the vectorised engine but none of its code, so agreement between
the two (within their intervals) checks the fast engine; its speed is the baseline.

SimPy is a development dependency (``pip install 'isoflow[dev]'``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np

from isoflow.engines.simulate.fast import ChunkResult, _collect, _State
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
from isoflow.errors import SimulationError


@dataclass
class _Try:
    ok: bool
    time: float
    cause: int = C_NONE
    leg: int = -1
    late: bool = False
    post: float = 0.0


@dataclass
class _Served:
    missed: bool
    kind: int
    cause: int
    late: bool
    post: float


class _Replication:
    """One replication: an Environment and the processes of the model."""

    def __init__(self, model: SimModel, rng: np.random.Generator) -> None:
        import simpy

        self.simpy = simpy
        self.m = m = model
        self.rng = rng
        self.env = simpy.Environment(initial_time=m.t_begin)
        self.down_until = np.full(m.outage_rate.size, -np.inf)
        self.shock_until = np.full(m.shock_rate.size, -np.inf)
        self.running: list[set[Any]] = [set() for _ in range(m.outage_rate.size)]
        self.fates: dict[int, tuple[bool, int, float, float]] = {}
        self.spare = m.run_spare.copy()
        self.started = np.zeros(m.run_start.size, dtype=np.bool_)
        self.cost = m.plan_cost_per_week * m.weeks
        self.run_done = [self.env.event() for _ in range(m.run_start.size)]
        self.fail_t = np.full(m.run_start.size, np.inf)
        self.inputs_of: dict[int, list[int]] = {}
        self.input_state: dict[int, _Served | None] = {}
        self.input_done = {d: self.env.event() for d in range(m.n_inputs)}

    # ---------------------------------------------------------------- disruptions
    def _renewal(
        self, rate: float, mu: float, sigma: float, on_start: Callable[[float], None]
    ) -> Generator[Any, Any, None]:
        env, m = self.env, self.m
        while True:
            yield env.timeout(self.rng.exponential(1.0 / rate))
            if env.now >= m.t_end:
                return
            on_start(math.exp(mu + sigma * self.rng.standard_normal()))

    def _outage(self, s: int) -> Callable[[float], None]:
        def start(duration: float) -> None:
            now = self.env.now
            self.down_until[s] = max(self.down_until[s], now + duration)
            for proc in list(self.running[s]):
                proc.interrupt("outage")

        return start

    def _shock(self, c: int) -> Callable[[float], None]:
        def start(duration: float) -> None:
            self.shock_until[c] = max(self.shock_until[c], self.env.now + duration)

        return start

    def fate(self, dep: int) -> tuple[bool, int, float, float]:
        """Fate of a departure, drawn once when it leaves: (cancelled, cause, delay, hold)."""
        known = self.fates.get(dep)
        if known is not None:
            return known
        m, rng = self.m, self.rng
        cancelled = m.dep_cancel_p[dep] > 0 and rng.random() < m.dep_cancel_p[dep]
        cause = C_CANCEL if cancelled else C_NONE
        c = int(m.dep_shock[dep])
        if c >= 0 and self.shock_until[c] > self.env.now:
            cancelled, cause = True, C_SHOCK
        delay = hold = 0.0
        if m.dep_delay_p[dep] > 0 and rng.random() < m.dep_delay_p[dep]:
            delay = math.exp(m.dep_delay_mu[dep] + m.dep_delay_sigma[dep] * rng.standard_normal())
        if m.dep_hold_p[dep] > 0 and rng.random() < m.dep_hold_p[dep]:
            hold = math.exp(m.dep_hold_mu[dep] + m.dep_hold_sigma[dep] * rng.standard_normal())
        out = (bool(cancelled), cause, delay, hold)
        self.fates[dep] = out
        return out

    # ---------------------------------------------------------------- batches
    def _run(self, r: int) -> Generator[Any, Any, None]:
        env, m = self.env, self.m
        yield env.timeout(m.run_start[r] - env.now)
        s = int(m.run_outage[r])
        if s >= 0 and self.down_until[s] > env.now:
            self._done(r, C_OUTAGE)
            return
        inputs = self.inputs_of.get(r, [])
        if inputs:  # every input is settled by the run's start (arrived or known lost)
            yield self.env.all_of([self.input_done[d] for d in inputs])
            for d in inputs:
                state = self.input_state[d]
                if state is None or state.missed:
                    self._done(r, state.cause if state is not None else C_DELAY)
                    return
        proc = env.active_process
        if s >= 0:
            self.running[s].add(proc)
        try:
            yield env.timeout(m.run_release[r] - env.now)
        except self.simpy.Interrupt:
            self._done(r, C_OUTAGE)
            return
        finally:
            if s >= 0:
                self.running[s].discard(proc)
        if m.run_qc_p[r] > 0 and self.rng.random() < m.run_qc_p[r]:
            self._done(r, C_QC)
            return
        self._done(r, C_NONE)

    def _done(self, r: int, cause: int) -> None:
        if cause != C_NONE:
            self.fail_t[r] = self.env.now
        self.run_done[r].succeed((cause == C_NONE, self.env.now, cause))

    # ---------------------------------------------------------------- consignments
    def _follow(self, o: int) -> Generator[Any, Any, _Try]:
        env, m = self.env, self.m
        ok, t_fail, cause = yield self.run_done[int(m.opt_run[o])]
        if not ok:
            return _Try(False, t_fail, cause)
        total_delay = total_hold = 0.0
        for j, dep in enumerate(m.legs[m.opt_leg_lo[o] : m.opt_leg_hi[o]]):
            yield env.timeout(max(m.dep_time[dep] - env.now, 0.0))
            cancelled, c_cause, delay, hold = self.fate(int(dep))
            if cancelled:
                return _Try(False, env.now, c_cause, j)
            total_delay += delay
            total_hold += hold
        planned = m.opt_arrive[o]
        arrival = planned + total_delay + total_hold
        deadline = m.opt_deadline[o]
        yield env.timeout(max(planned - env.now, 0.0))
        if arrival > deadline + m.opt_slack[o]:
            return _Try(False, env.now, C_HOLD if total_hold > total_delay else C_DELAY)
        yield env.timeout(max(arrival - env.now, 0.0))
        return _Try(True, env.now, late=arrival > deadline, post=max(arrival - deadline, 0.0))

    def serve(self, d: int, t_detect: float, first: int) -> Generator[Any, Any, _Served]:
        """Follow the options of demand ``d`` until one serves or none is left."""
        m = self.m
        cause, fail_leg, t_det = C_NONE, -2, t_detect
        for o in range(int(m.dem_opt_lo[d]) + first, int(m.dem_opt_hi[d])):
            kind = int(m.opt_kind[o])
            if kind == K_REBOOK and fail_leg != m.opt_rebook_leg[o]:
                continue
            if kind not in (K_PLANNED, K_REBOOK):
                run, need = int(m.opt_run[o]), m.opt_need[o]
                if m.opt_start[o] < t_det or self.spare[run] < need:
                    continue
                self.spare[run] -= need
                if not m.run_planned[run] and not self.started[run]:
                    self.started[run] = True
                    self.cost += m.run_fixed_cost[run]
                self.cost += need * m.run_var_cost[run]
            res = yield self.env.process(self._follow(o))
            if res.ok:
                return _Served(False, kind, C_NONE, res.late, res.post)
            if cause == C_NONE:
                cause = res.cause
            t_det = max(t_det, res.time)
            fail_leg = res.leg if kind == K_PLANNED else -2
        return _Served(True, 0, cause, False, 0.0)

    def _input(self, d: int) -> Generator[Any, Any, None]:
        self.input_state[d] = yield self.env.process(self.serve(d, -math.inf, 0))
        self.input_done[d].succeed()

    # ---------------------------------------------------------------- replication
    def run(self) -> tuple[Any, ...]:
        """Run the replication; return per-booking arrays and extras."""
        m, env, rng = self.m, self.env, self.rng
        for s in range(m.outage_rate.size):
            if m.outage_rate[s] > 0:
                env.process(
                    self._renewal(
                        m.outage_rate[s], m.outage_mu[s], m.outage_sigma[s], self._outage(s)
                    )
                )
        for c in range(m.shock_rate.size):
            if m.shock_rate[c] > 0:
                env.process(
                    self._renewal(m.shock_rate[c], m.shock_mu[c], m.shock_sigma[c], self._shock(c))
                )
        for d in range(m.n_inputs):
            self.inputs_of.setdefault(int(m.dem_run[d]), []).append(d)
            self.input_state[d] = None
            env.process(self._input(d))
        for r in range(m.run_start.size):
            env.process(self._run(r))
        nb = m.n_bookings
        outcome = np.zeros(nb, dtype=np.int8)
        bcause = np.zeros(nb, dtype=np.int8)
        late = np.zeros(nb, dtype=np.bool_)
        post = np.zeros(nb)
        extras = np.zeros(nb, dtype=np.int64)
        extra_missed = np.zeros(nb, dtype=np.int64)
        extra_served = np.zeros(nb, dtype=np.int64)
        extra_rows: list[tuple[int, int, int, int, float]] = []

        def booking(i: int) -> Generator[Any, Any, None]:
            d = int(m.book_demand[i])
            if m.book_cancel_p[i] > 0 and rng.random() < m.book_cancel_p[i]:
                outcome[i] = O_CANCELLED
            elif not m.dem_planned[d]:
                outcome[i], bcause[i] = O_MISSED, C_PLAN
            else:
                res = yield env.process(self.serve(d, -math.inf, 0))
                outcome[i] = O_MISSED if res.missed else res.kind
                bcause[i] = res.cause if res.missed else C_NONE
                late[i], post[i] = res.late, res.post

        def extra(i: int, k: int) -> Generator[Any, Any, None]:
            d = int(m.book_demand[i])
            yield env.timeout(max(m.dem_detect[d] - env.now, 0.0))
            res = yield env.process(self.serve(d, m.dem_detect[d], 1 if m.dem_planned[d] else 0))
            extra_missed[i] += res.missed
            extra_served[i] += not res.missed
            out = O_MISSED if res.missed else res.kind
            extra_rows.append((i, k, out, C_SURGE if res.missed else C_NONE, res.post))

        for i in range(nb):
            env.process(booking(i))
            if m.book_extra_rate[i] > 0:
                extras[i] = rng.poisson(m.book_extra_rate[i])
                for k in range(1, int(extras[i]) + 1):
                    env.process(extra(i, k))
        env.run()
        return outcome, bcause, late, post, extras, extra_missed, extra_served, extra_rows


def simulate_reference(model: SimModel, replications: int, seed: int = 0) -> ChunkResult:
    """Run ``replications`` SimPy replications; results as one :class:`ChunkResult`.

    Replication ``r`` is seeded by ``SeedSequence(seed).spawn(replications)[r]``.
    """
    try:
        import simpy  # noqa: F401
    except ImportError:
        raise SimulationError(
            "the SimPy reference needs simpy: pip install 'isoflow[dev]'"
        ) from None
    m = model
    nb, n_run = m.n_bookings, m.run_start.size
    shape = (replications, nb)
    outcome = np.zeros(shape, dtype=np.int8)
    bcause = np.zeros(shape, dtype=np.int8)
    blate = np.zeros(shape, dtype=np.bool_)
    bpost = np.zeros(shape)
    extras = np.zeros(shape, dtype=np.int64)
    e_missed = np.zeros(shape, dtype=np.int64)
    e_served = np.zeros(shape, dtype=np.int64)
    fail_t = np.full((replications, n_run), np.inf)
    cost = np.zeros(replications)
    rows: list[np.ndarray[Any, np.dtype[np.float64]]] = []
    for r, ss in enumerate(np.random.SeedSequence(seed).spawn(replications)):
        rep = _Replication(m, np.random.default_rng(ss))
        o, c, lt, p, ex, em, es, er = rep.run()
        outcome[r], bcause[r], blate[r], bpost[r] = o, c, lt, p
        extras[r], e_missed[r], e_served[r] = ex, em, es
        fail_t[r], cost[r] = rep.fail_t, rep.cost
        if er:
            rows.append(
                np.array([(r, i, k, out, cs, pp) for i, k, out, cs, pp in er], dtype=np.float64)
            )
    state = _State(
        fail_t,
        np.zeros((replications, n_run), dtype=np.int8),
        np.zeros((replications, 1), dtype=np.bool_),
        np.zeros((replications, 1), dtype=np.int8),
        np.zeros((replications, 1)),
        np.zeros((replications, 1)),
        np.zeros((replications, n_run)),
        np.zeros((replications, n_run), dtype=np.bool_),
        cost,
    )
    return _collect(m, state, 0, outcome, bcause, blate, bpost, extras, e_missed, e_served, rows)
