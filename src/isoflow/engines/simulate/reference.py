"""The SimPy reference: the same model, event by event, one ``Environment`` per replication.

Straightforward on purpose: outages and policy shocks are renewal processes that switch a
site or a country's exports off; each week's delivery of a stock that may run short is
drawn at the start; each batch is a process (start, its stocks taken, inputs checked, possibly
interrupted by an outage, QC at release); each consignment waits for its batch, then for
each departure, whose fate is drawn when it leaves; each demand (a booking's or an order's
consignment with the doses still wanted after per-dose cancellations, a run input, an extra
dose) follows its options one after the other as failures become known, an alternative
taking its per-dose need times those doses. First come, first served: a demand takes its
next option at the instant its need becomes known, after every other event of that instant,
in demand order (a turn, :meth:`Replication.turn`: an event of that instant scheduled with
a priority after SimPy's own). It shares :class:`SimModel` with the vectorised engine but
none of its code, so agreement between the two checks the fast engine; its speed is the
baseline.

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
    C_SHORT,
    C_SURGE,
    K_PLANNED,
    K_REBOOK,
    O_CANCELLED,
    O_MISSED,
    SimModel,
)
from isoflow.engines.simulate.stocks import covers
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


class Replication:
    """One replication: an Environment and the processes of the model.

    Its draws are methods (:meth:`outages_and_shocks`, :meth:`stock_delivered`,
    :meth:`lane_fate`, :meth:`qc_fails`, :meth:`cancelled_doses`, :meth:`extra_doses`), so
    that a test may replay another engine's world in it.
    """

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
        self.input_lost: dict[int, int] = {}  # run -> cause of its first input missed
        self.input_done = {d: self.env.event() for d in range(m.n_inputs)}
        self.stock_left = np.zeros(m.stocks.size)  # what is left of each stock
        self.claims: dict[int, list[int]] = {}  # run -> its claims on the stocks
        for pos, run in enumerate(m.stocks.claim_run.tolist()):
            self.claims.setdefault(run, []).append(pos)

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
        """Fate of a departure, drawn once: (cancelled, cause, delay, hold).

        Asked when it leaves if its origin country's exports may close; otherwise nothing
        about it depends on time, and it is asked when a consignment reaches it.
        """
        known = self.fates.get(dep)
        if known is not None:
            return known
        cancelled, delay, hold = self.lane_fate(dep)
        cause = C_CANCEL if cancelled else C_NONE
        c = int(self.m.dep_shock[dep])
        if c >= 0 and self.shock_until[c] > self.env.now:
            cancelled, cause = True, C_SHOCK
        out = (cancelled, cause, delay, hold)
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
        if not self._take_stock(r):
            self._done(r, C_SHORT)
            return
        inputs = self.inputs_of.get(r, [])
        if inputs:  # every input is settled by the run's start (arrived or known lost)
            yield self.env.all_of([self.input_done[d] for d in inputs])
            lost = self.input_lost.get(r)
            if lost is not None:
                self._done(r, lost)
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
        if self.qc_fails(r):
            self._done(r, C_QC)
            return
        self._done(r, C_NONE)

    def _take_stock(self, r: int) -> bool:
        """Run ``r`` takes what it consumes of its site's stocks, if what is left covers it."""
        tab, left = self.m.stocks, self.stock_left
        claims = self.claims.get(r, [])
        keys = [int(tab.claim_key[pos]) for pos in claims]
        uses = [float(tab.claim_use[pos]) for pos in claims]
        if not all(covers(float(left[k]), use) for k, use in zip(keys, uses, strict=True)):
            return False
        for k, use in zip(keys, uses, strict=True):
            left[k] -= use
        return True

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
            timed = m.dep_shock[dep] >= 0  # an export closure is found when it leaves
            if timed:
                yield env.timeout(max(m.dep_time[dep] - env.now, 0.0))
            cancelled, c_cause, delay, hold = self.fate(int(dep))
            if cancelled:
                if not timed:  # known when it would have left
                    yield env.timeout(max(m.dep_time[dep] - env.now, 0.0))
                return _Try(False, env.now, c_cause, j)
            total_delay += delay
            total_hold += hold
        planned = m.opt_arrive[o]
        arrival = planned + total_delay + total_hold
        deadline = m.opt_deadline[o]
        if arrival > deadline + m.opt_slack[o]:  # known too late at the planned arrival
            yield env.timeout(max(planned - env.now, 0.0))
            return _Try(False, env.now, C_HOLD if total_hold > total_delay else C_DELAY)
        # it will serve: nothing waits for when it arrives
        return _Try(True, env.now, late=arrival > deadline, post=max(arrival - deadline, 0.0))

    def turn(self, rank: int) -> Any:
        """An event at this instant, after every other kind of event of it, by ``rank``.

        SimPy orders the events of one instant by priority (its own are 0 and 1), then by
        scheduling: demands whose needs became known at one instant go in demand order.
        """
        event = self.env.event()
        event._ok = True
        event._value = None
        self.env.schedule(event, self.simpy.events.EventPriority(2 + rank))
        return event

    def serve(self, d: int, rank: int, first: int, doses: int = 1) -> Generator[Any, Any, _Served]:
        """Follow the options of demand ``d`` until one serves or none is left.

        The planned delivery first (it needs no spare); then, each time a need becomes
        known, the demand's turn (``rank``) and the next option it may use. An alternative
        takes its per-dose need times ``doses`` from its run's spare.
        """
        m = self.m
        o, hi = int(m.dem_opt_lo[d]) + first, int(m.dem_opt_hi[d])
        cause, fail_leg = C_NONE, -2
        if o < hi and m.opt_kind[o] == K_PLANNED:
            res = yield from self._follow(o)
            if res.ok:
                return _Served(False, K_PLANNED, C_NONE, res.late, res.post)
            cause, fail_leg, o = res.cause, res.leg, o + 1
        while True:
            yield self.turn(rank)
            o = self._next_option(o, hi, fail_leg, doses)
            if o >= hi:
                return _Served(True, 0, cause, False, 0.0)
            kind = int(m.opt_kind[o])
            if kind != K_REBOOK:
                self._reserve(o, doses)
            res = yield from self._follow(o)
            if res.ok:
                return _Served(False, kind, C_NONE, res.late, res.post)
            if cause == C_NONE:
                cause = res.cause
            fail_leg, o = -2, o + 1

    def _next_option(self, o: int, hi: int, fail_leg: int, doses: int) -> int:
        """The first option from ``o`` the demand may take now (``hi``: none)."""
        m, now = self.m, self.env.now
        while o < hi:
            kind = int(m.opt_kind[o])
            if kind == K_REBOOK:
                if fail_leg == m.opt_rebook_leg[o]:
                    return o
            elif kind != K_PLANNED:
                need = m.opt_need[o] * doses
                if m.opt_start[o] >= now and self.spare[int(m.opt_run[o])] >= need:
                    return o
            o += 1
        return hi

    def _reserve(self, o: int, doses: int) -> None:
        m = self.m
        run, need = int(m.opt_run[o]), m.opt_need[o] * doses
        self.spare[run] -= need
        if not m.run_planned[run] and not self.started[run]:
            self.started[run] = True
            self.cost += m.run_fixed_cost[run]
            self.env.process(self._run(run))  # an unplanned batch exists once decided
        self.cost += need * m.run_var_cost[run]

    def _input(self, d: int) -> Generator[Any, Any, None]:
        state = yield from self.serve(d, d, 0)
        if state.missed:  # the run fails at start, for the first input found missed
            self.input_lost.setdefault(int(self.m.dem_run[d]), state.cause)
        self.input_done[d].succeed()

    # ---------------------------------------------------------------- replication
    def _disruptions(self) -> None:
        """Start the outage and policy-shock processes, the inputs and the runs."""
        m, env = self.m, self.env
        self.outages_and_shocks()
        self.stock_left[:] = [self.stock_delivered(k) for k in range(m.stocks.size)]
        for d in range(m.n_inputs):
            self.inputs_of.setdefault(int(m.dem_run[d]), []).append(d)
            env.process(self._input(d))
        for r in np.flatnonzero(m.run_planned):
            env.process(self._run(int(r)))

    # the draws of a replication (a test may put another world in their place)
    def outages_and_shocks(self) -> None:
        """Start the renewal processes of site outages and policy shocks."""
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

    def lane_fate(self, dep: int) -> tuple[bool, float, float]:
        """What the lane and customs do to a departure: (cancelled, delay, hold)."""
        m, rng = self.m, self.rng
        cancelled = m.dep_cancel_p[dep] > 0 and rng.random() < m.dep_cancel_p[dep]
        delay = hold = 0.0
        if m.dep_delay_p[dep] > 0 and rng.random() < m.dep_delay_p[dep]:
            delay = math.exp(m.dep_delay_mu[dep] + m.dep_delay_sigma[dep] * rng.standard_normal())
        if m.dep_hold_p[dep] > 0 and rng.random() < m.dep_hold_p[dep]:
            hold = math.exp(m.dep_hold_mu[dep] + m.dep_hold_sigma[dep] * rng.standard_normal())
        return bool(cancelled), delay, hold

    def stock_delivered(self, k: int) -> float:
        """What the week's delivery of stock ``k`` brings (short with its probability)."""
        tab = self.m.stocks
        p = float(tab.short_p[k])
        short = p > 0 and self.rng.random() < p
        return float(tab.amount[k] * (tab.fraction[k] if short else 1.0))

    def qc_fails(self, r: int) -> bool:
        """Whether run ``r`` fails QC (drawn at its release)."""
        p = self.m.run_qc_p[r]
        return bool(p > 0 and self.rng.random() < p)

    def cancelled_doses(self, i: int) -> int:
        """How many doses of consignment ``i`` are cancelled."""
        m = self.m
        p = m.book_cancel_p[i]
        return int(self.rng.binomial(int(m.book_doses[i]), p)) if p > 0 else 0

    def extra_doses(self, i: int) -> int:
        """How many extra doses consignment ``i`` brings."""
        rate = self.m.book_extra_rate[i]
        return int(self.rng.poisson(rate)) if rate > 0 else 0

    def _booking(self, t: Tally, i: int, rank: int) -> Generator[Any, Any, None]:
        """Consignment ``i``: each dose cancelled independently, the rest served together."""
        m = self.m
        d = int(m.book_demand[i])
        t.cancelled[0, i] = self.cancelled_doses(i)
        wanted = int(m.book_doses[i]) - int(t.cancelled[0, i])
        if wanted == 0:
            t.outcome[0, i] = O_CANCELLED
        elif not m.dem_planned[d]:
            t.outcome[0, i], t.cause[0, i] = O_MISSED, C_PLAN
        else:
            res = yield from self.serve(d, rank, 0, wanted)
            t.outcome[0, i] = O_MISSED if res.missed else res.kind
            t.cause[0, i] = res.cause if res.missed else C_NONE
            t.late[0, i], t.post[0, i] = res.late, res.post

    def _extra(self, t: Tally, i: int, k: int, rep: int, rank: int) -> Generator[Any, Any, None]:
        """The ``k``-th extra dose of consignment ``i``, known ``extra_notice_s`` ahead."""
        m, env = self.m, self.env
        d = int(m.book_demand[i])
        yield env.timeout(max(m.dem_detect[d] - env.now, 0.0))
        res = yield from self.serve(d, rank, 1 if m.dem_planned[d] else 0)
        t.extra_missed[0, i] += res.missed
        t.extra_served[0, i] += not res.missed
        out = O_MISSED if res.missed else res.kind
        cause = C_SURGE if res.missed else C_NONE
        t.extra_rows.append(np.array([[rep, i, k, 1, out, cause, res.post]], dtype=np.float64))

    def run(self, rep: int) -> Tally:
        """Run the replication (numbered ``rep``); return its one-row tally."""
        m, env = self.m, self.env
        self._disruptions()
        t = Tally.empty(1, m.n_bookings)
        rank = m.n_inputs  # demand order: inputs, then each consignment and its extra doses
        for i in range(m.n_bookings):
            env.process(self._booking(t, i, rank))
            rank += 1
            t.extras[0, i] = self.extra_doses(i)
            for k in range(1, int(t.extras[0, i]) + 1):
                env.process(self._extra(t, i, k, rep, rank))
                rank += 1
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
    seeds = np.random.SeedSequence(seed).spawn(replications)
    return run_replications(
        model, replications, lambda r: Replication(model, np.random.default_rng(seeds[r]))
    )


def run_replications(
    model: SimModel, replications: int, make: Callable[[int], Replication]
) -> ChunkResult:
    """Run the replications ``make(r)`` for ``r`` below ``replications``; one result."""
    m = model
    t = Tally.empty(replications, m.n_bookings)
    lost = np.zeros(replications)
    cost = np.zeros(replications)
    planned_eop = np.where(m.run_planned, m.run_eop_bq, 0.0)
    for r in range(replications):
        rep = make(r)
        one = rep.run(r)
        for name in _ROWS:
            getattr(t, name)[r] = getattr(one, name)[0]
        t.extra_rows.extend(one.extra_rows)
        failed = np.isfinite(rep.fail_t) & (rep.fail_t > m.run_start)
        lost[r] = float(np.where(failed, planned_eop, 0.0).sum())  # summed as the fast engine does
        cost[r] = rep.cost
    return collect(m, lost, cost, 0, t)
