"""Strategic analysis: capacity, single points of failure, self-sufficiency, make or buy.

Also scenario comparison.

Every analysis is a pure function of a scenario (and options) returning typed tables:
frozen dataclasses, one per row, that :func:`~isoflow.engines.analysis.records.rows` turns
into CSV/JSON. Re-plans (contingency) run on any :class:`concurrent.futures.Executor`.
"""

from isoflow.engines.analysis.capacity import (
    ORC_OECD_NEA,
    CapacityOptions,
    CapacityResult,
    LeadTimeRule,
    capacity_vs_demand,
    dose_requirements,
)
from isoflow.engines.analysis.compare import PlanComparison, compare_plans, compare_scenarios
from isoflow.engines.analysis.contingency import (
    ContingencyOptions,
    ContingencyResult,
    Element,
    contingency,
)
from isoflow.engines.analysis.makeorbuy import MakeOrBuyInputs, MakeOrBuyResult, make_or_buy
from isoflow.engines.analysis.records import rows
from isoflow.engines.analysis.selfsufficiency import (
    SelfSufficiencyResult,
    capacity_self_sufficiency,
    self_sufficiency,
)

__all__ = [
    "ORC_OECD_NEA",
    "CapacityOptions",
    "CapacityResult",
    "ContingencyOptions",
    "ContingencyResult",
    "Element",
    "LeadTimeRule",
    "MakeOrBuyInputs",
    "MakeOrBuyResult",
    "PlanComparison",
    "SelfSufficiencyResult",
    "capacity_self_sufficiency",
    "capacity_vs_demand",
    "compare_plans",
    "compare_scenarios",
    "contingency",
    "dose_requirements",
    "make_or_buy",
    "rows",
    "self_sufficiency",
]
