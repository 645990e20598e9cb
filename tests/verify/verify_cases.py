"""Tiny scenarios for the verifier's tests, and plan-editing helpers for mutations.

Three networks, each planned once per test module:

* :func:`chain_scenario`: bulk Lu-177 irradiated in Australia (local-time window and
  timetable), flown across a border with customs to a Korean CDMO under a priced supply
  agreement, labelled into a drug and sent by road to a Korean hospital and by a timetabled
  flight (border, customs) plus an on-demand road leg to a Japanese hospital; every lane
  charges per shipment and per package; products carry a transport index.
* :func:`generator_scenario`: Mo-99/Tc-99m generators of offered sizes delivered by a priced
  van and eluted daily at the hospital.
* :func:`fdg_scenario`: one cyclotron making two F-18 batches the same morning for two
  hospitals.
* :func:`orders_scenario`: the same cyclotron with small batches, serving orders: one of
  five doses split over two batches, one single-batch order of two doses.

Prices and figures are typed here so that tests derive costs by hand.
"""

from __future__ import annotations

from typing import Any

from planner_cases import FDG, MONDAY, site

from isoflow.engines.planner.api import PlanOptions
from isoflow.engines.planner.candidates import CandidateOptions
from isoflow.engines.planner.solve import SolveOptions
from isoflow.records.plan import Plan
from isoflow.scenario.schema import Scenario

__all__ = [
    "MONDAY",
    "OPTIONS",
    "chain_scenario",
    "fdg_scenario",
    "generator_scenario",
    "orders_scenario",
]

OPTIONS = PlanOptions(lead_s=0.0, solve=SolveOptions(time_limit_s=10.0, mip_gap=1e-6))
HOURLY = PlanOptions(
    lead_s=0.0,
    solve=SolveOptions(time_limit_s=10.0, mip_gap=1e-6),
    candidates=CandidateOptions(start_step_half_lives=0.5),
)

# --------------------------------------------------------------------------- chain

IRRADIATION_FIXED = 5000.0
IRRADIATION_PER_GBQ = 2.0
LABEL_FIXED = 1000.0
LABEL_PER_GBQ = 10.0
AGREEMENT_PRICE = 20.0
LANE_PRICES = {  # lane: (per shipment, per package)
    "au-kr": (800.0, 40.0),
    "kr-road": (100.0, 10.0),
    "kr-jp": (500.0, 25.0),
    "jp-road": (60.0, 5.0),
}


def _lane(id_: str, origin: str, destination: str, mode: str, transit: str, **extra: Any) -> dict:
    per_shipment, per_package = LANE_PRICES[id_]
    return {
        "id": id_,
        "origin": origin,
        "destination": destination,
        "mode": mode,
        "transit": transit,
        "cost_per_shipment": per_shipment,
        "cost_per_package": per_package,
        **extra,
    }


def chain_processes() -> list[dict[str, Any]]:
    """The chain's irradiation and labelling."""
    return [
        {
            "id": "irradiate",
            "site": "reactor",
            "kind": "irradiation",
            "output": "lu-bulk",
            "batch_max": "200 GBq",
            "duration": "1 d",
            "qc_release": "1 h",
            "fixed_cost": IRRADIATION_FIXED,
            "variable_cost_per_gbq": IRRADIATION_PER_GBQ,
            # Monday 10:00 in Sydney (AEST, +10) is Monday 00:00 UTC
            "availability": {"windows": [{"days": ["Mon"], "start": "10:00", "end": "11:00"}]},
        },
        {
            "id": "label",
            "site": "cdmo",
            "kind": "labelling",
            "output": "lu-psma",
            "inputs": [{"product": "lu-bulk", "activity_feed": True}],
            "yield_fraction": 0.9,
            "batch_min": "50 GBq",
            "batch_max": "100 GBq",
            "duration": "2 h",
            "qc_release": "1 h",
            "fixed_cost": LABEL_FIXED,
            "variable_cost_per_gbq": LABEL_PER_GBQ,
            "availability": {"windows": [{"days": ["Wed"], "start": "06:00", "end": "06:30"}]},
        },
    ]


