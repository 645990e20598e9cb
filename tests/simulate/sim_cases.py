"""Tiny hand scenarios for the simulator, built in code (analytic answers in the tests)."""

from __future__ import annotations

from typing import Any

from test_orders import order_week

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


def road(id_: str, origin: str, dest: str = "hosp", transit: str = "2 h") -> dict[str, Any]:
    return {"id": id_, "origin": origin, "destination": dest, "mode": "road", "transit": transit}


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


FDG = {
    "id": "fdg",
    "stage": "drug_product",
    "nuclide": "F-18",
    "shelf_life": "10 h",
    "dose": {"activity": "370 MBq", "tolerance": 0.1},
}


def cyclotron(
    id_: str, site_id: str, qc: float, batch_max: str = "2.5 GBq", fixed_cost: float = 0.0
) -> dict[str, Any]:
    """An FDG synthesis, runs of 1 h, QC 30 min, at most 4 a day from 05:00 to 09:00."""
    return {
        "id": id_,
        "site": site_id,
        "kind": "synthesis",
        "output": "fdg",
        "batch_max": batch_max,
        "duration": "1 h",
        "qc_release": "30 min",
        "qc_failure_prob": qc,
        "max_batches_per_day": 4,
        "fixed_cost": fixed_cost,
        "availability": {"windows": [{"start": "05:00", "end": "09:00"}]},
    }


def order_case(p: float, disruptions: dict[str, Any] | None = None) -> Scenario:
    """Orders next to a booking: cyclotron A serves them, a costly B is the backup.

    Tuesday 10:00: an order of 5 doses (more than one of A's 2.5 GBq batches holds: split);
    Wednesday 10:00: an order of 3 doses from a single batch, and a patient booking. B's
    batches (25 GBq) hold every dose of a day. Both cyclotrons fail QC with probability
    ``p``; each is 1 h by road from the hospital.
    """
    data: dict[str, Any] = {
        "meta": {"name": "orders", "start": MONDAY, "horizon": "7 d"},
        "products": [FDG],
        "sites": [site("cyc-a", "cyclotron"), site("cyc-b", "cyclotron"), site("hosp", "hospital")],
        "processes": [
            cyclotron("fdg-a", "cyc-a", p),
            cyclotron("fdg-b", "cyc-b", p, "25 GBq", fixed_cost=1e5),
        ],
        "lanes": [road("a-hosp", "cyc-a", transit="1 h"), road("b-hosp", "cyc-b", transit="1 h")],
        "demand": {
            "orders": [
                {
                    "id": "split",
                    "hospital": "hosp",
                    "product": "fdg",
                    "calibration": "2025-08-05T10:00:00Z",
                    "doses": 5,
                },
                {
                    "id": "vial",
                    "hospital": "hosp",
                    "product": "fdg",
                    "calibration": "2025-08-06T10:00:00Z",
                    "doses": 3,
                    "single_batch": True,
                },
            ],
            "bookings": [
                {
                    "id": "patient",
                    "hospital": "hosp",
                    "product": "fdg",
                    "administration": "2025-08-06T10:00:00Z",
                }
            ],
        },
        "disruptions": disruptions or {},
    }
    return Scenario.model_validate(data)


def order_week_qc(
    p: float,
    *,
    per_day: int = 4,
    near_batch_max: str | None = None,
    disruptions: dict[str, Any] | None = None,
) -> Scenario:
    """The planner's order week with QC failures: every batch fails QC with probability ``p``.

    5 doses of 370 MBq at Tuesday 10:00 (``order_week``: 2.5 GBq batches, the one ending at
    08:00 holds 3 doses, the one ending at 07:00 2; with ``per_day=1`` only the first runs and
    2 doses are short). With ``near_batch_max``, a costly cyclotron of that batch size 10 min
    by road from the hospital may start batches from 07:30 (after the first planned QC
    result), also failing QC with probability ``p``.
    """
    data = order_week(5, per_day=per_day).model_dump(mode="json", exclude_defaults=True)
    data["processes"][0]["qc_failure_prob"] = p
    if near_batch_max is not None:
        near = cyclotron("fdg-near", "near", p, near_batch_max, fixed_cost=1e5)
        near["availability"] = {"windows": [{"start": "07:30", "end": "09:00"}]}
        data["sites"].append(site("near", "cyclotron"))
        data["processes"].append(near)
        data["lanes"].append(road("near-hosp", "near", transit="10 min"))
    data["disruptions"] = disruptions or {}
    return Scenario.model_validate(data)


def tight_order_case(p: float, disruptions: dict[str, Any] | None = None) -> Scenario:
    """:func:`order_case` with a tight backup: B's batches hold 2.5 GBq, as A's.

    A consignment's doses move whole, so after a failure the backup's batch serves some
    needs and not others: who comes first matters (extra doses, known a day ahead, or the
    consignments whose batch fails).
    """
    data = order_case(p, disruptions).model_dump(mode="json", exclude_defaults=True)
    for proc in data["processes"]:
        if proc["id"] == "fdg-b":
            proc["batch_max"] = "2.5 GBq"
    return Scenario.model_validate(data)


def every_disruption(
    sc: Scenario, outages: float = 2.0, shocks: float = 2.0, qc: float = 0.05, extra: float = 0.3
) -> Scenario:
    """``sc`` with every kind of disruption: outages at every producer, QC failures, lane
    cancellations and delays, customs holds and export closures in every country, dose
    cancellations and extra doses."""
    data = sc.model_dump(mode="json", exclude_defaults=True)
    kinds = {"reactor", "cdmo", "cyclotron"}
    producers = [s["id"] for s in data["sites"] if kinds & set(s["kind"])]
    countries = sorted({s["country"] for s in data["sites"]})
    data["disruptions"] = {
        "sites": [
            {"site": s, "outages_per_year": outages, "duration": {"mean": "2 d", "cv": 1.0}}
            for s in producers
        ],
        "lanes": [
            {
                "lane": ln["id"],
                "cancel_prob": 0.05,
                "delay_prob": 0.2,
                "delay": {"mean": "3 h", "cv": 1.0},
            }
            for ln in data["lanes"]
        ],
        "customs": [
            {"country": c, "hold_prob": 0.1, "hold": {"mean": "6 h", "cv": 1.0}} for c in countries
        ],
        "policy_shocks": [
            {"country": c, "per_year": shocks, "duration": {"mean": "2 d", "cv": 1.0}}
            for c in countries
        ],
        "qc_failure_prob": qc,
        "booking_cancel_prob": 0.05,
        "extra_booking_rate": extra,
    }
    return Scenario.model_validate(data)
