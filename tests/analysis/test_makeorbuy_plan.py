"""Make-or-buy from a scenario's process and its plan, every derived input by hand.

The order week of :mod:`test_orders` (tests/planner): one cyclotron, runs of at most
2.5 GBq, 100 USD per GBq made, windows 05:00-09:00 daily with up to four runs a day; an order
of five 370 MBq doses at 10:00 on Tuesday, served 2 from the run ending 07:00 and 3 from the
one ending 08:00, both on the 08:30 van (arrival 09:30). A supply agreement sells F-18 at
50 USD per GBq delivered.
"""

from __future__ import annotations

import pytest
from test_orders import DOSE_BQ, F18_HALF_LIFE_S, OPTIONS, PER_GBQ, need_at_eop, order_week

from isoflow.engines.analysis.makeorbuy import MakeOrBuyInputs
from isoflow.engines.analysis.makeorbuy_plan import WEEKS_PER_YEAR, inputs_from_plan
from isoflow.engines.planner.api import make_plan
from isoflow.errors import InputError


def with_agreement():
    sc = order_week(5)
    deal = {
        "id": "deal",
        "supplier": "cyc",
        "customer": "hosp",
        "product": "fdg",
        "price_per_gbq": 50.0,
    }
    policies = sc.policies.model_validate({"supply_agreements": [deal]})
    return sc.model_copy(update={"policies": policies})


def test_inputs_come_from_the_process_and_its_plan_by_hand() -> None:
    sc = with_agreement()
    plan = make_plan(sc, OPTIONS)
    base = MakeOrBuyInputs(capex=1e6, opex_per_year=1e5)
    x, d = inputs_from_plan(sc, plan, "fdg-run", base)
    made = 2 * need_at_eop(7.0) + 3 * need_at_eop(8.0)
    assert (d.doses_per_week, d.runs_per_week) == (5, 2)
    assert d.mean_eop_bq_per_dose == pytest.approx(made / 5, rel=1e-9)
    # 2025: 365 days x 4 runs; 2.5 GBq a run over the mean activity a dose takes at EOP
    assert d.batches_per_year == 365 * 4
    assert x.capacity_doses_per_year == pytest.approx(1460 * 2.5e9 / (made / 5), rel=1e-9)
    assert x.demand_doses_year1 == pytest.approx(5 * 365.2425 / 7, rel=1e-12)
    assert pytest.approx(52.1775, rel=1e-6) == WEEKS_PER_YEAR
    assert x.variable_cost_per_dose == pytest.approx(PER_GBQ * made / 1e9 / 5, rel=1e-9)
    assert x.demand_growth == 0.0  # no demand rate: flat, and said so
    assert "no demand rate" in d.notes[0]
    # delivered at 09:30, half an hour before the 370 MBq dose is due
    delivered_gbq = DOSE_BQ * 2 ** (0.5 * 3600 / F18_HALF_LIFE_S) / 1e9
    assert x.cdmo_price_per_dose == pytest.approx(50.0 * delivered_gbq, rel=1e-9)
    # what the scenario does not hold comes from the given inputs
    assert (x.capex, x.opex_per_year) == (1e6, 1e5)


def test_a_process_the_plan_does_not_use_is_refused() -> None:
    sc = order_week(5)
    plan = make_plan(sc, OPTIONS)
    with pytest.raises(InputError, match="no process 'nowhere'"):
        inputs_from_plan(sc, plan, "nowhere")
    unused = plan.model_copy(update={"allocations": ()})
    with pytest.raises(InputError, match="serves no dose"):
        inputs_from_plan(sc, unused, "fdg-run")
