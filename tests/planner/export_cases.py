"""Two reactors, an export market and a hospital: export demand competing for a batch.

OPAL (AU) and HFR (NL) each make one batch of bulk Lu-177 (T½ 6.647 d), started Monday
4 August 2025 06:00 UTC and ending (EOP) Tuesday 00:00 after 18 h: OPAL at most 100 GBq, HFR
30 GBq. Europe ('eu', a market in NL) orders 5 units of 10 GBq at calibration Wednesday 12:00,
priority 1, by road from HFR (2 h) or by air from OPAL (20 h). OPAL's bulk alone reaches the
hospital, through the CDMO (road 2 h; labelling with no loss; road 1 h to the hospital), which
orders 10 doses of 7.4 GBq Lu-PSMA for Friday 12:00, priority 3.
"""

from __future__ import annotations

from typing import Any

from planner_cases import scenario, site

from isoflow.scenario.schema import Scenario

LU177_HALF_LIFE_D = 6.647  # ICRP-107
GBQ = 1e9


def irradiation(id_: str, site_id: str, batch_max: str, qc_failure: float = 0.0) -> dict[str, Any]:
    """One batch a week: it may start only on Monday at 06:00 and lasts 18 h."""
    return {
        "id": id_,
        "site": site_id,
        "kind": "irradiation",
        "output": "lu177",
        "batch_max": batch_max,
        "duration": "18 h",
        "qc_failure_prob": qc_failure,
        "availability": {"windows": [{"days": ["Mon"], "start": "06:00", "end": "06:01"}]},
    }


def road(id_: str, origin: str, destination: str, transit: str, mode: str = "road") -> dict:
    return {
        "id": id_,
        "origin": origin,
        "destination": destination,
        "mode": mode,
        "transit": transit,
    }


def two_reactors(export_units: int = 5, hfr_qc_failure: float = 0.0) -> Scenario:
    """The network of the module docstring (``export_units`` 0: no export order)."""
    orders: list[dict[str, Any]] = [
        {
            "id": "psma",
            "hospital": "hosp",
            "product": "lu-psma",
            "calibration": "2025-08-08T12:00:00Z",
            "doses": 10,
        }
    ]
    if export_units:
        orders.insert(
            0,
            {
                "id": "eu-lu",
                "hospital": "eu",
                "product": "lu177",
                "calibration": "2025-08-06T12:00:00Z",
                "doses": export_units,
                "activity": "10 GBq",
                "priority": 1,
            },
        )
    return scenario(
        products=[
            {"id": "lu177", "stage": "bulk_isotope", "nuclide": "Lu-177", "shelf_life": "14 d"},
            {
                "id": "lu-psma",
                "stage": "drug_product",
                "nuclide": "Lu-177",
                "shelf_life": "5 d",
                "dose": {"activity": "7.4 GBq"},
            },
        ],
        sites=[
            site("opal", "reactor", "AU"),
            site("hfr", "reactor", "NL"),
            site("cdmo", "cdmo", "AU"),
            site("hosp", "hospital", "AU"),
            site("eu", "market", "NL", name="Europe via AMS"),
        ],
        processes=[
            irradiation("opal-irr", "opal", "100 GBq"),
            irradiation("hfr-irr", "hfr", "30 GBq", hfr_qc_failure),
            {
                "id": "label",
                "site": "cdmo",
                "kind": "labelling",
                "output": "lu-psma",
                "inputs": [{"product": "lu177", "activity_feed": True}],
                "batch_max": "1000 GBq",
            },
        ],
        lanes=[
            road("opal-cdmo", "opal", "cdmo", "2 h"),
            road("cdmo-hosp", "cdmo", "hosp", "1 h"),
            road("opal-eu", "opal", "eu", "20 h", mode="air"),
            road("hfr-eu", "hfr", "eu", "2 h"),
        ],
        demand={"orders": orders},
    )
