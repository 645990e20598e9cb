"""Checks of routes, leg by leg.

Each leg's lane exists and leaves where the previous leg arrived; it departs after the goods
are ready and handled, on its timetable, and arrives after departure + transit + customs;
its lane carries the product, it does not leave a country during an export restriction, and
the route passes through an exclusive distributor and arrives in time. Codes:
``unknown_lane``, ``broken_route``, ``leg_order``, ``too_early``, ``not_in_timetable``,
``transit_mismatch``, ``class7_refused``, ``export_restricted``, ``lane_closed``,
``contract_excludes``, ``late``.
"""

from __future__ import annotations

from isoflow.domain.calendar import weekly_instants
from isoflow.engines.verify.core import SLACK_S, _CheckerBase, _t
from isoflow.records.plan import PlanLeg
from isoflow.scenario.rules import export_windows, lane_carries, leg_arrival, still_departs
from isoflow.scenario.schema import Lane, Product
from isoflow.units import to_iso


class _RouteChecks(_CheckerBase):
    """Routes of doses, run inputs and generator deliveries."""

    def check_legs(
        self,
        subject: str,
        legs: tuple[PlanLeg, ...],
        origin: str,
        destination: str,
        ready: float,
        deadline: float,
        product: Product,
    ) -> None:
        """Check a route leg by leg (lanes, timing, cargo rules, exports, contracts).

        ``ready`` is when the goods may leave ``origin``; the route must reach
        ``destination`` by ``deadline``.
        """
        at, t = origin, ready
        for i, leg in enumerate(legs):
            lane = self.lanes.get(leg.lane)
            if lane is None:
                self.bad("unknown_lane", subject, f"lane {leg.lane} is not in the scenario")
                return
            dep, arr = _t(leg.depart_utc), _t(leg.arrive_utc)
            if lane.origin != at:
                self.bad("broken_route", subject, f"{lane.id} leaves {lane.origin}, not {at}")
            self.check_leg_timing(subject, i, lane, leg, t)
            if not lane_carries(lane, product):
                self.bad("class7_refused", subject, f"{lane.id} refuses radioactive cargo")
            self.check_export(subject, lane, dep, product.id)
            self.check_closed(subject, lane, dep)
            at, t = lane.destination, arr
        if at != destination:
            self.bad("broken_route", subject, f"route ends at {at}, not {destination}")
        if t > deadline + SLACK_S:
            self.bad(
                "late",
                subject,
                f"arrives at {destination} {(t - deadline) / 60:.1f} min after it is needed",
            )
        self.check_contract(subject, legs, origin, destination, product.id)

    def check_leg_timing(self, subject: str, i: int, lane: Lane, leg: PlanLeg, t: float) -> None:
        """Leg ``i`` departs after the goods are ready at ``t``, on time, and arrives on time."""
        dep, arr = _t(leg.depart_utc), _t(leg.arrive_utc)
        ordered = True
        if arr < dep - SLACK_S:
            ordered = False
            self.bad(
                "leg_order",
                subject,
                f"{lane.id} arrives {to_iso(leg.arrive_utc)}, "
                f"before it departs {to_iso(leg.depart_utc)}",
            )
        if i > 0 and dep < t - SLACK_S:
            self.bad(
                "leg_order",
                subject,
                f"{lane.id} departs {to_iso(leg.depart_utc)}, before the previous leg arrives",
            )
        elif dep + SLACK_S < t + lane.handling:
            self.bad(
                "too_early",
                subject,
                f"{lane.id} departs {to_iso(leg.depart_utc)}, "
                "before the goods are ready and handled",
            )
        if lane.timetable and not self.scheduled(lane, dep):
            self.bad(
                "not_in_timetable",
                subject,
                f"{lane.id} has no departure at {to_iso(leg.depart_utc)}",
            )
        if ordered and abs(arr - self.arrival(lane, dep)) > SLACK_S:
            self.bad(
                "transit_mismatch",
                subject,
                f"{lane.id} arrives {to_iso(leg.arrive_utc)}, not departure + transit + customs",
            )

    @staticmethod
    def arrival(lane: Lane, dep: float) -> float:
        """Arrival instant of a departure (:func:`.rules.leg_arrival`)."""
        return leg_arrival(lane, dep)

    def scheduled(self, lane: Lane, dep: float) -> bool:
        """True if ``dep`` is a departure of the lane's timetable (origin's local time)."""
        tz = self.sites[lane.origin].timezone
        entries = [(tuple(str(d) for d in x.days), x.time) for x in lane.timetable]
        times = weekly_instants(entries, tz, dep - 60, dep + 60)
        return bool(len(times)) and bool(min(abs(times - dep)) <= SLACK_S)

    def check_export(self, subject: str, lane: Lane, dep: float, product_id: str) -> None:
        """A border-crossing leg does not leave a country while it restricts the export."""
        origin = self.sites[lane.origin].country
        if origin == self.sites[lane.destination].country:
            return
        wins = export_windows(self.sc.policies.export_restrictions, origin, product_id)
        if any(lo <= dep < hi for lo, hi in wins):
            self.bad(
                "export_restricted", subject, f"{lane.id} leaves {origin} during a restriction"
            )

    def check_closed(self, subject: str, lane: Lane, dep: float) -> None:
        """A leg does not depart while its lane is closed (a delayed departure excepted)."""
        if not still_departs(lane, dep):
            self.bad("lane_closed", subject, f"{lane.id} is closed at its departure")

    def check_contract(
        self, subject: str, legs: tuple[PlanLeg, ...], origin: str, destination: str, product: str
    ) -> None:
        """Exclusive distribution: the route passes through the distributor."""
        if destination not in self.sites:
            return  # reported where the destination is read
        country = self.sites[destination].country
        visited = {origin} | {self.lanes[g.lane].destination for g in legs if g.lane in self.lanes}
        for c in self.sc.policies.exclusive_distribution:
            if (
                c.supplier == origin
                and c.product == product
                and country in c.countries
                and c.distributor not in visited
            ):
                self.bad(
                    "contract_excludes", subject, f"must pass through {c.distributor} ({c.id})"
                )
