"""Checks of allocations and bookings.

Each allocation against its booking (product, hospital, nuclide, administration instant),
its dose (shelf life, decay from end of production to administration, the prescribed dose
within tolerance), approvals, its batch (EOP, product, site, GMP, the order cut-off) and its
route; every booking of the horizon served or listed unserved, never both; every dose of an
order served or listed short, no more. Activities of an allocation are per dose. Codes:
``double_allocation``, ``dose_count``, ``unknown_booking``, ``mismatch``, ``not_approved``,
``unknown_batch``, ``gmp``, ``before_production``, ``expired``, ``decay_mismatch``,
``dose_out_of_tolerance``, ``served_and_unserved``, ``booking_missing``, ``order_cutoff``.
"""

from __future__ import annotations

import math
from collections import defaultdict

from isoflow.domain.calendar import epoch
from isoflow.engines.verify.core import REL, SLACK_S, _lam, _t
from isoflow.engines.verify.routes import _RouteChecks
from isoflow.records.plan import PlanAllocation
from isoflow.scenario.demand import DemandItem, ordered_s
from isoflow.scenario.rules import (
    SupplyBar,
    accepts_order,
    dose_tolerance,
    latest_arrival,
    prescribed_activity,
    shelf_life_s,
    supply_bar,
)
from isoflow.scenario.schema import Product
from isoflow.units import format_duration, to_iso


