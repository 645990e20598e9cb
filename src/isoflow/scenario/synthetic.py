"""Seeded synthetic scenarios of any size, for benchmarks and property tests.

:func:`generate` places production sites (cyclotrons, reactors, CDMOs) and hospitals on a
region map spanning four time zones without daylight saving, links them with road lanes to
the nearest airport and to nearby producers, joins the airports with scheduled air lanes,
and books doses whose products can reach each hospital within shelf life. Everything is
drawn with NumPy from one seed (vectorised), so a 1,000-site, 100,000-booking scenario builds
in seconds and the same arguments always give the same scenario.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from isoflow import bounds
from isoflow.scenario.schema import Scenario

PRODUCTS: tuple[str, ...] = ("f18-fdg", "lu177-psma", "tc99m-dose")
"""Drug products that can be booked; their supply chains are always included."""

START = "2025-08-04T00:00Z"
_START64 = np.datetime64("2025-08-04T00:00")

# (country code, IANA zone without DST, UTC offset [h], longitude band)
_ZONES = (
    ("XA", "Asia/Bangkok", 7, (95.0, 108.0)),
    ("XB", "Asia/Shanghai", 8, (108.0, 122.0)),
    ("XC", "Asia/Tokyo", 9, (122.0, 140.0)),
    ("XD", "Australia/Brisbane", 10, (140.0, 155.0)),
)
_LON = (95.0, 155.0)
_LAT = (-35.0, 40.0)

_PRODUCTS: list[dict[str, Any]] = [
    {
        "id": "f18-fdg",
        "name": "[18F]FDG dose",
        "stage": "drug_product",
        "nuclide": "F-18",
        "shelf_life": "10 h",
        "dose": {"activity": "370 MBq", "tolerance": 0.2},
    },
    {
        "id": "lu177-nca",
        "name": "Lu-177 n.c.a. bulk",
        "stage": "bulk_isotope",
        "nuclide": "Lu-177",
        "shelf_life": "7 d",
    },
    {
        "id": "lu177-psma",
        "name": "[177Lu]Lu-PSMA dose",
        "stage": "drug_product",
        "nuclide": "Lu-177",
        "shelf_life": "120 h",
        "calibration": "administration",
        "dose": {"activity": "7.4 GBq", "tolerance": 0.1},
    },
    {
        "id": "mo99-bulk",
        "name": "Mo-99 bulk",
        "stage": "bulk_isotope",
        "nuclide": "Mo-99",
        "shelf_life": "7 d",
    },
    {
        "id": "tc99m-generator",
        "name": "Mo-99/Tc-99m generator",
        "stage": "generator",
        "nuclide": "Mo-99",
        "daughter": "Tc-99m",
        "shelf_life": "14 d",
    },
    {
        "id": "tc99m-dose",
        "name": "Tc-99m dose",
        "stage": "drug_product",
        "nuclide": "Tc-99m",
        "shelf_life": "12 h",
        "dose": {"activity": "740 MBq", "tolerance": 0.25},
    },
]

_LEAD_H = {"f18-fdg": 6.0, "lu177-psma": 84.0, "tc99m-dose": 60.0}
"""Earliest administration after the start [h] (cold start: no inventory)."""
_MIX = {"f18-fdg": 0.5, "lu177-psma": 0.1, "tc99m-dose": 0.4}


def _km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    la1, lo1, la2, lo2 = (np.radians(v) for v in (lat1, lon1, lat2, lon2))
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _zone_of(lon: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    edges = np.array([z[3][1] for z in _ZONES[:-1]])
    return np.searchsorted(edges, lon, side="right").astype(np.int64)


def _hours(h: npt.NDArray[np.float64]) -> list[str]:
    return [f"{x:g} h" for x in (np.ceil(h * 4) / 4).tolist()]


def _site(kind: str, ident: str, lat: float, lon: float, zone: int, name: str) -> dict[str, Any]:
    code, tz, _, _ = _ZONES[zone]
    return {
        "id": ident,
        "name": name,
        "country": code,
        "lat": lat,
        "lon": lon,
        "timezone": tz,
        "kind": [kind],
    }


def _nearest(
    lat_a: npt.NDArray[Any],
    lon_a: npt.NDArray[Any],
    lat_b: npt.NDArray[Any],
    lon_b: npt.NDArray[Any],
    k: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Indices into b of the k nearest b for every a, and their distances [km]."""
    k = min(k, lat_b.size)
    idx = np.empty((lat_a.size, k), dtype=np.int64)
    dist = np.empty((lat_a.size, k))
    for lo in range(0, lat_a.size, 2048):
        d = _km(lat_a[lo : lo + 2048, None], lon_a[lo : lo + 2048, None], lat_b[None], lon_b[None])
        part = np.argsort(d, axis=1, kind="stable")[:, :k]
        idx[lo : lo + 2048] = part
        dist[lo : lo + 2048] = np.take_along_axis(d, part, axis=1)
    return idx, dist


