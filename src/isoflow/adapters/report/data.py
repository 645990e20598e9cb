"""Report data: a :class:`Plan` and its :class:`Scenario` as JSON-ready tables for the page.

Everything the HTML report shows is computed here (and in :mod:`.kpis`), in Python, so that
it can be tested without a browser: site markers, flows aggregated per lane, Gantt bars,
shipment bars, decay curves and KPI tables. The browser only draws.

Conventions: times for the charts are UTC strings ``YYYY-MM-DD HH:MM:SS`` (plotly date
axes ignore time zones, so the report says "UTC" everywhere); activities are in Bq.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from isoflow.adapters.report.kpis import kpi_tables
from isoflow.adapters.report.timefmt import chart_time
from isoflow.domain.nuclides import NuclideData, default_data
from isoflow.records.plan import Plan, PlanAllocation, PlanLeg
from isoflow.scenario.schema import Scenario, SiteKind
from isoflow.units import to_iso

#: Marker colour per site kind (a site with several kinds takes its first).
KIND_COLOURS: dict[str, str] = {
    SiteKind.REACTOR: "#d62728",
    SiteKind.CYCLOTRON: "#ff7f0e",
    SiteKind.ACCELERATOR: "#e377c2",
    SiteKind.GENERATOR_MAKER: "#8c564b",
    SiteKind.CDMO: "#9467bd",
    SiteKind.RADIOPHARMACY: "#17becf",
    SiteKind.DISTRIBUTOR: "#bcbd22",
    SiteKind.HOSPITAL: "#2ca02c",
    SiteKind.HUB: "#7f7f7f",
    SiteKind.MARKET: "#1f77b4",
}


# --------------------------------------------------------------------------- map


@dataclass(frozen=True)
class SiteMarker:
    """One site on the map."""

    id: str
    name: str
    kind: str
    kinds: tuple[str, ...]
    colour: str
    country: str
    city: str
    lat: float
    lon: float


def site_markers(scenario: Scenario) -> list[SiteMarker]:
    """Every site of the scenario, coloured by its first kind."""
    return [
        SiteMarker(
            id=s.id,
            name=s.name,
            kind=str(s.kind[0]),
            kinds=tuple(str(k) for k in s.kind),
            colour=KIND_COLOURS.get(s.kind[0], "#333333"),
            country=s.country,
            city=s.city,
            lat=s.lat,
            lon=s.lon,
        )
        for s in scenario.sites
    ]


@dataclass
class LaneFlow:
    """What the plan moves along one lane over the horizon.

    Activities are stated at each consignment's reference time: a dose's and a bulk batch's
    at its end of production, a generator's at calibration [Bq].
    """

    lane: str
    origin: str
    destination: str
    mode: str
    doses: int = 0
    """Patient doses (allocations) routed over the lane."""
    dose_activity_bq: float = 0.0
    """Sum of the doses' activities at end of production [Bq]."""
    batch_consignments: int = 0
    """Upstream batch inputs (bulk isotope into a run) routed over the lane."""
    batch_activity_bq: float = 0.0
    """Sum of those inputs' activities at the source's end of production [Bq]."""
    generators: int = 0
    """Generators routed over the lane."""
    generator_activity_bq: float = 0.0
    """Sum of the generators' parent activities at calibration [Bq]."""
    departures: int = 0
    """Departures used (plan shipments on the lane)."""
    path_lon: list[float] = field(default_factory=list)
    path_lat: list[float] = field(default_factory=list)

    @property
    def consignments(self) -> int:
        """Doses, batch inputs and generators together."""
        return self.doses + self.batch_consignments + self.generators

    @property
    def activity_bq(self) -> float:
        """All activity moved [Bq] (at the reference times above)."""
        return self.dose_activity_bq + self.batch_activity_bq + self.generator_activity_bq

    def to_json(self) -> dict[str, Any]:
        """JSON-ready record including the derived totals."""
        out = asdict(self)
        out["consignments"] = self.consignments
        out["activity_bq"] = self.activity_bq
        return out


