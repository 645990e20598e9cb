"""Tiny hand scenarios for the simulator, built in code (analytic answers in the tests)."""

from __future__ import annotations

from typing import Any

from isoflow.scenario.schema import Scenario

MONDAY = "2025-08-04T00:00:00Z"

LU = {
    "id": "lu",
    "stage": "drug_product",
    "nuclide": "Lu-177",
    "shelf_life": "5 d",
    "dose": {"activity": "7.4 GBq", "tolerance": 0.1},
}


def site(id_: str, kind: str, country: str = "KR") -> dict[str, Any]:
    return {
        "id": id_,
        "name": id_,
        "country": country,
        "lat": 37.5,
        "lon": 127.0,
        "timezone": "UTC",
        "kind": [kind],
    }


def maker(id_: str, site_id: str, day: str, qc: float, fixed_cost: float = 0.0) -> dict[str, Any]:
    """A feed-free process that may start only 06:00-07:00 on ``day``."""
    return {
        "id": id_,
        "site": site_id,
        "kind": "irradiation",
        "output": "lu",
        "batch_max": "100 GBq",
        "duration": "1 h",
        "qc_release": "1 h",
        "qc_failure_prob": qc,
        "fixed_cost": fixed_cost,
        "availability": {"windows": [{"days": [day], "start": "06:00", "end": "07:00"}]},
    }


def road(id_: str, origin: str, dest: str = "hosp") -> dict[str, Any]:
    return {"id": id_, "origin": origin, "destination": dest, "mode": "road", "transit": "2 h"}


def supply_case(
    p: float,
    backup: bool = False,
    bookings: int = 1,
    shelf: str = "5 d",
    tolerance: float = 0.1,
    disruptions: dict[str, Any] | None = None,
) -> Scenario:
    """Supplier A (Monday batch, QC failure ``p``) serves Friday bookings at one hospital.

    With ``backup`` an independent, costlier supplier B (Tuesday batch, same ``p``) can
    serve a booking once A's failure is known; nothing else can.
    """
    product = {**LU, "shelf_life": shelf, "dose": {"activity": "7.4 GBq", "tolerance": tolerance}}
    sites = [site("a", "reactor"), site("hosp", "hospital")]
    processes = [maker("make-a", "a", "Mon", p)]
    lanes = [road("a-hosp", "a")]
    if backup:
        sites.append(site("b", "reactor"))
        processes.append(maker("make-b", "b", "Tue", p, fixed_cost=1e6))
        lanes.append(road("b-hosp", "b"))
    data: dict[str, Any] = {
        "meta": {"name": "supply", "start": MONDAY, "horizon": "7 d"},
        "products": [product],
        "sites": sites,
        "processes": processes,
        "lanes": lanes,
        "demand": {
            "bookings": [
                {
                    "id": f"b{i}",
                    "hospital": "hosp",
                    "product": "lu",
                    "administration": f"2025-08-08T{10 + i:02d}:00:00Z",
                }
                for i in range(bookings)
            ]
        },
        "disruptions": disruptions or {},
    }
    return Scenario.model_validate(data)