def generate(
    sites: int,
    hospitals: int,
    days: int,
    seed: int,
    products: Sequence[str] = PRODUCTS,
    per_hospital_day: float = 7.0,
    orders: bool = False,
    therapies_per_hospital_day: float = 0.2,
) -> Scenario:
    """A valid synthetic scenario with ``sites`` producers and ``hospitals`` hospitals.

    Bookings: Poisson(``per_hospital_day``) per hospital and day over ``days`` days, of the
    requested ``products`` (a subset of :data:`PRODUCTS`), each timed after the product's
    cold-start lead time so that a planner can serve it.

    With ``orders``, demand comes at real volume as the field orders it (:func:`_orders`):
    ``per_hospital_day`` diagnostic doses per hospital and day as orders (F-18 in a morning
    and a midday list, Tc-99m in a morning list), therapies as per-patient bookings at
    ``therapies_per_hospital_day``; cyclotron runs are then of real size (400 GBq).
    """
    bounds.SITES.check(sites, "sites")
    bounds.HOSPITALS.check(hospitals, "hospitals")
    bounds.DAYS.check(days, "days")
    bounds.HOSPITAL_DAYS.check(hospitals * days, "hospital_days")
    bounds.SYNTHETIC_SEED.check(seed, "seed")
    unknown = set(products) - set(PRODUCTS)
    if unknown or not products:
        raise ValueError(f"products must be a non-empty subset of {', '.join(PRODUCTS)}")
    # with fewer than 3 sites there is only a cyclotron (+ reactor): F-18 only
    wanted = [p for p in PRODUCTS if p in set(products) and (sites >= 3 or p == "f18-fdg")]
    if not wanted:
        raise ValueError("lu177-psma and tc99m-dose need at least 3 sites (reactor, CDMO)")
    rng = np.random.default_rng(seed)

    # producers: first three are cyclotron, reactor, cdmo; the rest 15/25/60 %
    kinds = np.concatenate(
        [
            np.array([2, 0, 1])[: min(sites, 3)],
            rng.choice(3, size=max(sites - 3, 0), p=[0.15, 0.25, 0.6]),
        ]
    )
    kind_names = np.array(["reactor", "cdmo", "cyclotron"])
    s_lat = np.round(rng.uniform(*_LAT, size=sites), 4)
    s_lon = np.round(rng.uniform(*_LON, size=sites), 4)
    n_air = max(4, sites // 50)
    a_lat = np.round(rng.uniform(*_LAT, size=n_air), 4)
    a_lon = np.round(
        np.concatenate([[np.mean(z[3]) for z in _ZONES], rng.uniform(*_LON, size=n_air - 4)]), 4
    )
    # hospitals cluster around cyclotrons (F-18 needs a short road)
    cyc = np.flatnonzero(kinds == 2)
    anchor = cyc[rng.integers(0, cyc.size, size=hospitals)]
    h_lat = np.round(np.clip(s_lat[anchor] + rng.normal(0, 0.3, hospitals), *_LAT), 4)
    h_lon = np.round(np.clip(s_lon[anchor] + rng.normal(0, 0.3, hospitals), *_LON), 4)
    s_zone, a_zone, h_zone = _zone_of(s_lon), _zone_of(a_lon), _zone_of(h_lon)

    s_id = [f"s{i:04d}" for i in range(sites)]
    a_id = [f"apt{i:03d}" for i in range(n_air)]
    h_id = [f"h{i:05d}" for i in range(hospitals)]
    site_rows = [
        _site(
            str(kind_names[k]),
            s_id[i],
            float(s_lat[i]),
            float(s_lon[i]),
            int(s_zone[i]),
            f"{kind_names[k]} {i}",
        )
        for i, k in enumerate(kinds.tolist())
    ]
    site_rows += [
        _site("hub", a_id[i], float(a_lat[i]), float(a_lon[i]), int(a_zone[i]), f"airport {i}")
        for i in range(n_air)
    ]
    site_rows += [
        _site(
            "hospital", h_id[i], float(h_lat[i]), float(h_lon[i]), int(h_zone[i]), f"hospital {i}"
        )
        for i in range(hospitals)
    ]

    # processes
    weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    procs: list[dict[str, Any]] = []

    def proc(
        pid: str,
        site: str,
        kind: str,
        out: str,
        bmax: str,
        dur: str,
        qc: str,
        inputs: list[dict[str, Any]] | None = None,
        per_day: int = 1,
    ) -> None:
        p: dict[str, Any] = {
            "id": pid,
            "site": site,
            "kind": kind,
            "output": out,
            "batch_max": bmax,
            "duration": dur,
            "qc_release": qc,
            "max_batches_per_day": per_day,
            "fixed_cost": 1000.0,
            "variable_cost_per_gbq": 10.0,
            "qc_failure_prob": 0.02,
            "availability": {"windows": [{"days": weekdays}]},
        }
        if inputs:
            p["inputs"] = inputs
        procs.append(p)

    for i, k in enumerate(kinds.tolist()):
        if k == 0:
            proc(f"{s_id[i]}-lu177", s_id[i], "processing", "lu177-nca", "4 TBq", "12 h", "12 h")
            proc(f"{s_id[i]}-mo99", s_id[i], "processing", "mo99-bulk", "100 TBq", "12 h", "6 h")
        elif k == 1:
            proc(
                f"{s_id[i]}-psma",
                s_id[i],
                "labelling",
                "lu177-psma",
                "150 GBq",
                "4 h",
                "6 h",
                [{"product": "lu177-nca", "activity_feed": True}],
            )
            proc(
                f"{s_id[i]}-gen",
                s_id[i],
                "generator_assembly",
                "tc99m-generator",
                "2 TBq",
                "8 h",
                "12 h",
                [{"product": "mo99-bulk", "activity_feed": True}],
            )
        else:
            proc(
                f"{s_id[i]}-fdg",
                s_id[i],
                "synthesis",
                "f18-fdg",
                "400 GBq" if orders else "50 GBq",
                "150 min",
                "45 min",
                per_day=3,
            )
    if "tc99m-dose" in wanted and sites >= 3:
        for j in range(hospitals):
            proc(
                f"{h_id[j]}-tc99m",
                h_id[j],
                "elution",
                "tc99m-dose",
                "40 GBq",
                "15 min",
                "30 min",
                [{"product": "tc99m-generator", "activity_feed": True}],
                per_day=3,
            )

    # lanes
    lanes: list[dict[str, Any]] = []

    def road(ids_o: list[str], ids_d: list[str], km: npt.NDArray[np.float64], tag: str) -> None:
        hrs = _hours(km * 1.25 / 80 + 0.3)
        lanes.extend(
            {
                "id": f"r{tag}{n}",
                "origin": o,
                "destination": d,
                "mode": "road",
                "transit": t,
                "handling": "0.5 h",
                "on_demand_lead": "1 h",
                "cost_per_shipment": round(150.0 + 1.5 * float(k), 1),
            }
            for n, (o, d, t, k) in enumerate(zip(ids_o, ids_d, hrs, km.tolist(), strict=True))
        )

    s_air, s_air_km = _nearest(s_lat, s_lon, a_lat, a_lon, 1)
    road(s_id, [a_id[i] for i in s_air[:, 0]], s_air_km[:, 0], "sa")
    road([a_id[i] for i in s_air[:, 0]], s_id, s_air_km[:, 0], "as")
    h_air, h_air_km = _nearest(h_lat, h_lon, a_lat, a_lon, 1)
    road([a_id[i] for i in h_air[:, 0]], h_id, h_air_km[:, 0], "ah")
    cyc_idx, cyc_km = _nearest(h_lat, h_lon, s_lat[cyc], s_lon[cyc], 2)
    road(
        [s_id[cyc[i]] for i in cyc_idx.ravel()],
        [h_id[j] for j in np.repeat(np.arange(hospitals), cyc_idx.shape[1])],
        cyc_km.ravel(),
        "ch",
    )
    cdmo = np.flatnonzero(kinds == 1)
    if cdmo.size:
        c_idx, c_km = _nearest(h_lat, h_lon, s_lat[cdmo], s_lon[cdmo], 1)
        road([s_id[cdmo[i]] for i in c_idx[:, 0]], h_id, c_km[:, 0], "dh")
    src, dst = np.nonzero(~np.eye(n_air, dtype=bool))
    air_km = _km(a_lat[src], a_lon[src], a_lat[dst], a_lon[dst])
    air_h = _hours(air_km * 1.05 / 830 + 0.6)
    dep = rng.integers(6 * 4, 22 * 4, size=src.size) * 15
    for n, (o, d, t, m) in enumerate(
        zip(src.tolist(), dst.tolist(), air_h, dep.tolist(), strict=True)
    ):
        lane: dict[str, Any] = {
            "id": f"air{n}",
            "origin": a_id[o],
            "destination": a_id[d],
            "mode": "air",
            "timetable": [
                {"time": f"{m // 60:02d}:{m % 60:02d}"},
                {"time": f"{(m // 60 + 2) % 24:02d}:{m % 60:02d}"},
            ],
            "transit": t,
            "handling": "3 h",
            "cost_per_shipment": 2000.0,
            "cost_per_package": 200.0,
            "cancel_prob": 0.02,
        }
        if a_zone[o] != a_zone[d]:
            lane["border"] = {"customs_delay": "4 h"}
        lanes.append(lane)

    # bookings
    if orders:
        demand = _orders(
            rng, wanted, h_id, h_zone, days, per_hospital_day, therapies_per_hospital_day
        )
        return _scenario(
            sites, hospitals, days, seed, procs, site_rows, lanes, demand, wanted, bool(h_id)
        )
    counts = rng.poisson(per_hospital_day, size=(hospitals, days))
    hosp = np.repeat(np.repeat(np.arange(hospitals), days), counts.ravel())
    wanted = [p for p in wanted if _LEAD_H[p] < days * 24 - 8]  # bookable in the horizon
    if not wanted:
        hosp = hosp[:0]
        wanted = ["f18-fdg"]
    n = hosp.size
    mix = np.array([_MIX[p] for p in wanted])
    prod = rng.choice(len(wanted), size=n, p=mix / mix.sum())
    lead_day = np.array([int(np.ceil(_LEAD_H[p] / 24.0)) for p in wanted])[prod]
    lead_day = np.minimum(lead_day, days - 1)
    day = lead_day + np.floor(rng.random(n) * (days - lead_day)).astype(np.int64)
    minute = 8 * 60 + rng.integers(0, 36, size=n) * 15  # 08:00-16:45 local
    offset = np.array([z[2] for z in _ZONES])[h_zone[hosp]] * 60
    when = _START64 + (day * 1440 + minute - offset).astype("timedelta64[m]")
    # never before start + product lead (local mornings can be earlier than the UTC start)
    floor = _START64 + (np.array([_LEAD_H[p] for p in wanted])[prod] * 60).astype("timedelta64[m]")
    when = np.maximum(when, floor)
    order = np.lexsort((prod, hosp, when))
    stamps = np.datetime_as_string(when[order], unit="m")
    names = np.array(wanted)[prod[order]]
    prio = np.array([2 if p == "lu177-psma" else 3 for p in wanted])[prod[order]]
    bookings = [
        {
            "id": f"b{k:06d}",
            "hospital": h_id[h],
            "product": str(p),
            "administration": f"{t}Z",
            "priority": int(q),
        }
        for k, (h, p, t, q) in enumerate(
            zip(hosp[order].tolist(), names, stamps, prio, strict=True)
        )
    ]

    return _scenario(
        sites,
        hospitals,
        days,
        seed,
        procs,
        site_rows,
        lanes,
        {"bookings": bookings},
        wanted,
        bool(hosp.size),
    )


def _scenario(
    sites: int,
    hospitals: int,
    days: int,
    seed: int,
    procs: list[dict[str, Any]],
    site_rows: list[dict[str, Any]],
    lanes: list[dict[str, Any]],
    demand: dict[str, Any],
    wanted: list[str],
    approve: bool,
) -> Scenario:
    """The scenario from its generated parts."""
    data = {
        "meta": {
            "name": f"synthetic-s{sites}-h{hospitals}-d{days}-{seed}",
            "title": "Synthetic supply network",
            "description": "Generated by isoflow.scenario.synthetic.generate",
            "start": START,
            "horizon": f"{days} d",
            "seed": seed,
        },
        "products": [p for p in _PRODUCTS if p["id"] in {q["output"] for q in procs}],
        "sites": site_rows,
        "processes": procs,
        "lanes": lanes,
        "demand": demand,
        "policies": {
            "approvals": [
                {"product": p, "countries": [z[0] for z in _ZONES]} for p in wanted if approve
            ]
        },
    }
    return Scenario.model_validate(data)


_LISTS_MIN = {"f18-fdg": (8 * 60, 12 * 60), "tc99m-dose": (8 * 60,)}
"""Calibration times of a hospital's daily diagnostic orders [min after local midnight]."""
_DAY_SHARE = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.25, 0.0]) * 7.0 / 5.25
"""Diagnostic volume Monday..Sunday relative to the daily mean (clinics: weekdays, some
Saturday lists, no Sunday); the horizon starts on a Monday."""