def _arc(
    lon0: float, lat0: float, lon1: float, lat1: float, n: int = 24
) -> tuple[list[float], list[float]]:
    """A gentle arc from origin to destination, bowed to the right of the direction of travel.

    Bowing sideways keeps the two directions of a lane pair apart on the map.
    """
    dx, dy = lon1 - lon0, lat1 - lat0
    length = math.hypot(dx, dy)
    if length == 0.0:
        return [lon0, lon1], [lat0, lat1]
    bow = 0.12 * length
    cx = (lon0 + lon1) / 2 + bow * dy / length
    cy = (lat0 + lat1) / 2 - bow * dx / length
    t = np.linspace(0.0, 1.0, n)
    xs = (1 - t) ** 2 * lon0 + 2 * (1 - t) * t * cx + t**2 * lon1
    ys = (1 - t) ** 2 * lat0 + 2 * (1 - t) * t * cy + t**2 * lat1
    return [round(float(x), 4) for x in xs], [round(float(y), 4) for y in ys]


def lane_flows(plan: Plan, scenario: Scenario) -> list[LaneFlow]:
    """Flows of the plan aggregated per scenario lane (every lane, used or not).

    A consignment on a multi-leg route counts on each lane of its route.
    Raises :class:`ValueError` if the plan uses a lane the scenario does not have.
    """
    sites = {s.id: s for s in scenario.sites}
    flows: dict[str, LaneFlow] = {}
    for lane in scenario.lanes:
        o, d = sites[lane.origin], sites[lane.destination]
        lons, lats = _arc(o.lon, o.lat, d.lon, d.lat)
        flows[lane.id] = LaneFlow(
            lane=lane.id,
            origin=lane.origin,
            destination=lane.destination,
            mode=str(lane.mode),
            path_lon=lons,
            path_lat=lats,
        )

    def on(legs: Iterable[PlanLeg]) -> list[LaneFlow]:
        out = []
        for leg in legs:
            if leg.lane not in flows:
                raise ValueError(
                    f"plan {plan.scenario!r} uses lane {leg.lane!r}, which scenario "
                    f"{scenario.meta.name!r} does not have; render the plan with the scenario "
                    "it was made from"
                )
            out.append(flows[leg.lane])
        return out

    for a in plan.allocations:
        for f in on(a.legs):
            f.doses += 1
            f.dose_activity_bq += a.activity_eop_bq
    for r in plan.runs:
        for inp in r.inputs:
            for f in on(inp.legs):
                f.batch_consignments += 1
                f.batch_activity_bq += inp.activity_eop_bq
    for g in plan.generators:
        for f in on(g.legs):
            f.generators += max(len(g.sizes_bq), 1)
            f.generator_activity_bq += g.activity_calibration_bq
    for sh in plan.shipments:
        if sh.lane in flows:
            flows[sh.lane].departures += 1
    return list(flows.values())


@dataclass(frozen=True)
class MapFrame:
    """Axis ranges of the map [deg] and the y/x scale ratio of an equirectangular view."""

    lon_range: tuple[float, float]
    lat_range: tuple[float, float]
    scale_ratio: float


def map_frame(markers: Sequence[SiteMarker], margin_deg: float = 6.0) -> MapFrame:
    """A frame around all sites with a margin; y is stretched by 1/cos(mid-latitude)."""
    if not markers:
        return MapFrame((-180.0, 180.0), (-60.0, 80.0), 1.0)
    lons = [m.lon for m in markers]
    lats = [m.lat for m in markers]
    lon0, lon1 = min(lons) - margin_deg, max(lons) + margin_deg
    lat0, lat1 = max(min(lats) - margin_deg, -85.0), min(max(lats) + margin_deg, 85.0)
    mid = math.radians((lat0 + lat1) / 2)
    return MapFrame((lon0, lon1), (lat0, lat1), 1.0 / max(math.cos(mid), 0.2))


