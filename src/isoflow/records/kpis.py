"""The plan's KPIs (``plan.json``: ``kpis``), typed: one field per figure the planner states.

Sections, in the order ``plan.json`` writes them:

* ``doses``, ``patients`` (:class:`ServedCounts`), ``orders`` (:class:`OrderCounts`): demand
  planned and served; exports (orders at markets) are left out and counted in ``exports``;
* ``by_priority``, ``by_country``, ``by_product`` (:class:`Tally` per key): doses asked and
  served; ``unserved_by_reason``: doses short per :class:`~isoflow.records.reasons.Reason`;
* ``activity`` (:class:`ActivityKpis`), ``cost`` (:class:`CostKpis`), and the counts of
  ``runs``, ``shipments`` and ``generators``;
* ``exports`` (:class:`ExportKpis`), written only when the horizon holds exports;
* ``revenue`` (:class:`RevenueKpis`), ``margin`` (revenue less total cost) and
  ``generator_use`` (:class:`GeneratorUseKpis`).

A section a file leaves out reads as absent (``None``); a key the models do not know is an
error. Each model also reads like a mapping (``kpis["cost"]["total"]``), for scripts.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

from isoflow.records.reasons import Reason

Num = int | float
"""A KPI figure as the planner computed it: a sum over nothing is the integer 0, and stays
so through ``plan.json`` (floats are written as floats)."""


class KpiModel(BaseModel):
    """A frozen KPI section; ``section["name"]`` reads field ``name``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def __getitem__(self, name: str) -> Any:
        if name not in type(self).model_fields:
            raise KeyError(name)
        return getattr(self, name)


class ServedCounts(KpiModel):
    """Demand planned (``total``), served, and short; ``served_share`` is 1 when none."""

    total: int = 0
    served: int = 0
    unserved: int = 0
    served_share: Num = 1.0


class OrderCounts(KpiModel):
    """Orders planned, served in full, in part, and not at all."""

    total: int = 0
    served: int = 0
    part_served: int = 0
    unserved: int = 0


class Tally(KpiModel):
    """Doses asked (``total``) and served for one priority, country or product."""

    total: int = 0
    served: int = 0


class StageActivity(KpiModel):
    """Activity [Bq at EOP] made at one stage, and what of it went to a use."""

    produced_eop_bq: Num = 0.0
    used_eop_bq: Num = 0.0


class ActivityKpis(KpiModel):
    """Activity [Bq] made, dispensed, administered, wasted and carried as impurity."""

    produced_eop_bq: Num = 0.0
    allocated_eop_bq: Num = 0.0
    administered_bq: Num = 0.0
    waste_eop_bq: Num = 0.0
    impurity_eop_bq: Num = 0.0
    by_stage: dict[str, StageActivity] = {}


class CostKpis(KpiModel):
    """The plan's cost by kind, in the scenario's currency; ``total`` is their sum."""

    production_fixed: Num = 0.0
    production_variable: Num = 0.0
    transport: Num = 0.0
    total: Num = 0.0
    currency: str = ""
    purchases: Num = 0.0


class RevenueKpis(KpiModel):
    """Revenue of the doses served at the scenario's dose prices (exports excluded)."""

    total: Num = 0.0
    by_product: dict[str, Num] = {}
    priced_doses: int = 0
    unpriced_doses: int = 0
    currency: str = ""


class ExportTally(KpiModel):
    """Export units asked and served for one product or market, and their activity."""

    total: int = 0
    served: int = 0
    activity_requested_bq: Num = 0.0
    activity_served_bq: Num = 0.0


class ExportKpis(KpiModel):
    """Export orders, counted apart from patient doses (:mod:`isoflow.engines.planner.exports`)."""

    units: ServedCounts = ServedCounts()
    orders: OrderCounts = OrderCounts()
    activity_requested_bq: Num = 0.0
    activity_served_bq: Num = 0.0
    dispensed_eop_bq: Num = 0.0
    by_product: dict[str, ExportTally] = {}
    by_market: dict[str, ExportTally] = {}
    unserved_by_reason: dict[Reason, int] = {}


class DaughterUse(KpiModel):
    """Daughter activity [Bq] eluted, dispensed and wasted, for one daughter nuclide."""

    eluted_bq: Num = 0.0
    dispensed_bq: Num = 0.0
    waste_bq: Num = 0.0


class WasteByCause(KpiModel):
    """Eluate not dispensed [Bq], by :class:`~isoflow.scenario.generator_use.WasteCause`."""

    first_elution: Num = 0.0
    """Discarded first elutions."""
    no_doses: Num = 0.0
    """Elutions no dose is taken from (a fixed routine's weekend)."""
    left_over: Num = 0.0
    """Eluate no dose takes."""


class GeneratorUseKpis(KpiModel):
    """Generator waste accounting (:func:`isoflow.scenario.generator_use.use_kpis`)."""

    deliveries: int = 0
    eluted_bq: Num = 0.0
    dispensed_bq: Num = 0.0
    waste_bq: WasteByCause = WasteByCause()
    waste_share_of_eluted: Num = 0.0
    in_generator_bq: Num = 0.0
    parent_left_bq: Num = 0.0
    by_daughter: dict[str, DaughterUse] = {}


class PlanKpis(KpiModel):
    """All of a plan's KPIs (module docstring); absent sections are ``None``, not written.

    >>> k = PlanKpis.model_validate(
    ...     {"doses": {"total": 4, "served": 3, "unserved": 1, "served_share": 0.75}}
    ... )
    >>> k.doses.served, k["doses"]["total"], k.cost is None
    (3, 4, True)
    >>> k.model_dump(mode="json")
    {'doses': {'total': 4, 'served': 3, 'unserved': 1, 'served_share': 0.75}}
    """

    doses: ServedCounts | None = None
    patients: ServedCounts | None = None
    orders: OrderCounts | None = None
    by_priority: dict[str, Tally] = {}
    by_country: dict[str, Tally] = {}
    by_product: dict[str, Tally] = {}
    unserved_by_reason: dict[Reason, int] = {}
    activity: ActivityKpis | None = None
    cost: CostKpis | None = None
    runs: int | None = None
    shipments: int | None = None
    generators: int | None = None
    exports: ExportKpis | None = None
    revenue: RevenueKpis | None = None
    margin: Num | None = None
    generator_use: GeneratorUseKpis | None = None

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and getattr(self, name, None) is not None

    @model_serializer(mode="wrap")
    def _present(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Absent sections are left out, as the planner leaves them out."""
        out: dict[str, Any] = handler(self)
        return {k: v for k, v in out.items() if v is not None and k in self.model_fields_set}
