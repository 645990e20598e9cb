"""Typed records of a plan: what ``plan.json`` holds, below the engines that make and use it.

* :mod:`.plan`: :class:`Plan` and its records (runs, allocations, shipments, unserved...),
  times as aware UTC datetimes, the ``schema_version`` of the file format;
* :mod:`.kpis`: :class:`PlanKpis`, the plan's KPIs, one typed field per figure;
* :mod:`.reasons`: :class:`Reason`, why a booking is unserved, and what each code means;
* :mod:`.status`: :class:`SolveStatus`, how the solve ended;
* :mod:`.revision`: :class:`Revision`, what a re-planned plan revises (parent, events,
  diff);
* :mod:`.times`: :data:`UtcTime`, the records' instants.

Records import only :mod:`isoflow.domain`, :mod:`isoflow.scenario`, :mod:`isoflow.units` and
:mod:`isoflow.errors`.
"""

from isoflow.records.kpis import PlanKpis
from isoflow.records.plan import (
    SCHEMA_VERSION,
    Plan,
    PlanAllocation,
    PlanElution,
    PlanGenerator,
    PlanGeneratorUse,
    PlanInput,
    PlanLeg,
    PlanRun,
    PlanShipment,
    PlanUnserved,
    SolverReport,
)
from isoflow.records.reasons import MEANING, Reason
from isoflow.records.revision import PlanDiff, ReplanMode, ReplanStart, Revision
from isoflow.records.status import SolveStatus
from isoflow.records.times import UtcTime

__all__ = [
    "MEANING",
    "SCHEMA_VERSION",
    "Plan",
    "PlanAllocation",
    "PlanDiff",
    "PlanElution",
    "PlanGenerator",
    "PlanGeneratorUse",
    "PlanInput",
    "PlanKpis",
    "PlanLeg",
    "PlanRun",
    "PlanShipment",
    "PlanUnserved",
    "Reason",
    "ReplanMode",
    "ReplanStart",
    "Revision",
    "SolveStatus",
    "SolverReport",
    "UtcTime",
]