class _BookingChecks(_RouteChecks):
    """Allocations and bookings (routes through :class:`_RouteChecks`)."""

    def check_allocations(self) -> None:
        """Every allocation: its booking or order, doses, decay, approvals, batch and route."""
        seen: set[str] = set()
        for a in self.plan.allocations:
            booking = self.bookings.get(a.booking)
            if booking is None:
                self.bad("unknown_booking", f"allocation {a.booking}", "not in the scenario")
                continue
            if a.booking in seen and booking.single_batch:
                what = "booking" if booking.is_patient else "single-batch order"
                self.bad("double_allocation", f"allocation {a.booking}", f"{what} served twice")
            seen.add(a.booking)
            self.check_doses(a, booking)
            self.check_allocation(a, booking)

    def check_doses(self, a: PlanAllocation, booking: DemandItem) -> None:
        """An allocation serves at least one dose; a single-batch record all of them."""
        subject = f"allocation {a.booking}"
        if a.doses < 1:
            self.bad("dose_count", subject, f"{a.doses} doses; an allocation serves at least one")
        elif booking.single_batch and a.doses != booking.doses:
            self.miscounted.add(booking.id)
            self.bad(
                "dose_count",
                subject,
                f"{a.doses} doses from one batch; the single-batch record needs all "
                f"{booking.doses} together",
            )

    def check_allocation(self, a: PlanAllocation, booking: DemandItem) -> None:
        """One allocation of a known booking."""
        subject = f"allocation {a.booking}"
        product = self.products[booking.product]
        if a.product != booking.product or a.hospital != booking.hospital:
            self.bad(
                "mismatch",
                subject,
                f"product {a.product} at {a.hospital}, booked {booking.product} at "
                f"{booking.hospital}",
            )
        if a.nuclide != product.nuclide:
            self.bad("mismatch", subject, f"nuclide {a.nuclide}, {product.id} is {product.nuclide}")
        t_admin = epoch(booking.administration)
        if abs(_t(a.administration_utc) - t_admin) > SLACK_S:
            self.bad(
                "mismatch",
                subject,
                f"administration {to_iso(a.administration_utc)} differs from the booking's",
            )
        age = t_admin - _t(a.end_of_production_utc)
        self.check_dose(subject, a, booking, product, age)
        country = self.sites[booking.hospital].country
        allowed = self.approvals.get(booking.product)
        if allowed is not None and country not in allowed:
            self.bad("not_approved", subject, f"{booking.product} not approved in {country}")
        run = self.runs.get(a.batch)
        if run is None:
            self.bad("unknown_batch", subject, f"batch {a.batch} is not in the plan's runs")
            return
        if abs(_t(run.end_of_production_utc) - _t(a.end_of_production_utc)) > SLACK_S:
            self.bad(
                "mismatch",
                subject,
                f"EOP {to_iso(a.end_of_production_utc)}, "
                f"its batch ends {to_iso(run.end_of_production_utc)}",
            )
        if run.product != booking.product:
            self.bad("mismatch", subject, f"batch makes {run.product}, not {booking.product}")
        if a.site != run.site:
            self.bad("mismatch", subject, f"site {a.site}, its batch is made at {run.site}")
        self.check_cutoff(subject, booking, run.batch, run.process, _t(run.start_utc))
        site = self.sites.get(run.site)
        hospital = self.sites[booking.hospital]
        bar = None if site is None else supply_bar(site, hospital, booking.product)
        if bar == SupplyBar.GMP_MARKET:
            self.bad("gmp", subject, f"{run.site} holds no GMP approval for {country}")
        elif bar == SupplyBar.LICENCE:
            self.bad(
                "no_licence",
                subject,
                f"{run.site} holds no licence for {booking.product} in {country}",
            )
        elif bar == SupplyBar.SERVICE_AREA:
            self.bad(
                "outside_service_area",
                subject,
                f"{booking.hospital} is outside the service area of {run.site}",
            )
        # administered before EOP is reported once, as before_production, not also as late
        deadline = latest_arrival(t_admin, hospital) if age >= -SLACK_S else math.inf
        self.check_legs(
            subject, a.legs, run.site, booking.hospital, _t(run.release_utc), deadline, product
        )

    def check_cutoff(
        self, subject: str, booking: DemandItem, batch: str, process: str, start: float
    ) -> None:
        """The booking was ordered before the order cut-off of the run serving it."""
        proc = self.processes.get(process)
        if proc is None or accepts_order(proc, start, ordered_s(booking)):
            return
        cutoff = format_duration(float(proc.order_cutoff or 0.0))
        ordered = booking.ordered.isoformat() if booking.ordered is not None else ""
        self.bad(
            "order_cutoff",
            subject,
            f"ordered {ordered}, after the cut-off of batch {batch} (orders close {cutoff} "
            "before it starts)",
        )

    def check_dose(
        self, subject: str, a: PlanAllocation, booking: DemandItem, product: Product, age: float
    ) -> None:
        """Shelf life, decay from EOP to administration, and the prescribed dose."""
        if age < -SLACK_S:
            self.bad(
                "before_production",
                subject,
                f"administered {-age:.0f} s before its end of production",
            )
        shelf = shelf_life_s(product)
        if age > shelf + SLACK_S:
            self.bad(
                "expired",
                subject,
                f"{age / 3600:.2f} h after EOP, shelf life {shelf / 3600:.2f} h",
            )
        admin = a.activity_eop_bq * math.exp(-_lam(product.nuclide) * age)
        if not math.isclose(admin, a.activity_admin_bq, rel_tol=REL):
            self.bad(
                "decay_mismatch",
                subject,
                f"activity at administration recomputes to {admin:.6g} Bq, "
                f"plan says {a.activity_admin_bq:.6g} Bq",
            )
        prescribed = prescribed_activity(booking, product)
        tolerance = dose_tolerance(booking, product)
        if abs(admin - prescribed) > tolerance * prescribed * (1 + REL) + 1e-9 * prescribed:
            self.bad(
                "dose_out_of_tolerance",
                subject,
                f"{admin:.6g} Bq at administration, prescribed {prescribed:.6g} Bq "
                f"± {tolerance:.0%}",
            )

    def check_bookings(self) -> None:
        """Every booking and order of the horizon served or listed short, dose for dose.

        Per record: doses served plus doses listed unserved equal the doses booked; a booking
        (or single-batch order) is never both served and listed.
        """
        served: dict[str, int] = defaultdict(int)
        for a in self.plan.allocations:
            served[a.booking] += max(a.doses, 0)
        short: dict[str, int] = defaultdict(int)
        for u in self.plan.unserved:
            short[u.booking] += u.doses
            b = self.bookings.get(u.booking)
            if b is None:
                self.bad("unknown_booking", f"unserved {u.booking}", "not in the scenario")
            elif u.hospital != b.hospital or u.product != b.product:
                self.bad(
                    "mismatch",
                    f"unserved {u.booking}",
                    f"product {u.product} at {u.hospital}, booked {b.product} at {b.hospital}",
                )
            elif u.doses < 1:
                self.bad("dose_count", f"unserved {u.booking}", f"{u.doses} doses short")
        lo, hi = _t(self.plan.start_utc), _t(self.plan.end_utc)
        for b in self.bookings.values():
            if b.id in self.miscounted:
                continue  # reported as dose_count
            if not lo <= epoch(b.administration) < hi and b.id not in served.keys() | short:
                continue
            self.check_count(b, served.get(b.id, 0), short.get(b.id, 0))

    def check_count(self, b: DemandItem, served: int, short: int) -> None:
        """Doses served and listed short of one record add up to the doses booked."""
        subject = f"{'booking' if b.is_patient else 'order'} {b.id}"
        if served and short and b.single_batch:
            self.bad("served_and_unserved", subject, "listed as both")
        elif b.single_batch and served > b.doses:
            return  # served twice: reported as double_allocation
        elif served + short > b.doses:
            self.bad(
                "served_and_unserved",
                subject,
                f"{served} doses served and {short} listed unserved, {b.doses} ordered",
            )
        elif served + short < b.doses:
            self.bad(
                "booking_missing",
                subject,
                f"administered {b.administration.isoformat()} within the plan's horizon: "
                f"{b.doses - served - short} of {b.doses} doses neither allocated nor listed "
                "as unserved",
            )
