"""Independent check of a plan against its scenario.

Nothing here imports the planner's model builder, candidates, routing or solver: every
decay, time, calendar, route, capacity, package count and cost is recomputed from the
scenario and the plan's own records (``plan.json``), with the domain rules of
:mod:`isoflow.scenario.rules`. A plan the optimiser produced must pass; any violation is
listed with the record it concerns.

Figures the plan states about itself (costs, package counts, arrival instants, generator
efficiencies) are compared with the recomputed ones, and the recomputed ones (not the plan's)
are what the capacity, contract and decay checks use. A plan with a negative or non-finite
number is rejected on that alone (code ``negative``): any further check would compare garbage.

The package: the public API here (:func:`verify`, :data:`CODES`, :class:`Violation`); the
checker and its whole-plan checks in :mod:`.checker`, what every check shares in :mod:`.core`,
and one module per family of checks: :mod:`.bookings`, :mod:`.routes`, :mod:`.runs` (and
input stocks), :mod:`.generators`, :mod:`.shipments`, :mod:`.costs` (and supply agreements).
"""

from __future__ import annotations

from isoflow.engines.verify.checker import _Checker
from isoflow.engines.verify.core import COST_ABS, COST_REL, GBQ, REL, SLACK_S, Violation
from isoflow.records.plan import Plan
from isoflow.scenario.schema import Scenario

__all__ = ["CODES", "COST_ABS", "COST_REL", "GBQ", "REL", "SLACK_S", "Violation", "verify"]

CODES = (
    "agreement_max",
    "batch_max",
    "batch_min",
    "batches_per_day",
    "before_production",
    "booking_missing",
    "broken_route",
    "class7_refused",
    "contract_excludes",
    "cost_mismatch",
    "decay_mismatch",
    "dose_count",
    "dose_out_of_tolerance",
    "double_allocation",
    "duration",
    "elution_before_arrival",
    "elution_mismatch",
    "elution_skipped",
    "expired",
    "export_restricted",
    "gmp",
    "input_short",
    "lane_capacity",
    "lane_closed",
    "late",
    "leg_order",
    "mismatch",
    "negative",
    "no_licence",
    "not_approved",
    "not_in_timetable",
    "order_cutoff",
    "outside_service_area",
    "outside_window",
    "overdrawn",
    "overlap",
    "qc_release",
    "replaced",
    "revenue_mismatch",
    "scenario_mismatch",
    "served_and_unserved",
    "shipment_contents",
    "shipment_missing",
    "site_unavailable",
    "sizes",
    "stock_exceeded",
    "too_early",
    "transit_mismatch",
    "transport_index",
    "unknown_batch",
    "unknown_booking",
    "unknown_lane",
    "unknown_process",
)
"""Every violation code :func:`verify` may report."""


def verify(plan: Plan, scenario: Scenario) -> list[Violation]:
    """Every violation of the scenario's rules found in ``plan`` (empty if it is sound).

    A re-planned plan is checked against ``scenario`` (the base scenario) with the plan's
    events applied (``plan.revision.events``: closures, late departures, outages, demand
    changes). Raises :class:`~isoflow.scenario.issues.ScenarioIssuesError` if they do not
    apply to it (an event naming a site it lacks).
    """
    if plan.revision is not None and plan.revision.events:
        from isoflow.scenario.events import apply_events

        scenario = apply_events(scenario, plan.revision.events)
    return _Checker(plan, scenario).run()
