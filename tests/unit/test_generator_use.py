"""Generator waste accounting by hand: two Ge-68/Ga-68 generators sharing one elution slot.

Ge-68 (T½ 270.95 d) decays wholly to Ga-68 (T½ 67.71 min). Two generators of 1 and 3 GBq
Ge-68, calibrated Monday 00:00, arrive at 01:00 and are eluted completely (efficiency 1) on
Tuesday 00:00, 24 h later; 0.2 GBq of Ga-68 is dispensed from that slot. Each gives
``A·λd/(λd − λp)·(e^{−λp·t} − e^{−λd·t})`` and takes its share of the doses in proportion to
it (1:3). At the horizon's end (Wednesday 00:00) each holds the Ga-68 grown in since the
elution and ``A·e^{−λp·48 h}`` of Ge-68.
"""

from __future__ import annotations

import math
from datetime import datetime
from types import SimpleNamespace

import pytest

from isoflow.domain.calendar import from_epoch
from isoflow.scenario.generator_use import generator_use, use_kpis
from isoflow.scenario.schema import Scenario

DAY = 86400.0
LAM_P = math.log(2) / (270.95 * DAY)
LAM_D = math.log(2) / (67.71 * 60.0)
MONDAY = 1754265600.0  # 2025-08-04T00:00:00Z


def grown(a: float, since: float, t: float) -> float:
    """Ga-68 [Bq] at ``t`` grown since an empty column at ``since`` (``a`` Bq Ge-68 at 0)."""
    dt = t - since
    return (
        a
        * math.exp(-LAM_P * since)
        * LAM_D
        / (LAM_D - LAM_P)
        * (math.exp(-LAM_P * dt) - math.exp(-LAM_D * dt))
    )


def site(id_: str, kind: str) -> dict:
    return {
        "id": id_,
        "name": id_,
        "country": "KR",
        "lat": 0,
        "lon": 0,
        "timezone": "UTC",
        "kind": [kind],
    }


SCENARIO = Scenario.model_validate(
    {
        "meta": {"name": "ga", "start": "2025-08-04T00:00:00Z"},
        "products": [
            {
                "id": "ga-gen",
                "stage": "generator",
                "nuclide": "Ge-68",
                "daughter": "Ga-68",
                "shelf_life": "365 d",
            },
            {
                "id": "ga-dose",
                "stage": "drug_product",
                "nuclide": "Ga-68",
                "shelf_life": "4 h",
                "dose": {"activity": "150 MBq"},
            },
        ],
        "sites": [site("maker", "generator_maker"), site("rph", "radiopharmacy")],
        "processes": [
            {
                "id": "make",
                "site": "maker",
                "kind": "generator_assembly",
                "output": "ga-gen",
                "batch_max": "10 GBq",
            },
            {
                "id": "elute",
                "site": "rph",
                "kind": "elution",
                "output": "ga-dose",
                "inputs": [{"product": "ga-gen", "activity_feed": True}],
                "elution_efficiency": 1.0,
                "batch_max": "10 GBq",
            },
        ],
    }
)


def iso(t: float) -> datetime:
    """An epoch instant [s] as a plan time (an aware UTC datetime)."""
    return from_epoch(t)


def test_two_generators_share_the_slot_in_proportion_and_keep_their_tails():
    tue, wed = MONDAY + DAY, MONDAY + 2 * DAY
    gens = [
        SimpleNamespace(
            batch=f"make@{k}",
            product="ga-gen",
            site="rph",
            activity_calibration_bq=a,
            arrive_utc=iso(MONDAY + 3600),
            elutions=(SimpleNamespace(time_utc=iso(tue)),),
        )
        for k, a in (("a", 1e9), ("b", 3e9))
    ]
    runs = [
        SimpleNamespace(
            batch=g.batch, process="make", start_utc=iso(MONDAY), end_of_production_utc=iso(MONDAY)
        )
        for g in gens
    ] + [
        SimpleNamespace(
            batch="elute@tue", process="elute", start_utc=iso(tue), end_of_production_utc=iso(tue)
        )
    ]
    allocations = [SimpleNamespace(batch="elute@tue", dispensed_eop_bq=2e8)]
    rows = generator_use(SCENARIO, gens, runs, allocations, wed)
    assert [(r.batch, r.event, r.cause) for r in rows] == [
        ("make@a", "elution", "left_over"),
        ("make@a", "horizon_end", "in_generator"),
        ("make@b", "elution", "left_over"),
        ("make@b", "horizon_end", "in_generator"),
    ]
    for (elution, end), a in zip((rows[:2], rows[2:]), (1e9, 3e9), strict=True):
        assert elution.eluted_bq == pytest.approx(grown(a, 0.0, DAY), rel=1e-9)
        assert elution.dispensed_bq == pytest.approx(2e8 * a / 4e9, rel=1e-12)
        assert elution.waste_bq == pytest.approx(grown(a, 0.0, DAY) - 2e8 * a / 4e9, rel=1e-9)
        assert end.waste_bq == pytest.approx(grown(a, DAY, 2 * DAY), rel=1e-9)
        assert end.parent_left_bq == pytest.approx(a * math.exp(-LAM_P * 2 * DAY), rel=1e-9)
    k = use_kpis(rows)
    eluted = grown(4e9, 0.0, DAY)
    assert k["deliveries"] == 2
    assert k["dispensed_bq"] == pytest.approx(2e8, rel=1e-12)
    assert k["waste_share_of_eluted"] == pytest.approx(1 - 2e8 / eluted, rel=1e-9)
    assert k["waste_bq"] == pytest.approx(
        {"first_elution": 0.0, "no_doses": 0.0, "left_over": eluted - 2e8}, rel=1e-9
    )
