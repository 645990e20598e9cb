"""The network of a planned run, as the dashboard's map draws it: sites, lanes and flows.

:func:`network_view` turns a stored :class:`~isoflow.records.plan.Plan` and the scenario it
was made from into a :class:`NetworkOut`: every site with its position, every lane, and
what the plan moves along each lane per product. The flows' activities are derived here, in
one place, so that the browser only draws: for each consignment crossing a lane, the
activity at the end of production of its batch, at the leg's departure and at its arrival
(``A(t) = A_eop · exp(-λ (t - t_eop))``, λ from the nuclide data). ``decay_lost_share`` is the
share of the activity made that decay has taken by the time the consignment reaches the
lane's destination. Generators are counted with their activity at calibration; their
decay is not stated (their calibration time is not part of the plan record).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import cache
from importlib.resources import files

from pydantic import BaseModel, ConfigDict

from isoflow.adapters.report.data import map_frame, outlines_in, site_markers
from isoflow.domain.decay import decay_factors
from isoflow.domain.nuclides import NuclideData, default_data
from isoflow.records.plan import Plan, PlanLeg
from isoflow.scenario.schema import Scenario


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class SiteOut(_Out):
    """A site of the scenario with its position [deg]."""

    id: str
    name: str
    kind: str
    """The first of the site's kinds (its marker)."""
    kinds: list[str]
    country: str
    city: str
    lat: float
    lon: float


class LaneOut(_Out):
    """A lane of the scenario."""

    id: str
    origin: str
    destination: str
    mode: str


class FlowOut(_Out):
    """What the plan moves along one lane for one product over the horizon [Bq]."""

    lane: str
    origin: str
    destination: str
    product: str
    doses: int
    """Patient doses routed over the lane."""
    batch_inputs: int
    """Upstream batches (bulk isotope into a run) routed over the lane."""
    generators: int
    """Generators routed over the lane."""
    activity_eop_bq: float
    """Activity of the doses and batch inputs at their batch's end of production."""
    activity_departed_bq: float
    """The same activity when it departs on the lane."""
    activity_delivered_bq: float
    """The same activity when it arrives at the lane's destination."""
    decay_lost_share: float | None
    """``1 - delivered / eop``: share of the activity made lost to decay by arrival."""
    generator_activity_bq: float
    """Parent activity of the generators at calibration."""


class Outlines(_Out):
    """Country borders and coast lines around the sites, ``None`` between lines [deg]."""

    lon: list[float | None]
    lat: list[float | None]


class NetworkOut(_Out):
    """A planned run's network: where the sites are and what flows between them."""

    run_id: str
    scenario: str
    products: list[str]
    countries: list[str]
    sites: list[SiteOut]
    lanes: list[LaneOut]
    flows: list[FlowOut]
    lon_range: tuple[float, float]
    lat_range: tuple[float, float]
    scale_ratio: float
    """y/x scale of an equirectangular view (1/cos of the mid-latitude)."""
    borders: Outlines
    land: Outlines


@dataclass
class _Sum:
    doses: int = 0
    batch_inputs: int = 0
    generators: int = 0
    eop: float = 0.0
    departed: float = 0.0
    delivered: float = 0.0
    generator_bq: float = 0.0

    def add(self, eop_bq: float, lam: float, eop: datetime, leg: PlanLeg) -> None:
        self.eop += eop_bq
        dts = [(leg.depart_utc - eop).total_seconds(), (leg.arrive_utc - eop).total_seconds()]
        departed, delivered = decay_factors(lam, dts).tolist()
        self.departed += eop_bq * departed
        self.delivered += eop_bq * delivered


Lines = Sequence[Sequence[Sequence[float]]]


@cache
def _outline_lines() -> tuple[Lines, Lines]:
    """The vendored country borders and land outlines ([[lon, lat], ...] lines)."""
    text = files("isoflow.adapters.report").joinpath("assets", "countries-110m-lines.json")
    doc = json.loads(text.read_text(encoding="utf-8"))
    return doc["lines"], doc.get("land", [])


def _sums(plan: Plan, lanes: set[str], data: NuclideData) -> dict[tuple[str, str], _Sum]:
    sums: dict[tuple[str, str], _Sum] = {}

    def on(legs: Iterable[PlanLeg], product: str) -> Iterable[tuple[PlanLeg, _Sum]]:
        for leg in legs:
            if leg.lane not in lanes:
                raise ValueError(f"the plan uses lane {leg.lane!r}, which the scenario lacks")
            yield leg, sums.setdefault((leg.lane, product), _Sum())

    def lam(nuclide: str) -> float:
        return float(data.decay_constants([nuclide])[0])

    for a in plan.allocations:
        for leg, s in on(a.legs, a.product):
            s.doses += a.doses
            s.add(a.dispensed_eop_bq, lam(a.nuclide), a.end_of_production_utc, leg)
    runs = {r.batch: r for r in plan.runs}
    for r in plan.runs:
        for inp in r.inputs:
            source = runs.get(inp.batch)
            for leg, s in on(inp.legs, inp.product):
                s.batch_inputs += 1
                if source is not None:
                    s.add(inp.activity_eop_bq, lam(source.nuclide), source.end_of_production_utc,
                          leg)  # fmt: skip
    for g in plan.generators:
        for _leg, s in on(g.legs, g.product):
            s.generators += max(len(g.sizes_bq), 1)
            s.generator_bq += g.activity_calibration_bq
    return sums


def _flows(plan: Plan, scenario: Scenario) -> list[FlowOut]:
    lanes = {lane.id: lane for lane in scenario.lanes}
    out = []
    for (lane_id, product), s in sorted(_sums(plan, set(lanes), default_data()).items()):
        lane = lanes[lane_id]
        out.append(
            FlowOut(
                lane=lane_id,
                origin=lane.origin,
                destination=lane.destination,
                product=product,
                doses=s.doses,
                batch_inputs=s.batch_inputs,
                generators=s.generators,
                activity_eop_bq=s.eop,
                activity_departed_bq=s.departed,
                activity_delivered_bq=s.delivered,
                decay_lost_share=1.0 - s.delivered / s.eop if s.eop > 0 else None,
                generator_activity_bq=s.generator_bq,
            )
        )
    return out


def network_view(run_id: str, plan: Plan, scenario: Scenario) -> NetworkOut:
    """The network of ``plan`` over ``scenario``, with the outlines around its sites."""
    markers = site_markers(scenario)
    frame = map_frame(markers)
    borders, land = _outline_lines()
    border_lon, border_lat = outlines_in(borders, frame)
    land_lon, land_lat = outlines_in(land, frame)
    flows = _flows(plan, scenario)
    return NetworkOut(
        run_id=run_id,
        scenario=plan.scenario,
        products=sorted({f.product for f in flows}),
        countries=sorted({m.country for m in markers}),
        sites=[SiteOut.model_validate(asdict(m)) for m in markers],
        lanes=[
            LaneOut(id=x.id, origin=x.origin, destination=x.destination, mode=str(x.mode))
            for x in scenario.lanes
        ],
        flows=flows,
        lon_range=frame.lon_range,
        lat_range=frame.lat_range,
        scale_ratio=frame.scale_ratio,
        borders=Outlines(lon=border_lon, lat=border_lat),
        land=Outlines(lon=land_lon, lat=land_lat),
    )
