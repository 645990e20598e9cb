"""Capacity against demand week by week over a year: the weeks two sites are down together.

Annual totals hide the weeks that matter: two reactors in planned outage the same fortnight
leave the world short while the year looks comfortable. :func:`weekly_profile` gives, for
every week of the year (seven-day blocks from 1 January; the year's last one or two days
belong to week 52, which is then eight or nine days long), isotope and region:

* capacity = ``Σ batch_max · batches(week) · (1 − qc_failure_prob)`` over the supply
  processes of the region, with the batches of each week from the process's calendar and its
  stocks (:func:`~isoflow.engines.analysis.batches.weekly_batches`, the same counts that make
  the annual capacity);
* demand = the year's demand of the region from its rates (:func:`~isoflow.engines.analysis.
  capacity.capacity_vs_demand`, the same conversion of doses to supply activity) times the
  block's share of the year's days, plus the export orders (orders at markets) calibrated in
  the block (their local date at the market), and the required capacity with the outage
  reserve;
* the sites that make the isotope in the year but nothing in that week (``sites_down``).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from isoflow.engines.analysis.batches import (
    available_dates,
    days_in_year,
    week_of,
    weekly_batches,
)
from isoflow.engines.analysis.capacity import (
    CapacityOptions,
    capacity_vs_demand,
    in_six_day_ci,
    is_supply_process,
    passed_per_batch,
    row_keys,
)
from isoflow.scenario.schema import Scenario

WEEKS_IN_PROFILE = 52
"""Weeks of a profile: 52 (the last takes the one or two days left over)."""


@dataclass(frozen=True)
class WeekRow:
    """Capacity against demand in one week, for one isotope and region. Activities at EOP."""

    year: int
    week: int
    """1 to 52: seven-day blocks from 1 January (week 52 takes the year's last days)."""
    isotope: str
    region: str
    capacity_bq: float
    demand_bq: float
    required_bq: float
    """Demand plus outage reserve."""
    status: Literal["ok", "below_reserve", "shortfall"]
    sites_down: str
    """Sites making the isotope in the year but nothing this week, ``;``-separated."""
    capacity_six_day_ci: float | None = None
    """Mo-99 only: ``capacity_bq`` in six-day curies."""


def weekly_profile(
    scenario: Scenario, year: int, options: CapacityOptions | None = None
) -> tuple[WeekRow, ...]:
    """Capacity and demand per week of ``year``, isotope and region (module docstring)."""
    opts = dataclasses.replace(options or CapacityOptions(), first_year=year, last_year=year)
    result = capacity_vs_demand(scenario, opts)
    annual = {(r.isotope, r.region): r for r in result.rows}
    n_weeks = WEEKS_IN_PROFILE
    exported: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0] * n_weeks)
    for e in result.exports:
        for key in row_keys(e.isotope, e.country, opts.grouping):
            exported[key][min(week_of(e.day, year), n_weeks - 1)] += e.demand_bq
    capacity: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0] * n_weeks)
    output: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(
        lambda: defaultdict(lambda: [0.0] * n_weeks)
    )
    for proc in scenario.processes:
        if not is_supply_process(scenario, proc):
            continue
        isotope = scenario.product(proc.output).nuclide
        country = scenario.site(proc.site).country
        per_batch = passed_per_batch(proc)
        dates = available_dates(scenario, proc, year)
        for block, batches in weekly_batches(scenario, proc, dates, year).items():
            week = min(block, n_weeks - 1)
            for key in row_keys(isotope, country, opts.grouping):
                capacity[key][week] += per_batch * batches
                output[key][proc.site][week] += per_batch * batches
    rows = []
    for key in sorted(set(annual) | set(capacity)):
        exports = exported.get(key, [0.0] * n_weeks)
        rates_year = result.rate_demand_bq.get((year, *key), 0.0)
        for week in range(n_weeks):
            days = 7 if week < n_weeks - 1 else days_in_year(year) - 7 * (n_weeks - 1)
            share = days / days_in_year(year)
            cap = capacity[key][week]
            dem = rates_year * share + exports[week]
            required = dem * (1.0 + opts.reserve_margin)
            down = sorted(
                site
                for site, weeks in output[key].items()
                if weeks[week] <= 0.0 and any(w > 0.0 for w in weeks)
            )
            status: Literal["ok", "below_reserve", "shortfall"] = (
                "shortfall" if cap < dem else "below_reserve" if cap < required else "ok"
            )
            rows.append(
                WeekRow(
                    year=year,
                    week=week + 1,
                    isotope=key[0],
                    region=key[1],
                    capacity_bq=cap,
                    demand_bq=dem,
                    required_bq=required,
                    status=status,
                    sites_down=";".join(down),
                    capacity_six_day_ci=in_six_day_ci(key[0], cap),
                )
            )
    return tuple(rows)
