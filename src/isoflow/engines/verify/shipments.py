"""Checks of shipments and lane capacity.

What the plan's legs put on every departure (bookings, batches, packages, transport index)
is recomputed and compared with the shipment records: lane, end points, arrival, contents,
package count and cost; every departure used is shipped and within its lane's package and
transport-index capacity. Codes: ``unknown_lane``, ``shipment_contents``, ``mismatch``,
``transit_mismatch``, ``cost_mismatch``, ``shipment_missing``, ``lane_capacity``,
``transport_index``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from isoflow.engines.verify.core import REL, SLACK_S, _close, _departure, _Load, _t
from isoflow.engines.verify.routes import _RouteChecks
from isoflow.records.plan import PlanLeg
from isoflow.scenario.rules import transport_index
from isoflow.scenario.schema import Lane, Product
from isoflow.units import to_iso


class _ShipmentChecks(_RouteChecks):
    """Departures' loads, shipment records and lane capacities."""

    # ------------------------------------------------------------------ shipments

    def collect_loads(self) -> None:
        """What the plan's legs put on every departure: bookings, batches, packages, TI."""
        for a in self.plan.allocations:
            booking = self.bookings.get(a.booking)
            product = self.products.get(booking.product if booking else a.product)
            doses = max(a.doses, 0)
            self.put(a.legs, product, a.dispensed_eop_bq, booking=a.booking, packages=doses)
        for run in self.plan.runs:
            for inp in run.inputs:
                src = self.runs.get(inp.batch)
                product = self.products.get(src.product if src else inp.product)
                self.put(inp.legs, product, inp.activity_eop_bq, batch=inp.batch)
        for g in self.plan.generators:
            gen = self.products.get(g.product)
            pieces = len(g.sizes_bq) if gen is not None and gen.sizes else 1
            self.put(g.legs, gen, g.activity_calibration_bq, batch=g.batch, packages=pieces)

    def put(
        self,
        legs: tuple[PlanLeg, ...],
        product: Product | None,
        activity: float,
        booking: str | None = None,
        batch: str | None = None,
        packages: int = 1,
    ) -> None:
        """Put doses (``booking``) or one delivery of ``batch`` on every leg's departure.

        A dose is one package (a departure lists a booking or order once per allocation on
        it), a bulk input one, a generator delivery one per generator. The transport index is
        the product's TI per GBq times the activity at EOP (the planner's conservative
        convention: activity only decays after EOP).
        """
        ti = transport_index(product, activity) if product is not None else 0.0
        for leg in legs:
            if leg.lane not in self.lanes:
                continue  # reported as unknown_lane
            dep = _t(leg.depart_utc)
            load = self.loads.setdefault(_departure(leg.lane, dep), _Load(leg.lane, dep))
            if booking is not None:
                load.bookings.append(booking)
            if batch is not None:
                load.batches.append(batch)
            load.packages += packages
            load.transport_index += ti

    def check_shipments(self) -> None:
        """Shipment records against the lanes and the legs using them; lane capacities."""
        listed: set[tuple[str, int]] = set()
        for sh in self.plan.shipments:
            subject = f"shipment {sh.lane}@{to_iso(sh.depart_utc)}"
            lane = self.lanes.get(sh.lane)
            if lane is None:
                self.bad("unknown_lane", subject, f"lane {sh.lane} is not in the scenario")
                continue
            key = _departure(sh.lane, _t(sh.depart_utc))
            if key in listed:
                self.bad("shipment_contents", subject, "the same departure is listed twice")
                continue
            listed.add(key)
            load = self.loads.get(key, _Load(sh.lane, _t(sh.depart_utc)))
            self.check_shipment_record(subject, sh.origin, sh.destination, sh.arrive_utc, lane, key)
            if sorted(sh.bookings) != sorted(load.bookings) or sorted(sh.batches) != sorted(
                load.batches
            ):
                self.bad(
                    "shipment_contents",
                    subject,
                    f"lists bookings {sorted(sh.bookings)} and batches {sorted(sh.batches)}; "
                    f"the plan's legs put bookings {sorted(load.bookings)} and batches "
                    f"{sorted(load.batches)} on it",
                )
            if sh.packages != load.packages:
                self.bad(
                    "cost_mismatch",
                    subject,
                    f"{sh.packages} packages listed, its contents make {load.packages}",
                )
            cost = self.shipment_cost(lane, load.packages)
            if not _close(sh.cost, cost):
                self.bad(
                    "cost_mismatch",
                    subject,
                    f"cost {sh.cost:.6g}, lane prices give {cost:.6g} for {load.packages} packages",
                )
            self.check_capacity(
                subject,
                lane,
                max(sh.packages, load.packages),
                max(sh.transport_index, load.transport_index),
            )
        for key, load in self.loads.items():
            if key not in listed:
                subject = f"departure {load.lane}@{datetime.fromtimestamp(load.depart, UTC)}"
                self.bad("shipment_missing", subject, "used by the plan's legs but not shipped")
                self.check_capacity(
                    subject, self.lanes[load.lane], load.packages, load.transport_index
                )

    def check_shipment_record(
        self,
        subject: str,
        origin: str,
        destination: str,
        arrive_utc: datetime,
        lane: Lane,
        key: tuple[str, int],
    ) -> None:
        """A shipment's end points and arrival are its lane's."""
        if (origin, destination) != (lane.origin, lane.destination):
            self.bad(
                "mismatch",
                subject,
                f"{origin} -> {destination}, lane {lane.id} runs {lane.origin} -> "
                f"{lane.destination}",
            )
        if abs(_t(arrive_utc) - self.arrival(lane, key[1] / 1000.0)) > SLACK_S:
            self.bad(
                "transit_mismatch",
                subject,
                f"arrives {to_iso(arrive_utc)}, not departure + transit + customs",
            )

    @staticmethod
    def shipment_cost(lane: Lane, packages: int) -> float:
        """What a departure costs: per shipment plus per package."""
        return lane.cost_per_shipment + lane.cost_per_package * packages

    def check_capacity(self, subject: str, lane: Lane, packages: int, ti: float) -> None:
        """Packages and transport index of one departure within the lane's capacity."""
        if packages > lane.capacity_packages:
            self.bad(
                "lane_capacity",
                subject,
                f"{packages} packages > capacity {lane.capacity_packages}",
            )
        if ti > lane.capacity_ti * (1 + REL) + 1e-9:
            self.bad("transport_index", subject, f"TI {ti:.3g} > capacity {lane.capacity_ti:.3g}")
