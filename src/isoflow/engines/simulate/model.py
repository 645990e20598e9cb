"""The simulation model: a plan and its recourse options compiled into flat arrays.

Both engines (the vectorised one in :mod:`.fast` and the SimPy reference in
:mod:`.reference`) read the same :class:`SimModel`, so they differ only in how they walk
time, never in what they model.

What is compiled (times in s since the epoch, activities in Bq):

* **runs**: every planned batch, plus the unplanned candidate batches that recourse may
  start (only processes without an activity-feed input: a cyclotron or reactor can run an
  extra batch; a labelling run cannot without bulk isotope). ``spare`` is the activity at
  end of production (EOP) that recourse may still take: ``batch_max`` minus the planned
  allocation for feed-free processes (a batch may be made bigger if the decision comes
  before it starts), the unallocated eluate for elutions, the planned surplus otherwise.
* **departures**: each (lane, departure instant) used by any route, planned or not; its
  fate (cancelled, delayed, held at customs, closed by a policy shock) is sampled once per
  replication, so every consignment on one flight shares it.
* **demands**: what must arrive somewhere in time. A *consignment* of doses at a hospital
  (a booking: one patient dose; or the doses of an order that one planned batch serves, or
  that the plan leaves short; see :mod:`.bookings`) or a run *input* (bulk isotope or a
  generator feeding a planned run). Each has a list of **options** tried in order: the
  planned one, then re-bookings of the same consignment after a cancelled leg, then
  alternative batches (same product or a substitute product) in order of start. An option
  needs ``need`` Bq at its run's EOP per dose (a consignment needs that times its doses; an
  input counts as one) from the run's spare (planned options need nothing extra) and
  arrives at ``arrive`` plus sampled delays; it serves on time if it arrives by
  ``deadline``, late (postponed administration) if within ``slack`` more, where ``slack``
  keeps the decayed dose within tolerance and shelf life. Outcomes are counted in doses.
* **recourse, first come first served**: a demand takes its next option when its need
  becomes known (the failure of the option it counts on, known at the run's failure, the
  cancelled departure or the planned arrival; an extra dose's notice), and an alternative
  then reserves its spare. Needs take spare in the order they become known, whatever the
  administration they are for; needs known at one instant in demand order (run inputs by
  the fed run's start, then consignments by administration, each followed by its extra
  doses). A run whose input is missed fails at its start, for the first input found
  missed. Both engines follow this (:mod:`.fast` states the whole semantics).

With ``weeks > 1`` the weekly plan is repeated with a 7-day shift; runs and departures that
coincide across weeks are merged, so one physical flight or batch has one fate.

The code: the cause, outcome and option-kind codes are in :mod:`.codes`; the arrays in
:mod:`.arrays` (:class:`SimModel`, and assembling it); one compilation's indexes and helpers
in :mod:`.builder`; the options of run inputs in :mod:`.inputs` and of bookings and orders in
:mod:`.bookings`; the stocks of consumed materials that may run short (a planned run they no
longer cover fails at its start), and the runs' claims on them, in :mod:`.stocks`.
:func:`compile_model` here puts them together; the engines' records are summed in doses by
:mod:`.tally`.
"""

from __future__ import annotations

from dataclasses import dataclass

from isoflow import bounds
from isoflow.engines.planner.candidates import Candidates
from isoflow.engines.planner.network import PlanningNetwork
from isoflow.engines.simulate.arrays import F64, I64, B, SimModel, _finish, lognormal
from isoflow.engines.simulate.bookings import add_bookings
from isoflow.engines.simulate.builder import _Compiler
from isoflow.engines.simulate.codes import (
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
    CAUSES,
    K_ALTERNATIVE,
    K_PLANNED,
    K_REBOOK,
    K_SUBSTITUTE,
    O_ALTERNATIVE,
    O_CANCELLED,
    O_MISSED,
    O_REROUTED,
    O_SERVED,
    O_SUBSTITUTE,
    OUTCOMES,
    WEEK,
    YEAR,
)
from isoflow.engines.simulate.inputs import add_inputs
from isoflow.records.plan import Plan
from isoflow.scenario.schema import Scenario

__all__ = [
    "CAUSES",
    "C_CANCEL",
    "C_DELAY",
    "C_HOLD",
    "C_NONE",
    "C_OUTAGE",
    "C_PLAN",
    "C_QC",
    "C_SHOCK",
    "C_SHORT",
    "C_SURGE",
    "F64",
    "I64",
    "K_ALTERNATIVE",
    "K_PLANNED",
    "K_REBOOK",
    "K_SUBSTITUTE",
    "OUTCOMES",
    "O_ALTERNATIVE",
    "O_CANCELLED",
    "O_MISSED",
    "O_REROUTED",
    "O_SERVED",
    "O_SUBSTITUTE",
    "WEEK",
    "YEAR",
    "B",
    "ModelOptions",
    "SimModel",
    "compile_model",
    "lognormal",
]


@dataclass(frozen=True)
class ModelOptions:
    """Knobs of the compiled model."""

    weeks: int = 1
    """Repeat the weekly plan this many times; disruptions span the whole period."""
    per_booking: int = 6
    """At most this many alternative batches per booking (the candidates kept)."""
    per_input: int = 4
    """At most this many alternative supplier batches per run input."""
    extra_notice_s: float = 86400.0
    """Extra bookings (demand upswing) become known this long before administration [s]."""
    warmup_s: float = YEAR
    """Outages and policy shocks are sampled from this long before the first run [s], so
    one that started earlier may still be under way."""

    def __post_init__(self) -> None:
        bounds.WEEKS.check(self.weeks, "weeks")
        bounds.ALTERNATIVES.check(self.per_booking, "per_booking")
        bounds.ALTERNATIVES.check(self.per_input, "per_input")
        bounds.NOTICE.check(self.extra_notice_s, "extra_notice_s")
        bounds.WARMUP.check(self.warmup_s, "warmup_s")


def compile_model(
    scenario: Scenario,
    plan: Plan,
    net: PlanningNetwork,
    cand: Candidates,
    options: ModelOptions | None = None,
) -> SimModel:
    """Compile ``plan`` (made for ``net``'s horizon) and its recourse options into arrays.

    ``cand`` are the planner's candidates for the same network (:func:`generate`); they give
    the alternative batches and routes of each booking.
    """
    o = options or ModelOptions()
    c = _Compiler(scenario, plan, net, cand, o)
    add_inputs(c)
    book_rows = add_bookings(c)
    return _finish(c, book_rows)
