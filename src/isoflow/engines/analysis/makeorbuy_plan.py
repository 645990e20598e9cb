"""Make-or-buy inputs from a scenario and its plan: the volume, capacity and cost of a process.

For one process of the scenario (the facility one would build, or keep, in-house)
:func:`inputs_from_plan` reads what the plan makes with it and what the scenario says of it:

* demand in year 1 = the doses its runs serve in the planned week × weeks in a year
  (365.2425 / 7), growing at the dose-weighted ``growth_per_year`` of the product's demand
  rates (0 if it has none);
* capacity = its batches a year (calendar and stocks, as ``analyze capacity`` counts them)
  × doses a batch (``batch_max`` over the mean activity at EOP the plan gives a dose of it);
* in-house cost per dose = its runs' fixed and variable costs in the plan over their doses
  (isotope and transport excluded, as for the CDMO price);
* the CDMO price per dose = a supply agreement's price per GBq of the product × the mean
  GBq delivered per dose, when the scenario has one for the product; otherwise it must be
  given.

Capex, fixed operating cost, lifetime, ramp-up and discount rate are not in a scenario:
they come from :class:`~isoflow.engines.analysis.makeorbuy.MakeOrBuyInputs` or the user,
and the caller states them with the result. Every derived figure is listed in
:class:`Derived`, so that nothing is silently assumed.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import datetime

from isoflow.domain.calendar import epoch
from isoflow.domain.nuclides import default_data
from isoflow.engines.analysis.batches import available_dates, stock_capped_batches
from isoflow.engines.analysis.makeorbuy import MakeOrBuyInputs
from isoflow.errors import InputError
from isoflow.records.plan import Plan, PlanAllocation, PlanRun
from isoflow.scenario.schema import Scenario

WEEKS_PER_YEAR = 365.2425 / 7
"""Weeks in a mean Gregorian year."""


@dataclass(frozen=True)
class Derived:
    """What the plan and the scenario say of the process, and the inputs derived from it."""

    process: str
    product: str
    doses_per_week: int
    runs_per_week: int
    mean_eop_bq_per_dose: float
    batches_per_year: int
    doses_per_batch: float
    cost_per_dose: float
    growth: float
    cdmo_price_per_dose: float | None
    """From a supply agreement's price per GBq, if the scenario has one for the product."""
    notes: tuple[str, ...]


def inputs_from_plan(
    scenario: Scenario, plan: Plan, process_id: str, base: MakeOrBuyInputs | None = None
) -> tuple[MakeOrBuyInputs, Derived]:
    """Make-or-buy inputs for ``process_id`` from the plan (module docstring).

    ``base`` gives what a scenario does not hold (capex, opex, lifetime, ramp-up, discount
    rate, and the CDMO price when no agreement states one). Raises :class:`InputError` if the
    process is unknown or the plan makes no dose with it.
    """
    proc = next((p for p in scenario.processes if p.id == process_id), None)
    if proc is None:
        known = ", ".join(sorted(p.id for p in scenario.processes)[:8])
        raise InputError("process", f"no process {process_id!r} in the scenario ({known}, ...)")
    runs = {r.batch: r for r in plan.runs if r.process == process_id}
    served = [a for a in plan.allocations if a.batch in runs]
    doses = sum(a.doses for a in served)
    if doses == 0:
        raise InputError(
            "process", f"the plan serves no dose from {process_id!r}: nothing to compare"
        )
    eop_per_dose = sum(a.dispensed_eop_bq for a in served) / doses
    year = plan.start_utc.year
    batches = stock_capped_batches(scenario, proc, available_dates(scenario, proc, year), year)

    if batches == 0:
        raise InputError("process", f"{process_id!r} can make no batch in {year}")
    cost = sum(r.fixed_cost + r.variable_cost for r in runs.values())
    growth, growth_note = _growth(scenario, proc.output)
    price, price_note = _agreement_price(scenario, runs, proc.output, served, doses)
    derived = Derived(
        process=process_id,
        product=proc.output,
        doses_per_week=doses,
        runs_per_week=len(runs),
        mean_eop_bq_per_dose=eop_per_dose,
        batches_per_year=batches,
        doses_per_batch=proc.batch_max / eop_per_dose,
        cost_per_dose=cost / doses,
        growth=growth,
        cdmo_price_per_dose=price,
        notes=(growth_note, price_note),
    )
    given = base or MakeOrBuyInputs()
    inputs = dataclasses.replace(
        given,
        demand_doses_year1=doses * WEEKS_PER_YEAR,
        demand_growth=growth,
        capacity_doses_per_year=batches * derived.doses_per_batch,
        variable_cost_per_dose=derived.cost_per_dose,
        cdmo_price_per_dose=price if price is not None else given.cdmo_price_per_dose,
    )
    return inputs, derived


def _growth(scenario: Scenario, product: str) -> tuple[float, str]:
    """Dose-weighted growth per year of the product's demand rates, and how it was found."""
    rates = [r for r in scenario.demand.rates if r.product == product]
    total = sum(r.doses_per_week for r in rates)
    if not rates or total <= 0:
        return 0.0, f"no demand rate for {product}: demand held flat"
    growth = sum(r.growth_per_year * r.doses_per_week for r in rates) / total
    return growth, f"growth {growth:.1%} a year: the {len(rates)} demand rate(s) of {product}"


def _agreement_price(
    scenario: Scenario,
    runs: dict[str, PlanRun],
    product: str,
    served: list[PlanAllocation],
    doses: int,
) -> tuple[float | None, str]:
    """CDMO price per dose from a supply agreement of the product, and how it was found.

    The agreement's price is per GBq delivered: each dose's activity at its arrival (its
    last leg's arrival, or its batch's release), by the product's decay constant.
    """
    priced = [
        c
        for c in scenario.policies.supply_agreements
        if c.product == product and c.price_per_gbq > 0
    ]
    if not priced:
        return None, f"no priced supply agreement for {product}: the CDMO price is an input"
    c = priced[0]
    data = default_data()
    lam = math.log(2) / data.half_life_s(data.canonical(scenario.product(product).nuclide))
    delivered = 0.0
    for a in served:
        eop = _t(a.end_of_production_utc)
        arrive = _t(a.legs[-1].arrive_utc) if a.legs else _t(runs[a.batch].release_utc)
        delivered += a.dispensed_eop_bq * math.exp(-lam * (arrive - eop))
    gbq = delivered / doses / 1e9
    price = c.price_per_gbq * gbq
    return price, (
        f"CDMO price {price:,.2f} a dose: agreement {c.supplier} -> {c.customer} at "
        f"{c.price_per_gbq:g} per GBq delivered x {gbq:.3f} GBq delivered a dose"
    )


def _t(value: datetime) -> float:
    return epoch(value)