def _unwrapped(line: Sequence[Sequence[float]]) -> list[list[tuple[float, float]]]:
    """A line made continuous across the antimeridian, plus a copy shifted by 360° if needed.

    Natural Earth cuts Fiji, Chukotka and Antarctica at ±180°; unwrapping keeps each ring one
    polygon (so a fill stays correct) and the shifted copy shows the part beyond the seam.
    """
    out: list[tuple[float, float]] = []
    offset = 0.0
    previous: float | None = None
    for p in line:
        lon, lat = float(p[0]), float(p[1])
        if previous is not None:
            if lon - previous > 180.0:
                offset -= 360.0
            elif previous - lon > 180.0:
                offset += 360.0
        previous = lon
        out.append((lon + offset, lat))
    copies = [out]
    if max(x for x, _ in out) > 180.0:
        copies.append([(x - 360.0, y) for x, y in out])
    if min(x for x, _ in out) < -180.0:
        copies.append([(x + 360.0, y) for x, y in out])
    return copies


def outlines_in(
    lines: Sequence[Sequence[Sequence[float]]], frame: MapFrame, pad_deg: float = 30.0
) -> tuple[list[float | None], list[float | None]]:
    """Polylines that come within ``pad_deg`` of the frame, as one lon/lat pair of lists.

    Lines are separated by ``None`` (a gap in a plotly line trace); lines cut at the
    antimeridian are joined again (see :func:`_unwrapped`).
    """
    x0, x1 = frame.lon_range[0] - pad_deg, frame.lon_range[1] + pad_deg
    y0, y1 = frame.lat_range[0] - pad_deg, frame.lat_range[1] + pad_deg
    xs: list[float | None] = []
    ys: list[float | None] = []
    for line in lines:
        if not line:
            continue
        for part in _unwrapped(line):
            if not any(x0 <= x <= x1 and y0 <= y <= y1 for x, y in part):
                continue
            xs.extend(x for x, _ in part)
            ys.extend(y for _, y in part)
            xs.append(None)
            ys.append(None)
    return xs, ys


# --------------------------------------------------------------------------- Gantt, timeline


@dataclass(frozen=True)
class GanttBar:
    """A production run: production from start to EOP, then QC until release."""

    row: str
    batch: str
    process: str
    site: str
    product: str
    nuclide: str
    start: str
    eop: str
    release: str
    production_ms: float
    qc_ms: float
    activity_eop_bq: float
    activity_allocated_bq: float
    cost: float


def gantt_bars(plan: Plan) -> list[GanttBar]:
    """One bar per run, rows ``process @ site`` in order of first start."""
    out = []
    for r in sorted(plan.runs, key=lambda r: (r.start_utc, r.batch)):
        start, eop, rel = r.start_utc, r.end_of_production_utc, r.release_utc
        out.append(
            GanttBar(
                row=f"{r.process} @ {r.site}",
                batch=r.batch,
                process=r.process,
                site=r.site,
                product=r.product,
                nuclide=r.nuclide,
                start=chart_time(start),
                eop=chart_time(eop),
                release=chart_time(rel),
                production_ms=(eop - start).total_seconds() * 1e3,
                qc_ms=max((rel - eop).total_seconds(), 0.0) * 1e3,
                activity_eop_bq=r.activity_eop_bq,
                activity_allocated_bq=r.activity_allocated_bq,
                cost=r.fixed_cost + r.variable_cost,
            )
        )
    return out


@dataclass(frozen=True)
class ShipmentBar:
    """A departure used by the plan, from departure to arrival."""

    row: str
    lane: str
    origin: str
    destination: str
    depart: str
    arrive: str
    transit_ms: float
    bookings: tuple[str, ...]
    batches: tuple[str, ...]
    packages: int
    transport_index: float
    cost: float


def shipment_bars(plan: Plan) -> list[ShipmentBar]:
    """One bar per plan shipment, rows ``lane: origin → destination``."""
    out = []
    for sh in sorted(plan.shipments, key=lambda s: (s.depart_utc, s.lane)):
        dep, arr = sh.depart_utc, sh.arrive_utc
        out.append(
            ShipmentBar(
                row=f"{sh.lane}: {sh.origin} → {sh.destination}",
                lane=sh.lane,
                origin=sh.origin,
                destination=sh.destination,
                depart=chart_time(dep),
                arrive=chart_time(arr),
                transit_ms=(arr - dep).total_seconds() * 1e3,
                bookings=sh.bookings,
                batches=tuple(dict.fromkeys(sh.batches)),
                packages=sh.packages,
                transport_index=sh.transport_index,
                cost=sh.cost,
            )
        )
    return out


