"""Reason codes of unserved bookings, as a plan records them (``unserved[].reason``).

The planner (:mod:`isoflow.engines.planner.reasons`) finds the binding reason of each booking
it cannot serve; this module only names the codes and says what each one means.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Reason codes of unserved bookings (``plan.json``: ``unserved[].reason``)."""

    NO_DOSE = "no_dose"
    NOT_APPROVED = "not_approved"
    NO_PRODUCER = "no_producer"
    GMP_MARKET = "gmp_market"
    NO_LICENCE = "no_licence"
    OUTSIDE_SERVICE_AREA = "outside_service_area"
    EXCEEDS_BATCH_MAX = "exceeds_batch_max"
    ORDER_CUTOFF = "order_cutoff"
    LEAD_TIME = "lead_time"
    SITE_IN_OUTAGE = "site_in_outage"
    OUTSIDE_OPERATING_HOURS = "outside_operating_hours"
    CONTRACT_EXCLUDES = "contract_excludes"
    EXPORT_RESTRICTED = "export_restricted"
    NO_ROUTE_WITHIN_SHELF_LIFE = "no_route_within_shelf_life"
    NO_INPUT_SUPPLY = "no_input_supply"
    INPUT_STOCK = "input_stock"
    CAPACITY_EXHAUSTED = "capacity_exhausted"


MEANING: dict[Reason, str] = {
    Reason.NO_DOSE: "neither the booking nor its product states an activity to administer",
    Reason.NOT_APPROVED: "the product is not approved in the hospital's country",
    Reason.NO_PRODUCER: "no process in the scenario makes the product",
    Reason.GMP_MARKET: "a producer could serve it in time, but holds no GMP approval for the "
    "hospital's country (site gmp_markets)",
    Reason.NO_LICENCE: "a producer could serve it in time, but its licence for the product "
    "does not cover the hospital's country (site licences)",
    Reason.OUTSIDE_SERVICE_AREA: "a producer could serve it in time, but the hospital is "
    "outside its service area (a hospital radiopharmacy serves itself and its service_area)",
    Reason.EXCEEDS_BATCH_MAX: "a run timed as late as possible would still have to make more "
    "than batch_max for this one dose (too much decay on the way)",
    Reason.ORDER_CUTOFF: "every run that could serve it in time had passed its order cut-off "
    "when it was ordered (process order_cutoff; booking or order 'ordered')",
    Reason.LEAD_TIME: "the run would have to start before the earliest production start "
    "(plan start less --lead)",
    Reason.SITE_IN_OUTAGE: "the producers that could serve it are in a planned outage, "
    "off-cycle, not yet open or closed when the run would have to take place",
    Reason.OUTSIDE_OPERATING_HOURS: "no producer that could reach the hospital in time works "
    "at the hours needed (weekly production windows or elution times)",
    Reason.CONTRACT_EXCLUDES: "an exclusive distribution contract forces the route through a "
    "distributor, and no route through it arrives in time",
    Reason.EXPORT_RESTRICTED: "every route that would arrive in time crosses an export restriction",
    Reason.NO_ROUTE_WITHIN_SHELF_LIFE: "no route from any producer reaches the hospital in "
    "time within the product's shelf life (class-7 refusals included)",
    Reason.NO_INPUT_SUPPLY: "runs that could make the dose exist, but none can get its input "
    "activity (bulk isotope or generator) in time",
    Reason.INPUT_STOCK: "runs that could make the dose exist, but each would take more of a "
    "material (site stocks: O-18 water, targets, kits) than is left in its week after the "
    "plan's runs",
    Reason.CAPACITY_EXHAUSTED: "feasible runs and routes exist, but batch, lane or daily-run "
    "capacity goes to bookings the objective values more (priority, cost)",
}
"""What each reason code means (documented in docs/planner-design.md and `plan --help`)."""
