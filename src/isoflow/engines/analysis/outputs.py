"""What each analysis hands its readers: named tables of records and a few figures.

One home for the shape of an analysis's output: ``isoflow analyze`` writes it as
``NAME_TABLE.csv`` files and ``NAME.json`` (every table plus the figures), and the service
stores the same JSON as a run's result and the same CSV files beside it. The builders
(:func:`capacity_output`, :func:`self_sufficiency_output`, :func:`contingency_output`,
:func:`make_or_buy_output`) say which tables and figures each analysis has.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from isoflow.engines.analysis.records import field_names, rows

if TYPE_CHECKING:
    from isoflow.engines.analysis.capacity import CapacityResult
    from isoflow.engines.analysis.contingency import ContingencyResult
    from isoflow.engines.analysis.makeorbuy import MakeOrBuyInputs, MakeOrBuyResult
    from isoflow.engines.analysis.selfsufficiency import SelfSufficiencyResult
    from isoflow.engines.analysis.weekly import WeekRow

Tables = Mapping[str, tuple[type[Any], Sequence[Any]]]
"""Table name -> (record type, records); the type gives the header of an empty table."""


@dataclass(frozen=True)
class AnalysisOutput:
    """An analysis's tables and figures, under the file stem ``name`` (``capacity``)."""

    name: str
    tables: Tables
    meta: Mapping[str, Any]

    def payload(self) -> dict[str, Any]:
        """``NAME.json``: ``{"analysis": name, **meta, "tables": {table: [row, ...]}}``."""
        tables = {table: rows(records) for table, (_, records) in self.tables.items()}
        return {"analysis": self.name, **self.meta, "tables": tables}

    def json_bytes(self) -> bytes:
        """:meth:`payload` as the JSON text ``NAME.json`` holds (NaN and infinities refused)."""
        text = json.dumps(self.payload(), indent=1, allow_nan=False, default=str) + "\n"
        return text.encode("utf-8")

    def csv_files(self) -> list[tuple[str, bytes]]:
        """``(NAME_TABLE.csv, bytes)`` per table, in the tables' order."""
        return [
            (f"{self.name}_{table}.csv", table_csv(record_type, records))
            for table, (record_type, records) in self.tables.items()
        ]


def table_csv(record_type: type[Any], records: Sequence[Any]) -> bytes:
    """One table as CSV: a header of its fields, a row per record (:func:`cell` values)."""
    data = rows(records)
    fields = list(data[0]) if data else field_names(record_type)
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    writer.writerows({k: cell(v) for k, v in row.items()} for row in data)
    return buffer.getvalue().encode("utf-8")


def cell(value: Any) -> Any:
    """A CSV cell of a JSON-ready value.

    Empty for None and non-finite floats, floats exact (``repr``), lists joined by ``;``,
    mappings as sorted JSON.
    """
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return value


def capacity_output(
    res: CapacityResult, weeks: Sequence[WeekRow], scenario: str, seconds: float
) -> AnalysisOutput:
    """``analyze capacity``: rows, summary, processes, requirements, weeks (and exports)."""
    from isoflow.engines.analysis.capacity import (
        CapacityRow,
        CapacitySummary,
        DoseRequirement,
        ExportRequirement,
        ProcessCapacity,
    )
    from isoflow.engines.analysis.weekly import WeekRow

    tables: dict[str, tuple[type[Any], Sequence[Any]]] = {
        "rows": (CapacityRow, res.rows),
        "summary": (CapacitySummary, res.summary),
        "processes": (ProcessCapacity, res.processes),
        "requirements": (DoseRequirement, res.requirements),
        "weeks": (WeekRow, weeks),
    }
    if res.exports:
        tables["exports"] = (ExportRequirement, res.exports)
    meta = {"scenario": scenario, "assumptions": list(res.assumptions), "seconds": seconds}
    return AnalysisOutput("capacity", tables, meta)


def self_sufficiency_output(
    res: SelfSufficiencyResult, scenario: str, seconds: float
) -> AnalysisOutput:
    """``analyze self-sufficiency``: the plan-based and the capacity-based tables."""
    from isoflow.engines.analysis.selfsufficiency import (
        CapacitySelfSufficiencyRow,
        SelfSufficiencyRow,
    )

    tables: Tables = {
        "plan": (SelfSufficiencyRow, res.rows),
        "capacity": (CapacitySelfSufficiencyRow, res.capacity_rows),
    }
    meta = {
        "scenario": scenario,
        "notes": list(res.notes),
        "removed_lanes": list(res.removed_lanes),
        "plan_vs_capacity": list(res.reconciled),
        "seconds": seconds,
    }
    return AnalysisOutput("self_sufficiency", tables, meta)


def contingency_output(
    res: ContingencyResult, scenario: str, seconds: float, workers: int
) -> AnalysisOutput:
    """``analyze contingency``: the ranking of failures and the breakdown of what each loses."""
    from isoflow.engines.analysis.contingency import ContingencyRow, LossBreakdown

    tables: Tables = {
        "ranking": (ContingencyRow, res.rows),
        "breakdown": (LossBreakdown, res.breakdown),
    }
    meta = {
        "scenario": scenario,
        "base_served": res.base.served,
        "doses": res.doses,
        "considered": list(res.considered),
        "notes": list(res.notes),
        "seconds": seconds,
        "workers": workers,
    }
    return AnalysisOutput("contingency", tables, meta)


MAKE_OR_BUY_FIGURES = (
    "npv_make",
    "npv_buy",
    "savings",
    "decision",
    "break_even_volume",
    "break_even_price",
    "levelised_cost_per_dose",
)
"""The make-or-buy result's figures in ``make_or_buy.json``."""


def make_or_buy_output(
    res: MakeOrBuyResult, inputs: MakeOrBuyInputs, currency: str
) -> AnalysisOutput:
    """``analyze make-or-buy``: the years and the tornado, with the inputs and figures."""
    from isoflow.engines.analysis.makeorbuy import MakeOrBuyYear, TornadoBar

    tables: Tables = {"years": (MakeOrBuyYear, res.years), "tornado": (TornadoBar, res.tornado)}
    summary = {k: getattr(res, k) for k in MAKE_OR_BUY_FIGURES}
    meta = {"inputs": vars(inputs), "result": summary, "currency": currency}
    return AnalysisOutput("make_or_buy", tables, meta)