def chain_lanes() -> list[dict[str, Any]]:
    """The chain's lanes, each priced per shipment and per package."""
    return [
        # Tuesday 14:00 Sydney = Tuesday 04:00 UTC; 10 h flight + 2 h customs
        _lane(
            "au-kr",
            "reactor",
            "cdmo",
            "air",
            "10 h",
            timetable=[{"days": ["Tue"], "time": "14:00", "flight": "QF1"}],
            border={"customs_delay": "2 h"},
        ),
        _lane("kr-road", "cdmo", "hosp-kr", "road", "1 h"),
        # Wednesday 10:00 at the CDMO (UTC); 2.5 h flight + 1 h customs
        _lane(
            "kr-jp",
            "cdmo",
            "hub",
            "air",
            "2.5 h",
            timetable=[{"days": ["Wed"], "time": "10:00", "flight": "KE1"}],
            border={"customs_delay": "1 h"},
        ),
        _lane("jp-road", "hub", "onc-jp", "road", "1 h"),
    ]


def chain_policies() -> dict[str, Any]:
    """The chain's approvals, restrictions and contracts."""
    return {
        "approvals": [{"product": "lu-psma", "countries": ["KR", "JP"]}],
        # not in force during the week: exercises the rule without binding
        "export_restrictions": [{"country": "AU", "start": "2025-09-01T00:00:00Z"}],
        # Japanese doses must pass through the hub (they do: it is the only way)
        "exclusive_distribution": [
            {
                "id": "jp-excl",
                "product": "lu-psma",
                "supplier": "cdmo",
                "distributor": "hub",
                "countries": ["JP"],
            }
        ],
        "supply_agreements": [
            {
                "id": "au-supply",
                "supplier": "reactor",
                "customer": "cdmo",
                "product": "lu-bulk",
                "price_per_gbq": AGREEMENT_PRICE,
                "max_per_week": "150 GBq",
            }
        ],
    }


def chain_data() -> dict[str, Any]:
    """The chain scenario as plain data (edit a copy, then :func:`Scenario.model_validate`)."""
    bulk = {
        "id": "lu-bulk",
        "stage": "bulk_isotope",
        "nuclide": "Lu-177",
        "shelf_life": "10 d",
        "transport": {"ti_per_gbq": 0.01},
    }
    drug = {
        "id": "lu-psma",
        "stage": "drug_product",
        "nuclide": "Lu-177",
        "shelf_life": "5 d",
        "dose": {"activity": "7.4 GBq", "tolerance": 0.05},
        "transport": {"ti_per_gbq": 0.05},
    }
    sites = [
        site("reactor", "reactor", country="AU", timezone="Australia/Sydney"),
        site("cdmo", "cdmo", gmp_markets=["KR", "JP"]),
        site("hub", "hub", country="JP", timezone="Asia/Tokyo"),
        site("onc-jp", "hospital", country="JP", timezone="Asia/Tokyo"),
        site("hosp-kr", "hospital"),
    ]
    bookings = [{"id": f"kr{i}", "hospital": "hosp-kr", "product": "lu-psma"} for i in range(2)] + [
        {"id": f"jp{i}", "hospital": "onc-jp", "product": "lu-psma"} for i in range(2)
    ]
    for b in bookings:
        b["administration"] = (
            "2025-08-06T14:00:00Z" if b["hospital"] == "hosp-kr" else "2025-08-06T18:00:00Z"
        )
    return {
        "meta": {"name": "chain", "start": MONDAY, "horizon": "7 d"},
        "products": [bulk, drug],
        "sites": sites,
        "processes": chain_processes(),
        "lanes": chain_lanes(),
        "demand": {"bookings": bookings},
        "policies": chain_policies(),
    }


def chain_scenario() -> Scenario:
    """The chain scenario (see the module docstring)."""
    return Scenario.model_validate(chain_data())


# --------------------------------------------------------------------------- generator

ASSEMBLY_FIXED = 200.0
ASSEMBLY_PER_GBQ = 50.0
VAN = (30.0, 15.0)


