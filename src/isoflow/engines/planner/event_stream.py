"""A seeded stream of random events on a planned week (benchmarks and property tests).

:class:`EventStream` draws, at a random instant ``now`` of the week, one event that touches
the plan: a site it uses down for a day, a lane it ships on closed, one of its later
departures cancelled, one of its runs failing QC between start and release, one of its
consignments in the air 1-4 h late, a booking it serves cancelled, or an urgent booking
(priority 1) like one of the scenario's, 12-48 h ahead. Events are plain data, as an event
file holds them (:func:`isoflow.scenario.events.parse_events` reads them).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from isoflow.domain.calendar import from_epoch
from isoflow.engines.planner.pins import instant
from isoflow.records.plan import Plan
from isoflow.scenario.schema import Scenario
from isoflow.units import to_iso

HOUR = 3600.0


def _iso(t: float) -> str:
    return from_epoch(t).isoformat().replace("+00:00", "Z")


@dataclass
class EventStream:
    """A seeded generator of events on a planned week."""

    scenario: Scenario
    plan: Plan
    rng: random.Random

    def next(self) -> tuple[float, dict[str, Any]]:
        """``(now, event)``: an event drawn among those that touch the plan."""
        p, rng = self.plan, self.rng
        start, end = instant(p.start_utc), instant(p.end_utc)
        now = start + rng.uniform(0.5, 5.5) * 86400
        kinds = ["site_down", "lane_closed", "departure_cancelled", "run_failed",
                 "shipment_delayed", "demand_cancelled", "booking_added"]  # fmt: skip
        while True:
            kind = rng.choice(kinds)
            event = self._event(kind, now, end)
            if event is not None:
                return now, event

    def _event(self, kind: str, now: float, end: float) -> dict[str, Any] | None:
        p, rng = self.plan, self.rng
        later = [s for s in p.shipments if instant(s.depart_utc) >= now]
        if kind == "site_down" and p.runs:
            site = rng.choice(sorted({r.site for r in p.runs}))
            return {"kind": kind, "site": site, "start": _iso(now), "end": _iso(now + 86400)}
        if kind in ("lane_closed", "departure_cancelled") and later:
            s = rng.choice(later)
            if kind == "lane_closed":
                return {"kind": kind, "lane": s.lane, "start": _iso(now)}
            return {"kind": kind, "lane": s.lane, "departure": to_iso(s.depart_utc)}
        if kind == "run_failed":
            started = [r for r in p.runs if instant(r.start_utc) < now <= instant(r.release_utc)]
            if started:
                return {"kind": kind, "batch": rng.choice(started).batch}
        if kind == "shipment_delayed":
            flying = [s for s in p.shipments if instant(s.depart_utc) < now < instant(s.arrive_utc)]
            if flying:
                s = rng.choice(flying)
                late = instant(s.arrive_utc) + rng.uniform(1, 4) * HOUR
                return {"kind": kind, "lane": s.lane, "departure": to_iso(s.depart_utc),
                        "arrival": _iso(late)}  # fmt: skip
        future = [a for a in p.allocations if instant(a.administration_utc) > now + 6 * HOUR]
        if kind == "demand_cancelled" and future:
            ids = {b.id for b in self.scenario.demand.bookings}
            chosen = [a.booking for a in future if a.booking in ids]
            if chosen:
                return {"kind": kind, "id": rng.choice(chosen)}
        if kind == "booking_added" and self.scenario.demand.bookings:
            b = rng.choice(self.scenario.demand.bookings)
            admin = now + rng.uniform(12, 48) * HOUR
            if admin < end:
                new = b.model_dump(mode="json") | {
                    "id": f"urgent-{rng.randrange(10**9)}",
                    "administration": _iso(admin),
                    "priority": 1,
                }
                new.pop("ordered", None)
                return {"kind": kind, "booking": new}
        return None