# --------------------------------------------------------------------------- decay curves


@dataclass(frozen=True)
class DecayCurve:
    """Activity of one dose from end of production to administration."""

    label: str
    booking: str
    nuclide: str
    decay_constant_per_s: float
    times: list[str]
    hours: list[float]
    activity_bq: list[float]
    events: list[dict[str, Any]]


def decay_curve(
    allocation: PlanAllocation, data: NuclideData | None = None, points: int = 121
) -> DecayCurve:
    """``A(t) = A_eop · exp(-λ (t - t_eop))`` sampled evenly from EOP to administration.

    ``λ`` [1/s] comes from the nuclide data (default: :func:`default_data`). The events
    (EOP, each leg's departure and arrival, administration) carry the activity at that time.
    """
    if points < 2:
        raise ValueError(f"points(={points}) must be >= 2")
    nd = data or default_data()
    lam = float(nd.decay_constants([allocation.nuclide])[0])
    t_eop = allocation.end_of_production_utc
    t_adm = allocation.administration_utc
    span = (t_adm - t_eop).total_seconds()
    offsets = np.linspace(0.0, span, points)
    activity = allocation.activity_eop_bq * np.exp(-lam * offsets)

    def at(label: str, when: datetime) -> dict[str, Any]:
        dt = (when - t_eop).total_seconds()
        return {
            "label": label,
            "time": chart_time(when),
            "hours": dt / 3600.0,
            "activity_bq": allocation.activity_eop_bq * math.exp(-lam * dt),
        }

    events = [at("end of production", allocation.end_of_production_utc)]
    for leg in allocation.legs:
        events.append(at(f"depart {leg.lane}", leg.depart_utc))
        events.append(at(f"arrive {leg.lane}", leg.arrive_utc))
    events.append(at("administration", allocation.administration_utc))
    return DecayCurve(
        label=(
            f"{allocation.booking} · {allocation.product} → {allocation.hospital} "
            f"({to_iso(allocation.administration_utc)})"
        ),
        booking=allocation.booking,
        nuclide=allocation.nuclide,
        decay_constant_per_s=lam,
        times=[chart_time(t_eop + timedelta(seconds=float(s))) for s in offsets],
        hours=[float(s) / 3600.0 for s in offsets],
        activity_bq=[float(a) for a in activity],
        events=events,
    )


# --------------------------------------------------------------------------- everything


def report_data(
    plan: Plan,
    scenario: Scenario,
    outlines: Sequence[Sequence[Sequence[float]]] = (),
    land: Sequence[Sequence[Sequence[float]]] = (),
) -> dict[str, Any]:
    """Everything the page draws, JSON-ready (``outlines``/``land``: [[lon, lat], ...] lines)."""
    markers = site_markers(scenario)
    frame = map_frame(markers)
    border_x, border_y = outlines_in(outlines, frame)
    land_x, land_y = outlines_in(land, frame)
    nd = default_data()
    return {
        "title": scenario.meta.title or scenario.meta.name,
        "scenario": plan.scenario,
        "planner": plan.planner,
        "start": chart_time(plan.start_utc),
        "end": chart_time(plan.end_utc),
        "currency": scenario.meta.currency,
        "kind_colours": {str(k): v for k, v in KIND_COLOURS.items()},
        "map": {
            "sites": [asdict(m) for m in markers],
            "flows": [f.to_json() for f in lane_flows(plan, scenario)],
            "lon_range": frame.lon_range,
            "lat_range": frame.lat_range,
            "scale_ratio": frame.scale_ratio,
            "borders": {"lon": border_x, "lat": border_y},
            "land": {"lon": land_x, "lat": land_y},
        },
        "gantt": [asdict(g) for g in gantt_bars(plan)],
        "shipments": [asdict(s) for s in shipment_bars(plan)],
        "decay": [asdict(decay_curve(a, nd)) for a in plan.allocations],
        "tables": [asdict(t) for t in kpi_tables(plan)],
    }
