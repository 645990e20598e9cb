"""Checks of allocations and bookings.

Each allocation against its booking (product, hospital, nuclide, administration instant),
its dose (shelf life, decay from end of production to administration, the prescribed dose
within tolerance), approvals, its batch (EOP, product, site, GMP) and its route; every
booking of the horizon served or listed unserved, never both. Codes: ``double_allocation``,
``unknown_booking``, ``mismatch``, ``not_approved``, ``unknown_batch``, ``gmp``,
``before_production``, ``expired``, ``decay_mismatch``, ``dose_out_of_tolerance``,
``served_and_unserved``, ``booking_missing``.
"""

from __future__ import annotations

import math

from isoflow.domain.calendar import epoch
from isoflow.engines.planner.plan import PlanAllocation
from isoflow.engines.verify.core import REL, SLACK_S, _lam, _t
from isoflow.engines.verify.routes import _RouteChecks
from isoflow.scenario.rules import (
    SupplyBar,
    dose_tolerance,
    latest_arrival,
    prescribed_activity,
    shelf_life_s,
    supply_bar,
)
from isoflow.scenario.schema import Booking, Product


class _BookingChecks(_RouteChecks):
    """Allocations and bookings (routes through :class:`_RouteChecks`)."""

    def check_allocations(self) -> None:
        """Every allocation: its booking, dose, decay, approvals, batch and route."""
        seen: set[str] = set()
        for a in self.plan.allocations:
            if a.booking in seen:
                self.bad("double_allocation", f"allocation {a.booking}", "booking served twice")
            seen.add(a.booking)
            booking = self.bookings.get(a.booking)
            if booking is None:
                self.bad("unknown_booking", f"allocation {a.booking}", "not in the scenario")
                continue
            self.check_allocation(a, booking)

    def check_allocation(self, a: PlanAllocation, booking: Booking) -> None:
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
                f"administration {a.administration_utc} differs from the booking's",
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
                f"EOP {a.end_of_production_utc}, its batch ends {run.end_of_production_utc}",
            )
        if run.product != booking.product:
            self.bad("mismatch", subject, f"batch makes {run.product}, not {booking.product}")
        if a.site != run.site:
            self.bad("mismatch", subject, f"site {a.site}, its batch is made at {run.site}")
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

    def check_dose(
        self, subject: str, a: PlanAllocation, booking: Booking, product: Product, age: float
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
        """Every booking of the horizon is served or listed unserved, never both."""
        served = {a.booking for a in self.plan.allocations}
        listed = {u.booking for u in self.plan.unserved}
        for booking in sorted(served & listed):
            self.bad("served_and_unserved", f"booking {booking}", "listed as both")
        for u in self.plan.unserved:
            b = self.bookings.get(u.booking)
            if b is None:
                self.bad("unknown_booking", f"unserved {u.booking}", "not in the scenario")
            elif u.hospital != b.hospital or u.product != b.product:
                self.bad(
                    "mismatch",
                    f"unserved {u.booking}",
                    f"product {u.product} at {u.hospital}, booked {b.product} at {b.hospital}",
                )
        lo, hi = _t(self.plan.start_utc), _t(self.plan.end_utc)
        for b in self.sc.demand.bookings:
            if lo <= epoch(b.administration) < hi and b.id not in served | listed:
                self.bad(
                    "booking_missing",
                    f"booking {b.id}",
                    f"administered {b.administration.isoformat()} within the plan's horizon "
                    "but neither allocated nor listed as unserved",
                )
