"""The candidates of the planning model: runs, allocations, flows, and the knobs that make them.

Plain data shared by candidate generation (:mod:`.candidates`, :mod:`.timing`,
:mod:`.flows`) and by the modules that read candidates (model build, warm start, extraction,
explanations of unserved bookings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from isoflow import bounds
from isoflow.domain.calendar import Interval
from isoflow.engines.planner.routing import Route

if TYPE_CHECKING:
    from isoflow.records.reasons import Reason


@dataclass(frozen=True)
class CandidateOptions:
    """Knobs of candidate generation."""

    per_booking: int = 6
    """Keep at most this many grid runs per booking (those needing least activity)."""
    per_booking_timed: int = 6
    """And at most this many runs timed for bookings per booking and process."""
    timed_need_ratio: float = 4.0
    """A booking sees the runs timed for other bookings that need at most this many times
    the activity of its own best timed run (4: two half-lives earlier)."""
    exhaustive_below: int = 40
    """Networks with fewer bookings in the horizon than this get every option: no pruning
    of runs per booking, every route that arrives in time (later departures included), and
    runs timed back to back or on the previous day where a run limit forces it (exact for
    small networks; large ones keep the pruned, faster model)."""
    timed_runs: bool = True
    """Time a run for each booking (its latest feasible start); off gives the start grid only
    (no completeness guarantee; for benchmarks)."""
    timed_gain: float = 0.25
    """A run needing an activity feed (labelling from bulk isotope) is timed for a booking
    only if no grid run serves it or the best grid run needs more than ``1 + timed_gain``
    times its activity (multi-stage runs bring flows and rows with them)."""
    per_feed: int = 4
    """Keep at most this many upstream runs feeding one run."""
    max_runs_per_process: int = 400
    """Cap on grid start times per process (latest starts timed for bookings come on top)."""
    routes_per_option: int = 2
    """Routes kept per (booking, run) or (flow source, destination) pair among those not
    dominated on (arrival, cost) that arrive in time: the cheapest, then the earliest."""
    start_step_half_lives: float = 1.0
    """Grid of candidate starts within a window, in half-lives of the output (1 h to 1 d).

    Starts aligned with every departure from the site are added to the grid. A finer grid
    gives more timing choices but a harder model (measured: 0.5 -> 9.4 % gap, 1.0 -> 5.6 %
    on the built-in week in 30 s).
    """

    def __post_init__(self) -> None:
        for name in ("per_booking", "per_feed", "routes_per_option"):
            bounds.CANDIDATES.check(getattr(self, name), name)
        bounds.TIMED_CANDIDATES.check(self.per_booking_timed, "per_booking_timed")
        bounds.GRID_STARTS.check(self.max_runs_per_process, "max_runs_per_process")
        bounds.BOOKINGS_BELOW.check(self.exhaustive_below, "exhaustive_below")
        bounds.NEED_RATIO.check(self.timed_need_ratio, "timed_need_ratio")
        bounds.TIMED_GAIN.check(self.timed_gain, "timed_gain")
        bounds.START_STEP.check(self.start_step_half_lives, "start_step_half_lives")


@dataclass(frozen=True, slots=True)
class Run:
    """A candidate production run (or an elution slot)."""

    process: int
    start: float
    eop: float
    release: float
    timed: bool = False
    """Timed for a booking (its latest feasible start), not on the process's start grid."""


@dataclass(frozen=True, slots=True)
class Allocation:
    """A candidate: booking served from run, along route, needing ``need_eop`` Bq at EOP."""

    booking: int
    run: int
    route: Route
    need_eop: float


@dataclass(frozen=True, slots=True)
class Flow:
    """A candidate shipment of an intermediate product from run ``src`` to run ``dst``.

    For a generator flow ``dst`` is -1 and ``elutions`` lists ``(elution run, daughter Bq
    eluted per parent Bq at the source's EOP)``; otherwise ``factor`` is the decay from the
    source's EOP to the destination run's start.
    """

    src: int
    dst: int
    route: Route
    factor: float
    elutions: tuple[tuple[int, float], ...] = ()
    site: int = -1


@dataclass
class Candidates:
    """All candidates, plus what was learnt about bookings that have none."""

    runs: list[Run] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)
    feed_needed: dict[int, float] = field(default_factory=dict)
    """Runs that need an activity feed: run -> input activity at start per Bq output at EOP."""
    booking_ids: list[str] = field(default_factory=list)
    booking_activity: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    """Activity [Bq] one allocation unit must hold at administration (all the doses of a
    single-batch order, one dose otherwise)."""
    booking_time: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    booking_units: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    """Allocation units of each booking or order (:attr:`DemandItem.units`)."""
    booking_unit_doses: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    """Doses in one unit (:attr:`DemandItem.doses_per_unit`)."""
    booking_priority: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    booking_site: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    """Hospital of each booking (site index)."""
    booking_ordered: list[float | None] = field(default_factory=list)
    """When each booking or order was placed [s since epoch]; None: before any cut-off."""
    booking_deadline: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    """Latest arrival at the hospital [s since epoch]: administration less its dispensing
    buffer."""
    reasons: dict[int, tuple[Reason, str]] = field(default_factory=dict)
    """Bookings with no candidate: booking -> (reason code, detail)."""
    exhaustive: bool = False
    """Every option kept (a small network; see ``CandidateOptions.exhaustive_below``)."""
    timed_for: dict[int, frozenset[int]] = field(default_factory=dict)
    """Runs timed for bookings: run -> the hospitals (site indices) of those bookings."""
    wide_intervals: dict[int, tuple[list[Interval], list[Interval]]] = field(default_factory=dict)
    """Per process: (start windows, allowed intervals) from 30 d before the earliest start to
    the horizon's end (for explaining unserved bookings; filled on demand)."""
    elution_slots: dict[int, list[float]] = field(default_factory=dict)
    """Per elution process: its elution instants in the planning window (for explaining
    unserved bookings; filled on demand)."""
    run_ids: list[str] = field(default_factory=list)
    """``process@start`` of the first runs, filled on demand (:func:`.extract.batch_id`)."""
