"""Tiny scenarios for the analysis tests, built in code so every number can be derived by hand."""

from __future__ import annotations

from typing import Any

from isoflow.scenario.schema import Scenario

MONDAY = "2025-08-04T00:00:00Z"

FDG: dict[str, Any] = {
    "id": "fdg",
    "stage": "drug_product",
    "nuclide": "F-18",
    "shelf_life": "10 h",
    "dose": {"activity": "370 MBq", "tolerance": 0.1},
}


def site(id_: str, kind: str, country: str = "KR", **extra: Any) -> dict[str, Any]:
    return {
        "id": id_,
        "name": id_,
        "country": country,
        "lat": 37.5,
        "lon": 127.0,
        "timezone": "UTC",
        "kind": [kind],
        **extra,
    }


def fdg_process(id_: str, site_id: str, batch_max: str = "100 GBq", **extra: Any) -> dict[str, Any]:
    return {
        "id": id_,
        "site": site_id,
        "kind": "synthesis",
        "output": "fdg",
        "batch_max": batch_max,
        "duration": "1 h",
        **extra,
    }


def booking(id_: str, hospital: str, when: str, product: str = "fdg") -> dict[str, Any]:
    return {"id": id_, "hospital": hospital, "product": product, "administration": when}


def road(
    id_: str, origin: str, destination: str, hours: float = 1.0, **extra: Any
) -> dict[str, Any]:
    return {
        "id": id_,
        "origin": origin,
        "destination": destination,
        "mode": "road",
        "transit": f"{hours} h",
        **extra,
    }


def scenario(**sections: Any) -> Scenario:
    data: dict[str, Any] = {"meta": {"name": "hand", "start": MONDAY, "horizon": "7 d"}}
    data.update(sections)
    return Scenario.model_validate(data)


def korea_japan() -> Scenario:
    """A Korean cyclotron serves Seoul by road and Tokyo by air; Tokyo's own cyclotron runs
    on Wednesdays only. Bookings: Seoul Tue and Thu, Tokyo Tue, Wed and Thu (12:00 UTC).

    By hand: without the Korean cyclotron only Tokyo's Wednesday dose is left (4 lost);
    without the Seoul-Tokyo flight or Korea's exports Tokyo keeps only Wednesday (2 lost);
    domestic production alone serves Seoul 2 of 2 and Tokyo 1 of 3.
    """
    return scenario(
        products=[FDG],
        sites=[
            site("cyc-kr", "cyclotron"),
            site("hosp-kr", "hospital"),
            site("cyc-jp", "cyclotron", country="JP"),
            site("hosp-jp", "hospital", country="JP"),
        ],
        processes=[
            fdg_process("fdg-kr", "cyc-kr"),
            fdg_process("fdg-jp", "cyc-jp", availability={"windows": [{"days": ["Wed"]}]}),
        ],
        lanes=[
            road("kr-road", "cyc-kr", "hosp-kr"),
            {
                "id": "kr-jp-air",
                "origin": "cyc-kr",
                "destination": "hosp-jp",
                "mode": "air",
                "transit": "2 h",
                "border": {"customs_delay": "1 h"},
            },
            road("jp-road", "cyc-jp", "hosp-jp"),
        ],
        demand={
            "bookings": [
                booking("k-tue", "hosp-kr", "2025-08-05T12:00:00Z"),
                booking("k-thu", "hosp-kr", "2025-08-07T12:00:00Z"),
                booking("j-tue", "hosp-jp", "2025-08-05T12:00:00Z"),
                booking("j-wed", "hosp-jp", "2025-08-06T12:00:00Z"),
                booking("j-thu", "hosp-jp", "2025-08-07T12:00:00Z"),
            ]
        },
    )


def generator_import() -> Scenario:
    """An Australian maker ships Mo-99/Tc-99m generators to a New Zealand hospital, which
    elutes them: the Tc-99m dose is made in New Zealand from an imported generator."""
    return scenario(
        products=[
            {
                "id": "tc-gen",
                "stage": "generator",
                "nuclide": "Mo-99",
                "daughter": "Tc-99m",
                "shelf_life": "14 d",
            },
            {
                "id": "tc-dose",
                "stage": "drug_product",
                "nuclide": "Tc-99m",
                "shelf_life": "12 h",
                "dose": {"activity": "740 MBq", "tolerance": 0.25},
            },
        ],
        sites=[site("maker", "generator_maker", country="AU"), site("hosp", "hospital", "NZ")],
        processes=[
            {
                "id": "assemble",
                "site": "maker",
                "kind": "generator_assembly",
                "output": "tc-gen",
                "batch_max": "100 GBq",
            },
            {
                "id": "elute",
                "site": "hosp",
                "kind": "elution",
                "output": "tc-dose",
                "inputs": [{"product": "tc-gen", "activity_feed": True}],
                "batch_max": "40 GBq",
                "availability": {"windows": [{"start": "05:00", "end": "16:00"}]},
            },
        ],
        lanes=[
            {
                "id": "au-nz",
                "origin": "maker",
                "destination": "hosp",
                "mode": "air",
                "transit": "4 h",
                "border": {"customs_delay": "2 h"},
            }
        ],
        demand={"bookings": [booking("t1", "hosp", "2025-08-06T10:00:00Z", "tc-dose")]},
    )
