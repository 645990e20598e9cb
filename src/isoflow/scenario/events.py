"""Events that change a planned week: what happened, in a file a planner can write by hand.

An event file (YAML or JSON) holds ``events:``, a list of mappings each with a ``kind``:

``site_down`` (``site``, ``start``, ``end``)
    Every process of the site stops over the interval (an outage of each).
``lane_closed`` (``lane``, ``start``, optional ``end``)
    Nothing departs on the lane from ``start`` (until ``end``; none: until further notice).
``departure_cancelled`` (``lane``, ``departure``)
    One departure does not leave.
``shipment_delayed`` (``lane``, ``departure``, ``arrival``)
    A departure that has left arrives at ``arrival`` (customs cleared) instead of on time;
    it takes no further consignment.
``run_failed`` (``batch``, optional ``shortfall``, default 1)
    A planned run yields ``shortfall`` (a fraction) less than planned: 1 is a QC failure,
    nothing released; 0.3 is a 30 % yield shortfall.
``export_restriction`` (``country``, optional ``products``, ``start``, optional ``end``)
    A country stops exports of the products (none listed: all) from ``start``.
``booking_added`` (``booking``: a booking as in a scenario), ``order_added`` (``order``)
    New demand.
``demand_cancelled`` (``id``)
    A booking or order is withdrawn.
``demand_changed`` (``id``, ``changes``: fields of the booking or order and their new values)
    A booking or order changes (time, doses, activity, priority, ...).

:func:`read_events` reads a file and reports every problem with file, line and field, like a
scenario; :func:`event_issues` checks an event list against a scenario (references), and
:func:`load_events` does both, at the file's lines;
:func:`apply_events` gives the scenario the events describe (a run failure is a fact about a
plan, not the scenario: the re-planner applies it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError

from isoflow.scenario import limits
from isoflow.scenario.citations import Strict
from isoflow.scenario.demand_models import Booking, Order
from isoflow.scenario.issues import Issue, Locator, ScenarioIssuesError, locate_all, no_location
from isoflow.scenario.jsonpos import JsonLocator
from isoflow.scenario.policy_models import ExportRestriction
from isoflow.scenario.quantities import CountryCode, Fraction, Identifier, UtcTime
from isoflow.scenario.schema import Closure, Delay, Outage, Scenario
from isoflow.scenario.yamlpos import decode, parse_yaml, yaml_locator


class SiteDown(Strict):
    """Every process of a site stops from ``start`` to ``end``."""

    kind: Literal["site_down"]
    site: Identifier
    start: UtcTime
    end: UtcTime
    note: str = ""


class LaneClosed(Strict):
    """Nothing departs on a lane from ``start`` (to ``end``; none: until further notice)."""

    kind: Literal["lane_closed"]
    lane: Identifier
    start: UtcTime
    end: UtcTime | None = None
    note: str = ""


class DepartureCancelled(Strict):
    """One departure of a lane does not leave."""

    kind: Literal["departure_cancelled"]
    lane: Identifier
    departure: UtcTime
    note: str = ""


class ShipmentDelayed(Strict):
    """A departure that has left arrives late (at ``arrival``, customs cleared)."""

    kind: Literal["shipment_delayed"]
    lane: Identifier
    departure: UtcTime
    arrival: UtcTime
    note: str = ""


class RunFailed(Strict):
    """A planned run yields less than planned: ``shortfall`` 1 is a QC failure."""

    kind: Literal["run_failed"]
    batch: Annotated[str, Field(min_length=1, max_length=200)]
    """The run's batch id in the plan (``process@start``)."""
    shortfall: Fraction = 1.0
    note: str = ""


class ExportBan(Strict):
    """A country stops exporting products (none listed: all) from ``start``."""

    kind: Literal["export_restriction"]
    country: CountryCode
    products: tuple[Identifier, ...] = ()
    start: UtcTime
    end: UtcTime | None = None
    note: str = ""


class BookingAdded(Strict):
    """A new per-patient booking."""

    kind: Literal["booking_added"]
    booking: Booking


class OrderAdded(Strict):
    """A new order of doses."""

    kind: Literal["order_added"]
    order: Order


class DemandCancelled(Strict):
    """A booking or order is withdrawn."""

    kind: Literal["demand_cancelled"]
    id: Identifier
    note: str = ""


class DemandChanged(Strict):
    """A booking or order changes: ``changes`` maps its fields to their new values."""

    kind: Literal["demand_changed"]
    id: Identifier
    changes: dict[str, Any]
    note: str = ""


Event = Annotated[
    SiteDown
    | LaneClosed
    | DepartureCancelled
    | ShipmentDelayed
    | RunFailed
    | ExportBan
    | BookingAdded
    | OrderAdded
    | DemandCancelled
    | DemandChanged,
    Field(discriminator="kind"),
]
"""One event (discriminated by ``kind``)."""


