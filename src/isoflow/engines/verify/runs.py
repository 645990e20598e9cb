"""Checks of production runs and the input stocks they use.

Each run against its process (site, product, nuclide, duration, QC release, weekly windows
and site availability), batch limits, batches a day, overlap on one process, a batch giving
no more than it makes, and its activity-feed inputs (source batch, shelf life, route, enough
activity at start); no site uses more of a limited material in a week than its stock allows.
Codes: ``unknown_process``, ``mismatch``, ``duration``, ``qc_release``, ``outside_window``,
``site_unavailable``, ``batches_per_day``, ``batch_max``, ``batch_min``, ``overlap``,
``overdrawn``, ``unknown_batch``, ``expired``, ``input_short``, ``stock_exceeded``.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from isoflow.engines.verify.core import REL, SLACK_S, _lam, _t
from isoflow.engines.verify.routes import _RouteChecks
from isoflow.records.plan import Plan, PlanGenerator, PlanInput, PlanRun
from isoflow.scenario.rules import (
    horizon_week,
    input_uses,
    process_availability,
    shelf_life_s,
    stock_limits,
)
from isoflow.scenario.schema import Process, ProcessKind


class _RunChecks(_RouteChecks):
    """Runs, their inputs and the weekly stocks of the materials they use."""

    def check_runs(self) -> None:
        """Every run: its process, timing, calendar, size, daily count, overlap and use."""
        per_day: dict[tuple[str, int], int] = defaultdict(int)
        spans: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
        failed = failed_batches(self.plan)
        for run in self.plan.runs:
            subject = f"run {run.batch}"
            proc = self.processes.get(run.process)
            if proc is None:
                self.bad(
                    "unknown_process", subject, f"process {run.process} is not in the scenario"
                )
                continue
            start, eop = _t(run.start_utc), _t(run.end_of_production_utc)
            self.check_run_record(subject, run, proc, start, eop)
            tz = ZoneInfo(self.sites[proc.site].timezone)
            day = datetime.fromtimestamp(start, UTC).astimezone(tz).toordinal()
            per_day[(proc.id, day)] += 1
            if per_day[(proc.id, day)] > proc.max_batches_per_day:
                self.bad("batches_per_day", subject, f"more than {proc.max_batches_per_day} a day")
            spans[proc.id].append((start, eop, run.batch))
            if proc.kind == ProcessKind.ELUTION:
                continue  # eluates are checked against their generators
            if run.activity_eop_bq > proc.batch_max * (1 + REL):
                self.bad(
                    "batch_max",
                    subject,
                    f"{run.activity_eop_bq:.6g} Bq > batch_max {proc.batch_max:.6g} Bq",
                )
            if run.activity_eop_bq < proc.batch_min * (1 - REL) and run.batch not in failed:
                self.bad(
                    "batch_min",
                    subject,
                    f"{run.activity_eop_bq:.6g} Bq < batch_min {proc.batch_min:.6g} Bq",
                )
            self.check_use(subject, run.batch, run.activity_eop_bq)
            self.check_inputs(subject, run, proc, start)
        for proc_id, items in spans.items():
            items.sort()
            for (_, e0, b0), (s1, _, b1) in itertools.pairwise(items):
                if s1 < e0 - SLACK_S:
                    self.bad("overlap", f"run {b1}", f"starts before {b0} of {proc_id} ends")

    def check_stocks(self) -> None:
        """No site uses more of a limited material in a week than its stock allows."""
        used: dict[tuple[str, str, int], float] = defaultdict(float)
        horizon = _t(self.plan.start_utc)
        for run in self.plan.runs:
            proc = self.processes.get(run.process)
            if proc is None:
                continue
            week = horizon_week(_t(run.start_utc), horizon)
            for product, amount in input_uses(proc).items():
                used[(proc.site, product, week)] += amount
        for (site_id, product, week), amount in sorted(used.items()):
            limit = stock_limits(self.sites[site_id]).get(product)
            if limit is not None and amount > limit * (1 + REL):
                self.bad(
                    "stock_exceeded",
                    f"site {site_id}",
                    f"uses {amount:.6g} of {product} in week {week + 1} of the plan, "
                    f"{limit:.6g} a week available",
                )

    def check_run_record(
        self, subject: str, run: PlanRun, proc: Process, start: float, eop: float
    ) -> None:
        """A run's own fields against its process: site, product, timing and calendar."""
        product = self.products.get(proc.output)
        if run.site != proc.site or run.product != proc.output:
            self.bad(
                "mismatch",
                subject,
                f"{run.product} at {run.site}, process {proc.id} makes {proc.output} at "
                f"{proc.site}",
            )
        if product is not None and run.nuclide != product.nuclide:
            self.bad(
                "mismatch", subject, f"nuclide {run.nuclide}, {product.id} is {product.nuclide}"
            )
        if abs(eop - start - proc.duration) > SLACK_S:
            self.bad("duration", subject, "EOP is not start + process duration")
        if abs(_t(run.release_utc) - eop - proc.qc_release) > SLACK_S:
            self.bad("qc_release", subject, "release is not EOP + QC release time")
        self.check_calendar(subject, proc, start, eop)

    def check_calendar(self, subject: str, proc: Process, start: float, eop: float) -> None:
        """A run starts in a weekly window and runs wholly while the site may run it.

        A run of the revision's past (started before its ``now``) is not judged by a
        ``site_down`` event that began after it started: the plan kept it as history, and
        what the outage did to it is a ``run_failed`` event's to say.
        """
        availability = proc.availability
        later = _outages_begun_after(self.plan, proc.site, start)
        if later:
            kept = tuple(o for o in availability.outages if o.start.timestamp() not in later)
            availability = availability.model_copy(update={"outages": kept})
        windows, allowed = process_availability(
            availability, self.sites[proc.site], start - 8 * 86400.0, start + 8 * 86400.0
        )
        if not any(lo - SLACK_S <= start < hi for lo, hi in windows):
            self.bad("outside_window", subject, "starts outside the process's weekly windows")
        if not any(lo - SLACK_S <= start and eop <= hi + SLACK_S for lo, hi in allowed):
            self.bad("site_unavailable", subject, "runs during an outage or off-cycle")

    def check_use(self, subject: str, batch: str, activity: float) -> None:
        """A batch gives no more than it makes (doses, inputs and generators, at its EOP)."""
        used = sum(a.dispensed_eop_bq for a in self.plan.allocations if a.batch == batch)
        used += sum(i.activity_eop_bq for r in self.plan.runs for i in r.inputs if i.batch == batch)
        used += sum(g.activity_calibration_bq for g in self.plan.generators if g.batch == batch)
        if used > activity * (1 + REL) + 1.0:
            self.bad("overdrawn", subject, f"{used:.6g} Bq allocated from {activity:.6g} Bq")

    def input_arrival(self, inp: PlanInput | PlanGenerator, src: PlanRun) -> float:
        """When an input or a generator delivery reaches its destination, from its legs."""
        return _t(inp.legs[-1].arrive_utc) if inp.legs else _t(src.release_utc)

    def check_inputs(self, subject: str, run: PlanRun, proc: Process, start: float) -> None:
        """The activity-feed inputs of a run: source, shelf life, route and enough activity."""
        feeds = [i for i in proc.inputs if i.activity_feed]
        if not feeds:
            if run.inputs:
                self.bad("mismatch", subject, f"process {proc.id} takes no activity input")
            return
        feed = self.products[feeds[0].product]
        lam = _lam(feed.nuclide)
        supplied = 0.0
        for inp in run.inputs:
            src = self.runs.get(inp.batch)
            if src is None:
                self.bad("unknown_batch", subject, f"input {inp.batch} is not in the plan")
                continue
            if src.product != feed.id or inp.product != src.product:
                self.bad(
                    "mismatch",
                    subject,
                    f"input {inp.batch} is {inp.product}, its batch makes {src.product}, "
                    f"the process takes {feed.id}",
                )
            age = start - _t(src.end_of_production_utc)
            if age > shelf_life_s(feed) + SLACK_S:
                self.bad("expired", subject, f"input {inp.batch} is past its shelf life")
            self.check_legs(
                f"{subject} input {inp.batch}",
                inp.legs,
                src.site,
                proc.site,
                _t(src.release_utc),
                start,
                feed,
            )
            if abs(_t(inp.arrive_utc) - self.input_arrival(inp, src)) > SLACK_S:
                self.bad("mismatch", subject, f"input {inp.batch} arrival differs from its route's")
            supplied += inp.activity_eop_bq * math.exp(-lam * age)
        needed = run.activity_eop_bq / (proc.yield_fraction * math.exp(-lam * proc.duration))
        if supplied < needed * (1 - REL) - 1.0:
            self.bad(
                "input_short",
                subject,
                f"needs {needed:.6g} Bq of {feed.id} at start, inputs give {supplied:.6g} Bq",
            )


def _outages_begun_after(plan: Plan, site: str, start: float) -> set[float]:
    """Starts [s] of the revision's ``site_down`` events at ``site`` begun after a run started.

    Only for a run of the revision's past (``start`` before its ``now``); empty otherwise.
    """
    if plan.revision is None or start >= _t(plan.revision.now_utc):
        return set()
    from isoflow.scenario.events import SiteDown

    return {
        e.start.timestamp()
        for e in plan.revision.events
        if isinstance(e, SiteDown) and e.site == site and e.start.timestamp() > start
    }


def failed_batches(plan: Plan) -> set[str]:
    """Runs the plan's revision events say failed (QC or yield).

    They yield what they yield, so ``batch_min`` no longer applies to them.
    """
    if plan.revision is None:
        return set()
    from isoflow.scenario.events import RunFailed

    return {e.batch for e in plan.revision.events if isinstance(e, RunFailed)}
