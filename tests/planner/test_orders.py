"""Orders of several doses, hand-solved: split over batches, single batch, served in part.

One cyclotron (runs of 1 h, QC 30 min, at most ``batch_max`` each, never two at once), one
hospital 1 h away by road (dispensing buffer 30 min). Doses of 370 MBq at 10:00 on Tuesday:
the latest run that reaches the hospital in time starts at 07:00 (EOP 08:00, release 08:30,
arrival 09:30); the one before it, back to back, at 06:00 (EOP 07:00). Per dose a run must
make ``370 MBq · 2^(Δt / T½)`` at EOP, with ``Δt`` from EOP to 10:00 and the F-18 half-life
``T½`` (109.77 min, NNDC). With ``batch_max`` 2.5 GBq the 08:00 batch holds 3 doses
(3 x 0.790 GBq = 2.37 GBq) and the 07:00 batch 2 (2 x 1.153 GBq = 2.31 GBq).
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from planner_cases import FDG, scenario, site

from isoflow.engines.planner.api import PlanOptions, make_plan
from isoflow.engines.planner.solve import SolveOptions
from isoflow.engines.verify import verify
from isoflow.scenario.schema import Scenario
from isoflow.units import to_iso

F18_HALF_LIFE_S = 109.77 * 60.0  # NNDC: 109.77 min
DOSE_BQ = 370e6
OPTIONS = PlanOptions(lead_s=0.0, solve=SolveOptions(time_limit_s=20.0, mip_gap=1e-6))
PER_GBQ = 100.0


def need_at_eop(eop_hour: float, admin_hour: float = 10.0) -> float:
    """Activity [Bq] a dose needs at an EOP of ``eop_hour`` for 370 MBq at ``admin_hour``."""
    return DOSE_BQ * 2.0 ** ((admin_hour - eop_hour) * 3600.0 / F18_HALF_LIFE_S)


def order_week(doses: int, *, single_batch: bool = False, per_day: int = 4) -> Scenario:
    order: dict[str, Any] = {
        "id": "order",
        "hospital": "hosp",
        "product": "fdg",
        "calibration": "2025-08-05T10:00:00Z",
        "doses": doses,
        "single_batch": single_batch,
    }
    return scenario(
        products=[FDG],
        sites=[site("cyc", "cyclotron"), site("hosp", "hospital")],
        processes=[
            {
                "id": "fdg-run",
                "site": "cyc",
                "kind": "synthesis",
                "output": "fdg",
                "batch_max": "2.5 GBq",
                "duration": "1 h",
                "qc_release": "30 min",
                "max_batches_per_day": per_day,
                "variable_cost_per_gbq": PER_GBQ,
                "availability": {"windows": [{"start": "05:00", "end": "09:00"}]},
            }
        ],
        lanes=[
            {
                "id": "road",
                "origin": "cyc",
                "destination": "hosp",
                "mode": "road",
                "transit": "1 h",
                "cost_per_shipment": 50.0,
                "cost_per_package": 2.0,
            }
        ],
        demand={"orders": [order]},
    )


def hour(text: str) -> float:
    """Hour of day of an ISO instant on Tuesday 2025-08-05."""
    assert text.startswith("2025-08-05T")
    hh, mm, rest = text[11:].rstrip("Z").split(":")
    return int(hh) + int(mm) / 60 + float(rest) / 3600


def test_an_order_too_big_for_one_batch_is_split_over_two_with_exact_decay() -> None:
    sc = order_week(5)
    plan = make_plan(sc, OPTIONS)
    assert verify(plan, sc) == []
    assert plan.unserved == ()
    by_eop = sorted((hour(to_iso(a.end_of_production_utc)), a.doses) for a in plan.allocations)
    assert by_eop == [(7.0, 2), (8.0, 3)]
    for a in plan.allocations:
        eop = hour(to_iso(a.end_of_production_utc))
        assert a.activity_eop_bq == pytest.approx(need_at_eop(eop), rel=1e-6)
        assert a.activity_admin_bq == pytest.approx(DOSE_BQ, rel=1e-6)
    made = 2 * need_at_eop(7.0) + 3 * need_at_eop(8.0)
    assert sum(r.activity_eop_bq for r in plan.runs) == pytest.approx(made, rel=1e-6)
    # the earlier batch waits for the later one: one van at 08:30 with five packages
    (van,) = plan.shipments
    assert (hour(to_iso(van.depart_utc)), van.packages) == (8.5, 5)
    transport = 50.0 + 5 * 2.0
    assert plan.kpis["cost"]["total"] == pytest.approx(PER_GBQ * made / 1e9 + transport, rel=1e-6)
    assert plan.kpis.model_dump()["doses"] == {
        "total": 5,
        "served": 5,
        "unserved": 0,
        "served_share": 1.0,
    }
    assert plan.kpis.model_dump()["orders"] == {
        "total": 1,
        "served": 1,
        "part_served": 0,
        "unserved": 0,
    }
    assert plan.kpis["patients"]["total"] == 0


def test_a_single_batch_order_is_served_whole_or_not_at_all() -> None:
    three = order_week(3, single_batch=True)
    plan = make_plan(three, OPTIONS)
    assert verify(plan, three) == []
    (a,) = plan.allocations
    assert (a.doses, hour(to_iso(a.end_of_production_utc))) == (3, 8.0)
    assert a.activity_eop_bq == pytest.approx(need_at_eop(8.0), rel=1e-6)
    # four doses of 0.790 GBq make 3.16 GBq, more than a 2.5 GBq batch: none is served
    four = order_week(4, single_batch=True)
    plan = make_plan(four, OPTIONS)
    assert verify(plan, four) == []
    assert plan.allocations == ()
    (u,) = plan.unserved
    assert (u.booking, u.doses, u.reason) == ("order", 4, "exceeds_batch_max")


def test_an_order_beyond_capacity_is_served_in_part_and_the_rest_listed_short() -> None:
    sc = order_week(5, per_day=1)
    plan = make_plan(sc, OPTIONS)
    assert verify(plan, sc) == []
    (a,) = plan.allocations
    assert (a.doses, hour(to_iso(a.end_of_production_utc))) == (3, 8.0)
    (u,) = plan.unserved
    assert (u.booking, u.doses, u.reason) == ("order", 2, "capacity_exhausted")
    assert plan.kpis["doses"]["served"] == 3
    assert plan.kpis["orders"]["part_served"] == 1
    assert math.isclose(plan.kpis["doses"]["served_share"], 0.6)
