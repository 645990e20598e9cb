"""The SimPy reference: the same model, event by event, one ``Environment`` per replication.

Straightforward on purpose: outages and policy shocks are renewal processes that switch a
site or a country's exports off; each batch is a process (start, inputs checked, possibly
interrupted by an outage, QC at release); each consignment waits for its batch, then for
each departure, whose fate is drawn when it leaves; each demand (a booking's or an order's
consignment with the doses still wanted after per-dose cancellations, a run input, an extra
dose) follows its options one after the other as failures become known, an alternative
taking its per-dose need times those doses. It shares
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
from isoflow.engines.simulate.tally import ChunkResult, Tally, collect
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

    def serve(
        self, d: int, t_detect: float, first: int, doses: int = 1
    ) -> Generator[Any, Any, _Served]:
        """Follow the options of demand ``d`` until one serves or none is left.

        An alternative takes its per-dose need times ``doses`` from its run's spare.
        """
        m = self.m
        cause, fail_leg, t_det = C_NONE, -2, t_detect
        for o in range(int(m.dem_opt_lo[d]) + first, int(m.dem_opt_hi[d])):
            kind = int(m.opt_kind[o])
            if kind == K_REBOOK and fail_leg != m.opt_rebook_leg[o]:
                continue
            if kind not in (K_PLANNED, K_REBOOK):
                run, need = int(m.opt_run[o]), m.opt_need[o] * doses
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
    def _disruptions(self) -> None:
        """Start the outage and policy-shock renewal processes, the inputs and the runs."""
        m, env = self.m, self.env
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

    def _booking(self, t: Tally, i: int) -> Generator[Any, Any, None]:
        """Consignment ``i``: each dose cancelled independently, the rest served together."""
        m, rng = self.m, self.rng
        d = int(m.book_demand[i])
        doses = int(m.book_doses[i])
        if m.book_cancel_p[i] > 0:
            t.cancelled[0, i] = rng.binomial(doses, m.book_cancel_p[i])
        wanted = doses - int(t.cancelled[0, i])
        if wanted == 0:
            t.outcome[0, i] = O_CANCELLED
        elif not m.dem_planned[d]:
            t.outcome[0, i], t.cause[0, i] = O_MISSED, C_PLAN
        else:
            res = yield self.env.process(self.serve(d, -math.inf, 0, wanted))
            t.outcome[0, i] = O_MISSED if res.missed else res.kind
            t.cause[0, i] = res.cause if res.missed else C_NONE
            t.late[0, i], t.post[0, i] = res.late, res.post

    def _extra(self, t: Tally, i: int, k: int, rep: int) -> Generator[Any, Any, None]:
        """The ``k``-th extra dose of consignment ``i``, known ``extra_notice_s`` ahead."""
        m, env = self.m, self.env
        d = int(m.book_demand[i])
        yield env.timeout(max(m.dem_detect[d] - env.now, 0.0))
        res = yield env.process(self.serve(d, m.dem_detect[d], 1 if m.dem_planned[d] else 0))
        t.extra_missed[0, i] += res.missed
        t.extra_served[0, i] += not res.missed
        out = O_MISSED if res.missed else res.kind
        cause = C_SURGE if res.missed else C_NONE
        t.extra_rows.append(np.array([[rep, i, k, 1, out, cause, res.post]], dtype=np.float64))

    def run(self, rep: int) -> Tally:
        """Run the replication (numbered ``rep``); return its one-row tally."""
        m, env, rng = self.m, self.env, self.rng
        self._disruptions()
        t = Tally.empty(1, m.n_bookings)
        for i in range(m.n_bookings):
            env.process(self._booking(t, i))
            if m.book_extra_rate[i] > 0:
                t.extras[0, i] = rng.poisson(m.book_extra_rate[i])
                for k in range(1, int(t.extras[0, i]) + 1):
                    env.process(self._extra(t, i, k, rep))
        env.run()
        return t


_ROWS = ("outcome", "cause", "late", "post", "cancelled", "extras", "extra_missed", "extra_served")
"""The per-consignment arrays of a :class:`Tally`, copied row by row from each replication."""


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
    t = Tally.empty(replications, m.n_bookings)
    lost = np.zeros(replications)
    cost = np.zeros(replications)
    planned_eop = np.where(m.run_planned, m.run_eop_bq, 0.0)
    for r, ss in enumerate(np.random.SeedSequence(seed).spawn(replications)):
        rep = _Replication(m, np.random.default_rng(ss))
        one = rep.run(r)
        for name in _ROWS:
            getattr(t, name)[r] = getattr(one, name)[0]
        t.extra_rows.extend(one.extra_rows)
        failed = np.isfinite(rep.fail_t) & (rep.fail_t > m.run_start)
        lost[r] = float(planned_eop[failed].sum())
        cost[r] = rep.cost
    return collect(m, lost, cost, 0, t)