def generator_data() -> dict[str, Any]:
    """The generator scenario as plain data."""
    gen = {
        "id": "tc-gen",
        "stage": "generator",
        "nuclide": "Mo-99",
        "daughter": "Tc-99m",
        "shelf_life": "14 d",
        "sizes": ["5 GBq", "10 GBq"],
    }
    dose = {
        "id": "tc-dose",
        "stage": "drug_product",
        "nuclide": "Tc-99m",
        "shelf_life": "12 h",
        "dose": {"activity": "1 GBq", "tolerance": 0.1},
    }
    bookings = [
        {
            "id": f"d{i}",
            "hospital": "hosp",
            "product": "tc-dose",
            "administration": f"2025-08-0{5 + i // 4}T{8 + i % 4:02d}:00:00Z",
        }
        for i in range(8)
    ]
    return {
        "meta": {"name": "generators", "start": MONDAY, "horizon": "7 d"},
        "products": [gen, dose],
        "sites": [site("maker", "generator_maker"), site("hosp", "hospital")],
        "processes": [
            {
                "id": "assemble",
                "site": "maker",
                "kind": "generator_assembly",
                "output": "tc-gen",
                "batch_max": "1 TBq",
                "fixed_cost": ASSEMBLY_FIXED,
                "variable_cost_per_gbq": ASSEMBLY_PER_GBQ,
                "availability": {"windows": [{"days": ["Mon"], "start": "00:00", "end": "01:00"}]},
            },
            {
                "id": "elute",
                "site": "hosp",
                "kind": "elution",
                "output": "tc-dose",
                "inputs": [{"product": "tc-gen", "activity_feed": True}],
                "elution_efficiency": 0.9,
                "batch_max": "1 TBq",
                "availability": {"windows": [{"start": "06:00", "end": "06:30"}]},
            },
        ],
        "lanes": [
            {
                "id": "van",
                "origin": "maker",
                "destination": "hosp",
                "mode": "road",
                "transit": "2 h",
                "cost_per_shipment": VAN[0],
                "cost_per_package": VAN[1],
            }
        ],
        "demand": {"bookings": bookings},
    }


def generator_scenario() -> Scenario:
    """The generator scenario."""
    return Scenario.model_validate(generator_data())


# --------------------------------------------------------------------------- fdg

FDG_PER_GBQ = 100.0


def fdg_data() -> dict[str, Any]:
    """Two F-18 batches the same morning (no fixed cost, so two small runs beat one)."""
    return {
        "meta": {"name": "fdg", "start": MONDAY, "horizon": "7 d"},
        "products": [FDG],
        "sites": [site("cyc", "cyclotron"), site("near", "hospital"), site("far", "hospital")],
        "processes": [
            {
                "id": "fdg-run",
                "site": "cyc",
                "kind": "synthesis",
                "output": "fdg",
                "batch_max": "100 GBq",
                "duration": "1 h",
                "qc_release": "30 min",
                "max_batches_per_day": 4,
                "variable_cost_per_gbq": FDG_PER_GBQ,
                "availability": {"windows": [{"start": "05:00", "end": "09:00"}]},
            }
        ],
        "lanes": [
            {
                "id": "to-near",
                "origin": "cyc",
                "destination": "near",
                "mode": "road",
                "transit": "1 h",
                "cost_per_shipment": 50.0,
            },
            {
                "id": "to-far",
                "origin": "cyc",
                "destination": "far",
                "mode": "road",
                "transit": "3 h",
                "cost_per_shipment": 50.0,
            },
        ],
        "demand": {
            "bookings": [
                {
                    "id": "A",
                    "hospital": "near",
                    "product": "fdg",
                    "administration": "2025-08-05T10:00:00Z",
                },
                {
                    "id": "B",
                    "hospital": "far",
                    "product": "fdg",
                    "administration": "2025-08-05T10:00:00Z",
                },
                # too soon after the horizon opens: listed unserved
                {
                    "id": "C",
                    "hospital": "near",
                    "product": "fdg",
                    "administration": "2025-08-04T00:30:00Z",
                },
                # after the horizon: neither planned nor listed
                {
                    "id": "D",
                    "hospital": "near",
                    "product": "fdg",
                    "administration": "2025-08-12T10:00:00Z",
                },
            ]
        },
    }


def fdg_scenario() -> Scenario:
    """The F-18 scenario."""
    return Scenario.model_validate(fdg_data())


ORDER_PACKAGE = 2.0
"""Price per package on the orders network's road lane."""


def orders_data() -> dict[str, Any]:
    """Orders from one cyclotron of 2.5 GBq batches: five doses (split) and two (together)."""
    data = fdg_data()
    data["meta"]["name"] = "orders"
    data["processes"][0].update(batch_max="2.5 GBq", max_batches_per_day=4)
    data["sites"] = data["sites"][:2]
    data["lanes"] = [{**data["lanes"][0], "cost_per_package": ORDER_PACKAGE}]
    data["demand"] = {
        "orders": [
            {
                "id": "split",
                "hospital": "near",
                "product": "fdg",
                "calibration": "2025-08-05T10:00:00Z",
                "doses": 5,
            },
            {
                "id": "whole",
                "hospital": "near",
                "product": "fdg",
                "calibration": "2025-08-06T10:00:00Z",
                "doses": 2,
                "single_batch": True,
            },
        ]
    }
    return data


def orders_scenario() -> Scenario:
    """The orders scenario."""
    return Scenario.model_validate(orders_data())


def dump(plan: Plan) -> dict[str, Any]:
    """A plan as editable plain data."""
    return plan.model_dump(mode="python")