class EventFile(Strict):
    """An event file: a title and the events, applied in order."""

    title: str = ""
    events: Annotated[tuple[Event, ...], Field(min_length=1)]


# --------------------------------------------------------------------------- reading


def read_events(path: FsPath) -> EventFile:
    """Read an event file (YAML or JSON); every problem with file, line and field.

    Raises :class:`~isoflow.scenario.issues.ScenarioIssuesError` (exit 1 at the CLI).
    """
    return _read(path)[0]


def load_events(path: FsPath, scenario: Scenario, batches: set[str] | None = None) -> EventFile:
    """Read an event file and check it against ``scenario`` (and a plan's ``batches``).

    Every problem, of the file or of what its events name, is reported at its line.
    """
    events, locate = _read(path)
    found = event_issues(scenario, events.events)
    if batches is not None:
        found += [
            _bad(("events", i, "batch"), f"the plan has no run {e.batch!r}")
            for i, e in enumerate(events.events)
            if isinstance(e, RunFailed) and e.batch not in batches
        ]
    if found:
        raise ScenarioIssuesError(locate_all(found, locate))
    return events


def _read(path: FsPath) -> tuple[EventFile, Locator]:
    file = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioIssuesError([Issue((), f"cannot read: {exc.strerror}", file=file)]) from None
    if len(data) > limits.MAX_FILE_BYTES:
        issue = Issue((), f"file is larger than {limits.MAX_FILE_BYTES} bytes", file=file)
        raise ScenarioIssuesError([issue])
    text, issues = decode(data, file)
    if text is None:
        raise ScenarioIssuesError(issues)
    tree, locate = _parse(text, file, path.suffix.lower() == ".json")
    return parse_events(tree, locate, file), locate


def _parse(text: str, file: str, is_json: bool) -> tuple[Any, Locator]:
    if is_json:
        try:
            return limits.loads_json(text, limits.unique_keys), JsonLocator(text, file)
        except ValueError as exc:
            raise ScenarioIssuesError([Issue((), f"JSON error: {exc}", file=file)]) from None
    tree, issues = parse_yaml(text, file)
    if issues:
        raise ScenarioIssuesError(issues)
    return tree, yaml_locator(tree, file)


def parse_events(tree: Any, locate: Locator = no_location, file: str = "") -> EventFile:
    """Validate plain data as an event file; issues located by ``locate``."""
    from isoflow.scenario.load import pydantic_issues

    if not isinstance(tree, dict):
        issue = Issue((), "expected a mapping with 'events:', a list of events", file=file)
        raise ScenarioIssuesError([issue])
    try:
        return EventFile.model_validate(tree)
    except ValidationError as exc:
        raise ScenarioIssuesError(locate_all(pydantic_issues(exc, tree), locate)) from None
    except RecursionError:
        raise ScenarioIssuesError([Issue((), "the data nests too deeply", file=file)]) from None


# --------------------------------------------------------------------------- checking


def event_issues(scenario: Scenario, events: Sequence[Event]) -> list[Issue]:
    """Events that name what the scenario lacks (a site, lane, booking), each at its path."""
    sites = {s.id for s in scenario.sites}
    lanes = {lane.id for lane in scenario.lanes}
    demand = {b.id for b in scenario.demand.bookings} | {o.id for o in scenario.demand.orders}
    issues: list[Issue] = []
    for i, e in enumerate(events):
        at = ("events", i)
        if isinstance(e, SiteDown) and e.site not in sites:
            issues.append(_bad((*at, "site"), f"unknown site {e.site!r}"))
        if isinstance(e, LaneClosed | DepartureCancelled | ShipmentDelayed) and e.lane not in lanes:
            issues.append(_bad((*at, "lane"), f"unknown lane {e.lane!r}"))
        if isinstance(e, SiteDown | LaneClosed) and e.end is not None and e.end <= e.start:
            issues.append(_bad((*at, "end"), "'end' must be after 'start'"))
        if isinstance(e, ShipmentDelayed) and e.arrival <= e.departure:
            issues.append(_bad((*at, "arrival"), "'arrival' must be after 'departure'"))
        if isinstance(e, DemandCancelled | DemandChanged) and e.id not in demand:
            issues.append(_bad((*at, "id"), f"no booking or order {e.id!r} in the scenario"))
        if isinstance(e, BookingAdded | OrderAdded):
            field, new = (
                ("booking", e.booking.id) if isinstance(e, BookingAdded) else ("order", e.order.id)
            )
            if new in demand:
                issues.append(_bad((*at, field, "id"), f"{new!r} is already in the scenario"))
            demand.add(new)
            record = e.booking if isinstance(e, BookingAdded) else e.order
            issues += _demand_references((*at, field), record.hospital, record.product, scenario)
        if isinstance(e, DemandChanged):
            hospital, product = e.changes.get("hospital"), e.changes.get("product")
            issues += _demand_references((*at, "changes"), hospital, product, scenario)
    return issues


