"""The checker: every family of checks composed into one class, run in a stable order.

:class:`_Checker` runs the whole-plan checks kept here first (the plan names the scenario it
is checked against; no figure is negative or non-finite, code ``negative``, which stops the
run), then those of its mixins: allocations and bookings (:mod:`.bookings`), runs and input
stocks (:mod:`.runs`), generators and elutions (:mod:`.generators`), shipments and lane
capacity (:mod:`.shipments`), supply agreements and costs (:mod:`.costs`); routes are checked
leg by leg (:mod:`.routes`) wherever a record has legs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from isoflow.engines.verify.bookings import _BookingChecks
from isoflow.engines.verify.core import Violation
from isoflow.engines.verify.costs import _CostChecks
from isoflow.engines.verify.generators import _GeneratorChecks


def _numbers(value: Any, path: str) -> Iterator[tuple[str, float]]:
    """Every number (bools excepted) inside nested dicts, lists and tuples, with its path."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield path, float(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _numbers(item, f"{path}[{i}]")


class _Checker(_BookingChecks, _GeneratorChecks, _CostChecks):
    """One verification: the scenario indexed once, violations collected in order."""

    def run(self) -> list[Violation]:
        """Run every check; the violations found, in a stable order."""
        self.check_scenario()
        self.check_numbers()
        if any(v.code == "negative" for v in self.out):
            return self.out
        self.check_allocations()
        self.check_bookings()
        self.check_runs()
        self.check_stocks()
        self.check_generators()
        self.collect_loads()
        self.check_shipments()
        self.check_agreements()
        self.check_costs()
        return self.out

    # ------------------------------------------------------------------ whole plan

    def check_scenario(self) -> None:
        """The plan names the scenario it is checked against."""
        if self.plan.scenario != self.sc.meta.name:
            self.bad(
                "scenario_mismatch",
                "plan",
                f"made for scenario {self.plan.scenario!r}, checked against {self.sc.meta.name!r}",
            )

    def check_numbers(self) -> None:
        """No activity, cost, count or other figure of a record is negative or non-finite."""
        data = self.plan.model_dump(
            mode="python",
            include={"allocations", "runs", "generators", "generator_use", "shipments", "unserved"},
        )
        data["kpis"] = self.plan.kpis.model_dump(include={"cost", "activity"}, exclude_none=True)
        for path, value in _numbers(data, "plan"):
            if not math.isfinite(value) or value < 0:
                self.bad("negative", path, f"{value!r} is negative or not a finite number")