def _orders(
    rng: np.random.Generator,
    wanted: list[str],
    h_id: list[str],
    h_zone: npt.NDArray[np.int64],
    days: int,
    per_hospital_day: float,
    therapies_per_hospital_day: float,
) -> dict[str, Any]:
    """Demand at real volume: diagnostic orders per hospital, day and list; therapy bookings.

    Diagnostic doses per hospital and day are Poisson(``per_hospital_day`` times the day's
    share, :data:`_DAY_SHARE`), shared between
    the diagnostic products by their mix and split evenly over each product's daily lists
    (:data:`_LISTS_MIN`); a list with at least one dose is one splittable order. Therapies
    (Lu-177 PSMA) are Poisson(``therapies_per_hospital_day``) bookings per hospital and
    weekday at 10:00 local. Nothing is due before the product's cold-start lead time.
    """
    hospitals = len(h_id)
    offset = np.array([z[2] for z in _ZONES])[h_zone] * 60
    diagnostic = [p for p in wanted if p in _LISTS_MIN]
    mix = np.array([_MIX[p] for p in diagnostic]) if diagnostic else np.zeros(0)
    orders: list[dict[str, Any]] = []
    for k, product in enumerate(diagnostic):
        lists = _LISTS_MIN[product]
        rate = per_hospital_day * mix[k] / mix.sum() / len(lists)
        day_rate = rate * _DAY_SHARE[np.arange(days) % 7]
        doses = rng.poisson(day_rate[None, :, None], size=(hospitals, days, len(lists)))
        h, d, li = np.nonzero(doses)
        minute = d * 1440 + np.array(lists)[li] - offset[h]
        ok = minute >= _LEAD_H[product] * 60
        when = _START64 + minute.astype("timedelta64[m]")
        stamps = np.datetime_as_string(when, unit="m")
        orders += [
            {
                "id": f"o-{product}-{n:06d}",
                "hospital": h_id[hh],
                "product": product,
                "calibration": f"{t}Z",
                "doses": int(q),
                "priority": 3,
            }
            for n, (hh, t, q) in enumerate(
                zip(h[ok].tolist(), stamps[ok], doses[h, d, li][ok].tolist(), strict=True)
            )
        ]
    orders.sort(key=lambda o: (o["calibration"], o["hospital"], o["product"]))
    bookings: list[dict[str, Any]] = []
    if "lu177-psma" in wanted:
        counts = rng.poisson(therapies_per_hospital_day, size=(hospitals, days))
        weekday = (np.arange(days) % 7) < 5  # the horizon starts on a Monday
        counts[:, ~weekday] = 0
        hosp = np.repeat(np.repeat(np.arange(hospitals), days), counts.ravel())
        day = np.repeat(np.tile(np.arange(days), hospitals), counts.ravel())
        minute = day * 1440 + 10 * 60 - offset[hosp]
        keep = minute >= _LEAD_H["lu177-psma"] * 60
        stamps = np.datetime_as_string(_START64 + minute[keep].astype("timedelta64[m]"), unit="m")
        bookings = [
            {
                "id": f"b{n:06d}",
                "hospital": h_id[hh],
                "product": "lu177-psma",
                "administration": f"{t}Z",
                "priority": 2,
            }
            for n, (hh, t) in enumerate(zip(hosp[keep].tolist(), stamps, strict=True))
        ]
    return {"bookings": bookings, "orders": orders}