def _demand_references(
    at: tuple[str | int, ...], hospital: Any, product: Any, scenario: Scenario
) -> list[Issue]:
    """A new or changed booking's or order's site and product, if the scenario lacks them."""
    issues = []
    if hospital is not None and hospital not in {s.id for s in scenario.sites}:
        issues.append(_bad((*at, "hospital"), f"unknown site {hospital!r}"))
    if product is not None and product not in {p.id for p in scenario.products}:
        issues.append(_bad((*at, "product"), f"unknown product {product!r}"))
    return issues


def _bad(path: tuple[str | int, ...], message: str) -> Issue:
    return Issue(path, message, code="event")


# --------------------------------------------------------------------------- applying


def apply_events(scenario: Scenario, events: Sequence[Event]) -> Scenario:
    """The scenario after ``events`` (in order); a run failure changes nothing here.

    Raises :class:`ScenarioIssuesError` if an event names what the scenario lacks or leaves
    a booking or order that is no longer valid.
    """
    problems = event_issues(scenario, events)
    if problems:
        raise ScenarioIssuesError(problems)
    data = scenario.model_dump(mode="python", round_trip=True)
    for i, e in enumerate(events):
        _apply(data, e, i)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        from isoflow.scenario.load import pydantic_issues

        raise ScenarioIssuesError(pydantic_issues(exc, data)) from None


def _apply(data: dict[str, Any], e: Event, i: int) -> None:
    """Apply one event to plain scenario data."""
    if isinstance(e, SiteDown):
        outage = Outage(start=e.start, end=e.end, reason=e.note or "site down (event)")
        for p in data["processes"]:
            if p["site"] == e.site:
                avail = p.setdefault("availability", {})
                avail["outages"] = (*avail.get("outages", ()), outage.model_dump())
    elif isinstance(e, LaneClosed):
        _lane_add(data, e.lane, "closures", Closure(start=e.start, end=e.end, reason=e.note))
    elif isinstance(e, DepartureCancelled):
        gap = timedelta(seconds=60)
        closure = Closure(start=e.departure - gap, end=e.departure + gap, reason="cancelled")
        _lane_add(data, e.lane, "closures", closure)
    elif isinstance(e, ShipmentDelayed):
        _lane_add(data, e.lane, "delays", Delay(departure=e.departure, arrival=e.arrival))
    elif isinstance(e, ExportBan):
        ban = ExportRestriction(
            country=e.country, products=e.products, start=e.start, end=e.end, reason=e.note
        )
        policies = data.setdefault("policies", {})
        policies["export_restrictions"] = (
            *policies.get("export_restrictions", ()),
            ban.model_dump(),
        )
    elif isinstance(e, BookingAdded | OrderAdded):
        key = "bookings" if isinstance(e, BookingAdded) else "orders"
        record = e.booking if isinstance(e, BookingAdded) else e.order
        demand = data.setdefault("demand", {})
        demand[key] = (*demand.get(key, ()), record.model_dump())
    elif isinstance(e, DemandCancelled | DemandChanged):
        _demand_edit(data, e, i)


def _lane_add(data: dict[str, Any], lane_id: str, key: str, item: Closure | Delay) -> None:
    for lane in data["lanes"]:
        if lane["id"] == lane_id:
            lane[key] = (*lane.get(key, ()), item.model_dump())


def _demand_edit(data: dict[str, Any], e: DemandCancelled | DemandChanged, i: int) -> None:
    """Withdraw or change booking/order ``e.id``; a change is checked as the whole record."""
    demand = data.setdefault("demand", {})
    for key, model in (("bookings", Booking), ("orders", Order)):
        records = list(demand.get(key, ()))
        for j, record in enumerate(records):
            if record["id"] != e.id:
                continue
            if isinstance(e, DemandCancelled):
                del records[j]
            else:
                records[j] = _changed(model, record, e, i)
            demand[key] = tuple(records)
            return


def _changed(
    model: type[Booking] | type[Order], record: dict[str, Any], e: DemandChanged, i: int
) -> dict[str, Any]:
    from isoflow.scenario.load import pydantic_issues

    if "id" in e.changes:
        raise ScenarioIssuesError([_bad(("events", i, "changes", "id"), "an id cannot change")])
    try:
        return model.model_validate({**record, **e.changes}).model_dump()
    except ValidationError as exc:
        found = [
            Issue(("events", i, "changes", *x.path), x.message, code=x.code)
            for x in pydantic_issues(exc, e.changes)
        ]
        raise ScenarioIssuesError(found) from None


def event_time(e: Event) -> datetime | None:
    """When an event takes effect (its start or departure); None for demand and run events."""
    if isinstance(e, SiteDown | LaneClosed | ExportBan):
        return e.start
    if isinstance(e, DepartureCancelled | ShipmentDelayed):
        return e.departure
    return None
