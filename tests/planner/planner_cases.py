"""Tiny hand-checkable scenarios for the planner, built in code."""

from __future__ import annotations

from typing import Any

from isoflow.scenario.schema import Scenario

MONDAY = "2025-08-04T00:00:00Z"


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


def scenario(**sections: Any) -> Scenario:
    data: dict[str, Any] = {"meta": {"name": "hand", "start": MONDAY, "horizon": "7 d"}}
    data.update(sections)
    return Scenario.model_validate(data)


FDG = {
    "id": "fdg",
    "stage": "drug_product",
    "nuclide": "F-18",
    "shelf_life": "10 h",
    "dose": {"activity": "370 MBq", "tolerance": 0.1},
}
