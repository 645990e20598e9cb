"""Both engines in one world: the SimPy reference replays the vectorised engine's draws.

The fast engine draws everything up front (:func:`isoflow.engines.simulate.fast.draw`). A
:class:`Replay` is a reference replication whose draws are those of one replication of that
chunk: outages and policy shocks start and end when drawn (the reference's own processes
switch sites and exports off and interrupt batches), lanes cancel, delay and hold the
departures as drawn (export closures still found by the reference at departure), batches
fail QC, the weeks' deliveries of stocks bring what was drawn and doses are cancelled or
added as drawn. Everything else (batches, inputs,
consignments, recourse and its order) is the reference's own code, so any difference
between the two engines' records in the same world is a difference of semantics, never of
chance.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np

from isoflow.engines.simulate.fast import draw, run_chunk
from isoflow.engines.simulate.model import C_CANCEL, C_QC, SimModel
from isoflow.engines.simulate.reference import Replication, run_replications
from isoflow.engines.simulate.tally import ChunkResult


class Replay(Replication):
    """Replication ``row`` of a drawn chunk, in the reference."""

    def __init__(self, model: SimModel, world: Any, doses: Any, row: int) -> None:
        super().__init__(model, np.random.default_rng(0))
        self.world, self.doses, self.row = world, doses, row
        self.qc_bad = world.fail_c[row] == C_QC  # before any recourse changes it

    def _at(self, t: float, start: Any, duration: float) -> Generator[Any, Any, None]:
        yield self.env.timeout(t - self.env.now)
        start(duration)

    def outages_and_shocks(self) -> None:
        w, r = self.world, self.row
        for (starts, ends), make in ((w.outages, self._outage), (w.shocks, self._shock)):
            for i in range(starts.shape[1]):
                for t0, t1 in zip(starts[r, i], ends[r, i], strict=True):
                    if np.isfinite(t0):
                        self.env.process(self._at(t0, make(i), t1 - t0))

    def lane_fate(self, dep: int) -> tuple[bool, float, float]:
        w, r = self.world, self.row
        lane_cancel = bool(w.cancel[r, dep] and w.dcause[r, dep] == C_CANCEL)
        return lane_cancel, float(w.delay[r, dep]), float(w.hold[r, dep])

    def stock_delivered(self, k: int) -> float:
        return float(self.world.stock[self.row, k])

    def qc_fails(self, r: int) -> bool:
        return bool(self.qc_bad[r])

    def cancelled_doses(self, i: int) -> int:
        return int(self.doses.cancelled[self.row, i])

    def extra_doses(self, i: int) -> int:
        return int(self.doses.extras[self.row, i])


def both_engines(model: SimModel, seed: int, reps: int) -> tuple[ChunkResult, ChunkResult]:
    """The fast engine's chunk of ``reps`` replications seeded ``seed``, and the reference
    replaying the same draws."""
    ss = np.random.SeedSequence(seed)
    fast = run_chunk(model, ss, reps, 0)
    world, doses = draw(model, ss, reps)
    return fast, run_replications(model, reps, lambda r: Replay(model, world, doses, r))


def differences(a: ChunkResult, b: ChunkResult) -> list[str]:
    """What differs between two chunk results of the same replications (empty: nothing)."""
    out = []
    names = ("summary", "missed_cause", "missed_country", "missed_product", "exceptions")
    for name in (*names, "wanted_country", "wanted_product", "book_outcome", "book_cause"):
        x, y = getattr(a, name), getattr(b, name)
        if x.shape != y.shape or not np.array_equal(x, y):
            out.append(name)
    return out
